"""What the LaTeX printers of ``gradflow`` share: symbols, numbers and matrices."""

from __future__ import annotations

import numpy as np

from rnntrace._internal.render import numfmt
from rnntrace._internal.render.gradflow_words import brief_tex
from rnntrace._internal.symbol import Symbol
from rnntrace._internal.symbol import latex as tex_of

MAX_MATRIX = 6  # the Jacobians are written out when H is at most this
MAX_DISTANCES = 12  # ... and there are at most this many distances


def s(symbol: Symbol) -> str:
    """A trace symbol in LaTeX."""
    return tex_of(symbol)


def num(value: float | None) -> str:
    return "" if value is None else f"${brief_tex(value)}$"


def bmatrix(values: np.ndarray, exact: bool = False) -> str:
    """A matrix to 4 decimals, or (``exact``) with as few as write every entry exactly."""
    rows = np.atleast_2d(values)
    width = numfmt.places(rows, 4) if exact else 4
    body = r" \\ ".join(" & ".join(numfmt.fixed(v, width, "-") for v in row) for row in rows)
    if rows.shape[1] > 10:  # amsmath's bmatrix takes 10 columns
        return rf"\left[\begin{{array}}{{{'r' * rows.shape[1]}}} {body} \end{{array}}\right]"
    return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"
