"""The student worksheet and its answer key: one ``exam``-class document from a trace.

The worksheet states the rules (decimals, rounding, whether later answers are graded from
the student's own earlier values), gives the model and the data as matrices, and asks for
the chosen steps with blanks sized for the answers (a blank matrix for a matrix). The key
is the same document with the answers in the blanks and, under each, the worked steps that
lead to it and were not worked out for an earlier question.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from rnntrace.render import numfmt
from rnntrace.render.latex import PREAMBLE, LatexPrinter, display_latex
from rnntrace.render.latex_base import LINE_PT, MINUS, LatexSettings, is_number, side_by_side
from rnntrace.render.prose import (
    Display,
    Math,
    Prose,
    Word,
    model_sentences,
    prose_latex,
    sentence,
    token_at,
    token_words,
)
from rnntrace.render.sheet_text import describe, group_title, rules
from rnntrace.render.texescape import latex_word
from rnntrace.trace import Step, Trace

CARRIED_CREDIT = ("full", "half", "none")

SHEET_PREAMBLE = r"""\newcommand{\blank}[1]{\underline{\hphantom{#1}\quad}}
\newcommand{\answer}[2]{\underline{\hphantom{#1}\llap{$\mathbf{#2}$}\quad}}
\pagestyle{headandfoot}
\footer{}{Page \thepage}{}
"""


@dataclass(frozen=True)
class SheetSettings:
    """What kind of sheet: the worksheet or its key, and the carried-credit rule it states."""

    key: bool = False
    carried_credit: str = "full"  # full | half | none


class Worksheet:
    """Writes the worksheet (or key) of a trace for a list of question steps."""

    def __init__(self, trace: Trace, questions: Sequence[Step], settings: SheetSettings) -> None:
        self.trace = trace
        self.questions = list(questions)
        self.settings = settings
        # Questions and their solutions are indented (exam's parts): narrower displays.
        self.printer = LatexPrinter(trace, settings=LatexSettings(full=True, width=LINE_PT - 70))
        self.d = trace.meta.decimals

    def render(self) -> Iterator[str]:
        """The whole document, in chunks."""
        key = self.settings.key
        yield "\\documentclass[10pt]{exam}\n" + PREAMBLE + SHEET_PREAMBLE
        if key:
            yield "\\runningheader{}{}{\\textbf{Answer key}}\n"
            yield "\\firstpageheader{}{}{\\textbf{Answer key}}\n"
        yield "\\begin{document}\n"
        yield from self._title()
        yield "\\section*{Rules}\n\\begin{itemize}\n"
        for rule in rules(self.trace, self.settings.carried_credit):
            yield f"\\item {prose_latex(rule)}\n"
        yield "\\end{itemize}\n\\section*{The model}\n"
        for line in model_sentences(self.trace):
            yield prose_latex(line) + "\n\n"
        yield from self._data()
        yield from self._questions()
        yield "\\end{document}\n"

    def _title(self) -> Iterator[str]:
        meta = self.trace.meta
        kind = "Answer key" if self.settings.key else "Worksheet"
        yield "\\begin{center}\n"
        yield f"{{\\Large\\bfseries {prose_latex(sentence(meta.title))}}}\\\\[4pt]\n"
        yield f"{{\\large {kind}}}\n\\end{{center}}\n"
        if not self.settings.key:
            yield "\\noindent Name: \\makebox[9cm]{\\hrulefill}\\hfill Date: "
            yield "\\makebox[4cm]{\\hrulefill}\n\n\\medskip\n"
        if meta.description:
            yield prose_latex(sentence(meta.description)) + "\n\n"

    # -- the data ---------------------------------------------------------------------------
    def _data(self) -> Iterator[str]:
        yield "\\section*{The data}\n"
        inputs = [step for step in self.trace if step.op == "input"]
        kind = self.trace.meta.input_kind
        if kind in ("embeddings", "one_hot"):
            what = "embedding" if kind == "embeddings" else "one-hot vector"
            yield prose_latex(sentence(f"Each token's {what}, a column vector:")) + "\n"
            rows: list[Display] = []
            seen: set[str] = set()
            for step in inputs:
                token = str(step.info.get("token", ""))
                if step.info.get("source") == kind and token not in seen:  # not a start
                    seen.add(token)
                    rows.append(self._vector_row(step, token))
            yield display_latex(Display(tuple(row for d in rows for row in d.rows)))
        yield prose_latex(sentence("The parameters:")) + "\n"
        given = [item for s in self.trace if s.phase == "given" for item in self._given(s)]
        for item in side_by_side(given, self.printer.width):
            yield self.printer.markup(item)
        yield "\\medskip\n" + prose_latex(sentence("The sequences:")) + "\n\\begin{itemize}\n"
        for info in self.trace.meta.sequences:
            yield f"\\item {prose_latex(self._sequence(info.number))}\n"
            if kind not in ("embeddings", "one_hot"):
                vectors = [s for s in inputs if s.sequence == info.number]
                for item in side_by_side(self._inputs(vectors), self.printer.width):
                    yield self.printer.markup(item)
        yield "\\end{itemize}\n"

    def _given(self, step: Step) -> list[Display | Prose]:
        return list(self.printer.step_items(step))

    def _inputs(self, steps: list[Step]) -> list[Display | Prose]:
        """The input vectors of a sequence given as vectors, ``x_t = [...]``."""
        return [
            self.printer.equation(
                self.printer.sym(step), [("=", self.printer.value_terms(step.value))]
            )
            for step in steps
        ]

    def _vector_row(self, step: Step, token: str) -> Display:
        cells = [[cell[0] for cell in self.printer.cells(step.value)]]
        terms = [term + r"^\top" for term in self.printer.block_terms(cells)]
        return self.printer.equation(rf"\text{{{latex_word(token)}}}", [(r"\mapsto", terms)])

    def _sequence(self, number: int) -> Prose:
        info = self.trace.meta.sequences[number - 1]
        parts: list[str] = [f"Sequence {number}: ", token_words(info.tokens, limit=200)]
        if self.trace.meta.output == "last" and info.targets:
            parts += [", label ", Word(next(iter(info.targets.values())))]
        elif info.targets:
            parts.append(", targets")
            for i, (time, target) in enumerate(info.targets.items()):
                parts += [", " if i else " ", Math(f"y_{{{time}}}"), " = ", Word(target)]
        return sentence(*parts, ".")

    # -- the questions ----------------------------------------------------------------------
    def _questions(self) -> Iterator[str]:
        yield "\\section*{Questions}\n\\begin{questions}\n"
        shown: set[str] = set()
        for title, steps in self._groups():
            yield f"\\question {prose_latex(title)}\n\\begin{{parts}}\n"
            for step in steps:
                yield f"\\part {prose_latex(describe(self.trace, step))}\n"
                yield "{\\renewcommand{\\arraystretch}{1.6}\n"
                yield display_latex(self._answer(step)) + "}\n"
                if self.settings.key:
                    yield from self._solution(step, shown)
            yield "\\end{parts}\n"
        yield "\\end{questions}\n"

    def _groups(self) -> list[tuple[Prose, list[Step]]]:
        """Runs of questions of one part of the calculation, in trace order."""
        groups: list[tuple[tuple[str, int | None], list[Step]]] = []
        for step in self.questions:
            key = (step.phase, step.sequence)
            if groups and groups[-1][0] == key:
                groups[-1][1].append(step)
            else:
                groups.append((key, [step]))
        return [(group_title(self.trace, phase, seq), steps) for (phase, seq), steps in groups]

    def _answer(self, step: Step) -> Display:
        """``symbol = [blanks]``, or in the key ``symbol = [answers]``."""
        values = np.asarray(step.carried)
        texts = [numfmt.fixed(float(v), self.d, MINUS) for v in np.ravel(values)]
        digits = max(len(t.lstrip(MINUS).split(".")[0]) for t in texts)
        template = "-" + "0" * digits + ("." + "0" * self.d if self.d else "")

        def cell(text: str) -> str:
            if self.settings.key:
                return rf"\answer{{{template}}}{{{text}}}"
            return rf"\blank{{{template}}}"

        if is_number(values):
            terms = [cell(texts[0])]
        else:
            columns = values.shape[1] if values.ndim == 2 else 1
            cells = [
                [cell(t) for t in texts[i : i + columns]] for i in range(0, len(texts), columns)
            ]
            terms = self.printer.block_terms(cells, vector=values.ndim == 1)
        rel = self.printer.rel(step) if self.settings.key else "="
        return self.printer.equation(self.printer.sym(step), [(rel, terms)])

    def _solution(self, step: Step, shown: set[str]) -> Iterator[str]:
        """The worked steps leading to ``step`` that no earlier solution showed."""
        steps = self._ancestors(step, shown)
        if not steps:
            return
        # Not exam's solution environment: it is a box, and a box cannot break across pages.
        yield "\\par\\medskip\\noindent\\textbf{Worked solution.}\n\n"
        where: tuple[int | None, int | None] = (None, None)
        for s in steps:
            context = self._context(s)
            if (s.sequence, s.time) != where and context is not None:
                yield prose_latex(context) + "\n\n"
            where = (s.sequence, s.time)
            for item in side_by_side(list(self.printer.step_items(s)), self.printer.width):
                yield self.printer.markup(item)
        yield "\\medskip\n"

    def _ancestors(self, step: Step, shown: set[str]) -> list[Step]:
        found: set[str] = set()
        stack = [step.key]
        while stack:
            key = stack.pop()
            if key in found or key in shown:
                continue
            current = self.trace[key]
            if current.op == "given":
                continue
            found.add(key)
            stack.extend(current.operands)
        shown.update(found)
        return [s for s in self.trace if s.key in found]

    def _context(self, step: Step) -> Prose | None:
        """'Sequence 2, time step 3 (word):' over the worked steps of that time step."""
        several = len(self.trace.meta.sequences) > 1
        parts: list[str] = [f"Sequence {step.sequence}"] if several else []
        if step.time is not None and step.sequence is not None:
            parts.append(f", time step {step.time}" if several else f"Time step {step.time}")
            token = token_at(self.trace, step)
            parts += [" (", Word(token), ")"] if token is not None else []
        return sentence(*parts, ":", note=True) if parts else None


def render_worksheet(
    trace: Trace, questions: Sequence[Step], settings: SheetSettings | None = None
) -> Iterator[str]:
    """The worksheet (or with ``settings.key`` its answer key) as LaTeX, in chunks."""
    return Worksheet(trace, questions, settings or SheetSettings()).render()
