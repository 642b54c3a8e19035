"""How each op is written out by hand, as data: the terms, products and sums of a step.

Shared by every printer, so the terminal, LaTeX and Markdown show the same arithmetic.
Products are rounded exactly as the engine rounded them (``round_terms``), so a written-out
row always adds up to the recorded value.
"""

from __future__ import annotations

import numpy as np

from rnntrace._internal.ops import product_of
from rnntrace._internal.records import record
from rnntrace._internal.trace import Step, Trace


@record
class Row:
    """One entry of a matrix-vector product (a row of W v, a column of x W):
    sum_j a_j * b_j = sum of products = total."""

    factors: list[tuple[float, float]]
    products: list[float]
    total: float


def matvec_rows(step: Step, trace: Trace) -> list[Row]:
    """The entry-by-entry expansions of a product step (``ops.Product``): the rows of W v
    (of Wᵀ v when the step is transposed), the columns of x W; each entry's factors in the
    order they are written."""
    product = product_of(step.op)
    if product is None:
        raise ValueError(f"step {step.key} ({step.op}) is not a matrix-vector product")
    args = trace.operand_values(step)
    first, second = product.factors(args, step.info)
    decimals = (
        trace.meta.decimals if trace.meta.carry == "rounded" and trace.meta.round_terms else None
    )
    products = product.products(args, step.info, decimals)
    return [
        Row(list(zip(first[i].tolist(), second[i].tolist())), products[i].tolist(),
            float(step.value[i]))
        for i in range(first.shape[0])
    ]  # fmt: skip


def operand_steps(step: Step, trace: Trace) -> list[Step]:
    """The steps a step was computed from."""
    return [trace[key] for key in step.operands]


def is_zero(values: np.ndarray) -> bool:
    """True when every entry is zero (a product with it needs no expansion)."""
    return not np.any(values)
