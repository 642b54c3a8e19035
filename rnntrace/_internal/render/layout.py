"""Rich renderables laid out when they are printed, at the width of the console: lines
already broken by a printer (and equations broken again to fit a narrower console),
paragraphs, and rules with a title."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

from rich.align import AlignMethod
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.rule import Rule
from rich.segment import Segment
from rich.text import Text

from rnntrace._internal.render.text_base import Worked, wrap_line

__all__ = ["Lines", "Paragraph", "TitleRule"]

PARAGRAPH_INSET = 4  # paragraphs are this much narrower than the page (76 of 80 columns)
NEW_LINE = Segment.line()


class Lines:
    """Lines a printer has laid out, each Text (or a step's ``Worked`` lines) printed as it
    is, but those of equations (``breakable``) broken again when printed, to fit the width
    of the console (after ', ', before ' + ', ' = ', ...)."""

    __slots__ = ("parts",)

    def __init__(self, texts: Iterable[Text | Worked] = (), breakable: bool = False) -> None:
        self.parts: list[tuple[Text | Worked, bool]] = [(text, breakable) for text in texts]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # The lines are laid out already: their segments, without rich's wrapping (rich's
        # Text holds no control codes, nor does a Worked); no styles when they would not
        # show, which spares rich most of the work (and a Worked its Text).
        width = options.max_width
        plain = console.color_system is None and not console.record
        for part, breakable in self.parts:
            if isinstance(part, Worked):
                if plain and "\t" not in part.plain and not (breakable and _too_wide(part, width)):
                    yield Segment(part.plain)
                    yield NEW_LINE
                    continue
                part = part.text()
            text = wrap_line(part, width) if breakable else part
            if "\t" in text.plain:
                text = text.copy()
                text.expand_tabs(console.tab_size)
            if plain:
                yield Segment(text.plain)
            else:
                yield from text.render(console)
            yield NEW_LINE


def _too_wide(worked: Worked, width: int) -> bool:
    """True when a line of ``worked`` is wider than ``width`` (``wrap_line`` breaks it)."""
    return max(map(len, worked.plain.split("\n"))) > width


class Paragraph:
    """Sentences wrapped at spaces, ``PARAGRAPH_INSET`` columns narrower than the width of
    the console they are printed in."""

    __slots__ = ("style", "words")

    def __init__(self, words: str, style: str = "") -> None:
        self.words, self.style = words, style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(1, options.max_width - PARAGRAPH_INSET)
        yield Text("\n".join(textwrap.wrap(self.words, width)), style=self.style)


class TitleRule:
    """A rule with a title in it (rich's Rule), as wide as the console; a title too long
    for the rule is written whole above a plain rule, wrapped at spaces (rich's Rule would
    cut it short)."""

    __slots__ = ("align", "title")

    def __init__(self, title: Text, align: AlignMethod) -> None:
        self.title, self.align = title, align

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        room = options.max_width - (4 if self.align == "center" else 2)
        if cell_len(self.title.plain) <= room:
            yield Rule(self.title, align=self.align)
        else:
            lines = textwrap.wrap(self.title.plain, options.max_width)
            yield Text("\n".join(lines), style=self.title.style)
            yield Rule()
