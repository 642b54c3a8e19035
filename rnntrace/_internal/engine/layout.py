"""The orientation of the simple RNN's products (``model.layout``), chosen here once.

``columns`` (the default): column vectors, W_xh of shape (H, D): W_xh x_t, the gradient
δz_t x_tᵀ and Wᵀ δz going back (op ``matvec``). ``rows``: row vectors, W_xh of shape (D, H)
as Keras writes it: x_t W_xh, the gradient x_tᵀ δz_t and δz W_xhᵀ going back (op
``vecmat``). The tracers call these two functions and never look at the layout themselves;
the printers read the op of each step (``ops.Product``).
"""

from __future__ import annotations

from typing import Any

from rnntrace._internal.engine.recorder import Recorder
from rnntrace._internal.symbol.label import Label
from rnntrace._internal.symbol.tree import Group, Symbol, Transposed, row


def times(
    rec: Recorder, rows: bool, key: str, matrix: str, vector: str, symbols: tuple[Symbol, Symbol],
    label: Label, transpose: bool = False, **info: Any,
) -> None:  # fmt: skip
    """Record ``key`` = W v (W x_t, Wᵀ δz), or in the row layout v W (x_t W, δz Wᵀ);
    ``symbols``: the matrix's and the vector's."""
    w, v = symbols
    w = Transposed(w) if transpose else w
    flag = {"transpose": True} if transpose else {}
    if rows:
        rec.do(key, "vecmat", [vector, matrix], row(v, w), label, **flag, **info)
    else:
        rec.do(key, "matvec", [matrix, vector], row(w, v), label, **flag, **info)


def gradient(
    rec: Recorder, rows: bool, key: str, delta: str, vector: str, symbols: tuple[Symbol, Symbol],
    label: Label, param: str,
) -> None:  # fmt: skip
    """Record a step's contribution to ∂L/∂W: δ vᵀ (shape of W: (H, D)), or in the row
    layout vᵀ δ (shape (D, H)); ``symbols``: δ's and v's."""
    d, v = symbols
    if rows:
        rec.do(key, "outer", [vector, delta], row(Transposed(Group(v)), d), label, param=param,
               layout="rows")  # fmt: skip
    else:
        rec.do(key, "outer", [delta, vector], row(d, Transposed(Group(v))), label, param=param)
