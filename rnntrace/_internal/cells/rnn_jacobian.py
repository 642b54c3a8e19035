"""The simple RNN's step Jacobian: ∂h_j/∂h_{j-1} = diag(f'(z_j)) W_hh, with a skip
connection (model.skip: h_j = f(z_j) + α h_{j-1}) + α I, and through a recurrent dropout mask
(W_hh reads m_j ⊙ h_{j-1}) diag(f'(z_j)) W_hh diag(m_j)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rnntrace._internal.cells.base import LayerValues, StepJacobian


def previous(layer: LayerValues, t: int) -> str:
    """h_{t-1}: the state the recurrent product W_hh h_{t-1} (key ``zh_t``) read, or that its
    dropout mask multiplied (key ``hd_(t-1)``)."""
    read = layer.operand(f"zh_{t}", 1)
    if layer.has(f"hd_{t - 1}") and read == layer.key(f"hd_{t - 1}"):
        return layer.operand(f"hd_{t - 1}", 1)
    return read


def jacobian(layer: LayerValues, t: int, model: Any) -> StepJacobian:
    """A_t, with f'(z_t) (from z_t for relu, from f(z_t) otherwise, as the trace computes
    it: h_t, or ``hf_t`` when h_t adds a skip)."""
    z = layer.value(f"z_{t}")
    out = layer.value(f"hf_{t}") if layer.has(f"hf_{t}") else layer.value(f"h_{t}")
    d = layer.derivative(model.activation, z if model.activation == "relu" else out)
    matrix = layer.recurrent("h")
    read = layer.operand(f"zh_{t}", 1)
    if layer.has(f"hd_{t - 1}") and read == layer.key(f"hd_{t - 1}"):
        matrix = matrix * layer.value_of(layer.operand(f"hd_{t - 1}", 0))[None, :]
    state = d[:, None] * matrix
    if getattr(model, "skip", 0.0):
        state = state + model.skip * np.eye(state.shape[0])
    return StepJacobian(t, layer.key(f"h_{t}"), previous(layer, t), state, d, None)
