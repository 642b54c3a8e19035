"""The Jacobian of one step of a recurrent layer, ∂s_j/∂s_{j-1}, from the values a trace
recorded (the inputs x_j are held as they are). Each cell writes its own
(``CellKind.flow.jacobian``, in ``rnntrace/_internal/cells/<cell>_jacobian.py``); a ``Layer``
gives it the layer's values, its recurrent matrices and the activations' derivatives (the engine's
``ops.activation_derivative``).

Recurrent matrices W_gh are the given ones, or the first H columns of a concatenated W_g.
Every value is read from the trace (its carried values), so the Jacobians are those of the
very calculation the trace shows.
"""

from __future__ import annotations

import re

import numpy as np

from rnntrace._internal import cells
from rnntrace._internal.cells import StepJacobian
from rnntrace._internal.errors import RnntraceError
from rnntrace._internal.ops import Product, activation_derivative, product_of
from rnntrace._internal.scenario.model import ModelSpec
from rnntrace._internal.trace import Trace

__all__ = ["DERIVATIVE_MAX", "Layer", "StepJacobian"]


class Layer:
    """One part of a model over one sequence of a trace: its steps in the order they ran."""

    def __init__(self, trace: Trace, prefix: str, part: str, model: ModelSpec) -> None:
        self.trace = trace
        self.prefix = prefix  # the sequence's prefix: "" or "s2."
        self.part = part  # "" or "l1.", "fw.", "enc.", ...
        self.model = model
        self.flow = cells.get(model.cell).flow
        self._recurrent: dict[str, np.ndarray] = {}
        self._products: dict[str, Product | None] = {}
        self.times = self._times()
        if not self.times:
            where = f" of {part.rstrip('.')}" if part else ""
            raise RnntraceError(f"no hidden states{where} in this sequence to analyse")
        self.H = self.value(f"h_{self.times[0]}").size

    def key(self, name: str) -> str:
        """The full key of a quantity of this layer: ``s2.l1.h_3``."""
        return f"{self.prefix}{self.part}{name}"

    def value(self, name: str) -> np.ndarray:
        """The value of this layer's ``name``."""
        return self.trace.value(self.key(name))

    def has(self, name: str) -> bool:
        """Whether the trace recorded this layer's ``name``."""
        return self.key(name) in self.trace

    def operand(self, name: str, at: int) -> str:
        """The full key of operand ``at`` of this layer's step ``name``."""
        return self.trace[self.key(name)].operands[at]

    def vector(self, name: str) -> str:
        """The full key of the vector this layer's product step ``name`` multiplies (v of
        W v, x of x W)."""
        step = self.trace[self.key(name)]
        product = product_of(step.op)
        return step.operands[product.vector if product is not None else 1]

    def value_of(self, key: str) -> np.ndarray:
        """The value of a full key."""
        return self.trace.value(key)

    def derivative(self, activation: str, arg: np.ndarray) -> np.ndarray:
        """f'(z), from f(z) (tanh, sigmoid) or z (relu): the engine's rule."""
        return activation_derivative(activation, arg)

    def _times(self) -> list[int]:
        """The time steps of the layer's states, in the order the layer computed them (T..1
        for the backward direction of a bidirectional model)."""
        head = self.prefix + self.part + "h_"
        pattern = re.compile(re.escape(head) + r"(\d+)$")
        return [int(match.group(1)) for step in self.trace
                if step.key.startswith(head) and step.phase == "forward"
                and (match := pattern.match(step.key))]  # fmt: skip

    def recurrent(self, gate: str, t: int | None = None) -> np.ndarray:
        """W_gh of this part (W_hh of the simple RNN and of the GRU candidate) as it acts on
        h_(t−1) as a column (W_hhᵀ in the row layout, see ``acting``); for step t, W_gh
        diag(m_t) when step t read ȟ_(t−1) = m_t ⊙ h_(t−1) (recurrent dropout of a gated
        cell)."""
        if gate not in self._recurrent:  # read once: every step needs it
            key = f"{self.part}W_{gate}h"
            if key in self.trace:
                self._recurrent[gate] = self.acting(key)
            else:
                self._recurrent[gate] = self.trace.value(f"{self.part}W_{gate}")[:, : self.H]
        if t is not None and self.has(f"hd_{t - 1}"):
            mask = self.value_of(self.operand(f"hd_{t - 1}", 0))
            return self._recurrent[gate] * mask[None, :]
        return self._recurrent[gate]

    def acting(self, key: str) -> np.ndarray:
        """The matrix ``key`` as it acts on a column vector in the forward products that read
        it: the product op's local derivative (``ops.Product.acting``): W for W v, Wᵀ for the
        row layout's v W."""
        matrix = self.trace.value(key)
        product = self._product(key)
        return matrix if product is None else product.acting(matrix, {})

    def transposed(self, key: str) -> bool:
        """Whether ``acting`` is the transpose of the matrix as given (the row layout)."""
        product = self._product(key)
        return product is not None and product.entry == "column"

    def _product(self, key: str) -> Product | None:
        """The product of the first forward step of this sequence that reads ``key``."""
        if key not in self._products:
            self._products[key] = next(
                (product for step in self.trace
                 if step.phase == "forward" and key in step.operands
                 and (product := product_of(step.op)) is not None),
                None,
            )  # fmt: skip
        return self._products[key]

    def parameter(self, name: str) -> np.ndarray | None:
        """This part's parameter ``name`` (W_xh, b_h) as it acts on a column vector (see
        ``acting``), or None when the trace has none."""
        key = f"{self.part}{name}"
        if key not in self.trace:
            return None
        value = self.trace.value(key)
        return self.acting(key) if value.ndim == 2 else value

    def recurrent_key(self, gate: str) -> str:
        """The parameter key the recurrent matrix is read from."""
        key = f"{self.part}W_{gate}h"
        return key if key in self.trace else f"{self.part}W_{gate}"

    def steps(self) -> list[StepJacobian]:
        """A_j for every step, in the order the layer ran."""
        if self.flow.jacobians is not None:
            return self.flow.jacobians(self, self.times, self.model)
        return [self.flow.jacobian(self, t, self.model) for t in self.times]


# The largest value f' can take: 1 (tanh, relu), 1/4 (sigmoid).
DERIVATIVE_MAX = {"tanh": 1.0, "relu": 1.0, "sigmoid": 0.25}
