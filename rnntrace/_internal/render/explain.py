"""How each op is written out by hand, as data: the terms, products and sums of a step.

Shared by every printer, so the terminal, LaTeX and Markdown show the same arithmetic.
Products are rounded exactly as the engine rounded them (``round_terms``), so a written-out
row always adds up to the recorded value.
"""

from __future__ import annotations

import numpy as np

from rnntrace._internal.numbers import round_array
from rnntrace._internal.records import record
from rnntrace._internal.trace import Step, Trace


@record
class Row:
    """One row of a matrix-vector product: sum_j a_j * b_j = sum of products = total."""

    factors: list[tuple[float, float]]
    products: list[float]
    total: float


def matvec_rows(step: Step, trace: Trace) -> list[Row]:
    """The row expansions of a ``matvec`` step (of W^T when the step is transposed)."""
    matrix, vector = trace.operand_values(step)
    cols = step.info.get("cols")
    if cols is not None:
        matrix = matrix[:, cols[0] : cols[1]]
    if step.info.get("transpose"):
        matrix = matrix.T
    products = matrix * vector
    if trace.meta.carry == "rounded" and trace.meta.round_terms:
        products = round_array(products, trace.meta.decimals)
    return [
        Row(
            list(zip(matrix[i].tolist(), vector.tolist())),
            products[i].tolist(),
            float(step.value[i]),
        )
        for i in range(matrix.shape[0])
    ]


def operand_steps(step: Step, trace: Trace) -> list[Step]:
    """The steps a step was computed from."""
    return [trace[key] for key in step.operands]


def is_zero(values: np.ndarray) -> bool:
    """True when every entry is zero (a product with it needs no expansion)."""
    return not np.any(values)
