"""The two linear products of the engine, each written out entry by entry.

* ``matvec``, W v (the column convention, ``model.layout: columns``): entry i is row i of W
  times v, Σ_j W_ij v_j; with ``transpose`` Wᵀ v (row i of Wᵀ is column i of W);
* ``vecmat``, x W (the row convention, ``model.layout: rows``, as Keras writes it): entry j
  is x times column j of W, Σ_i x_i W_ij; with ``transpose`` x Wᵀ.

A ``Product`` holds what both share: which operand is the matrix, the matrix that acts on
the vector as a column (``acting``: y = A v, the op's local derivative ∂y/∂v, which the
Jacobians of ``gradflow`` read), and the factors of each entry in the order they are
written (``factors``), which every printer writes out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from rnntrace._internal.numbers import round_array
from rnntrace._internal.records import record

Array = np.ndarray


def block(matrix: Array, info: Mapping[str, Any]) -> Array:
    """The matrix a matvec multiplies by: the columns ``cols`` = [start, stop) of it when
    given (a concatenated gate matrix's h or x block), then transposed if ``transpose``."""
    cols = info.get("cols")
    if cols is not None:
        matrix = matrix[:, cols[0] : cols[1]]
    return matrix.T if info.get("transpose") else matrix


@record
class Product:
    """A matrix–vector product: operand ``matrix`` and operand ``vector``; ``entry`` says
    what one entry of the result takes of the matrix ("row": W v, "column": x W)."""

    matrix: int
    vector: int
    entry: str

    def acting(self, matrix: Array, info: Mapping[str, Any]) -> Array:
        """A with y = A v for the vector v as a column: ∂y/∂v, the local derivative."""
        used = block(matrix, info)
        return used if self.entry == "row" else used.T

    def factors(self, args: list[Array], info: Mapping[str, Any]) -> tuple[Array, Array]:
        """(first, second): entry e of the result is Σ_k first[e, k] second[e, k], each
        factor in the place it is written (W_ij v_j for W v, x_i W_ij for x W)."""
        acting = self.acting(args[self.matrix], info)
        spread = np.broadcast_to(args[self.vector], acting.shape)
        return (acting, spread) if self.matrix == 0 else (spread, acting)

    def products(
        self, args: list[Array], info: Mapping[str, Any], term_decimals: int | None
    ) -> Array:
        """The products each entry adds up (one row per entry), rounded to ``term_decimals``
        when a hand calculation rounds each product."""
        first, second = self.factors(args, info)
        products = first * second
        return products if term_decimals is None else round_array(products, term_decimals)

    def forward(
        self, args: list[Array], info: Mapping[str, Any], term_decimals: int | None
    ) -> Array:
        """The product's value: exact, or the sums of the rounded products."""
        if term_decimals is None:
            used = block(args[self.matrix], info)
            return used @ args[1] if self.matrix == 0 else args[0] @ used
        return self.products(args, info, term_decimals).sum(axis=1)


MATVEC = Product(matrix=0, vector=1, entry="row")
VECMAT = Product(matrix=1, vector=0, entry="column")
