"""What grading and training return: a report and a training run, each wrapping the
engine's own result and displaying itself in Jupyter and IPython, as a trace does."""

from __future__ import annotations

import html
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from rnntrace._internal.api import printers
from rnntrace._internal.api.views import table

if TYPE_CHECKING:
    from rnntrace._internal.engine.training import TrainResult
    from rnntrace._internal.scenario import Scenario
    from rnntrace._internal.verify import Grade, Grader


class Report:
    """The grade of one answer sheet: each asked quantity's verdict (correct, carried error,
    rounding drift, wrong, missing, ...), the scores and the tolerance rule."""

    __module__ = "rnntrace"  # its public name: rnntrace.Report

    def __init__(self, grade: Grade, grader: Grader, carried_credit: str, unknown: Any) -> None:
        self.grade = grade  #: rnntrace._internal.verify.Grade, as `rnntrace verify` computes it
        self.grader = grader
        self.carried_credit = carried_credit
        self.unknown = tuple(unknown)

    @property
    def all_correct(self) -> bool:
        """True when every quantity is correct or off only by rounding drift."""
        return self.grade.all_correct

    @property
    def verdicts(self) -> dict[str, str]:
        """Key -> verdict, in the order of the calculation."""
        return {item.key: item.verdict for item in self.grade.items}

    @property
    def score(self) -> float:
        """Points earned, carried errors counted with the carried-error credit."""
        from rnntrace._internal.verify.batch import scores

        return scores(self.grade, self.carried_credit)[1]

    @property
    def max_score(self) -> float:
        """The points of the judged quantities."""
        return self.grade.max_score

    def to_text(self, width: int = printers.TEXT_WIDTH) -> str:
        """The report `rnntrace verify` prints: the table, the scores and the rule."""
        from rnntrace._internal.verify.report import grade_table

        table = grade_table(self.grade, self.grader, carried_credit=self.carried_credit,
                            unknown=self.unknown)  # fmt: skip
        return printers.plain_text(table, width)

    def _rows(self) -> list[list[str]]:
        from rnntrace._internal.verify.report import difference_text, number

        digits = self.grader.decimals + 1
        return [
            [item.key, item.verdict, ", ".join(number(float(v), digits) for v in item.expected),
             ", ".join(item.answer.texts) if item.answer else "", difference_text(item, digits)]
            for item in self.grade.items
        ]  # fmt: skip

    def _summary(self) -> str:
        return (f"Score {self.score:g} / {self.max_score:g} ({self.carried_credit} credit for "
                f"carried errors). Tolerance: {self.grader.rule}.")  # fmt: skip

    def __repr__(self) -> str:
        return f"<rnntrace.Report {self.grade.name!r}: {self._summary()}>"

    def _repr_html_(self) -> str:
        head = ("key", "verdict", "expected", "given", "difference")
        return table(head, self._rows(), False) + f"<p>{html.escape(self._summary())}</p>"

    def _repr_markdown_(self) -> str:
        head = ("key", "verdict", "expected", "given", "difference")
        return table(head, self._rows(), True) + "\n" + self._summary() + "\n"

    def _repr_latex_(self) -> str:
        from rnntrace._internal.render.texescape import latex_text

        rows = " \\\\\n".join(" & ".join(latex_text(c) for c in row[:4]) for row in self._rows())
        return ("\\begin{tabular}{llll}\nkey & verdict & expected & given \\\\ \\hline\n"
                f"{rows}\n\\end{{tabular}}\n\n{latex_text(self._summary())}\n")  # fmt: skip

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self) if cycle else self.to_text())


class Training:
    """A training run: every epoch's loss (before that epoch's update), the reported epochs
    and the parameters after the last update."""

    __module__ = "rnntrace"  # its public name: rnntrace.Training

    def __init__(self, result: TrainResult, scenario: Scenario) -> None:
        self.result = result  #: rnntrace._internal.engine.training.TrainResult
        self.scenario = scenario

    @property
    def losses(self) -> list[float]:
        """The loss of every epoch, before its update (epoch 1: the untrained model)."""
        return self.result.losses

    @property
    def params(self) -> dict[str, np.ndarray]:
        """The trained parameters after the last update."""
        return self.result.params

    def trained_scenario(self) -> Scenario:
        """The scenario with the trained parameters (to trace the trained model)."""
        from rnntrace._internal.engine.training import with_params

        return with_params(self.scenario, self.result.params)

    @cached_property
    def document(self) -> dict[str, Any]:
        """The run as `rnntrace train --format json` writes it."""
        from rnntrace._internal.engine.training import document

        return document(self.result, self.scenario)

    def _table(self, markdown: bool) -> str:
        """The reported epochs as `train` prints them: loss, the techniques' columns (η of
        the epoch, the penalty and the total loss, when they are on), grad norm, clipped."""
        from rnntrace._internal.render.training import technique_cells, technique_columns

        settings = self.document["settings"]
        head = ("epoch", "loss", *technique_columns(settings), "grad norm", "clipped")
        rows = [[f"{r['epoch']:,}", f"{r['loss']:.4f}",
                 *(f"{v:.4f}" for v in technique_cells(r, settings)),
                 f"{r['grad_norm']:.4f}", "yes" if r["clipped"] else "no"]
                for r in self.document["reported"]]  # fmt: skip
        return table(head, rows, markdown)

    def __repr__(self) -> str:
        first, last = self.losses[0], self.losses[-1]
        return (f"<rnntrace.Training {self.result.settings.describe()}: loss {first:.6g} -> "
                f"{last:.6g}>")  # fmt: skip

    def _repr_html_(self) -> str:
        from rnntrace._internal.render.html_page import loss_curve_svg

        text = html.escape(self.result.settings.describe())
        rows = self._table(markdown=False)
        return f"<p>Training: {text}</p>{rows}{loss_curve_svg(self.losses)}"

    def _repr_markdown_(self) -> str:
        rows = self._table(markdown=True)
        return f"Training: {self.result.settings.describe()}\n\n{rows}"

    def _repr_latex_(self) -> str:
        from rnntrace._internal.render.training import render_training_latex

        return render_training_latex(self.document)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        from rich.console import Group

        from rnntrace._internal.render.training import render_training_text

        report = Group(*render_training_text(self.document))
        p.text(repr(self) if cycle else printers.plain_text(report))
