"""The light Text, Rule and Group of the terminal printer against rich's own, which they
stand in for: the same operations give the same text and the same styles, and the plain
layout is what rich prints without colour."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.console import Group as RichGroup
from rich.rule import Rule as RichRule
from rich.text import Text as RichText

from rnntrace.render import styled
from rnntrace.render.styled import Group, Rule, Text

STYLES = ["", "cyan", "bold", "dim", "bold underline"]
pieces = st.lists(
    st.tuples(st.text(alphabet="ab \n,=+−", max_size=6), st.sampled_from(STYLES)), max_size=5
)


def build(cls, parts, base):
    text = cls("", style=base)
    for part, style in parts:
        text.append(part, style=style)
    return text


def ansi(renderable, width: int = 60) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=True, color_system="standard")
    console.print(renderable, soft_wrap=True)
    return buffer.getvalue()


def no_colour(renderable, width: int = 80) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, highlight=False).print(
        renderable, soft_wrap=True
    )
    return buffer.getvalue()


def styles_of(text) -> list[str]:
    """The style of every character, as rich resolves it."""
    rich_text = text if isinstance(text, RichText) else text.__rich__()
    console = Console(file=io.StringIO())
    out = []
    for index in range(len(rich_text.plain)):
        out.append(str(rich_text.get_style_at_offset(console, index)))
    return out


@settings(max_examples=200, deadline=None)
@given(pieces, st.sampled_from(STYLES), pieces)
def test_append_join_add_match_rich(parts, base, more):
    ours, theirs = build(Text, parts, base), build(RichText, parts, base)
    assert ours.plain == theirs.plain
    assert styles_of(ours) == styles_of(theirs)
    # + and join keep base styles as rich does
    ours2, theirs2 = build(Text, more, "dim"), build(RichText, more, "dim")
    assert styles_of(ours + ours2) == styles_of(theirs + theirs2)
    assert styles_of(Text(", ").join([ours, ours2])) == styles_of(
        RichText(", ").join([theirs, theirs2])
    )


@settings(max_examples=200, deadline=None)
@given(pieces, st.sampled_from(STYLES), st.data())
def test_split_divide_rstrip_match_rich(parts, base, data):
    ours, theirs = build(Text, parts, base), build(RichText, parts, base)
    assert [t.plain for t in ours.split("\n")] == [t.plain for t in theirs.split("\n")]
    for mine, rich in zip(ours.split("\n"), theirs.split("\n")):
        assert styles_of(mine) == styles_of(rich)
    size = len(ours.plain)
    cuts = sorted(data.draw(st.lists(st.integers(0, size), max_size=3)))
    mine_parts, rich_parts = ours.divide(cuts), theirs.divide(cuts)
    assert [t.plain for t in mine_parts] == [t.plain for t in rich_parts]
    for mine, rich in zip(mine_parts, rich_parts):
        assert styles_of(mine) == styles_of(rich)
        mine.rstrip()
        rich.rstrip()
        assert mine.plain == rich.plain


def test_assemble_matches_rich():
    ours = Text.assemble(("W_hh", "cyan"), "   (entry i, j)", Text("!", style="bold"))
    theirs = RichText.assemble(("W_hh", "cyan"), "   (entry i, j)", RichText("!", style="bold"))
    assert ansi(ours) == ansi(theirs)


@pytest.mark.parametrize("width", [1, 3, 4, 5, 10, 40, 79, 80, 81, 100])
@pytest.mark.parametrize("align", ["center", "left"])
@pytest.mark.parametrize(
    "title",
    ["Forward pass", "x", "A much longer title that will not fit in a narrow rule at all",
     "Sequence 1: 'I love AI'", "漢字のタイトル", "tab\there", "two\nlines", ""],
)  # fmt: skip
def test_rule_plain_is_what_rich_prints(width, align, title):
    expected = no_colour(RichRule(RichText(title, style="bold"), align=align), width)
    assert Rule(Text(title, style="bold"), align).plain(width) + "\n" == expected


def test_plain_prints_groups_texts_and_rules_as_rich_does():
    items = [
        Rule(Text("A title", style="bold")),
        Text("line one\nline two  ", style="italic"),
        Group(Text(""), Rule(Text("Forward pass", style="bold"), align="left")),
        Group(Text(""), Text("heading", style="bold underline")),
        Text("h_1 = ").append("[0.1, 0.2]", style="bold"),
    ]
    expected = no_colour(RichGroup(*(item.__rich__() for item in items)), 72)
    assert "".join(styled.plain(items, width=72)) == expected


@pytest.mark.parametrize(
    "env",
    [{}, {"FORCE_COLOR": "1"}, {"FORCE_COLOR": ""}, {"TTY_COMPATIBLE": "1"},
     {"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"}, {"NO_COLOR": "1"}],
)  # fmt: skip
def test_plain_when_rich_sees_no_terminal(monkeypatch, env):
    for key in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert styled.stdout_is_plain() == (not Console().is_terminal)


@pytest.mark.parametrize("columns", [None, "57", "120", "wide"])
def test_console_width_is_rich_s(monkeypatch, columns):
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert styled.console_width() == Console().width
