"""The simple RNN's step Jacobian: ∂h_j/∂h_{j-1} = diag(f'(z_j)) W_hh."""

from __future__ import annotations

from typing import Any

import numpy as np

from rnntrace._internal.cells.base import LayerValues, StepJacobian
from rnntrace._internal.errors import RnntraceError


def previous(layer: LayerValues, t: int) -> str:
    """h_{t-1}: the state the recurrent product W_hh h_{t-1} (key ``zh_t``) read."""
    return layer.operand(f"zh_{t}", 1)


def jacobian(layer: LayerValues, t: int, model: Any) -> StepJacobian:
    """A_t, with f'(z_t) (from z_t for relu, from h_t otherwise, as the trace computes it)."""
    h, z = layer.value(f"h_{t}"), layer.value(f"z_{t}")
    d = layer.derivative(model.activation, z if model.activation == "relu" else h)
    return StepJacobian(t, layer.key(f"h_{t}"), previous(layer, t),
                        d[:, None] * layer.recurrent("h"), d, None)  # fmt: skip


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
        term = weights @ x
    else:
        return np.zeros(layer.recurrent("h").shape[0]) if bias is None else bias.copy()
    return term if bias is None else term + bias
