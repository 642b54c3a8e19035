"""The GRU's step Jacobian, with σ' and tanh' of the trace's values (``layer.derivative``):

    h_j = u_j h_{j-1} + (1 − u_j) h~_j,  u = 1 − z (update_gate new) or z (keep_old)
    ∂h_j/∂h_{j-1} = diag(u_j) + diag(h_{j-1} − h~_j) ∂u_j/∂h_{j-1} + diag(1 − u_j) ∂h~_j/∂h_{j-1}
    ∂u/∂h = ∓diag(z'_j) W_zh
    reset_before: ∂h~/∂h = diag(h~'_j) W_hh (diag(r_j) + diag(h_{j-1} r'_j) W_rh)
    reset_after:  ∂h~/∂h = diag(h~'_j) (diag(r_j) W_hh + diag((W_hh h_{j-1} + b_hh) r'_j) W_rh)

The tracer's keys read here: z_t, r_t, n_t (h~), keep_t (what is kept of h_{t-1}), and for
reset_after hb_t (W_hh h + b_hh) or hh_t (W_hh h).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnntrace._internal.cells.base import LayerValues, StepJacobian


def previous(layer: LayerValues, t: int) -> str:
    """h_{t-1}: what the kept part (key ``keep_t``) multiplies."""
    return layer.operand(f"keep_{t}", 1)


def jacobian(layer: LayerValues, t: int, model: Any) -> StepJacobian:
    """A_t, H×H."""
    v, d = layer.value, layer.derivative
    z, r, n = v(f"z_{t}"), v(f"r_{t}"), v(f"n_{t}")
    prev_key = previous(layer, t)
    h_prev = layer.value_of(prev_key)
    keep_new = model.update_gate == "new"
    u = 1 - z if keep_new else z
    du = (-1.0 if keep_new else 1.0) * d("sigmoid", z)[:, None] * layer.recurrent("z", t)
    dr = d("sigmoid", r)
    W_rh, W_hh = layer.recurrent("r", t), layer.recurrent("h", t)
    if model.gru_variant == "reset_after":
        inner = v(f"hb_{t}") if layer.has(f"hb_{t}") else v(f"hh_{t}")
        dn = r[:, None] * W_hh + (inner * dr)[:, None] * W_rh
    else:
        dn = W_hh * r[None, :] + W_hh @ ((h_prev * dr)[:, None] * W_rh)
    dn = d("tanh", n)[:, None] * dn
    state = np.diag(u) + (h_prev - n)[:, None] * du + (1 - u)[:, None] * dn
    return StepJacobian(t, layer.key(f"h_{t}"), prev_key, state, None, u)
