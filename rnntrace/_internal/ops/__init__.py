"""The primitive operations, each defined once (``registry.DEFINITIONS``): its forward
expression, its local derivative and the data its explanation needs (``explain``: the
formula as a symbol tree, the worked line of one entry, the words of its remark).

A layer of its own, below the engine and the printers: the engine computes with an op,
the printers write it out from the same entry, and neither knows an op the other does not.
It imports only ``numbers`` and ``symbol``.
"""

from rnntrace._internal.ops.evaluate import OPS, activation, activation_derivative, evaluate
from rnntrace._internal.ops.explain import Entry, Explain, Operand, fill
from rnntrace._internal.ops.products import Product
from rnntrace._internal.ops.registry import (
    ACTIVATIONS,
    DEFINITIONS,
    SCOPE,
    Activation,
    Op,
    ce_parts,
    explanation,
    function_of,
    product_of,
    sigmoid,
    softmax_shift,
)

__all__ = [
    "ACTIVATIONS",
    "DEFINITIONS",
    "Entry",
    "Explain",
    "Operand",
    "fill",
    "OPS",
    "SCOPE",
    "Activation",
    "Product",
    "Op",
    "activation",
    "activation_derivative",
    "ce_parts",
    "evaluate",
    "explanation",
    "product_of",
    "function_of",
    "sigmoid",
    "softmax_shift",
]
