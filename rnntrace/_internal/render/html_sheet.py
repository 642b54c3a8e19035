"""The worksheet and its answer key as HTML pages (``rnntrace export --format html``).

The worksheet states the rules, the model and the data, then asks the questions, each with
a blank per number labelled with its key in the answers file; it needs no script. The key
is the same page with the answers and, under each, the worked steps that lead to it and no
earlier answer showed, with the interactive page's provenance and exact/rounded toggle.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from html import escape

from rnntrace._internal.assignment.questions import Question
from rnntrace._internal.render.html import HtmlPrinter, HtmlSettings, prose_html
from rnntrace._internal.render.html_math import math, symbol_mathml
from rnntrace._internal.render.html_page import document
from rnntrace._internal.render.prose import model_sentences
from rnntrace._internal.render.sheet_questions import worked_steps
from rnntrace._internal.render.sheet_text import describe, group_title, rules
from rnntrace._internal.render.worksheet import SheetSettings
from rnntrace._internal.trace import Step, Trace


class HtmlSheet:
    """Writes the worksheet (or key) of a trace for a list of questions."""

    def __init__(self, trace: Trace, questions: Sequence[Question], settings: SheetSettings,
                 other: Trace | None) -> None:  # fmt: skip
        self.trace, self.questions, self.settings = trace, list(questions), settings
        self.printer = HtmlPrinter(trace, None, HtmlSettings(), other)

    def content(self) -> Iterator[str]:
        meta, key = self.trace.meta, self.settings.key
        yield f"<h1>{escape(meta.title)}</h1>\n<p><strong>"
        yield ("Answer key" if key else "Worksheet") + "</strong></p>\n"
        if not key:
            yield '<p>Name: <span class="rt-blank" style="min-width:20rem"></span> Date: '
            yield '<span class="rt-blank" style="min-width:8rem"></span></p>\n'
        if meta.description:
            yield f"<p>{escape(meta.description)}</p>\n"
        yield "<h2>Rules</h2>\n<ul>"
        yield "".join(f"<li>{prose_html(rule)}</li>" for rule in rules(self.trace, self.credit))
        yield "</ul>\n<h2>The model</h2>\n"
        yield "".join(f"<p>{prose_html(line)}</p>\n" for line in model_sentences(self.trace))
        yield "<h2>The data</h2>\n"
        for step in self.trace:
            if step.op in ("given", "input"):
                yield self.printer.step_html(step)
        yield "<h2>Questions</h2>\n"
        yield from self.parts()

    @property
    def credit(self) -> str:
        return self.settings.carried_credit

    def parts(self) -> Iterator[str]:
        group = None
        shown: set[str] = set()
        for question in self.questions:
            step = self.trace[question.key]
            number = question.number.split("(")[0]
            if number != group:
                group = number
                title = prose_html(group_title(self.trace, step.phase, step.sequence))
                yield f"<h3>{escape(number)}. {title}</h3>\n"
            points = f"{question.points:g} point" + ("" if question.points == 1 else "s")
            yield (f'<div class="rt-q"><p><strong>{escape(question.number)}</strong> '
                   f"[{points}] {prose_html(describe(self.trace, step))}</p>\n")  # fmt: skip
            answer = self.answer(step) if self.settings.key else self.blanks(step)
            yield (f"<p>{math(symbol_mathml(step))} = {answer} "
                   f'<code class="rt-note">{escape(step.key)}</code></p>\n')  # fmt: skip
            if self.settings.key:
                for worked in worked_steps(self.trace, step, shown):
                    if worked.op != "input":  # the inputs are in the data above
                        yield self.printer.step_html(worked)
            yield "</div>\n"

    def answer(self, step: Step) -> str:
        return self.printer.value(self.printer.index[step.key])

    def blanks(self, step: Step) -> str:
        """A blank per number, laid out as the value is (a row of a vector, a matrix)."""
        cells = [f'<span class="rt-blank" title="{escape(step.key)} {i + 1}"></span>'
                 for i in range(step.value.size)]  # fmt: skip
        if step.value.ndim == 2 and step.shape[0] > 1:
            grid = f"grid-template-columns:repeat({step.shape[1]},auto)"
            return f'<span class="rt-m" style="{grid}">{"".join(cells)}</span>'
        return cells[0] if step.value.size == 1 else "[" + ", ".join(cells) + "]"


def render_sheet_html(
    trace: Trace,
    questions: Sequence[Question],
    settings: SheetSettings | None = None,
    other: Trace | None = None,
) -> Iterator[str]:
    """The worksheet (or with ``settings.key`` its answer key) as one HTML page, in chunks;
    ``other`` is the chain with the other carry, for the key's exact/rounded toggle."""
    settings = settings or SheetSettings()
    sheet = HtmlSheet(trace, questions, settings, other)
    content = list(sheet.content())
    kind = "Answer key" if settings.key else "Worksheet"
    title = f"{trace.meta.title}: {kind}"
    return document(sheet.printer, title, content, script=settings.key)
