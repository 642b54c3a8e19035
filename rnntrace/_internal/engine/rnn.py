"""The simple RNN, step by step, the way a textbook names it:

z_t = W_xh x_t + W_hh h_{t-1} + b_h        h_t = f(z_t)
δh_t = (parts from outside) + W_hhᵀ δz_{t+1}        δz_t = δh_t ⊙ f'(z_t)
∂L/∂W_xh += δz_t x_tᵀ   ∂L/∂W_hh += δz_t h_{t-1}ᵀ   ∂L/∂b_h += δz_t   δx_t = W_xhᵀ δz_t
"""

from __future__ import annotations

from rnntrace._internal.engine.cell import CellTracer
from rnntrace._internal.symbol.label import Label
from rnntrace._internal.symbol.tree import Apply, Delta, Group, Name, Primed, Transposed, row


class RnnCell(CellTracer):
    """One simple-RNN layer."""

    def forward(self, t: int, x: str, prev: dict[str, str]) -> None:
        rec, k, act = self.rec, self.k, self.scenario.model.activation
        x_sym = self.rec.trace[rec.ref(x)].symbol
        h_prev = prev["h"]
        h_sym = self.rec.trace[rec.ref(h_prev)].symbol
        w = self.input_matrix(t)
        rec.do(k(f"zx_{t}"), "matvec", [self.p(w), x], row(self.ps(w), x_sym),
               Label("input_term_ref_x_t", ref=w, time=t, part=self.part))  # fmt: skip
        rec.do(k(f"zh_{t}"), "matvec", [self.p("W_hh"), h_prev], row(self.ps("W_hh"), h_sym),
               Label("recurrent_term_w_hh_h_prev", time=t, part=self.part))  # fmt: skip
        bias = [self.p("b_h")] if self.given("b_h") else []
        rec.do(k(f"z_{t}"), "add", [k(f"zx_{t}"), k(f"zh_{t}"), *bias], self.s("z", t),
               Label("pre_activation_at_t_t", time=t, part=self.part))  # fmt: skip
        token = self.token(t)
        rec.do(
            k(f"h_{t}"),
            "activation",
            [k(f"z_{t}")],
            self.s("h", t),
            Label("hidden_state_after_token_t_t", part=self.part, token=token, time=t),
            activation=act,
        )

    def backward(
        self, t: int, x: str, prev: dict[str, str], external: list[str], nxt: int | None
    ) -> str:
        rec, k, act = self.rec, self.k, self.scenario.model.activation
        parts = list(external)
        if nxt is not None:
            rec.do(
                k(f"dh_next_{t}"),
                "matvec",
                [self.p("W_hh"), k(f"dz_{nxt}")],
                row(Transposed(self.ps("W_hh")), Delta(self.s("z", nxt))),
                Label("part_of_dh_t_from_step_n_2", time=t, part=self.part, other=nxt),
                transpose=True,
            )
            parts.append(k(f"dh_next_{t}"))
        rec.do(
            k(f"dh_{t}"),
            "add",
            parts,
            Delta(self.s("h", t)),
            Label("dl_dh_t", time=t, part=self.part),
        )
        arg = k(f"z_{t}") if act == "relu" else k(f"h_{t}")
        rec.do(
            k(f"dhdz_{t}"),
            "activation_derivative",
            [arg],
            Apply(Primed(Name("f")), self.s("z", t)),
            Label("ref_derivative_at_t_t", ref=act, time=t, part=self.part),
            activation=act,
        )
        rec.do(k(f"dz_{t}"), "hadamard", [k(f"dh_{t}"), k(f"dhdz_{t}")],
               Delta(self.s("z", t)), Label("dl_dz_t", time=t, part=self.part))  # fmt: skip
        phase = rec.phase
        rec.phase = "gradient"
        x_sym = rec.trace[rec.ref(x)].symbol
        h_sym = rec.trace[rec.ref(prev["h"])].symbol
        dz = Delta(self.s("z", t))
        w = self.input_matrix(t)
        key = k(f"dW_xh_{t}") if w == "W_xh" else k(f"d{w}_{t}")
        rec.do(
            key,
            "outer",
            [k(f"dz_{t}"), x],
            row(dz, Transposed(Group(x_sym))),
            Label("contribution_of_t_t_to_dl_dref", time=t, ref=w, part=self.part),
            param=self.p(w),
        )
        rec.do(
            k(f"dW_hh_{t}"),
            "outer",
            [k(f"dz_{t}"), prev["h"]],
            row(dz, Transposed(Group(h_sym))),
            Label("contribution_of_t_t_to_dl_dw_hh", time=t, part=self.part),
            param=self.p("W_hh"),
        )
        self.contribute(w, t, key)
        self.contribute("W_hh", t, k(f"dW_hh_{t}"))
        self.contribute("b_h", t, k(f"dz_{t}"))
        token = self.token(t)
        rec.do(
            k(f"dx_{t}"),
            "matvec",
            [self.p(w), k(f"dz_{t}")],
            row(Transposed(self.ps(w)), dz),
            Label("gradient_of_the_input_vector_of_token_t", part=self.part, token=token, time=t),
            transpose=True,
            token=token,
        )
        rec.phase = phase
        return k(f"dx_{t}")

    def input_matrix(self, t: int) -> str:
        """W_xh, or W_yh for a fed-back output (topology generate, when it is given)."""
        return self.feedback if self.feedback and t > 1 else "W_xh"

    def initial_gradients(
        self, first: int, prev: dict[str, str], states: tuple[str, ...] | None = None
    ) -> dict[str, str]:
        key = self.k("dh_0")
        self.rec.do(
            key,
            "matvec",
            [self.p("W_hh"), self.k(f"dz_{first}")],
            row(Transposed(self.ps("W_hh")), Delta(self.s("z", first))),
            Label("gradient_of_the_initial_state", part=self.part),
            transpose=True,
        )
        return {"h": key}
