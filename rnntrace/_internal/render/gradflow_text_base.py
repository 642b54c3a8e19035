"""What the terminal printers of ``gradflow`` share: 80 columns, headings, wrapped
paragraphs, tables, numbers, vectors and matrices."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
from rich.text import Text

from rnntrace._internal.render.gradflow_words import brief
from rnntrace._internal.render.numfmt import matrix_lines

WIDTH = 80
MAX_VECTOR = 4  # longer vectors print as their mean and range
MAX_MATRIX = 8  # larger matrices print only with --matrices


def heading(text: str) -> Text:
    return Text(text, style="bold")


def para(text: str, indent: str = "", style: str = "") -> list[Text]:
    """A paragraph wrapped to 80 columns."""
    lines = textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent,
                          break_on_hyphens=False)  # fmt: skip
    return [Text(line, style=style) for line in lines]


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> list[Text]:
    """Columns left-aligned, three spaces apart."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return indent + "   ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()

    return [Text(line(headers), style="bold"), *(Text(line(r)) for r in rows)]


def num(value: float | None) -> str:
    return "" if value is None else brief(value)


def vector(values: np.ndarray | None) -> str:
    """[0.555, 0.326, 0.387]; a long vector as 'mean 0.4 (0.1…0.9)'."""
    if values is None:
        return ""
    flat = np.ravel(values)
    if flat.size <= MAX_VECTOR:
        return "[" + ", ".join(f"{v:.3f}" for v in flat).replace("-", "−") + "]"
    low, mean, high = (brief(float(f(flat)), digits=3) for f in (np.min, np.mean, np.max))
    return f"mean {mean} ({low}…{high})"


def matrix(label: str, values: np.ndarray, indent: str = "  ", fixed: bool = True) -> list[Text]:
    """``label = [ rows ]``: to 4 decimals (``fixed``), or as few as write it exactly."""
    rows = matrix_lines(values, 4, fixed=fixed)
    pad = " " * (len(label) + 3)
    return [Text(indent + (f"{label} = " if i == 0 else pad) + row) for i, row in enumerate(rows)]
