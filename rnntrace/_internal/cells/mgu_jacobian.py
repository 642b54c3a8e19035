"""The MGU's step Jacobian, with σ' and tanh' of the trace's values (``layer.derivative``):

    h_j = (1 − f_j) h_{j-1} + f_j h~_j,   h~_j = tanh(W_hx x_j + W_hh (f_j ⊙ h_{j-1}) + b_h)
    ∂f_j/∂h_{j-1}  = diag(f'_j) W_fh
    ∂h~_j/∂h_{j-1} = diag(h~'_j) W_hh (diag(f_j) + diag(h_{j-1}) ∂f_j/∂h_{j-1})
    ∂h_j/∂h_{j-1}  = diag(1 − f_j) + diag(h~_j − h_{j-1}) ∂f_j/∂h_{j-1} + diag(f_j) ∂h~_j/∂h_{j-1}

The tracer's keys read here: f_t, n_t (h~) and keep_t (what is kept of h_{t-1}).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnntrace._internal.cells.base import LayerValues, StepJacobian


def previous(layer: LayerValues, t: int) -> str:
    """h_{t-1}: what the kept part (key ``keep_t``) multiplies."""
    return layer.operand(f"keep_{t}", 1)


def jacobian(layer: LayerValues, t: int, model: Any) -> StepJacobian:
    """A_t, H×H; its direct path is diag(1 − f_t)."""
    d = layer.derivative
    f, n = layer.value(f"f_{t}"), layer.value(f"n_{t}")
    prev_key = previous(layer, t)
    h_prev = layer.value_of(prev_key)
    W_hh = layer.recurrent("h", t)
    df = d("sigmoid", f)[:, None] * layer.recurrent("f", t)
    dn = d("tanh", n)[:, None] * (W_hh * f[None, :] + W_hh @ (h_prev[:, None] * df))
    keep = 1 - f
    state = np.diag(keep) + (n - h_prev)[:, None] * df + f[:, None] * dn
    return StepJacobian(t, layer.key(f"h_{t}"), prev_key, state, None, keep)
