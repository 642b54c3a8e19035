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

from rnntrace._internal.assignment.questions import Question, number_questions
from rnntrace._internal.render.latex import PREAMBLE, LatexPrinter, display_latex
from rnntrace._internal.render.latex_base import LINE_PT, LatexSettings, side_by_side
from rnntrace._internal.render.prose import (
    Display,
    Prose,
    Word,
    model_sentences,
    prose_latex,
    sentence,
    token_words,
)
from rnntrace._internal.render.sheet_questions import SheetQuestions
from rnntrace._internal.render.sheet_text import rules
from rnntrace._internal.render.texescape import latex_word
from rnntrace._internal.symbol import Symbol
from rnntrace._internal.symbol.rename import renaming_of
from rnntrace._internal.symbol.tree import Name, Scripted, Time
from rnntrace._internal.trace import Step, Trace

CARRIED_CREDIT = ("full", "half", "none")

SHEET_PREAMBLE = r"""\usepackage{needspace}
\addpoints
\newcommand{\blank}[1]{\underline{\hphantom{#1}\quad}}
\newcommand{\answer}[2]{\underline{\hphantom{#1}\llap{$\mathbf{#2}$}\quad}}
\pagestyle{headandfoot}
\footer{}{Page \thepage}{}
"""


# A fillable sheet: hyperref's form fields (they need the ZapfDingbats font of TeX Live's
# fonts-recommended), one a blank, named as rnntrace._internal.assignment.field_name says.
FORM_PREAMBLE = r"""\usepackage{hyperref}
\hypersetup{hidelinks,pdfcreator={rnntrace}}
\newlength{\fieldwidth}
\newcommand{\field}[2]{\settowidth{\fieldwidth}{$#2$}\addtolength{\fieldwidth}{1em}%
\mbox{\TextField[name={#1},width=\fieldwidth,height=1.3em,charsize=9pt,%
bordercolor={0.55 0.55 0.55},backgroundcolor={0.94 0.95 1}]{}}}
"""


@dataclass(frozen=True)
class SheetSettings:
    """What kind of sheet: the worksheet or its key, the carried-credit rule it states, and
    whether its blanks are PDF form fields."""

    key: bool = False
    carried_credit: str = "full"  # full | half | none
    fillable: bool = False
    layout: str = "standard"  # the key's worked solutions: standard | seed (latex_seed)


class Worksheet:
    """Writes the worksheet (or key) of a trace for a list of question steps."""

    def __init__(
        self, trace: Trace, questions: Sequence[Question], settings: SheetSettings
    ) -> None:
        self.trace = trace
        self.questions = list(questions)
        self.settings = settings
        self.fillable = settings.fillable and not settings.key
        # Questions and their solutions are indented (exam's parts): narrower displays.
        self.printer = LatexPrinter(
            trace, settings=LatexSettings(full=True, width=LINE_PT - 70, layout=settings.layout)
        )
        self.d = trace.meta.decimals

    def render(self) -> Iterator[str]:
        """The whole document, in chunks."""
        key = self.settings.key
        yield "\\documentclass[10pt]{exam}\n" + PREAMBLE + SHEET_PREAMBLE
        yield FORM_PREAMBLE if self.fillable else ""
        if key:
            yield "\\runningheader{}{}{\\textbf{Answer key}}\n"
            yield "\\firstpageheader{}{}{\\textbf{Answer key}}\n"
        yield "\\begin{document}\n" + ("\\begin{Form}\n" if self.fillable else "")
        yield from self._title()
        yield "\\section*{Rules}\n\\begin{itemize}\n"
        for rule in rules(self.trace, self.settings.carried_credit):
            yield f"\\item {prose_latex(rule)}\n"
        yield "\\end{itemize}\n\\section*{The model}\n"
        for line in model_sentences(self.trace):
            yield prose_latex(line) + "\n\n"
        yield "\\begin{center}\n\\gradetable[h][questions]\n\\end{center}\n"
        yield from self._data()
        yield from SheetQuestions(
            self.trace, self.questions, self.printer, key=key, fillable=self.fillable
        ).render()
        yield ("\\end{Form}\n" if self.fillable else "") + "\\end{document}\n"

    def _title(self) -> Iterator[str]:
        meta = self.trace.meta
        kind = "Answer key" if self.settings.key else "Worksheet"
        yield "\\begin{center}\n"
        yield f"{{\\Large\\bfseries {prose_latex(sentence(meta.title))}}}\\\\[4pt]\n"
        yield f"{{\\large {kind}}}\n\\end{{center}}\n"
        if self.fillable:
            yield "\\noindent \\TextField[name=student,width=9cm,height=1.3em,charsize=10pt,"
            yield "bordercolor={0.55 0.55 0.55},backgroundcolor={0.94 0.95 1}]{Name:}"
            yield "\\hfill Date: \\makebox[4cm]{\\hrulefill}\n\n\\medskip\n"
        elif not self.settings.key:
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
        yield "\\medskip\n\\Needspace{5\\baselineskip}\n"  # never alone at the foot of a page
        yield prose_latex(sentence("The sequences:")) + "\n\\begin{itemize}\n"
        for info in self.trace.meta.sequences:
            yield f"\\item {prose_latex(self._sequence(info.number))}\n"
            if kind not in ("embeddings", "one_hot"):
                vectors = [s for s in inputs if s.sequence == info.number]
                for item in side_by_side(self._inputs(vectors), self.printer.width):
                    yield self.printer.markup(item)
            masks = [s for s in self.trace if s.sequence == info.number and "dropout" in s.info]
            if masks:  # dropout masks are data of the calculation (issue 13)
                yield prose_latex(sentence("Dropout masks, each scaled by 1/(1 - p):")) + "\n"
                for item in side_by_side(self._inputs(masks), self.printer.width):
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
        turned = "" if self.printer.rows else r"^\top"  # a column, unless vectors are rows
        terms = [term + turned for term in self.printer.block_terms(cells)]
        return self.printer.equation(rf"\text{{{latex_word(token)}}}", [(r"\mapsto", terms)])

    def _sequence(self, number: int) -> Prose:
        info = self.trace.meta.sequences[number - 1]
        parts: list[str | Symbol] = [f"Sequence {number}: ", token_words(info.tokens, limit=200)]
        meta = self.trace.meta
        own = renaming_of(meta.notation, meta.index_style).apply  # the target y_t, renamed
        if self.trace.meta.output == "last" and info.targets:
            parts += [", label ", Word(next(iter(info.targets.values())))]
        elif info.targets:
            parts.append(", targets")
            for i, (time, target) in enumerate(info.targets.items()):
                target_t = own(Scripted(Name("y"), sub=Time(time)))
                parts += [", " if i else " ", target_t, " = ", Word(target)]
        return sentence(*parts, ".")


def render_worksheet(
    trace: Trace,
    questions: Sequence[Question] | Sequence[Step],
    settings: SheetSettings | None = None,
) -> Iterator[str]:
    """The worksheet (or with ``settings.key`` its answer key) as LaTeX, in chunks. Steps
    given instead of questions are numbered as the sheet numbers them, 1 point each."""
    steps = [q for q in questions if isinstance(q, Step)]
    if steps and len(steps) != len(questions):
        raise TypeError("render_worksheet: give questions or steps, not both")
    if steps:
        questions = number_questions(trace, steps, dict.fromkeys((s.key for s in steps), 1.0))
    chosen = [q for q in questions if isinstance(q, Question)]
    return Worksheet(trace, chosen, settings or SheetSettings()).render()
