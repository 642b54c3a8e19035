"""The LSTM, gate by gate (seed 003's separate matrices, or seed 001's concatenated ones):

    f_t = σ(a_f)   i_t = σ(a_i)   c~_t = tanh(a_c)   og_t = σ(a_o)     (a: gates.linear)
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ c~_t                 h_t = og_t ⊙ tanh(c_t)
back:
    δog = δh_t ⊙ tanh(c_t)       δc_t = δh_t ⊙ og_t ⊙ (1 − tanh²c_t) + δc_{t+1} ⊙ f_{t+1}
    δf = δc_t ⊙ c_{t-1}   δi = δc_t ⊙ c~_t   δc~ = δc_t ⊙ i_t,  then through σ or tanh
    δh_{t-1} = Σ_g W_ghᵀ δa_g (+ the parts from outside)   δx_t = Σ_g W_gxᵀ δa_g

The output gate is ``og_t`` (upright og in the maths); ``o_t`` are the output logits, in
every cell.
"""

from __future__ import annotations

from rnntrace._internal.engine import gates
from rnntrace._internal.engine.cell import GatedTracer
from rnntrace._internal.symbol.label import Label
from rnntrace._internal.symbol.tree import (
    Apply,
    Command,
    Delta,
    Group,
    Name,
    Scripted,
    Styled,
    Symbol,
    op,
    row,
    upright,
)

GATES = ("f", "i", "c", "o")
GATE_KEYS = {"f": "f", "i": "i", "o": "og"}  # gate letter -> key of its output
GATE_SYMBOLS: dict[str, Symbol] = {
    "f": Name("f"),
    "i": Name("i"),
    "o": upright("og"),
}  # o_t are the logits


class LstmCell(GatedTracer):
    """One LSTM layer."""

    states = ("h", "c")

    def forward(self, t: int, x: str, prev: dict[str, str]) -> None:
        rec, k = self.rec, self.k
        h_prev, c_prev = self.recurrent_input(t, prev["h"]), prev["c"]  # ȟ_(t-1): dropout
        h_sym = gates.symbol(self, h_prev)
        stacked = None
        if self.scenario.form == "concatenated":
            stacked = gates.concat(self, f"hx_{t}", h_prev, x, t)
        for g in GATES:
            a = gates.linear(self, g, t, x, h_prev, h_sym, stacked)
            if g == "c":
                rec.do(
                    k(f"cc_{t}"),
                    "activation",
                    [a],
                    self.candidate(t),
                    Label("candidate_cell_state_at_t_t", time=t, part=self.part),
                    activation="tanh",
                )
            else:
                rec.do(
                    k(f"{GATE_KEYS[g]}_{t}"),
                    "activation",
                    [a],
                    self.s(GATE_SYMBOLS[g], t),
                    Label("gate_at_t_t", gate=g, part=self.part, time=t),
                    activation="sigmoid",
                )
        c_sym = gates.symbol(self, c_prev)
        rec.do(k(f"fc_{t}"), "hadamard", [k(f"f_{t}"), c_prev],
               row(self.s("f", t), op("odot"), c_sym),
               Label("what_the_forget_gate_keeps_at_t_t", time=t, part=self.part))  # fmt: skip
        rec.do(k(f"ic_{t}"), "hadamard", [k(f"i_{t}"), k(f"cc_{t}")],
               row(self.s("i", t), op("odot"), self.candidate(t)),
               Label("what_the_input_gate_adds_at_t_t", time=t, part=self.part))  # fmt: skip
        token = self.token(t)
        rec.do(
            k(f"c_{t}"),
            "add",
            [k(f"fc_{t}"), k(f"ic_{t}")],
            self.s("c", t),
            Label("cell_state_after_token_t_t", part=self.part, token=token, time=t),
        )
        rec.do(
            k(f"tc_{t}"),
            "activation",
            [k(f"c_{t}")],
            Apply(Command("tanh"), self.s("c", t)),
            Label("tanh_of_the_cell_state_at_t_t", time=t, part=self.part),
            activation="tanh",
        )
        rec.do(
            k(f"h_{t}"),
            "hadamard",
            [k(f"og_{t}"), k(f"tc_{t}")],
            self.s("h", t),
            Label("hidden_state_after_token_t_t", part=self.part, token=token, time=t),
        )

    def candidate(self, t: int) -> Symbol:
        """c̃_t, the candidate cell state (``\\tilde{c}^{enc}_{3}`` in a part)."""
        return self.s(Styled("tilde", Name("c")), t)

    def backward(
        self, t: int, x: str, prev: dict[str, str], external: list[str], nxt: int | None
    ) -> str:
        rec, k = self.rec, self.k
        self.gather_dh(t, external, nxt)
        self._cell_deltas(t, prev, nxt)
        phase, rec.phase = rec.phase, "gradient"
        h_read = self.recurrent_input(t, prev["h"])
        h_sym = gates.symbol(self, h_read)
        stacked = k(f"hx_{t}") if self.scenario.form == "concatenated" else None
        for g in GATES:
            gates.weight_grads(self, g, t, x, h_read, h_sym, stacked)
        dx = gates.input_gradient(self, t, x, GATES)
        rec.phase = phase
        return dx

    def initial_gradients(
        self, first: int, prev: dict[str, str], states: tuple[str, ...] | None = None
    ) -> dict[str, str]:
        k, out = self.k, {}
        if states is None or "h" in states:
            out["h"] = self._from_step(
                first,
                0,
                k("dh_0"),
                Delta(self.s("h", 0)),
                Label("gradient_of_the_initial_state"),
            )
        if states is None or "c" in states:
            self.rec.do(k("dc_0"), "hadamard", [k(f"dc_{first}"), k(f"f_{first}")],
                        Delta(self.s("c", 0)),
                        Label("gradient_of_the_initial_cell_state", part=self.part))  # fmt: skip
            out["c"] = k("dc_0")
        return out

    def _from_step(self, n: int, t: int, key: str, symbol: Symbol, label: Label) -> str:
        """∂L/∂h_t through the four gates of step n: Σ_g W_ghᵀ δa_{g,n}."""
        parts = [gates.back_to_state(self, g, n, self.k(f"dh_{g}_{t}")) for g in GATES]
        return self.back_from_step(n, t, key, symbol, label, [], parts)

    def _cell_deltas(self, t: int, prev: dict[str, str], nxt: int | None) -> None:
        """δc_t and the four gates' deltas at step t."""
        rec, k = self.rec, self.k
        rec.do(
            k(f"dog_{t}"),
            "hadamard",
            [k(f"dh_{t}"), k(f"tc_{t}")],
            Delta(self.s(GATE_SYMBOLS["o"], t)),
            Label("dl_dog_t_output_gate", time=t, part=self.part),
        )
        label = Label("output_gate_delta_at_t_t", part=self.part, time=t)
        self.pre_activation_delta("o", t, "sigmoid_back", "dog", "og", label)
        rec.do(
            k(f"dtc_{t}"),
            "hadamard",
            [k(f"dh_{t}"), k(f"og_{t}")],
            Delta(Apply(Command("tanh"), self.s("c", t))),
            Label("dl_dtanh_c_t", time=t, part=self.part),
        )
        rec.do(
            k(f"dc_h_{t}"),
            "tanh_back",
            [k(f"dtc_{t}"), k(f"tc_{t}")],
            Delta(Scripted(Group(self.s("c", t)), sup=Name("h"))),
            Label("part_of_dc_t_from_h_t", time=t, part=self.part),
        )
        parts = [k(f"dc_h_{t}"), *self.external_c.get(t, [])]
        if nxt is not None:
            rec.do(
                k(f"dc_next_{t}"),
                "hadamard",
                [k(f"dc_{nxt}"), k(f"f_{nxt}")],
                Delta(Scripted(Group(self.s("c", t)), sup=upright("next"))),
                Label(
                    "part_of_dc_t_carried_from_c_n_through_th", time=t, other=nxt, part=self.part
                ),
            )
            parts.append(k(f"dc_next_{t}"))
        rec.do(
            k(f"dc_{t}"),
            "add",
            parts,
            Delta(self.s("c", t)),
            Label("dl_dc_t", time=t, part=self.part),
        )
        rec.do(k(f"df_{t}"), "hadamard", [k(f"dc_{t}"), prev["c"]], Delta(self.s("f", t)),
               Label("dl_df_t_forget_gate", time=t, part=self.part))  # fmt: skip
        label = Label("forget_gate_delta_at_t_t", part=self.part, time=t)
        self.pre_activation_delta("f", t, "sigmoid_back", "df", "f", label)
        rec.do(
            k(f"di_{t}"),
            "hadamard",
            [k(f"dc_{t}"), k(f"cc_{t}")],
            Delta(self.s("i", t)),
            Label("dl_di_t_input_gate", time=t, part=self.part),
        )
        label = Label("input_gate_delta_at_t_t", part=self.part, time=t)
        self.pre_activation_delta("i", t, "sigmoid_back", "di", "i", label)
        rec.do(
            k(f"dcc_{t}"),
            "hadamard",
            [k(f"dc_{t}"), k(f"i_{t}")],
            Delta(self.candidate(t)),
            Label("dl_dc_t_candidate", time=t, part=self.part),
        )
        label = Label("candidate_cell_delta_at_t_t", part=self.part, time=t)
        self.pre_activation_delta("c", t, "tanh_back", "dcc", "cc", label)
