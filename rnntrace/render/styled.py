"""Light stand-ins for rich's Text, Rule and Group, for the terminal printer.

Printing to a pipe or a file needs no colour, and importing rich's console and building
thousands of rich Text objects cost more than the whole trace. These classes keep a line's
pieces and their styles; they become rich renderables (``__rich__``) only when printed
with colour, and plain text (:func:`plain`) otherwise, laid out exactly as rich lays it out.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["Group", "Renderable", "Rule", "Text", "console_width", "plain", "stdout_is_plain"]

RULE = "\u2500"


class Text:
    """A line (or lines) of text made of pieces, each with a rich style ('' for none).

    It offers the part of rich.text.Text's interface the printer uses: ``append``,
    ``append_text``, ``plain``, ``join``, ``+``, ``split``, ``divide``, ``rstrip`` and
    ``assemble``, with the same meaning."""

    __slots__ = ("base", "pieces")

    def __init__(self, text: str = "", style: str | None = None) -> None:
        # As in rich, the style given here is the base style of everything in the text,
        # appended later too: each piece keeps the base style joined with its own.
        self.base = style or ""
        self.pieces: list[tuple[str, str]] = [(text, self.base)] if text else []

    def _styled(self, style: str) -> str:
        return f"{self.base} {style}" if self.base and style else self.base or style

    @classmethod
    def assemble(cls, *parts: str | tuple[str, str] | Text) -> Text:
        out = cls()  # (rich's assemble takes a base style too; the printer gives none)
        for part in parts:
            if isinstance(part, Text):
                out.pieces.extend(part.pieces)
            elif isinstance(part, tuple):
                out.append(*part)
            else:
                out.append(part)
        return out

    @property
    def plain(self) -> str:
        return "".join(text for text, _ in self.pieces)

    def __str__(self) -> str:
        return self.plain

    def __repr__(self) -> str:
        return f"Text({self.plain!r})"

    def append(self, text: str | Text, style: str | None = None) -> Text:
        if isinstance(text, Text):
            return self.append_text(text)
        if text:
            self.pieces.append((text, self._styled(style or "")))
        return self

    def append_text(self, text: Text) -> Text:
        if self.base:
            self.pieces.extend((part, self._styled(style)) for part, style in text.pieces)
        else:
            self.pieces.extend(text.pieces)
        return self

    def copy(self) -> Text:
        out = Text(style=self.base)
        out.pieces = list(self.pieces)
        return out

    def __add__(self, other: str | Text) -> Text:
        return self.copy().append(other)

    def join(self, lines: Iterable[Text]) -> Text:
        out = Text()
        for i, line in enumerate(lines):
            if i:
                out.pieces.extend(self.pieces)
            out.pieces.extend(line.pieces)
        return out

    def divide(self, offsets: Iterable[int]) -> list[Text]:
        """The text cut at ``offsets`` (character positions), styles kept."""
        bounds = [0, *offsets, len(self.plain)]
        starts, at = [], 0
        for text, _ in self.pieces:
            starts.append(at)
            at += len(text)
        lines = []
        for a, b in zip(bounds, bounds[1:]):
            line = Text(style=self.base)
            for (text, style), s in zip(self.pieces, starts):
                lo, hi = max(a, s), min(b, s + len(text))
                if lo < hi:
                    line.pieces.append((text[lo - s : hi - s], style))
            lines.append(line)
        return lines

    def split(self, separator: str = "\n") -> list[Text]:
        """Lines between ``separator``s (a trailing separator gives no empty last line)."""
        text = self.plain
        if separator not in text:
            return [self.copy()]
        offsets: list[int] = []
        at = text.find(separator)
        while at != -1:
            offsets += [at, at + len(separator)]
            at = text.find(separator, at + len(separator))
        lines = [line for line in self.divide(offsets) if line.plain != separator]
        if text.endswith(separator):
            lines.pop()
        return lines

    def rstrip(self) -> None:
        """Trailing whitespace removed, in place."""
        while self.pieces:
            text, style = self.pieces[-1]
            stripped = text.rstrip()
            if stripped:
                self.pieces[-1] = (stripped, style)
                return
            self.pieces.pop()

    def __rich__(self) -> Any:
        from rich.text import Text as RichText

        merged: list[tuple[str, str]] = []  # neighbours in one style as one piece
        for text, style in self.pieces:
            if merged and merged[-1][1] == style:
                merged[-1] = (merged[-1][0] + text, style)
            else:
                merged.append((text, style))
        return RichText.assemble(*merged)


class Rule:
    """A horizontal rule across the console with a title, like rich.rule.Rule."""

    __slots__ = ("align", "title")

    def __init__(self, title: Text, align: str = "center") -> None:
        self.title, self.align = title, align

    def __rich__(self) -> Any:
        from rich.rule import Rule as RichRule

        return RichRule(self.title.__rich__(), align=self.align)  # type: ignore[arg-type]

    def plain(self, width: int) -> str:
        """The rule as rich draws it ``width`` cells wide without colour."""
        cell_len, set_cell_size = _cells()
        title = self.title.plain.replace("\n", " ").expandtabs(8)
        if not title:
            return RULE * width
        room = max(0, width - (4 if self.align == "center" else 2))
        if not room:
            return set_cell_size(RULE * width, width)
        if cell_len(title) > room:
            title = set_cell_size(title, room - 1) + "…"
        if self.align == "center":
            side = (width - cell_len(title)) // 2
            left = RULE * max(0, min(side + 1, side - 1))
            right = RULE * max(0, min(side + 1, width - len(left) - cell_len(title)))
            line = f"{left} {title} {right}"
        else:
            line = title + " "
            line += RULE * (width - cell_len(line))
        return set_cell_size(line, width)


class Group:
    """Renderables printed one after the other, like rich.console.Group."""

    __slots__ = ("items",)

    def __init__(self, *items: Renderable) -> None:
        self.items = items

    def __rich__(self) -> Any:
        from rich.console import Group as RichGroup

        return RichGroup(*(item.__rich__() for item in self.items))


Renderable = Text | Rule | Group


def _cells() -> tuple[Any, Any]:
    """rich's cell-width functions (wide characters take two cells)."""
    from rich.cells import cell_len, set_cell_size

    return cell_len, set_cell_size


def _lines(item: Renderable, width: int) -> Iterator[str]:
    if isinstance(item, Group):
        for part in item.items:
            yield from _lines(part, width)
    elif isinstance(item, Rule):
        yield item.plain(width) + "\n"
    else:
        yield item.plain + "\n"


def plain(items: Iterable[Renderable], width: int = 80) -> Iterator[str]:
    """The renderables as the text rich prints without colour (soft wrap), chunk by chunk."""
    for item in items:
        yield from _lines(item, width)


def stdout_is_plain() -> bool:
    """True when rich would not treat standard output as a terminal (so prints no styles):
    the same test rich's Console makes (TTY_COMPATIBLE, FORCE_COLOR, isatty)."""
    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "0"
    force = os.environ.get("FORCE_COLOR")
    if force is not None:
        return force == ""
    try:
        return not sys.stdout.isatty()
    except (AttributeError, ValueError):
        return True


def console_width() -> int:
    """The width rich's Console would use: the first terminal among stdin, stdout and
    stderr, overridden by COLUMNS, else 80."""
    width = None
    for descriptor in (0, 1, 2):
        try:
            width = os.get_terminal_size(descriptor).columns
        except (AttributeError, ValueError, OSError):
            continue
        break
    columns = os.environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        width = int(columns)
    return width or 80
