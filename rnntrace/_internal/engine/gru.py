"""The GRU, gate by gate, in the seeds' convention by default:

    z_t = σ(a_z)   r_t = σ(a_r)                                        (a: gates.linear)
    reset_before:  h~_t = tanh(W_hx x_t + W_hh (r_t ⊙ h_{t-1}) + b_h)   (seeds 001, 003)
    reset_after:   h~_t = tanh(W_hx x_t + b_h + r_t ⊙ (W_hh h_{t-1} + b_hh))   (PyTorch)
    update new:    h_t = (1 − z_t) ⊙ h_{t-1} + z_t ⊙ h~_t                       (seeds)
    keep_old:      h_t = (1 − z_t) ⊙ h~_t + z_t ⊙ h_{t-1}                       (PyTorch)

The candidate h~_t has the key ``n_t`` (PyTorch's name).
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
    Transposed,
    op,
    paren,
    row,
    upright,
)


class GruCell(GatedTracer):
    """One GRU layer."""

    @property
    def after(self) -> bool:
        """True when the reset gate is applied after the recurrent product (PyTorch)."""
        return self.scenario.model.gru_variant == "reset_after"

    @property
    def weights(self) -> tuple[str, str]:
        """(what weighs h_{t-1}, what weighs the candidate): (1 − z, z) or (z, 1 − z)."""
        return ("omz", "z") if self.scenario.model.update_gate == "new" else ("z", "omz")

    def gate_sym(self, key: str, t: int) -> Symbol:
        """z_t or (1 - z_t)."""
        return self.s("z", t) if key == "z" else self.one_minus_z(t)

    def one_minus_z(self, t: int) -> Symbol:
        """(1 - z_t)."""
        return paren(Name("1"), op("-"), self.s("z", t))

    def cand(self, t: int) -> Symbol:
        """The candidate's symbol, h~_t."""
        return self.s(Styled("tilde", Name("h")), t)

    def forward(self, t: int, x: str, prev: dict[str, str]) -> None:
        rec, k = self.rec, self.k
        h_prev = prev["h"]
        h_read = self.recurrent_input(t, h_prev)  # ȟ_(t-1) after recurrent dropout
        h_sym = gates.symbol(self, h_read)
        stacked = None
        if self.scenario.form == "concatenated":
            stacked = gates.concat(self, f"hx_{t}", h_read, x, t)
        for g in ("z", "r"):
            a = gates.linear(self, g, t, x, h_read, h_sym, stacked)
            rec.do(
                k(f"{g}_{t}"),
                "activation",
                [a],
                self.s(g, t),
                Label("gate_at_t_t", gate=g, part=self.part, time=t),
                activation="sigmoid",
            )
        self._candidate(t, x, h_read, h_sym)
        rec.do(k(f"omz_{t}"), "one_minus", [k(f"z_{t}")], self.one_minus_z(t),
               Label("1_z_t", time=t, part=self.part))  # fmt: skip
        old, new = self.weights
        rec.do(k(f"keep_{t}"), "hadamard", [k(f"{old}_{t}"), h_prev],
               row(self.gate_sym(old, t), op("odot"), gates.symbol(self, h_prev)),
               Label("what_is_kept_of_h_prev_at_t_t", time=t, part=self.part))  # fmt: skip
        rec.do(
            k(f"new_{t}"),
            "hadamard",
            [k(f"{new}_{t}"), k(f"n_{t}")],
            row(self.gate_sym(new, t), op("odot"), self.cand(t)),
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

    def _candidate(self, t: int, x: str, h_prev: str, h_sym: Symbol) -> None:
        """h~_t (key n_t), with the reset gate before or after the recurrent product."""
        rec, k = self.rec, self.k
        if not self.after:
            rec.do(
                k(f"rh_{t}"),
                "hadamard",
                [k(f"r_{t}"), h_prev],
                row(self.s("r", t), op("odot"), h_sym),
                Label("reset_previous_state_at_t_t", time=t, part=self.part),
            )
            rh_sym = paren(self.s("r", t), op("odot"), h_sym)
            stacked = None
            if self.scenario.form == "concatenated":
                stacked = gates.concat(self, f"rhx_{t}", k(f"rh_{t}"), x, t)
            extra = (self.p("b_hh"),) if self.given("b_hh") else ()
            a = gates.linear(self, "h", t, x, k(f"rh_{t}"), rh_sym, stacked, extra)
        else:
            rec.do(
                k(f"xh_{t}"),
                "matvec",
                [self.p("W_hx"), x],
                row(self.ps("W_hx"), gates.symbol(self, x)),
                Label("candidate_state_input_term_w_hx_x_t", part=self.part, time=t),
            )
            rec.do(
                k(f"hh_{t}"),
                "matvec",
                [self.p("W_hh"), h_prev],
                row(self.ps("W_hh"), h_sym),
                Label("candidate_state_recurrent_term_at_t_t", part=self.part, time=t),
            )
            inner, inner_sym = k(f"hh_{t}"), paren(self.ps("W_hh"), h_sym)
            if self.given("b_hh"):
                inner_sym = paren(self.ps("W_hh"), h_sym, op("+"), self.ps("b_hh"))
                rec.do(
                    k(f"hb_{t}"),
                    "add",
                    [k(f"hh_{t}"), self.p("b_hh")],
                    inner_sym,
                    Label("recurrent_term_and_its_bias_at_t_t", time=t, part=self.part),
                )
                inner = k(f"hb_{t}")
            rec.do(k(f"rhh_{t}"), "hadamard", [k(f"r_{t}"), inner],
                   row(self.s("r", t), op("odot"), inner_sym),
                   Label("reset_recurrent_term_at_t_t", time=t, part=self.part))  # fmt: skip
            bias = [self.p("b_h")] if self.given("b_h") else []
            rec.do(
                k(f"ah_{t}"),
                "add",
                [k(f"xh_{t}"), k(f"rhh_{t}"), *bias],
                self.sg("a", "h", t),
                Label("candidate_state_pre_activation_at_t_t", part=self.part, time=t),
            )
            a = k(f"ah_{t}")
        rec.do(
            k(f"n_{t}"),
            "activation",
            [a],
            self.cand(t),
            Label("candidate_state_at_t_t", time=t, part=self.part),
            activation="tanh",
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
        stacked = k(f"hx_{t}") if self.scenario.form == "concatenated" else None
        for g in ("z", "r"):
            gates.weight_grads(self, g, t, x, h_read, h_sym, stacked)
        if self.after:
            gates.weight_grads(
                self,
                "h",
                t,
                x,
                h_read,
                h_sym,
                None,
                (k(f"dhh_{t}"), Delta(paren(self.ps("W_hh"), h_sym))),
            )
            self.contribute("b_hh", t, k(f"dhh_{t}"))
        else:
            rh_sym = paren(self.s("r", t), op("odot"), h_sym)
            rhx = k(f"rhx_{t}") if self.scenario.form == "concatenated" else None
            gates.weight_grads(self, "h", t, x, k(f"rh_{t}"), rh_sym, rhx)
            self.contribute("b_hh", t, k(f"dah_{t}"))
        dx = gates.input_gradient(self, t, x, ("z", "r", "h"))
        rec.phase = phase
        return dx

    def _gate_deltas(self, t: int, prev: dict[str, str]) -> None:
        """δh~_t, δz_t and δr_t, and the deltas of the gates' pre-activations, at step t."""
        rec, k = self.rec, self.k
        h_prev = prev["h"]
        h_sym = gates.symbol(self, h_prev)
        weight = self.weights[1]
        rec.do(k(f"dn_{t}"), "hadamard", [k(f"dh_{t}"), k(f"{weight}_{t}")],
               Delta(self.cand(t)), Label("dl_dh_t_candidate", time=t, part=self.part))  # fmt: skip
        label = Label("candidate_state_delta_at_t_t", part=self.part, time=t)
        self.pre_activation_delta("h", t, "tanh_back", "dn", "n", label)
        new = self.scenario.model.update_gate == "new"
        first, second = (k(f"n_{t}"), h_prev) if new else (h_prev, k(f"n_{t}"))
        rec.do(k(f"nmh_{t}"), "subtract", [first, second],
               paren(self.cand(t), op("-"), h_sym) if new else paren(h_sym, op("-"), self.cand(t)),
               Label("what_z_t_weighs_at_t_t", time=t, part=self.part))  # fmt: skip
        rec.do(
            k(f"dz_{t}"),
            "hadamard",
            [k(f"dh_{t}"), k(f"nmh_{t}")],
            Delta(self.s("z", t)),
            Label("dl_dz_t_update_gate", time=t, part=self.part),
        )
        label = Label("update_gate_delta_at_t_t", part=self.part, time=t)
        self.pre_activation_delta("z", t, "sigmoid_back", "dz", "z", label)
        if not self.after:
            drh = gates.back_to_state(
                self,
                "h",
                t,
                k(f"drh_{t}"),
                k(f"dah_{t}"),
                Label("dl_d_r_t_h_prev_through_the_candidate", time=t, part=self.part),
            )
            rec.do(k(f"dr_{t}"), "hadamard", [drh, self.recurrent_input(t, h_prev)],
                   Delta(self.s("r", t)),
                   Label("dl_dr_t_reset_gate", time=t, part=self.part))  # fmt: skip
        else:
            inner = k(f"hb_{t}") if self.given("b_hh") else k(f"hh_{t}")
            rec.do(
                k(f"dr_{t}"),
                "hadamard",
                [k(f"dah_{t}"), inner],
                Delta(self.s("r", t)),
                Label("dl_dr_t_reset_gate", time=t, part=self.part),
            )
            rec.do(
                k(f"dhh_{t}"),
                "hadamard",
                [k(f"dah_{t}"), k(f"r_{t}")],
                Delta(paren(self.ps("W_hh"), gates.symbol(self, self.recurrent_input(t, h_prev)))),
                Label("delta_of_w_hh_h_at_t_t", time=t, part=self.part),
            )
        label = Label("reset_gate_delta_at_t_t", part=self.part, time=t)
        self.pre_activation_delta("r", t, "sigmoid_back", "dr", "r", label)

    def _from_step(self, n: int, t: int, key: str, symbol: Symbol, label: Label) -> str:
        """∂L/∂h_t through step n: the kept part, the two gates and the candidate."""
        rec, k = self.rec, self.k
        weight = self.weights[0]
        rec.do(
            k(f"dh_keep_{t}"),
            "hadamard",
            [k(f"dh_{n}"), k(f"{weight}_{n}")],
            Delta(Scripted(Group(self.s("h", t)), sup=upright("keep"))),
            Label("part_of_dh_t_kept_through_the_update_gat", time=t, other=n, part=self.part),
        )
        parts = [k(f"dh_keep_{t}")]
        parts += [gates.back_to_state(self, g, n, k(f"dh_{g}_{t}")) for g in ("z", "r")]
        if not self.after:
            rec.do(
                k(f"dh_h_{t}"),
                "hadamard",
                [k(f"drh_{n}"), k(f"r_{n}")],
                Delta(Scripted(Group(self.s("h", t)), sup=Styled("tilde", Name("h")))),
                Label("part_of_dh_t_through_the_candidate_at_st", time=t, other=n, part=self.part),
            )
        else:
            rec.do(
                k(f"dh_h_{t}"),
                "matvec",
                [self.p("W_hh"), k(f"dhh_{n}")],
                row(Transposed(self.ps("W_hh")), gates.symbol(self, k(f"dhh_{n}"))),  # δ(W_hh h_t)
                Label("part_of_dh_t_through_the_candidate_at_st", time=t, other=n, part=self.part),
                transpose=True,
            )
        parts.append(k(f"dh_h_{t}"))
        return self.back_from_step(n, t, key, symbol, label, parts[:1], parts[1:])
