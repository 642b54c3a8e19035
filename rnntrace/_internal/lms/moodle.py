"""Moodle XML: one Cloze question per variant, all in one category, so that a quiz with a
random question from the category gives each student a variant.

Each question shows the scenario's data as maths (``$$ … $$``, rendered by Moodle's MathJax
filter) and asks every question of the assignment worth points as NUMERICAL sub-questions,
one per entry, with the assignment's tolerance (Moodle's tolerance is absolute: the decimals rule
gives 0.51 units of the last decimal; relative and significant-figure rules are turned into
the absolute tolerance they mean for that value). The worked solution is the general
feedback, in Moodle's Markdown format.

Numbers are written as plain decimals with up to 15 significant digits, never in
e-notation: a value below 1e-4 written ``3e-05`` is read as 3 by some import paths and
shown as 0 by some displays (Moodle and Canvas both have such pitfalls with tiny numbers).
User text (titles, tokens) is HTML-escaped, and ``{ } \\ $ ~ # /`` in it are written as
character references, so it can neither open a sub-question nor start maths."""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Iterator

import numpy as np

from rnntrace._internal.assignment import Assignment
from rnntrace._internal.render.markdown import MarkdownPrinter, render_markdown
from rnntrace._internal.render.prose import Display
from rnntrace._internal.trace import Trace
from rnntrace._internal.verify.tolerance import Tolerance

_CLOZE_SPECIAL = {c: f"&#{ord(c)};" for c in "{}\\$~#/"}
# A sub-question's weight is a whole number: a question's points × (the least common
# multiple of the entry counts) × 10 shared by its entries, so that points keep their
# proportions (to a tenth of a point).
WEIGHT_SCALE = 10


def plain_number(value: float) -> str:
    """``value`` as a positional decimal, 15 significant digits at most: ``0.00003``."""
    text = np.format_float_positional(float(value), precision=15, unique=True, trim="-")
    return "0" if text in ("-0", "") else text


def text_html(text: str) -> str:
    """User text for a Cloze question: HTML-escaped, Cloze and maths marks neutralised."""
    return "".join(_CLOZE_SPECIAL.get(c, c) for c in html.escape(text, quote=True))


def tolerance_of(assignment: Assignment, value: float) -> str:
    """The absolute tolerance the assignment's rule gives ``value`` (the grader's own)."""
    return plain_number(float(Tolerance.from_data(assignment.tolerance).bound(value)))


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _data_html(trace: Trace) -> Iterator[str]:
    """The data: the sequences in words, the given numbers as maths."""
    printer = MarkdownPrinter(trace)
    for info in trace.meta.sequences:
        tokens = " ".join(info.tokens)
        yield f"<p>Sequence {info.number}: <code>{text_html(tokens)}</code></p>\n"
    seen: set[str] = set()
    for step in trace:
        if step.op == "input":  # each token's vector once (a start token has none)
            token = str(step.info.get("token", ""))
            if not token or token in seen:
                continue
            seen.add(token)
            yield f"<p>The input vector of <code>{text_html(token)}</code>:</p>\n"
        elif step.phase != "given":
            continue
        for item in printer.step_items(step):
            if isinstance(item, Display):
                yield text_math(printer.markup(item))


def maths_html(tex: str) -> str:
    """Maths for a Cloze question: HTML-escaped, and its braces as character references, so
    that nothing in it (a notation symbol from the scenario) can open a sub-question; the
    browser gives MathJax the braces back."""
    return html.escape(tex, quote=True).replace("{", "&#123;").replace("}", "&#125;")


def text_math(markdown_display: str) -> str:
    """A ``$$ … $$`` display as HTML."""
    return "<p>" + maths_html(markdown_display.strip()) + "</p>\n"


def _blanks(assignment: Assignment, trace: Trace) -> Iterator[str]:
    """One paragraph per question worth points: its number, symbol and a sub-question per
    entry, the question's points shared by its entries as whole weights."""
    asked = [q for q in assignment.questions if q.points > 0]
    unit = math.lcm(*(math.prod(q.shape) for q in asked)) if asked else 1
    for question in asked:
        step = trace[question.key]
        values = np.asarray(step.carried if assignment.carry == "rounded" else step.value)
        weight = max(1, round(question.points * unit * WEIGHT_SCALE / values.size))
        cells = [
            f"{{{weight}:NUMERICAL:={plain_number(v)}:{tolerance_of(assignment, v)}}}"
            for v in values.ravel()
        ]
        body = (
            ", ".join(cells)
            if values.ndim < 2
            else "<br/>".join(
                ", ".join(cells[r * values.shape[1] : (r + 1) * values.shape[1]])
                for r in range(values.shape[0])
            )
        )
        yield (
            f"<p>{text_html(question.number)} \\({maths_html(question.symbol)}\\) "
            f"<small>({text_html(question.key)})</small>: {body}</p>\n"
        )


def cloze_question(name: str, assignment: Assignment, trace: Trace) -> str:
    """One variant as a Cloze question."""
    text = [f"<p><b>{text_html(trace.meta.title)}</b></p>\n", *_data_html(trace)]
    text.append(
        f"<p>Give every answer to {trace.meta.decimals} decimals (halves away from zero).</p>\n"
    )
    text.extend(_blanks(assignment, trace))
    feedback = "".join(render_markdown(trace))
    return (
        '<question type="cloze">\n'
        f"  <name><text>{html.escape(name)}</text></name>\n"
        f'  <questiontext format="html"><text>{_cdata("".join(text))}</text></questiontext>\n'
        f'  <generalfeedback format="markdown"><text>{_cdata(feedback)}</text>'
        "</generalfeedback>\n"
        "  <penalty>0.3333333</penalty>\n  <hidden>0</hidden>\n</question>\n"
    )


def moodle_xml(category: str, variants: Iterable[tuple[str, Assignment, Trace]]) -> Iterator[str]:
    """The quiz file: a category, then one Cloze question per (name, assignment, trace)."""
    yield '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n'
    yield (
        '<question type="category">\n'
        f"  <category><text>{html.escape(category)}</text></category>\n</question>\n"
    )
    for name, assignment, trace in variants:
        yield cloze_question(name, assignment, trace)
    yield "</quiz>\n"
