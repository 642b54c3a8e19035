"""The minimal gated unit (MGU; Zhou et al. 2016), gate by gate: one forget gate f_t does
the work of the GRU's update and reset gates.

    f_t = σ(a_f)                    a_f = W_fx x_t + W_fh h_{t-1} + b_f   (gates.linear)
    h~_t = tanh(W_hx x_t + W_hh (f_t ⊙ h_{t-1}) + b_h)
    h_t = (1 − f_t) ⊙ h_{t-1} + f_t ⊙ h~_t

Concatenated, W_f acts on [h_{t-1}, x_t] and W_h on [f_t ⊙ h_{t-1}, x_t]. The candidate
h~_t has the key ``n_t``, as in the GRU; f_t ⊙ h_{t-1} has the key ``fh_t``.
"""

from __future__ import annotations

from rnntrace._internal.engine import gates
from rnntrace._internal.engine.cell import GatedTracer
from rnntrace._internal.symbol.label import Label
from rnntrace._internal.symbol.tree import (
    Delta,
    Group,
    Name,
    Scripted,
    Styled,
    Symbol,
    op,
    paren,
    row,
    upright,
)


class MguCell(GatedTracer):
    """One MGU layer."""

    def cand(self, t: int) -> Symbol:
        """The candidate's symbol, h~_t."""
        return self.s(Styled("tilde", Name("h")), t)

    def one_minus_f(self, t: int) -> Symbol:
        """(1 - f_t)."""
        return paren(Name("1"), op("-"), self.s("f", t))

    def forward(self, t: int, x: str, prev: dict[str, str]) -> None:
        rec, k = self.rec, self.k
        h_prev = prev["h"]
        h_read = self.recurrent_input(t, h_prev)  # ȟ_(t-1) after recurrent dropout
        h_sym = gates.symbol(self, h_read)
        stacked = None
        if self.scenario.form == "concatenated":
            stacked = gates.concat(self, f"hx_{t}", h_read, x, t)
        a = gates.linear(self, "f", t, x, h_read, h_sym, stacked)
        rec.do(
            k(f"f_{t}"),
            "activation",
            [a],
            self.s("f", t),
            Label("gate_at_t_t", gate="f", part=self.part, time=t),
            activation="sigmoid",
        )
        rec.do(
            k(f"fh_{t}"),
            "hadamard",
            [k(f"f_{t}"), h_read],
            row(self.s("f", t), op("odot"), h_sym),
            Label("previous_state_through_the_forget_gate_a", time=t, part=self.part),
        )
        fh_sym = paren(self.s("f", t), op("odot"), h_sym)
        stacked = None
        if self.scenario.form == "concatenated":
            stacked = gates.concat(self, f"fhx_{t}", k(f"fh_{t}"), x, t)
        a = gates.linear(self, "h", t, x, k(f"fh_{t}"), fh_sym, stacked)
        rec.do(
            k(f"n_{t}"),
            "activation",
            [a],
            self.cand(t),
            Label("candidate_state_at_t_t", time=t, part=self.part),
            activation="tanh",
        )
        rec.do(k(f"omf_{t}"), "one_minus", [k(f"f_{t}")], self.one_minus_f(t),
               Label("1_f_t", time=t, part=self.part))  # fmt: skip
        rec.do(k(f"keep_{t}"), "hadamard", [k(f"omf_{t}"), h_prev],
               row(self.one_minus_f(t), op("odot"), gates.symbol(self, h_prev)),
               Label("what_is_kept_of_h_prev_at_t_t", time=t, part=self.part))  # fmt: skip
        rec.do(
            k(f"new_{t}"),
            "hadamard",
            [k(f"f_{t}"), k(f"n_{t}")],
            row(self.s("f", t), op("odot"), self.cand(t)),
            Label("what_is_taken_from_the_candidate_at_t_t", time=t, part=self.part),
        )
        token = self.token(t)
        rec.do(
            k(f"h_{t}"),
            "add",
            [k(f"keep_{t}"), k(f"new_{t}")],
            self.s("h", t),
            Label("hidden_state_after_token_t_t", part=self.part, token=token, time=t),
        )

    def backward(
        self, t: int, x: str, prev: dict[str, str], external: list[str], nxt: int | None
    ) -> str:
        rec, k = self.rec, self.k
        self.gather_dh(t, external, nxt)
        self._gate_deltas(t, prev)
        phase, rec.phase = rec.phase, "gradient"
        h_read = self.recurrent_input(t, prev["h"])
        h_sym = gates.symbol(self, h_read)
        concatenated = self.scenario.form == "concatenated"
        gates.weight_grads(self, "f", t, x, h_read, h_sym, k(f"hx_{t}") if concatenated else None)
        fh_sym = paren(self.s("f", t), op("odot"), h_sym)
        gates.weight_grads(self, "h", t, x, k(f"fh_{t}"), fh_sym,
                           k(f"fhx_{t}") if concatenated else None)  # fmt: skip
        dx = gates.input_gradient(self, t, x, ("f", "h"))
        rec.phase = phase
        return dx

    def _gate_deltas(self, t: int, prev: dict[str, str]) -> None:
        """δh~_t, its pre-activation's delta, δf_t (through the interpolation and through
        the candidate) and the forget gate's pre-activation's delta, at step t."""
        rec, k = self.rec, self.k
        h_prev = prev["h"]
        h_sym = gates.symbol(self, h_prev)
        rec.do(k(f"dn_{t}"), "hadamard", [k(f"dh_{t}"), k(f"f_{t}")],
               Delta(self.cand(t)), Label("dl_dh_t_candidate", time=t, part=self.part))  # fmt: skip
        label = Label("candidate_state_delta_at_t_t", part=self.part, time=t)
        self.pre_activation_delta("h", t, "tanh_back", "dn", "n", label)
        rec.do(
            k(f"nmh_{t}"),
            "subtract",
            [k(f"n_{t}"), h_prev],
            paren(self.cand(t), op("-"), h_sym),
            Label("what_f_t_weighs_at_t_t", time=t, part=self.part),
        )
        rec.do(k(f"df_mix_{t}"), "hadamard", [k(f"dh_{t}"), k(f"nmh_{t}")],
               Delta(Scripted(Group(self.s("f", t)), sup=upright("mix"))),
               Label("part_of_df_t_through_the_interpolation", time=t, part=self.part))  # fmt: skip
        dfh = gates.back_to_state(
            self,
            "h",
            t,
            k(f"dfh_{t}"),
            k(f"dah_{t}"),
            Label("dl_d_f_t_h_prev_through_the_candidate", time=t, part=self.part),
        )
        h_read = self.recurrent_input(t, h_prev)
        rec.do(k(f"df_cand_{t}"), "hadamard", [dfh, h_read],
               Delta(Scripted(Group(self.s("f", t)), sup=Styled("tilde", Name("h")))),
               Label("part_of_df_t_through_the_candidate", time=t, part=self.part))  # fmt: skip
        rec.do(
            k(f"df_{t}"),
            "add",
            [k(f"df_mix_{t}"), k(f"df_cand_{t}")],
            Delta(self.s("f", t)),
            Label("dl_df_t_forget_gate", time=t, part=self.part),
        )
        label = Label("forget_gate_delta_at_t_t", part=self.part, time=t)
        self.pre_activation_delta("f", t, "sigmoid_back", "df", "f", label)

    def _from_step(self, n: int, t: int, key: str, symbol: Symbol, label: Label) -> str:
        """∂L/∂h_t through step n: the kept part, the forget gate and the candidate."""
        rec, k = self.rec, self.k
        rec.do(
            k(f"dh_keep_{t}"),
            "hadamard",
            [k(f"dh_{n}"), k(f"omf_{n}")],
            Delta(Scripted(Group(self.s("h", t)), sup=upright("keep"))),
            Label("part_of_dh_t_kept_through_the_forget_gat", time=t, other=n, part=self.part),
        )
        dh_f = gates.back_to_state(self, "f", n, k(f"dh_f_{t}"))
        rec.do(
            k(f"dh_h_{t}"),
            "hadamard",
            [k(f"dfh_{n}"), k(f"f_{n}")],
            Delta(Scripted(Group(self.s("h", t)), sup=Styled("tilde", Name("h")))),
            Label("part_of_dh_t_through_the_candidate_at_st", time=t, other=n, part=self.part),
        )
        return self.back_from_step(n, t, key, symbol, label, [k(f"dh_keep_{t}")],
                                   [dh_f, k(f"dh_h_{t}")])  # fmt: skip
