"""The LSTM's step Jacobian over its state s = (h, c), with σ' and tanh' of the trace's
values (``layer.derivative``):

    ∂c_j/∂h_{j-1} = diag(c_{j-1} f'_j) W_fh + diag(c~_j i'_j) W_ih + diag(i_j c~'_j) W_ch
    ∂c_j/∂c_{j-1} = diag(f_j)
    ∂h_j/∂h_{j-1} = diag(tanh(c_j) o'_j) W_oh + diag(o_j tanh'(c_j)) ∂c_j/∂h_{j-1}
    ∂h_j/∂c_{j-1} = diag(o_j tanh'(c_j) f_j)

The tracer's keys read here: f_t, i_t, cc_t (c~), og_t (the output gate), tc_t (tanh c_t),
fc_t (f ⊙ c_{t-1}), and hf_t (W_fh h_{t-1}) or hx_t ([h_{t-1}, x_t]).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnntrace._internal.cells.base import LayerValues, StepJacobian
from rnntrace._internal.errors import RnntraceError


def previous(layer: LayerValues, t: int) -> str:
    """h_{t-1}: what W_fh multiplied (separate form) or [h_{t-1}, x_t] holds first."""
    for name, at in (("hf", 1), ("hx", 0)):  # separate: W_fh h; concatenated: [h, x]
        if layer.has(f"{name}_{t}"):
            read = layer.operand(f"{name}_{t}", at)
            if layer.has(f"hd_{t - 1}") and read == layer.key(f"hd_{t - 1}"):
                return layer.operand(f"hd_{t - 1}", 1)  # ȟ_(t−1) = m_t ⊙ h_(t−1): dropout
            return read
    raise RnntraceError(f"no previous state of step {t} in the trace")


def jacobian(layer: LayerValues, t: int, model: Any) -> StepJacobian:
    """A_t, 2H×2H over (h, c)."""
    v, d = layer.value, layer.derivative
    f, i, cc, o, tc = v(f"f_{t}"), v(f"i_{t}"), v(f"cc_{t}"), v(f"og_{t}"), v(f"tc_{t}")
    c_prev_key = layer.operand(f"fc_{t}", 1)
    c_prev = layer.value_of(c_prev_key)
    dc_dh = (
        (c_prev * d("sigmoid", f))[:, None] * layer.recurrent("f", t)
        + (cc * d("sigmoid", i))[:, None] * layer.recurrent("i", t)
        + (i * d("tanh", cc))[:, None] * layer.recurrent("c", t)
    )
    through_c = o * d("tanh", tc)
    dh_dh = (tc * d("sigmoid", o))[:, None] * layer.recurrent("o", t) + through_c[:, None] * dc_dh
    joint = np.block([[dh_dh, np.diag(through_c * f)], [dc_dh, np.diag(f)]])
    return StepJacobian(t, layer.key(f"h_{t}"), previous(layer, t), joint, None, f,
                        layer.key(f"c_{t}"), c_prev_key)  # fmt: skip
