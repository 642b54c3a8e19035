"""The simple RNN, step by step, the way a textbook names it:

z_t = W_xh x_t + W_hh h_{t-1} + b_h        h_t = f(z_t)   (+ α h_{t-1} with model.skip,
                                                          + x_t of a layer's skip)
δh_t = (parts from outside) + W_hhᵀ δz_{t+1}        δz_t = δh_t ⊙ f'(z_t)
∂L/∂W_xh += δz_t x_tᵀ   ∂L/∂W_hh += δz_t h_{t-1}ᵀ   ∂L/∂b_h += δz_t   δx_t = W_xhᵀ δz_t

or with model.layout rows, the same in row vectors (``engine.layout``): z_t = x_t W_xh +
h_{t-1} W_hh + b_h, ∂L/∂W_xh += x_tᵀ δz_t, δh_{t-1} gets δz_t W_hhᵀ, δx_t = δz_t W_xhᵀ.
"""

from __future__ import annotations

import numpy as np

from rnntrace._internal.engine.cell import CellTracer
from rnntrace._internal.engine.layout import gradient, times
from rnntrace._internal.engine.recorder import Recorder
from rnntrace._internal.scenario.model import Scenario
from rnntrace._internal.symbol.label import Label
from rnntrace._internal.symbol.tree import (
    Apply,
    Command,
    Delta,
    Group,
    Name,
    Primed,
    Scripted,
    Transposed,
    row,
    sub,
    upright,
)


class RnnCell(CellTracer):
    """One simple-RNN layer."""

    def forward(self, t: int, x: str, prev: dict[str, str]) -> None:
        rec, k, act = self.rec, self.k, self.scenario.model.activation
        x_sym = self.rec.trace[rec.ref(x)].symbol
        h_prev = self.recurrent_input(t, prev["h"])
        h_sym = self.rec.trace[rec.ref(h_prev)].symbol
        w, rows = self.input_matrix(t), self.rows
        words = (Label("input_term_x_t_ref", ref=w, time=t, part=self.part) if rows
                 else Label("input_term_ref_x_t", ref=w, time=t, part=self.part))  # fmt: skip
        times(rec, rows, k(f"zx_{t}"), self.p(w), x, (self.ps(w), x_sym), words)
        words = (Label("recurrent_term_h_prev_w_hh", time=t, part=self.part) if rows
                 else Label("recurrent_term_w_hh_h_prev", time=t, part=self.part))  # fmt: skip
        times(rec, rows, k(f"zh_{t}"), self.p("W_hh"), h_prev, (self.ps("W_hh"), h_sym), words)
        bias = [self.p("b_h")] if self.given("b_h") else []
        bias = self._context_term(t) + bias
        rec.do(k(f"z_{t}"), "add", [k(f"zx_{t}"), k(f"zh_{t}"), *bias], self.s("z", t),
               Label("pre_activation_at_t_t", time=t, part=self.part))  # fmt: skip
        token = self.token(t)
        label = Label("hidden_state_after_token_t_t", part=self.part, token=token, time=t)
        if self.skips():
            rec.do(k(f"hf_{t}"), "activation", [k(f"z_{t}")], Apply(Name("f"), self.s("z", t)),
                   Label("activation_before_the_skip_at_t_t", part=self.part, time=t),
                   activation=act)  # fmt: skip
            self._skip_forward(t, x, prev["h"], label)
            return
        rec.do(k(f"h_{t}"), "activation", [k(f"z_{t}")], self.s("h", t), label, activation=act)

    def backward(
        self, t: int, x: str, prev: dict[str, str], external: list[str], nxt: int | None
    ) -> str:
        rec, k, act = self.rec, self.k, self.scenario.model.activation
        parts = list(external)
        if nxt is not None:
            dropped = self.recurrent_mask(nxt)
            times(
                rec,
                self.rows,
                k(f"dhd_next_{t}" if dropped else f"dh_next_{t}"),
                self.p("W_hh"),
                k(f"dz_{nxt}"),
                (self.ps("W_hh"), Delta(self.s("z", nxt))),
                Label("part_of_dh_t_from_step_n_2", time=t, part=self.part, other=nxt),
                transpose=True,
            )
            if dropped:
                from rnntrace._internal.engine import dropout

                dropout.back(rec, k(f"dh_next_{t}"), k(f"dhd_next_{t}"), dropped,
                             Delta(Scripted(Group(self.s("h", t)), sup=upright("next"))),
                             "h", t, self.part)  # fmt: skip
            parts.append(k(f"dh_next_{t}"))
            parts.extend(self._skip_backward(t, nxt))
        rec.do(
            k(f"dh_{t}"),
            "add",
            parts,
            Delta(self.s("h", t)),
            Label("dl_dh_t", time=t, part=self.part),
        )
        arg = k(f"z_{t}") if act == "relu" else k(f"hf_{t}" if self.skips() else f"h_{t}")
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
        read = self.recurrent_input(t, prev["h"])
        h_sym = rec.trace[rec.ref(read)].symbol
        dz = Delta(self.s("z", t))
        w = self.input_matrix(t)
        key = k(f"dW_xh_{t}") if w == "W_xh" else k(f"d{w}_{t}")
        gradient(rec, self.rows, key, k(f"dz_{t}"), x, (dz, x_sym),
                 Label("contribution_of_t_t_to_dl_dref", time=t, ref=w, part=self.part),
                 self.p(w))  # fmt: skip
        gradient(rec, self.rows, k(f"dW_hh_{t}"), k(f"dz_{t}"), read, (dz, h_sym),
                 Label("contribution_of_t_t_to_dl_dw_hh", time=t, part=self.part),
                 self.p("W_hh"))  # fmt: skip
        self.contribute(w, t, key)
        self.contribute("W_hh", t, k(f"dW_hh_{t}"))
        self._context_backward(t)
        self.contribute("b_h", t, k(f"dz_{t}"))
        token = self.token(t)
        times(
            rec,
            self.rows,
            k(f"dxw_{t}" if self.skip_input else f"dx_{t}"),
            self.p(w),
            k(f"dz_{t}"),
            (self.ps(w), dz),
            Label("gradient_of_the_input_vector_of_token_t", part=self.part, token=token, time=t),
            transpose=True,
            token=token,
        )
        if self.skip_input:  # the layer's input also reaches h_t directly
            rec.do(
                k(f"dx_{t}"),
                "add",
                [k(f"dxw_{t}"), k(f"dh_{t}")],
                Delta(x_sym),
                Label("gradient_of_the_input_with_layer_skip", part=self.part, time=t),
            )
        rec.phase = phase
        return k(f"dx_{t}")

    @property
    def rows(self) -> bool:
        """model.layout rows: x_t W_xh, W_xh of shape (D, H) (``engine.layout``)."""
        return self.scenario.model.layout == "rows"

    def input_matrix(self, t: int) -> str:
        """W_xh, or W_yh for a fed-back output (topology generate, when it is given)."""
        return self.feedback if self.feedback and t > 1 else "W_xh"

    def initial_gradients(
        self, first: int, prev: dict[str, str], states: tuple[str, ...] | None = None
    ) -> dict[str, str]:
        key = self.k("dh_0")
        dropped = self.recurrent_mask(first)
        extra = self._skip_backward(0, first)
        direct = self.k("dhd_0") if dropped else self.k("dh_rec_0") if extra else key
        times(
            self.rec,
            self.rows,
            direct,
            self.p("W_hh"),
            self.k(f"dz_{first}"),
            (self.ps("W_hh"), Delta(self.s("z", first))),
            Label("gradient_of_the_initial_state", part=self.part),
            transpose=True,
        )
        if dropped:
            from rnntrace._internal.engine import dropout

            through = self.k("dh_rec_0") if extra else key
            dropout.back(self.rec, through, direct, dropped, Delta(self.s("h", 0)), "h", 0,
                         self.part)  # fmt: skip
            direct = through
        if extra:
            self.rec.do(key, "add", [direct, *extra], Delta(self.s("h", 0)),
                        Label("gradient_of_the_initial_state", part=self.part))  # fmt: skip
        return {"h": key}

    # -- the decoder's separate context (issue 13, seed 001) -------------------------------
    def _context_term(self, t: int) -> list[str]:
        """[W_ch c_t] for a decoder with ``model.attention.context: separate``, else []."""
        ctx = self.context.get(t)
        if ctx is None:
            return []
        rec = self.rec
        rec.do(self.k(f"zc_{t}"), "matvec", [self.p("W_ch"), ctx],
               row(self.ps("W_ch"), rec.trace[rec.ref(ctx)].symbol),
               Label("context_term_w_ch_c_t", time=t, part=self.part))  # fmt: skip
        return [self.k(f"zc_{t}")]

    def _context_backward(self, t: int) -> None:
        """∂L/∂W_ch += δz_t c_tᵀ, and δc_t = W_chᵀ δz_t (recorded as ``att.dc_t``)."""
        ctx = self.context.get(t)
        if ctx is None:
            return
        rec, k = self.rec, self.k
        dz = Delta(self.s("z", t))
        rec.do(k(f"dW_ch_{t}"), "outer", [k(f"dz_{t}"), ctx],
               row(dz, Transposed(Group(rec.trace[rec.ref(ctx)].symbol))),
               Label("contribution_of_t_t_to_dl_dw_ch", time=t, part=self.part),
               param=self.p("W_ch"))  # fmt: skip
        self.contribute("W_ch", t, k(f"dW_ch_{t}"))
        rec.phase = "backward"
        rec.do(f"att.dc_{t}", "matvec", [self.p("W_ch"), k(f"dz_{t}")],
               Delta(sub("c", t)), Label("context_gradient_through_w_ch_at_t_t", time=t),
               transpose=True)  # fmt: skip
        rec.phase = "gradient"

    # -- skip connections and recurrent dropout (issue 13) --------------------------------
    def skips(self) -> bool:
        """Whether h_t adds more than f(z_t): α h_(t-1) (model.skip), the layer's input."""
        return bool(self.scenario.model.skip) or self.skip_input

    def _skip_forward(self, t: int, x: str, h_prev: str, label: Label) -> None:
        """h_t = f(z_t) + α h_(t-1) (seed 001, skip connections) + the layer's input
        (seed 001, skip connections in deep RNNs)."""
        rec, k = self.rec, self.k
        parts = [k(f"hf_{t}")]
        if self.scenario.model.skip:
            h_sym = rec.trace[rec.ref(h_prev)].symbol
            rec.do(k(f"hs_{t}"), "scale_by", [SKIP, h_prev], row(Command("alpha"), h_sym),
                   Label("skip_term_at_t_t", part=self.part, time=t))  # fmt: skip
            parts.append(k(f"hs_{t}"))
        if self.skip_input:
            parts.append(x)
            label = Label("hidden_state_with_layer_skip_at_t_t", part=self.part, time=t)
        rec.do(k(f"h_{t}"), "add", parts, self.s("h", t), label)

    def _skip_backward(self, t: int, nxt: int) -> list[str]:
        """α δh_nxt, the part of δh_t through step nxt's skip connection (none without)."""
        if not self.scenario.model.skip:
            return []
        key = self.k(f"dh_skip_{t}")
        self.rec.do(key, "scale_by", [SKIP, self.k(f"dh_{nxt}")],
                    row(Command("alpha"), Delta(self.s("h", nxt))),
                    Label("part_of_dh_t_through_the_skip_of_step_n", time=t, part=self.part,
                          other=nxt))  # fmt: skip
        return [key]


SKIP = "alpha"  # the key of the skip weight α (model.skip), a given number of the trace


def record_skip_weight(rec: Recorder, scenario: Scenario) -> None:
    """α of model.skip, once, beside the parameters (a number the skip terms multiply by)."""
    if scenario.model.skip:
        rec.given(SKIP, np.array(scenario.model.skip), symbol=Command("alpha"),
                  label=Label("skip_weight"))  # fmt: skip
        rec.shared.add(SKIP)
