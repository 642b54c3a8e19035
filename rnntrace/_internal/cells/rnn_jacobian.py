"""The simple RNN's step Jacobian: ∂h_j/∂h_{j-1} = diag(f'(z_j)) W_hh."""

from __future__ import annotations

from typing import Any

from rnntrace._internal.cells.base import LayerValues, StepJacobian


def previous(layer: LayerValues, t: int) -> str:
    """h_{t-1}: the state the recurrent product W_hh h_{t-1} (key ``zh_t``) read."""
    return layer.operand(f"zh_{t}", 1)


def jacobian(layer: LayerValues, t: int, model: Any) -> StepJacobian:
    """A_t, with f'(z_t) (from z_t for relu, from h_t otherwise, as the trace computes it)."""
    h, z = layer.value(f"h_{t}"), layer.value(f"z_{t}")
    d = layer.derivative(model.activation, z if model.activation == "relu" else h)
    return StepJacobian(t, layer.key(f"h_{t}"), previous(layer, t),
                        d[:, None] * layer.recurrent("h"), d, None)  # fmt: skip
