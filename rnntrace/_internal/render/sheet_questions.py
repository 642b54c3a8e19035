"""The questions of a worksheet and its key: numbered as the assignment numbers them, each
part with its points, a blank per entry (a PDF form field when the sheet is fillable), the
answers-file key beside the blank, working space sized for the calculation, and in the key
the worked steps that lead to the answer.

No heading, question stem or part is left alone at the foot of a page: each asks
``needspace`` for room for itself and what follows it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from rnntrace._internal.assignment.questions import Question, field_name
from rnntrace._internal.render import numfmt
from rnntrace._internal.render.latex import display_latex
from rnntrace._internal.render.latex_base import MINUS, is_number, side_by_side
from rnntrace._internal.render.prose import Display, Prose, Word, prose_latex, sentence, token_at
from rnntrace._internal.render.sheet_text import describe, group_title
from rnntrace._internal.render.texescape import latex_word
from rnntrace._internal.trace import Step, Trace

if TYPE_CHECKING:
    from rnntrace._internal.render.latex import LatexPrinter

SPACE_CAP_PT = 420.0  # working space under a part: at most about two thirds of a page
LINE_SPACE_PT = 14.0


def _field_tex(name: str) -> str:
    """A field name inside a TeX argument: ``_`` written as ``\\string_``."""
    return name.replace("_", r"\string_")


class SheetQuestions:
    """Writes the questions section of one sheet."""

    def __init__(
        self,
        trace: Trace,
        questions: Sequence[Question],
        printer: LatexPrinter,
        *,
        key: bool,
        fillable: bool,
    ) -> None:
        self.trace = trace
        self.questions = list(questions)
        self.printer = printer
        self.key = key
        self.fillable = fillable and not key
        self.d = trace.meta.decimals

    def render(self) -> Iterator[str]:
        """``\\section*{Questions}`` and the exam class's questions, in chunks."""
        yield "\\Needspace{8\\baselineskip}\n\\section*{Questions}\n\\begin{questions}\n"
        shown: set[str] = set()
        for first, group in self._groups():
            title = group_title(self.trace, first.phase, first.sequence)
            yield f"\\Needspace{{10\\baselineskip}}\n\\question {prose_latex(title)}\n"
            yield "\\begin{parts}\n"
            for question in group:
                yield from self._part(question, shown)
            yield "\\end{parts}\n"
        yield "\\end{questions}\n"

    def _groups(self) -> list[tuple[Question, list[Question]]]:
        """The questions by sheet question number (``3`` of ``3(b)``)."""
        groups: dict[str, list[Question]] = {}
        for q in self.questions:
            groups.setdefault(q.number.split("(")[0], []).append(q)
        return [(qs[0], qs) for qs in groups.values()]

    def _part(self, question: Question, shown: set[str]) -> Iterator[str]:
        step = self.trace[question.key]
        worked = self._ancestors(step, shown)
        yield f"\\Needspace{{{4 + 2 * self._rows(step)}\\baselineskip}}\n"
        yield f"\\part[{question.points:g}] {prose_latex(describe(self.trace, step))}\n"
        yield "{\\renewcommand{\\arraystretch}{1.6}\n"
        yield display_latex(self._answer(step)) + "}\n"
        if self.key:
            yield from self._solution(worked)
        else:
            yield f"\\vspace{{{self._space(worked):.0f}pt}}\n"

    @staticmethod
    def _rows(step: Step) -> int:
        return step.shape[0] if step.shape else 1

    def _answer(self, step: Step) -> Display:
        """``symbol = [blanks]`` with the answers-file key at the right, or in the key
        ``symbol = [answers]``."""
        values = np.asarray(step.carried)
        texts = [numfmt.fixed(float(v), self.d, MINUS) for v in np.ravel(values)]
        digits = max(len(t.lstrip(MINUS).split(".")[0]) for t in texts)
        template = "-" + "0" * digits + ("." + "0" * self.d if self.d else "")

        def cell(flat: int, text: str) -> str:
            if self.key:
                return rf"\answer{{{template}}}{{{text}}}"
            if self.fillable:
                index = np.unravel_index(flat, values.shape) if values.ndim else ()
                name = field_name(step.key, [int(i) + 1 for i in index])
                return rf"\field{{{_field_tex(name)}}}{{{template}}}"  # as wide as a blank
            return rf"\blank{{{template}}}"

        cells_flat = [cell(i, t) for i, t in enumerate(texts)]
        if is_number(values):
            terms = cells_flat[:1]
        else:
            row = self.printer.rows  # model.layout rows: a vector's blanks in a row
            columns = values.shape[1] if values.ndim == 2 else (len(cells_flat) if row else 1)
            cells = [cells_flat[i : i + columns] for i in range(0, len(cells_flat), columns)]
            terms = self.printer.block_terms(cells, vector=values.ndim == 1)
        rel = self.printer.rel(step) if self.key else "="
        display = self.printer.equation(self.printer.sym(step), [(rel, terms)])
        tag = rf"\tag*{{\footnotesize {latex_word(step.key)}}}"
        return Display((*display.rows[:-1], display.rows[-1] + " " + tag))

    def _space(self, worked: list[Step]) -> float:
        """Room to work: about the height of the worked steps the key shows here (a line
        for each step, a line per row it expands, its value as a column)."""
        height = 0.0
        for step in worked:
            rows = step.shape[0] if step.shape else 1
            expanded = rows if step.op in ("matvec", "vecmat", "dots", "outer") else 0
            height += LINE_SPACE_PT * (1 + expanded) + 12.0 * rows + 8.0
        return min(max(height, 2 * LINE_SPACE_PT), SPACE_CAP_PT)

    def _solution(self, steps: list[Step]) -> Iterator[str]:
        """The worked steps leading to the answer that no earlier solution showed."""
        if not steps:
            return
        # Not exam's solution environment: it is a box, and a box cannot break across pages.
        yield "\\par\\medskip\\noindent\\textbf{Worked solution.}\n\n"
        where: tuple[int | None, int | None] = (None, None)
        for group in _by_time(steps):
            context = self._context(group[0])
            if (group[0].sequence, group[0].time) != where and context is not None:
                yield prose_latex(context) + "\n\n"
            where = (group[0].sequence, group[0].time)
            if self.printer.seed:  # --layout seed: each stage one split block
                for item in self.printer.steps_items(group):
                    yield self.printer.markup(item)
                continue
            for s in group:
                for item in side_by_side(list(self.printer.step_items(s)), self.printer.width):
                    yield self.printer.markup(item)
        yield "\\medskip\n"

    def _ancestors(self, step: Step, shown: set[str]) -> list[Step]:
        return worked_steps(self.trace, step, shown)

    def _context(self, step: Step) -> Prose | None:
        """'Sequence 2, time step 3 (word):' over the worked steps of that time step."""
        several = len(self.trace.meta.sequences) > 1
        parts: list[str] = [f"Sequence {step.sequence}"] if several else []
        if step.time is not None and step.sequence is not None:
            parts.append(f", time step {step.time}" if several else f"Time step {step.time}")
            token = token_at(self.trace, step)
            parts += [" (", Word(token), ")"] if token is not None else []
        return sentence(*parts, ":", note=True) if parts else None


def _by_time(steps: list[Step]) -> list[list[Step]]:
    """Consecutive steps of one sequence's time step together."""
    groups: list[list[Step]] = []
    for step in steps:
        if not groups or (step.sequence, step.time) != (groups[-1][0].sequence, groups[-1][0].time):
            groups.append([])
        groups[-1].append(step)
    return groups


def worked_steps(trace: Trace, step: Step, shown: set[str]) -> list[Step]:
    """The computed steps ``step`` comes from (itself too) not in ``shown``, in trace order:
    what a key works out under a question; adds them to ``shown``."""
    found: set[str] = set()
    stack = [step.key]
    while stack:
        key = stack.pop()
        if key in found or key in shown:
            continue
        current = trace[key]
        if current.op == "given":
            continue
        found.add(key)
        stack.extend(current.operands)
    shown.update(found)
    return [s for s in trace if s.key in found]
