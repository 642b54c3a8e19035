"""The Jacobian of one step of a recurrent layer, ∂s_j/∂s_{j-1}, from the values a trace
recorded (the inputs x_j are held as they are):

simple RNN   s = h:       ∂h_j/∂h_{j-1} = diag(f'(z_j)) W_hh
LSTM         s = (h, c):  with σ' = g(1 − g) for a gate g and tanh' = 1 − tanh²,
             ∂c_j/∂h_{j-1} = diag(c_{j-1} f'_j) W_fh + diag(c~_j i'_j) W_ih + diag(i_j c~'_j) W_ch
             ∂c_j/∂c_{j-1} = diag(f_j)
             ∂h_j/∂h_{j-1} = diag(tanh(c_j) o'_j) W_oh + diag(o_j tanh'(c_j)) ∂c_j/∂h_{j-1}
             ∂h_j/∂c_{j-1} = diag(o_j tanh'(c_j) f_j)
GRU          s = h:       h_j = u_j h_{j-1} + (1 − u_j) h~_j, u = 1 − z (update_gate new) or
             z (keep_old);  ∂h_j/∂h_{j-1} = diag(u_j) + diag(h_{j-1} − h~_j) ∂u_j/∂h_{j-1}
                                              + diag(1 − u_j) ∂h~_j/∂h_{j-1}
             ∂u/∂h = ∓diag(z'_j) W_zh;  reset_before: ∂h~/∂h = diag(h~'_j) W_hh (diag(r_j)
             + diag(h_{j-1} r'_j) W_rh);  reset_after: ∂h~/∂h = diag(h~'_j) (diag(r_j) W_hh
             + diag((W_hh h_{j-1} + b_hh) r'_j) W_rh)

Recurrent matrices W_gh are the given ones, or the first H columns of a concatenated W_g.
Every value is read from the trace (its carried values), so the Jacobians are those of the
very calculation the trace shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from rnntrace.errors import RnntraceError
from rnntrace.trace import Trace


@dataclass(frozen=True)
class StepJacobian:
    """One step j of a layer: A_j = ∂s_j/∂s_{j-1} and the diagonals it is made of."""

    time: int  # the time step t of h_t
    key: str  # the full key of h_j
    prev_key: str  # the full key of h_{j-1} (h_0, or the encoder's last state)
    state: np.ndarray  # A_j: H×H (rnn, gru) or 2H×2H over (h, c) (lstm)
    derivative: np.ndarray | None  # rnn: f'(z_j)
    path: np.ndarray | None  # lstm: f_j (the cell path); gru: u_j (the direct path)
    c_key: str | None = None  # lstm: the keys of c_j and c_{j-1}
    c_prev_key: str | None = None


class Layer:
    """One part of a model over one sequence of a trace: its steps in the order they ran."""

    def __init__(self, trace: Trace, prefix: str, part: str, cell: str,
                 gru_variant: str = "reset_before", update_gate: str = "new") -> None:  # fmt: skip
        self.trace = trace
        self.prefix = prefix  # the sequence's prefix: "" or "s2."
        self.part = part  # "" or "l1.", "fw.", "enc.", ...
        self.cell = cell
        self.gru_variant = gru_variant
        self.update_gate = update_gate
        self._recurrent: dict[str, np.ndarray] = {}
        self.times = self._times()
        if not self.times:
            where = f" of {part.rstrip('.')}" if part else ""
            raise RnntraceError(f"no hidden states{where} in this sequence to analyse")
        self.H = self.value(f"h_{self.times[0]}").size

    def key(self, name: str) -> str:
        """The full key of a quantity of this layer: ``s2.l1.h_3``."""
        return f"{self.prefix}{self.part}{name}"

    def value(self, name: str) -> np.ndarray:
        return self.trace.value(self.key(name))

    def _times(self) -> list[int]:
        """The time steps of the layer's states, in the order the layer computed them (T..1
        for the backward direction of a bidirectional model)."""
        pattern = re.compile(re.escape(self.prefix + self.part) + r"h_(\d+)$")
        return [int(match.group(1)) for step in self.trace
                if step.phase == "forward" and (match := pattern.match(step.key))]  # fmt: skip

    def recurrent(self, gate: str) -> np.ndarray:
        """W_gh of this part (W_hh of the simple RNN and of the GRU candidate)."""
        if gate not in self._recurrent:  # read once: every step needs it
            key = f"{self.part}W_{gate}h"
            if key in self.trace:
                self._recurrent[gate] = self.trace.value(key)
            else:
                self._recurrent[gate] = self.trace.value(f"{self.part}W_{gate}")[:, : self.H]
        return self._recurrent[gate]

    def recurrent_key(self, gate: str) -> str:
        """The parameter key the recurrent matrix is read from."""
        key = f"{self.part}W_{gate}h"
        return key if key in self.trace else f"{self.part}W_{gate}"

    def prev_key(self, t: int) -> str:
        """The full key of the state the step at time t started from."""
        if self.cell == "rnn":
            return self.trace[self.key(f"zh_{t}")].operands[1]
        if self.cell == "gru":
            return self.trace[self.key(f"keep_{t}")].operands[1]
        return self._lstm_h_prev(t)

    def _lstm_h_prev(self, t: int) -> str:
        for name, at in (("hf", 1), ("hx", 0)):  # separate: W_fh h; concatenated: [h, x]
            if self.key(f"{name}_{t}") in self.trace:
                return self.trace[self.key(f"{name}_{t}")].operands[at]
        raise RnntraceError(f"no previous state of step {t} in the trace")

    def steps(self, activation: str = "tanh") -> list[StepJacobian]:
        """A_j for every step, in the order the layer ran."""
        make = {"rnn": self._rnn, "lstm": self._lstm, "gru": self._gru}[self.cell]
        return [make(t, activation) for t in self.times]

    # -- the cells ---------------------------------------------------------------------
    def _rnn(self, t: int, activation: str) -> StepJacobian:
        h, z = self.value(f"h_{t}"), self.value(f"z_{t}")
        d = activation_derivative(activation, z, h)
        return StepJacobian(t, self.key(f"h_{t}"), self.prev_key(t),
                            d[:, None] * self.recurrent("h"), d, None)  # fmt: skip

    def _lstm(self, t: int, activation: str) -> StepJacobian:
        v = self.value
        f, i, cc, o, tc = v(f"f_{t}"), v(f"i_{t}"), v(f"cc_{t}"), v(f"og_{t}"), v(f"tc_{t}")
        c_prev_key = self.trace[self.key(f"fc_{t}")].operands[1]
        c_prev = self.trace.value(c_prev_key)
        dc_dh = (
            (c_prev * f * (1 - f))[:, None] * self.recurrent("f")
            + (cc * i * (1 - i))[:, None] * self.recurrent("i")
            + (i * (1 - cc * cc))[:, None] * self.recurrent("c")
        )
        through_c = o * (1 - tc * tc)
        dh_dh = (tc * o * (1 - o))[:, None] * self.recurrent("o") + through_c[:, None] * dc_dh
        joint = np.block([[dh_dh, np.diag(through_c * f)], [dc_dh, np.diag(f)]])
        return StepJacobian(t, self.key(f"h_{t}"), self._lstm_h_prev(t), joint, None, f,
                            self.key(f"c_{t}"), c_prev_key)  # fmt: skip

    def _gru(self, t: int, activation: str) -> StepJacobian:
        v = self.value
        z, r, n = v(f"z_{t}"), v(f"r_{t}"), v(f"n_{t}")
        prev_key = self.prev_key(t)
        h_prev = self.trace.value(prev_key)
        keep_new = self.update_gate == "new"
        u = 1 - z if keep_new else z
        du = (-1.0 if keep_new else 1.0) * (z * (1 - z))[:, None] * self.recurrent("z")
        dr = r * (1 - r)
        W_rh, W_hh = self.recurrent("r"), self.recurrent("h")
        if self.gru_variant == "reset_after":
            inner = v(f"hb_{t}") if self.key(f"hb_{t}") in self.trace else v(f"hh_{t}")
            dn = r[:, None] * W_hh + (inner * dr)[:, None] * W_rh
        else:
            dn = W_hh * r[None, :] + W_hh @ ((h_prev * dr)[:, None] * W_rh)
        dn = (1 - n * n)[:, None] * dn
        state = np.diag(u) + (h_prev - n)[:, None] * du + (1 - u)[:, None] * dn
        return StepJacobian(t, self.key(f"h_{t}"), prev_key, state, None, u)


def activation_derivative(name: str, z: np.ndarray, h: np.ndarray) -> np.ndarray:
    """f'(z): 1 − h² (tanh), h(1 − h) (sigmoid), 1 where z > 0 else 0 (relu)."""
    if name == "tanh":
        return 1.0 - h * h
    if name == "sigmoid":
        return h * (1.0 - h)
    if name == "relu":
        return (z > 0).astype(float)
    raise ValueError(f"unknown activation {name!r}")


# The largest value f' can take: 1 (tanh, relu), 1/4 (sigmoid).
DERIVATIVE_MAX = {"tanh": 1.0, "relu": 1.0, "sigmoid": 0.25}
