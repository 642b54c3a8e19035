"""What every terminal printer method shares: settings, symbols, numbers, vectors,
matrices, and equations that break onto several lines when they are long."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import numpy as np
from rich.style import Style
from rich.text import Span, Text

from rnntrace._internal.records import record
from rnntrace._internal.render import numfmt
from rnntrace._internal.symbol import Symbol
from rnntrace._internal.symbol.text import text_once
from rnntrace._internal.trace import Step, Trace

LINE_WIDTH = 76  # an equation longer than this goes onto several lines
TERMINAL_WIDTH = 80  # no line is longer than this
_BREAKS = re.compile(r", | [+−=≈] ")

# One worked line as a printer method yields it: plain text, a rich Text, or (text, style)
# pieces as ``Text.assemble`` takes them (a style "" for none), which cost no Text each.
Pieces = tuple[tuple[str, str], ...]
Line = str | Text | Pieces


def _plain(expression: str) -> str:
    """An expression without spaces, brackets and sign variants, to spot a repeat of it
    (``str.split`` and the pattern ``\\s`` know the same whitespace, and split is faster)."""
    return "".join(expression.split()).replace("(", "").replace(")", "").replace("-", "−")


@record
class TextSettings:
    """Display settings of the terminal printer."""

    decimals: int | None = None  # None: the scenario's numbers.decimals
    full: bool = False  # expand large matrices and vectors in full
    max_entries: int = 8  # above this many rows/columns, large objects are shortened


class TextBase(numfmt.CarriedPlaces):
    """A Trace and the display settings, with the formatting helpers of the printers."""

    def __init__(self, trace: Trace, settings: TextSettings | None = None) -> None:
        self.trace = trace
        self.settings = settings or TextSettings()
        self.d = (
            self.settings.decimals if self.settings.decimals is not None else trace.meta.decimals
        )
        meta = trace.meta
        self.cw = numfmt.carried_places(meta.carry, meta.decimals, self.d)
        self._symbols: dict[str, tuple[Symbol, str]] = {}  # by key: a step's symbol, written
        self._spelled: dict[str, str] = {}  # the loss formulas with renamed quantities

    def sym(self, key_or_step: str | Step) -> str:
        """The plain-text symbol of a step."""
        step = self.trace[key_or_step] if isinstance(key_or_step, str) else key_or_step
        known = self._symbols.get(step.key)
        if known is not None and known[0] is step.symbol:  # a step is written many times
            return known[1]
        written = text_once(step.symbol)  # most steps' symbols are written by no other
        self._symbols[step.key] = (step.symbol, written)
        return written

    def num(self, value: float, carried: bool = False) -> str:
        """One number, at the display decimals (exact when short); a ``carried`` one with
        all its carried decimals (0.310)."""
        if carried and self.cw is not None:
            return numfmt.fixed(value, self.cw)
        return numfmt.number(value, self.d)

    def fac(self, value: float, carried: bool = False) -> str:
        """A number as a factor in a product: negatives in parentheses, (−0.3)."""
        text = self.num(value, carried)
        return f"({text})" if text.startswith(numfmt.MINUS) else text

    def entry(self, full: float, kept: float, carried: bool) -> tuple[str, str]:
        """One entry of a step's value and its relation: ('=', '0.13') or ('≈', '0.310')."""
        if numfmt.rounded_number(full, kept, self.d):
            return "\u2248", numfmt.fixed(
                kept, self.cw if carried and self.cw is not None else self.d
            )
        return "=", self.num(kept, carried)

    def shown(self, step: Step) -> tuple[str, str]:
        """How a step's value is written and the relation before it: ('=', '0.13'), or
        ('≈', '0.310') when the value was rounded (for display or, by hand, for carrying)."""
        rounded = not numfmt.same(step.value, step.carried) or not numfmt.exact(
            step.carried, self.d
        )
        carried = self.carried(step)
        if not rounded:
            return "=", self.vec(step.carried, carried=carried)
        return "\u2248", self.vec(step.carried, fixed=True, carried=carried)

    def result(
        self, step: Step, lhs: str | None = None, parts: Iterable[str] = ()
    ) -> Iterator[Line]:
        """``lhs = part = part ≈ value``: one line when it fits, else one '=' per line."""
        rel, value = self.shown(step)
        lhs = self.sym(step) if lhs is None else lhs
        pieces = [p for p in parts if p and _plain(p) != _plain(lhs)]
        middle = "".join(f" = {piece}" for piece in pieces)
        if not pieces or len(lhs) + len(middle) + len(rel) + len(value) + 2 <= LINE_WIDTH:
            yield ((lhs, "cyan"), (f"{middle} {rel} ", ""), (value, "bold"))
            return
        indent = " " * (len(lhs.rstrip()) - len(lhs.strip()) + 2)
        yield ((lhs, "cyan"), (f" = {pieces[0]}", ""))
        for piece in pieces[1:]:
            yield f"{indent}  = {piece}"
        yield ((f"{indent}  {rel} ", ""), (value, "bold"))

    def vec(self, values: np.ndarray, fixed: bool = False, carried: bool = False) -> str:
        """A vector (shortened when long unless --full); one number prints bare.
        ``fixed`` writes every entry with the display decimals (0.310, not 0.31), ``carried``
        with the carried decimals."""
        flat = np.ravel(values)
        width = self._width(flat, fixed, carried)
        if flat.size == 1:
            value = float(flat[0])
            return numfmt.fixed(value, width) if fixed or carried else self.num(value)

        def fmt(v: float) -> str:
            return numfmt.fixed(v, width)

        limit = self.settings.max_entries * 2
        if self.settings.full or flat.size <= limit:
            return "[" + ", ".join(fmt(v) for v in flat.tolist()) + "]"
        head = ", ".join(fmt(v) for v in flat[:5].tolist())
        tail = ", ".join(fmt(v) for v in flat[-2:].tolist())
        return f"[{head}, … {flat.size - 7} more …, {tail}]"

    def _width(self, values: np.ndarray, fixed: bool, carried: bool) -> int:
        """The decimals of every entry: the carried ones, all the display ones (``fixed``),
        or as many as the entries need."""
        if carried and self.cw is not None:
            return self.cw
        return self.d if fixed else numfmt.places(values, self.d)

    def matrix(
        self,
        label: str,
        values: np.ndarray,
        style: str = "",
        rel: str = "=",
        fixed: bool = False,
        carried: bool = False,
    ) -> Iterator[Line]:
        """``label = [ rows ]`` with the label on the first row."""
        if np.ndim(values) == 2:
            matrix = np.atleast_2d(values)
            width = self._width(matrix, fixed, carried)
            rows = numfmt.matrix_lines(matrix, width, fixed=True)
            room = TERMINAL_WIDTH - len(label) - len(rel) - 4
            if not self.settings.full and len(rows[0]) > room and matrix.shape[1] > 3:
                rows = self._narrow(matrix, room, fixed, carried)
        else:
            rows = [self.vec(values, fixed=fixed, carried=carried)]
        limit = self.settings.max_entries
        if not self.settings.full and len(rows) > limit:
            rows = rows[:3] + [f"  ⋮  ({len(rows) - 4} more rows)"] + rows[-1:]
        pad = " " * (len(label) + len(rel) + 2)
        first = Text(f"{label} {rel} ", style="cyan")  # cyan under the row's own style
        yield first.append(rows[0], style=style)
        for row in rows[1:]:
            yield ((pad, ""), (row, style))

    def _narrow(self, matrix: np.ndarray, room: int, fixed: bool, carried: bool) -> list[str]:
        """Rows of a matrix too wide for the terminal: the first and last columns, with
        '…' for the columns between (--full writes them all)."""
        n = matrix.shape[1]
        # a column takes at least 3 characters ("0  "): no more than room // 3 can fit, so
        # only those are formatted (a (2, 100000) matrix is not written out to be cut)
        most = max(2, min(n - 1, room // 3))
        picked = list(range((most + 1) // 2)) + list(range(n - most // 2, n))
        width = self._width(matrix[:, picked], fixed, carried)
        cells = {j: [numfmt.fixed(float(v), width) for v in matrix[:, j]] for j in picked}
        widths_all = {j: max(len(text) for text in column) for j, column in cells.items()}
        for keep in range(most, 1, -1):
            left = (keep + 1) // 2
            columns = list(range(left)) + list(range(n - (keep - left), n))
            widths = {j: widths_all[j] for j in columns}
            rows = []
            for i in range(matrix.shape[0]):
                shown = [cells[j][i].rjust(widths[j]) for j in columns]
                rows.append("[ " + "  ".join(shown[:left] + ["…"] + shown[left:]) + " ]")
            if len(rows[0]) <= room:
                return rows
        return numfmt.matrix_lines(matrix, self._width(matrix, fixed, carried), fixed=True)

    def matrix_result(self, step: Step, lhs: str) -> Iterator[Line]:
        """A matrix-valued step: ``lhs`` on its own line, then ``= [ rows ]``."""
        rel, _ = self.shown(step)
        yield ((lhs, "cyan"),)
        yield from self.matrix(
            " " * 2, step.carried, "bold", rel=rel, fixed=rel != "=", carried=self.carried(step)
        )

    def small(self, *arrays: np.ndarray) -> bool:
        """True when arrays are small enough to write out entry by entry."""
        limit = self.settings.max_entries
        return self.settings.full or all(
            max(np.shape(a) or (1,)) <= limit and np.size(a) <= limit * limit for a in arrays
        )

    def entries(self, parts: Iterable[str]) -> str:
        """Entry-by-entry expressions joined, shortened when long."""
        parts = list(parts)
        limit = self.settings.max_entries * 2
        if not self.settings.full and len(parts) > limit:
            parts = parts[:4] + [f"… {len(parts) - 5} more …"] + parts[-1:]
        return "[" + ", ".join(parts) + "]"


class Worked:
    """The worked lines of one step, laid out: their plain text and the (start, end, style)
    of each styled stretch. The rich Text of them is made when it is printed in colour or
    broken to fit a narrower console (``text``); printed plain, the text is written as it
    is."""

    __slots__ = ("plain", "spans")

    def __init__(self, plain: str, spans: list[tuple[int, int, str | Style]]) -> None:
        self.plain, self.spans = plain, spans

    def text(self) -> Text:
        """The lines as one rich Text."""
        return Text(self.plain, spans=[Span(*span) for span in self.spans])


# what rich's Text strips from the text it is given (rich.control.strip_control_codes)
_CONTROL = re.compile("[\x07\x08\x0b\x0c\x0d]")


def joined(lines: Iterable[Line], indent: str = "") -> Worked | Text:
    """The lines as one, each after ``indent``: what ``Text("\\n").join`` makes of them
    as Texts (after ``Text(indent)``, a line with a line break split in two), built in one
    go."""
    lines = list(lines)
    plain: list[str] = []
    spans: list[tuple[int, int, str | Style]] = []
    offset = len(indent)
    for line in lines:
        if isinstance(line, str):
            text = line
        elif isinstance(line, Text):
            text = line.plain
            if line.style:
                spans.append((offset, offset + len(text), line.style))
            spans.extend((offset + start, offset + end, style)
                         for start, end, style in line.spans)  # fmt: skip
        else:
            start = offset
            for piece, style in line:
                if style and piece:
                    spans.append((start, start + len(piece), style))
                start += len(piece)
            text = "".join([piece for piece, _ in line])
        if indent and "\n" in text:
            return _joined_by_rich(lines, indent)  # rare: a line with a line break
        plain.append(text)
        offset += len(text) + 1 + len(indent)
    written = indent + ("\n" + indent).join(plain)
    if _CONTROL.search(written):  # rich strips them from each line: its offsets then differ
        return _joined_by_rich(lines, indent)
    return Worked(written, spans)


def _as_text(line: Line) -> Text:
    """One line as a rich Text."""
    if isinstance(line, Text):
        return line
    return Text(line) if isinstance(line, str) else Text.assemble(*line)


def _joined_by_rich(lines: list[Line], indent: str) -> Text:
    """:func:`joined` by rich's own ``split`` and ``join``."""
    texts: list[Text] = []
    for line in map(_as_text, lines):
        if indent and "\n" in line.plain:
            texts.extend(line.split("\n"))
        else:
            texts.append(line)
    if not indent:
        return Text("\n").join(texts)
    return Text(indent).append_text(Text("\n" + indent).join(texts))


def wrap_line(line: Text, width: int = TERMINAL_WIDTH) -> Text:
    """Long lines broken after ', ' or before ' + ', ' − ', ' = ', ' ≈ ', continuing with a
    hanging indent; styles are kept. Lines that fit are returned as they are."""
    if all(len(part) <= width for part in line.plain.split("\n")):
        return line
    out = []
    for physical in line.split("\n"):
        plain = physical.plain
        hang = len(plain) - len(plain.lstrip()) + 4
        cuts: list[int] = []
        start = 0
        while len(plain) - start > (width if not cuts else width - hang):
            room = width if not cuts else width - hang
            spots = [
                m.start() + (2 if m.group() == ", " else 1)
                for m in _BREAKS.finditer(plain, start + 1, start + room)
            ]
            if not spots:
                break
            cuts.append(spots[-1])
            start = spots[-1]
        pieces = physical.divide(cuts)
        for i, piece in enumerate(pieces):
            piece.rstrip()
            out.append(piece if i == 0 else Text(" " * hang) + piece)
    return Text("\n").join(out)
