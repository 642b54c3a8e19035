"""The terminal printer's fast paths (issue 12) against the straightforward computations
they replace, written out here: rich's own Text joins, a regular expression, numpy arrays,
the headings of every step, a fill that copies every node."""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from rnntrace._internal.cli.base import trace_file
from rnntrace._internal.numbers import round_half_up
from rnntrace._internal.ops import explanation, fill
from rnntrace._internal.render import numfmt
from rnntrace._internal.render.layout import Lines
from rnntrace._internal.render.structure import headings, outline
from rnntrace._internal.render.text_base import Worked, _plain, joined
from rnntrace._internal.symbol import text
from rnntrace._internal.symbol.text import text_once
from rnntrace._internal.symbol.tree import Name, Row, Symbol, Written

SCENARIOS = sorted(Path(__file__).resolve().parent.parent.glob("scenarios/*.yaml"))
STYLES = st.sampled_from(["", "cyan", "bold", "dim", "bold underline"])
WORDS = st.text(st.sampled_from("ab −=≈()[],.0123\n\t\x07\r"), max_size=12)


@st.composite
def lines(draw: st.DrawFn) -> list[object]:
    """Worked lines as a printer method yields them: text, a rich Text, (text, style)."""
    out: list[object] = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.integers(0, 2))
        if kind == 0:
            out.append(draw(WORDS))
        elif kind == 1:
            line = Text(draw(WORDS), style=draw(STYLES))
            for _ in range(draw(st.integers(0, 2))):
                line.append(draw(WORDS), style=draw(STYLES))
            out.append(line)
        else:
            out.append(tuple((draw(WORDS), draw(STYLES)) for _ in range(draw(st.integers(1, 3)))))
    return out


def by_rich(items: list[object], indent: str) -> Text:
    """The lines joined as the printer joined them before: a Text each, rich's join."""
    texts: list[Text] = []
    for item in items:
        if isinstance(item, Text):
            line = item
        elif isinstance(item, str):
            line = Text(item)
        else:
            line = Text.assemble(*item)  # type: ignore[arg-type]
        texts.extend(line.split("\n") if indent and "\n" in line.plain else [line])
    if not indent:
        return Text("\n").join(texts)
    return Text(indent).append_text(Text("\n" + indent).join(texts))


def printed(renderable: object, width: int, color: bool) -> str:
    console = Console(file=io.StringIO(), width=width, soft_wrap=True, force_terminal=color,
                      color_system="truecolor" if color else None)  # fmt: skip
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


@settings(max_examples=300, deadline=None)
@given(lines(), st.sampled_from(["", "  "]))
def test_joined_lines_are_richs_join_of_their_texts(items: list[object], indent: str) -> None:
    mine, theirs = joined(items, indent), by_rich(items, indent)
    text = mine.text() if isinstance(mine, Worked) else mine
    assert text.plain == theirs.plain
    assert [tuple(span) for span in text.spans] == [tuple(span) for span in theirs.spans]


@settings(max_examples=150, deadline=None)
@given(lines(), st.sampled_from(["", "  "]), st.sampled_from([12, 30, 80]), st.booleans(),
       st.booleans())  # fmt: skip
def test_worked_lines_print_as_their_text_does(
    items: list[object], indent: str, width: int, color: bool, breakable: bool
) -> None:
    """Plain or in colour, broken to fit a narrow console or not: a step kept as plain text
    and spans prints as the rich Text of the same lines."""
    mine, theirs = joined(items, indent), by_rich(items, indent)
    assert printed(Lines([mine], breakable), width, color) == printed(
        Lines([theirs], breakable), width, color
    )


@given(st.text())
def test_plain_expression_is_the_pattern_s(expression: str) -> None:
    expected = re.sub(r"[\s()]", "", expression).replace("-", "−")
    assert _plain(expression) == expected


def fixed_by_hand(value: float, decimals: int) -> str:
    """numfmt.fixed as it was written: rounded half away from zero, no negative zero."""
    rounded = round_half_up(value, decimals) if math.isfinite(value) else value
    written = f"{rounded:.{decimals}f}"
    if written.startswith("-"):
        written = numfmt.MINUS + written[1:] if written[1:].strip("0.") else written[1:]
    return written


@given(st.floats(allow_nan=True, allow_infinity=True, width=64), st.integers(0, 8))
def test_fixed_numbers_are_written_as_by_hand_every_time(value: float, decimals: int) -> None:
    assert numfmt.fixed(value, decimals) == fixed_by_hand(value, decimals)
    assert numfmt.fixed(np.float64(value), decimals) == fixed_by_hand(value, decimals)  # cached
    assert numfmt.fixed(-value, decimals) == fixed_by_hand(-value, decimals)


NUMBERS = st.floats(allow_nan=True, allow_infinity=True, width=64)


@given(NUMBERS, NUMBERS | st.just(0.0), st.integers(0, 6))
def test_one_rounded_number_is_as_an_array_of_one(full: float, kept: float, decimals: int) -> None:
    expected = numfmt.rounded(np.asarray(full), np.asarray(kept), decimals)
    assert numfmt.rounded_number(full, kept, decimals) == expected
    near = kept * (1 + 1e-13)  # float noise: still the same number
    assert numfmt.rounded_number(near, kept, decimals) == numfmt.rounded(
        np.asarray(near), np.asarray(kept), decimals
    )


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda path: path.stem)
def test_outline_has_each_steps_own_headings(scenario: Path) -> None:
    """outline makes the headings of a place once: the same as each step's own."""
    trace = trace_file(scenario)
    expected: list[object] = []
    current: tuple[object, ...] = ()
    for step in trace:
        for heading in headings(trace, step):
            if heading.ident not in current:
                current = current[: heading.level] + (heading.ident,)
                expected.append(heading)
        expected.append(step)
    assert list(outline(trace)) == expected


def fill_copying(template: Symbol, symbols: list[Symbol], number: object) -> Symbol:
    """ops.fill as a copy of every node: the slots replaced, everything else rebuilt."""
    from rnntrace._internal.ops.explain import Entry, Operand

    if isinstance(template, Operand):
        return symbols[template.index]
    if isinstance(template, Entry):
        return Written(number(template.index, template.factor))  # type: ignore[operator]
    fields = getattr(template, "__dataclass_fields__", {})
    values = {key: getattr(template, key) for key in fields}
    if not values:
        return template
    copied = {key: fill_copying(value, symbols, number) if isinstance(value, Symbol)
              else tuple(fill_copying(item, symbols, number) for item in value)
              if key == "items" else value for key, value in values.items()}  # fmt: skip
    return type(template)(**copied)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda path: path.stem)
def test_fill_writes_what_a_copy_of_every_node_writes(scenario: Path) -> None:
    trace = trace_file(scenario)
    symbols = [Name("a"), Row((Name("b"), Name("c"))), Name("d"), Name("e")]
    checked = 0
    for step in trace:
        explain = explanation(step.op, step.info)
        if explain is None:
            continue
        for template in (explain.formula, explain.each, explain.terminal, explain.terminal_each):
            if template is None:
                continue
            slots = symbols * 4
            number = lambda i, factor: f"({i})" if factor else str(i)  # noqa: E731
            mine = fill(template, slots, number)
            assert mine == fill_copying(template, slots, number)
            assert text_once(mine) == text(fill_copying(template, slots, number))
            checked += 1
    assert checked or scenario.stem in ("hello-attention",)


def test_a_subclass_of_a_node_is_written_as_the_node() -> None:
    class Letter(Name):
        pass

    assert text_once(Letter("-")) == text_once(Name("-")) == "−"
