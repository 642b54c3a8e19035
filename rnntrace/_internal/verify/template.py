"""Writing an answers file: the blank template a student fills in, or the filled-in key."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from rnntrace._internal.assignment.questions import Question
from rnntrace._internal.numbers import round_array
from rnntrace._internal.symbol.label import label_text
from rnntrace._internal.trace import Step, Trace
from rnntrace._internal.verify.answers import STUDENT
from rnntrace._internal.verify.judge import shape_words

PHASE_WORDS = {
    "forward": "forward pass",
    "loss": "loss",
    "backward": "backpropagation through time",
    "gradient": "gradients",
    "update": "update",
}


def fixed(value: float, decimals: int, minus: str = "-") -> str:
    """``value`` with ``decimals`` decimals, ``minus`` as its sign, and no negative zero."""
    text = f"{value:.{decimals}f}"
    if text.startswith("-"):
        return minus + text[1:] if text[1:].strip("0.") else text[1:]
    return text


def value_text(value: np.ndarray, decimals: int) -> str:
    """A value as YAML flow text, rounded half up to ``decimals``: ``0.402``,
    ``[0.402, 0.611]``, ``[[0.1, 0.2], [0.3, 0.4]]``."""
    rounded = round_array(value, decimals)
    if rounded.ndim == 0:
        return fixed(float(rounded), decimals)
    if rounded.ndim == 1:
        return "[" + ", ".join(fixed(float(v), decimals) for v in rounded) + "]"
    return "[" + ", ".join(value_text(row, decimals) for row in rounded) + "]"


def _heading(trace: Trace, step: Step) -> str:
    part = PHASE_WORDS.get(step.phase, step.phase)
    if step.sequence is None:
        several = len(trace.meta.sequences) > 1
        return f"{'All sequences' if several else 'Totals'}: {part}"
    seq = trace.meta.sequences[step.sequence - 1]
    return f"Sequence {seq.number} ({' '.join(seq.tokens)!r}): {part}"


def answers_template(
    trace: Trace,
    questions: Sequence[Question],
    *,
    scenario_file: str,
    key_decimals: int | None = None,
    source: str = "exact values",
) -> Iterator[str]:
    """The lines of an answers file for ``questions``, in sheet order, each with its number
    on the sheet; blank values, or with ``key_decimals`` the values of ``trace`` rounded to
    that many decimals (an answer key)."""
    title = trace.meta.title
    if key_decimals is None:
        yield f"# Answers for: {title} ({scenario_file})\n"
        yield "# Write each value as a number (0.378), a list ([0.226, 0.310, 0.264]) or a list\n"
        yield "# of rows ([[0.1, 0.2], [0.3, 0.4]]). Leave a value empty to skip it. Check with:\n"
    else:
        yield f"# Answer key for: {title} ({scenario_file})\n"
        yield f"# {source}, rounded to {key_decimals} decimals. Check answers with:\n"
    yield f"#   rnntrace verify {scenario_file} THIS_FILE\n"
    yield f"{STUDENT}:   # your name or id (optional; else the file name is used)\n"
    heading = None
    for question in questions:
        step = trace[question.key]
        now = _heading(trace, step)
        if now != heading:
            heading = now
            yield f"\n# --- {heading} ---\n"
        worth = "" if question.points == 1 else f" ({question.points:g} points)"
        shape = shape_words(step.shape)
        yield f"# {question.number} {step.key}{worth}: {label_text(step)}, {shape}\n"
        value = "" if key_decimals is None else " " + value_text(step.value, key_decimals)
        yield f"{step.key}:{value}\n"
