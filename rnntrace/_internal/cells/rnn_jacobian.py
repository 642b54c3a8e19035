"""The simple RNN's step Jacobian: ∂h_j/∂h_{j-1} = diag(f'(z_j)) W_hh, with a skip
connection (model.skip: h_j = f(z_j) + α h_{j-1}) + α I, and through a recurrent dropout mask
(W_hh reads m_j ⊙ h_{j-1}) diag(f'(z_j)) W_hh diag(m_j)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rnntrace._internal.cells.base import LayerValues, StepJacobian
from rnntrace._internal.errors import RnntraceError


def previous(layer: LayerValues, t: int) -> str:
    """h_{t-1}: the state the recurrent product W_hh h_{t-1} (key ``zh_t``) read, or that its
    dropout mask multiplied (key ``hd_(t-1)``)."""
    read = layer.vector(f"zh_{t}")
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
    read = layer.vector(f"zh_{t}")
    if layer.has(f"hd_{t - 1}") and read == layer.key(f"hd_{t - 1}"):
        matrix = matrix * layer.value_of(layer.operand(f"hd_{t - 1}", 0))[None, :]
    state = d[:, None] * matrix
    if getattr(model, "skip", 0.0):
        state = state + model.skip * np.eye(state.shape[0])
    return StepJacobian(t, layer.key(f"h_{t}"), previous(layer, t), state, d, None)


def jacobians(layer: LayerValues, times: list[int], model: Any) -> list[StepJacobian]:
    """A_t for every t of ``times``: what ``jacobian`` gives for each (to the bit), with
    f'(z_t) of every step computed at once (``gradflow`` over 10⁵ steps)."""
    relu = model.activation == "relu"
    args = [layer.value(f"z_{t}") if relu
            else layer.value(f"hf_{t}") if layer.has(f"hf_{t}") else layer.value(f"h_{t}")
            for t in times]  # fmt: skip
    if not args:
        return []
    derivatives = layer.derivative(model.activation, np.array(args))
    matrix = layer.recurrent("h")
    states = derivatives[:, :, None] * matrix
    if getattr(model, "skip", 0.0):
        states = states + model.skip * np.eye(matrix.shape[0])
    out = []
    for t, state, d in zip(times, states, derivatives):
        read = layer.vector(f"zh_{t}")
        if layer.has(f"hd_{t - 1}") and read == layer.key(f"hd_{t - 1}"):
            out.append(jacobian(layer, t, model))  # through step t's dropout mask
        else:
            out.append(StepJacobian(t, layer.key(f"h_{t}"), read, state, d, None))
    return out


def drive(layer: LayerValues, t: int | None, x: np.ndarray | None) -> np.ndarray:
    """u in z = W_hh h + u, the part of the pre-activation a constant input holds fixed (the
    fixed points of seed 001): at step t the recorded input term plus b_h, W_xh x_t + b_h
    (x_t as the step read it: a token's vector, the layer below's state, a fed-back
    output); for a vector ``x``, W_xh x + b_h; for neither, b_h (x = 0)."""
    bias = layer.parameter("b_h")
    if t is not None:
        term = layer.value(f"zx_{t}")
    elif x is not None:
        weights = layer.parameter("W_xh")
        if weights is None or weights.shape[1] != x.size:
            found = "no W_xh" if weights is None else f"but W_xh has {weights.shape[1]} columns"
            raise RnntraceError(f"--fixed-point-input: x has {x.size} numbers, {found}")
        term = weights @ x  # W_xh as it acts on a column (W_xhᵀ in the row layout)
    else:
        return np.zeros(layer.recurrent("h").shape[0]) if bias is None else bias.copy()
    return term if bias is None else term + bias
