"""What every LaTeX printer method shares: settings, numbers, ``bmatrix`` vectors and
matrices, and equations laid out as ``align*`` rows that stay on the page.

Displays are laid out (with the estimates of ``texwidth``) for a line of
``LatexSettings.width`` points: by default the text width of A4 with 2 cm margins, the page
of ``--standalone`` and of the worksheets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from rnntrace._internal.render import numfmt
from rnntrace._internal.render.prose import Display, Prose
from rnntrace._internal.render.texwidth import tex_width
from rnntrace._internal.symbol import latex
from rnntrace._internal.trace import Step, Trace

LINE_PT = 450.0  # what a display may use (estimated): A4 with 2 cm margins has 483 pt
MAX_MATRIX_COLUMNS = 10  # amsmath's bmatrix takes at most 10 columns (MaxMatrixCols)
MINUS = "-"


FRACTION_GAP = "1.2em"  # below each row of a column of fractions (TeX: past the strut)


def bmatrix(rows: Sequence[Sequence[str]], gap: str = "") -> str:
    """``\\begin{bmatrix} a & b \\\\ c & d \\end{bmatrix}``; with more columns than
    bmatrix takes, the same as an array in brackets. ``gap`` (a TeX length) opens the rows
    apart, for tall entries such as fractions."""
    body = (rf" \\[{gap}] " if gap else r" \\ ").join(" & ".join(row) for row in rows)
    columns = max(len(row) for row in rows)
    if columns > MAX_MATRIX_COLUMNS:
        return rf"\left[\begin{{array}}{{{'c' * columns}}} {body} \end{{array}}\right]"
    return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"


def _plain(terms: Sequence[str]) -> str:
    """An expression without spaces and brackets, to spot a side that repeats the lhs."""
    return re.sub(r"\\left|\\right|[\s()]", "", "".join(terms))


def side_by_side(items: Sequence[Display | Prose], width: float = LINE_PT) -> list[Display | Prose]:
    """Consecutive one-row displays put on one row, ``\\qquad`` apart, where they fit."""
    out: list[Display | Prose] = []
    for item in items:
        last = out[-1] if out else None
        if (
            isinstance(item, Display)
            and isinstance(last, Display)
            and len(item.rows) == len(last.rows) == 1
            and tex_width(last.rows[0] + item.rows[0]) + 20.0 <= width
        ):
            out[-1] = Display((last.rows[0] + r" \qquad " + item.rows[0].replace("&", "", 1),))
        else:
            out.append(item)
    return out


def plus_terms(terms: Sequence[str]) -> list[str]:
    """['a', '+ b', '+ c']: terms of a sum, each after the first with its sign."""
    return [term if i == 0 else f"+ {term}" for i, term in enumerate(terms)]


def column(cells: Iterable[str], gap: str = "") -> str:
    """A column vector of cells (``gap``: rows opened apart, see :func:`bmatrix`)."""
    return bmatrix([[cell] for cell in cells], gap)


def is_number(values: np.ndarray) -> bool:
    """True for a number or a vector of one entry (both are written as a bare number)."""
    return np.ndim(values) == 0 or (np.ndim(values) == 1 and np.size(values) == 1)


@dataclass(frozen=True)
class LatexSettings:
    """Display settings of the LaTeX and Markdown printers."""

    decimals: int | None = None  # None: the scenario's numbers.decimals
    full: bool = False  # every entry of large matrices and every row of large products
    max_entries: int = 8  # above this many rows/columns, large objects are shortened
    width: float = LINE_PT  # the width of a display, in points
    layout: str = "standard"  # standard | seed: each stage one split block (latex_seed)


class LatexBase(numfmt.CarriedPlaces):
    """A Trace and the display settings, with the maths helpers of the printers."""

    mathjax = False  # symbols in MathJax's dialect (the Markdown printer)

    def __init__(self, trace: Trace, settings: LatexSettings | None = None) -> None:
        self.trace = trace
        self.settings = settings or LatexSettings()
        self.d = (
            self.settings.decimals if self.settings.decimals is not None else trace.meta.decimals
        )
        self.width = self.settings.width
        self.seed = self.settings.layout == "seed"
        self.rows = trace.meta.layout == "rows"  # model.layout rows: vectors are rows
        meta = trace.meta
        self.cw = numfmt.carried_places(meta.carry, meta.decimals, self.d)

    # -- symbols and numbers ----------------------------------------------------------------
    def sym(self, key_or_step: str | Step) -> str:
        """The LaTeX symbol of a step (notation applied), valid for TeX (for MathJax when
        the printer's ``mathjax`` is set)."""
        step = self.trace[key_or_step] if isinstance(key_or_step, str) else key_or_step
        return latex(step.symbol, self.mathjax)

    def num(self, value: float, carried: bool = False) -> str:
        """One number at the display decimals (exact when short): 0.31, -0.0678; a
        ``carried`` one with all its carried decimals (0.310)."""
        if carried and self.cw is not None:
            return numfmt.fixed(value, self.cw, MINUS)
        return numfmt.number(value, self.d, MINUS)

    def factor(self, value: float, carried: bool = False) -> str:
        """A number as a factor in a product: negatives in parentheses."""
        text = self.num(value, carried)
        return f"({text})" if text.startswith(MINUS) else text

    def times(self, a: float, b: float, carried: tuple[bool, bool] = (False, False)) -> str:
        """A product written out: 0.2 \\times (-0.3)."""
        return rf"{self.factor(a, carried[0])} \times {self.factor(b, carried[1])}"

    def signed(self, values: Sequence[float], carried: bool = False) -> list[str]:
        """The terms of a sum with their signs: ['0.4', '- 0.09', '+ 0.03']."""
        return numfmt.signed_terms(list(values), self.d, MINUS, self.width_of(carried))

    def entry(self, full: float, kept: float, carried: bool) -> tuple[str, str]:
        """One entry of a step's value and its relation: ('=', '0.13'), ('\\approx', '0.310')."""
        if numfmt.rounded(np.asarray(full), np.asarray(kept), self.d):
            places = self.cw if carried and self.cw is not None else self.d
            return r"\approx", numfmt.fixed(kept, places, MINUS)
        return "=", self.num(kept, carried)

    def rel(self, step: Step) -> str:
        """'=' when the step's value is written exactly, '\\approx' when it is rounded."""
        return r"\approx" if numfmt.rounded(step.value, step.carried, self.d) else "="

    # -- vectors and matrices ---------------------------------------------------------------
    def cells(
        self, values: np.ndarray, fixed: bool = False, carried: bool = False
    ) -> list[list[str]]:
        """The entries as text, one decimal count for all (the carried decimals of a
        ``carried`` value); large objects shortened with dots unless ``full``."""
        grid = np.atleast_2d(values) if np.ndim(values) == 2 else np.reshape(values, (-1, 1))
        if carried and self.cw is not None:
            width = self.cw
        else:
            width = self.d if fixed else numfmt.places(grid, self.d)
        text = [[numfmt.fixed(float(v), width, MINUS) for v in row] for row in grid]
        if self.settings.full:
            return text
        limit = self.settings.max_entries
        if np.ndim(values) == 1 and len(text) > 2 * limit:
            return text[:5] + [[r"\vdots"]] + text[-2:]
        if len(text[0]) > limit:
            text = [row[:3] + [r"\cdots"] + row[-1:] for row in text]
        if len(text) > limit:
            dots = [r"\vdots"] * len(text[0])
            if len(dots) == 5 and text[0][3] == r"\cdots":
                dots[3] = r"\ddots"
            text = text[:3] + [dots] + text[-1:]
        return text

    def oriented(self, cells: list[list[str]], vector: bool) -> list[list[str]]:
        """A vector's cells (a column) as a row in the row layout (model.layout rows)."""
        if not (vector and self.rows):
            return cells
        return [[cell[0].replace(r"\vdots", r"\cdots") for cell in cells]]

    def value(self, values: np.ndarray, fixed: bool = False, carried: bool = False) -> str:
        """A number (also a vector of one entry), a vector (a column, a row in the row
        layout) or a matrix (shortened when large unless ``full``)."""
        if is_number(values):
            return self.cells(values, fixed, carried)[0][0]
        return bmatrix(self.oriented(self.cells(values, fixed, carried), np.ndim(values) == 1))

    def value_terms(
        self, values: np.ndarray, fixed: bool = False, carried: bool = False
    ) -> list[str]:
        """``value`` as terms of an equation: one, or several labelled blocks of columns
        (of entries, for a long vector) when it would not fit on a line."""
        if is_number(values):
            return [self.value(values, fixed, carried)]
        vector = np.ndim(values) == 1
        return self.block_terms(self.oriented(self.cells(values, fixed, carried), vector), vector)

    def block_terms(self, cells: list[list[str]], vector: bool = False) -> list[str]:
        """A ``bmatrix`` of ``cells``, or labelled blocks of it that each fit on a line."""
        whole = bmatrix(cells)
        tall = vector and len(cells) > 2 * self.settings.max_entries
        if not tall and tex_width(whole) <= self.width - 80:
            return [whole]
        if tall:
            size = 2 * self.settings.max_entries
            spans = [(i, min(i + size, len(cells))) for i in range(0, len(cells), size)]
            return [rf"\text{{(entries {a + 1}--{b})}}\ " + bmatrix(cells[a:b]) for a, b in spans]
        return self._column_blocks(cells, "entries" if vector and self.rows else "columns")

    def _column_blocks(self, cells: list[list[str]], unit: str = "columns") -> list[str]:
        out, start, n = [], 0, len(cells[0])
        while start < n:
            stop = min(start + MAX_MATRIX_COLUMNS, n)
            while (
                stop - start > 1
                and tex_width(bmatrix([row[start:stop] for row in cells])) > self.width - 150
            ):
                stop -= 1
            label = rf"\text{{({unit} {start + 1}--{stop})}}\ "
            out.append(label + bmatrix([row[start:stop] for row in cells]))
            start = stop
        return out

    def shown(self, step: Step) -> tuple[str, list[str]]:
        """The relation and the terms that write a step's carried value."""
        rel = self.rel(step)
        return rel, self.value_terms(step.carried, fixed=rel != "=", carried=self.carried(step))

    def small(self, *arrays: np.ndarray) -> bool:
        """True when arrays are small enough to write out entry by entry."""
        limit = self.settings.max_entries
        return self.settings.full or all(
            max(np.shape(a) or (1,)) <= limit and np.size(a) <= limit * limit for a in arrays
        )

    # -- substitutions ----------------------------------------------------------------------------
    def approx_unless_exact(self, *arrays: np.ndarray) -> str:
        """'=' when every number of ``arrays`` is written exactly, else '\\approx'."""
        return "=" if all(numfmt.exact(a, self.d) for a in arrays) else r"\approx"

    def operand(self, values: np.ndarray, carried: bool = False) -> str:
        """An operand's value as written in a substitution."""
        return self.value(values, fixed=not numfmt.exact(values, self.d), carried=carried)

    def entries(self, texts: list[str], gap: str = "") -> str:
        """Per-entry expressions: bare for one entry, else a column, a row in the row layout
        (shortened when long; ``gap`` opens a column's rows apart)."""
        if len(texts) == 1:
            return texts[0]
        limit = 2 * self.settings.max_entries
        if not self.settings.full and len(texts) > limit:
            texts = texts[:5] + [r"\cdots" if self.rows else r"\vdots"] + texts[-2:]
        return bmatrix([texts]) if self.rows else column(texts, gap)

    def fractions(self, pairs: Sequence[tuple[str, str]]) -> str:
        """Per-entry fractions: one in the display's own size, several as a column of
        full-size fractions (\\dfrac) with room between the rows, so that none overlaps."""
        if len(pairs) == 1:
            return rf"\frac{{{pairs[0][0]}}}{{{pairs[0][1]}}}"
        return self.entries([rf"\dfrac{{{a}}}{{{b}}}" for a, b in pairs], gap=FRACTION_GAP)

    def fits(self, lhs: str, term: str) -> bool:
        """True when ``term`` fits on a row after ``lhs``."""
        return tex_width(lhs) + tex_width(term) <= self.width - 20.0

    def worked(
        self, step: Step, formula: Sequence[str], rel: str, written: Sequence[str]
    ) -> Display:
        """The usual chain: ``symbol = formula REL numbers substituted = result``."""
        return self.equation(self.sym(step), [("=", formula), (rel, written), self.shown(step)])

    # -- equations --------------------------------------------------------------------------
    def equation(self, lhs: str, sides: Sequence[tuple[str, Sequence[str]]]) -> Display:
        """``lhs = side = side ≈ side`` as align rows: on one row when it fits, else one
        side a row, and a side too wide for its row broken between its terms (each term
        after the first carries its own sign: '+ 0.3')."""
        kept = [(rel, [t for t in terms if t]) for rel, terms in sides]
        kept = [(rel, terms) for rel, terms in kept if terms and _plain(terms) != _plain([lhs])]
        room = self.width - tex_width(lhs) - 20.0
        one_row = " ".join(f"{rel} {' '.join(terms)}" for rel, terms in kept)
        if tex_width(one_row) <= room:
            return Display((f"{lhs} &{one_row}",))
        rows: list[str] = []
        for rel, terms in kept:
            lines = self._pack(terms, room - 14.0)
            rows.append(f"{rel} {lines[0]}")
            rows.extend(rf"\quad {line}" for line in lines[1:])
        return Display((f"{lhs} &{rows[0]}", *(f"&{row}" for row in rows[1:])))

    @staticmethod
    def _pack(terms: Sequence[str], room: float) -> list[str]:
        """Terms joined into lines no wider than ``room`` (at least one term a line)."""
        lines: list[str] = []
        current: list[str] = []
        width = 0.0
        for term in terms:
            term_width = tex_width(term)
            if current and width + term_width > room:
                lines.append(" ".join(current))
                current, width = [], 0.0
            current.append(term)
            width += term_width
        lines.append(" ".join(current))
        return lines
