"""The encoder–decoder topology, with or without attention (seed 001):

    encoder:  h^enc_t over the input, t = 1..S;   the decoder starts from h^enc_S (and c^enc_S)
    decoder:  reads u_t = y_{t-1} (zeros at t = 1; the target with teacher forcing), or
              with attention u_t = [y_{t-1}, c_t] where, with the query q = h^dec_{t-1},
              e_s = a(q, h^enc_s),  α_t = softmax(e),  c_t = Σ_s α_{t,s} h^enc_s
    output:   o_t = W_hy h^dec_t + b_y, and ŷ_t fed back as the next y_{t-1}
Attention parameters (prefix ``att.``): general W_a; additive W_a, U_a, v_a.
"""

from __future__ import annotations

import numpy as np

from rnntrace._internal.engine import attention, heads
from rnntrace._internal.engine.fed import fed_back, fed_input
from rnntrace._internal.engine.recorder import Recorder
from rnntrace._internal.engine.seq2seq_additive import additive_backward
from rnntrace._internal.engine.symbols import Symbols
from rnntrace._internal.engine.topology import (
    Contributions,
    gradients,
    initial,
    initial_state_gradients,
    link,
    make_cells,
    record_input,
    states_at,
)  # fmt: skip
from rnntrace._internal.scenario.model import Scenario, Sequence
from rnntrace._internal.symbol.label import Label
from rnntrace._internal.symbol.tree import (
    Apply,
    Command,
    Delimited,
    Delta,
    Group,
    Row,
    Transposed,
    indices,
    op,
    row,
    sub,
)


class Seq2Seq:
    """One sequence through an encoder and a decoder."""

    def __init__(self, rec: Recorder, scenario: Scenario, seq: Sequence, sym: Symbols) -> None:
        self.rec, self.scenario, self.seq, self.sym = rec, scenario, seq, sym
        self.S = seq.length
        self.T = seq.out_length or 1
        self.kind = scenario.model.attention
        self.exact = scenario.model.attention_gradient == "exact"
        self.separate = scenario.model.attention_context == "separate"
        self.enc, self.dec = make_cells(rec, scenario, sym, ["enc.", "dec."], seq.tokens)
        self.dec.tokens = tuple(f"y_{t - 1}" for t in range(1, self.T + 1))
        self.K = scenario.sizes["K"]
        self.inputs: list[str] = []
        self.enc_ext: dict[int, list[str]] = {}
        self.dec_ext: dict[int, list[str]] = {}
        self.extra: Contributions = {}

    # -- forward ------------------------------------------------------------------------
    def run(self) -> Contributions:
        rec, enc, dec = self.rec, self.enc, self.dec
        for t in range(1, self.S + 1):
            rec.at("forward", t)
            enc.forward(t, record_input(rec, self.scenario, self.seq, t),
                        initial(enc) if t == 1 else states_at(enc, t - 1))  # fmt: skip
        self.enc_states = [enc.k(f"h_{s}") for s in range(1, self.S + 1)]
        if self.kind in ("general", "additive"):
            self._keys()
        for t in range(1, self.T + 1):
            rec.at("forward", t)
            u = self._decoder_input(t)
            dec.forward(t, u, self._dec_prev(t))
            heads.output(rec, self.scenario, self.seq, t, self.sym, dec.k(f"h_{t}"))
        if not heads.total_loss(rec, self.scenario, self.seq, self.sym):
            return {}
        self._backward()
        return gradients([enc, dec], self.scenario, self.seq, self.extra)

    def _dec_prev(self, t: int) -> dict[str, str]:
        if t > 1:
            return states_at(self.dec, t - 1)
        return {state: self.enc.k(f"{state}_{self.S}") for state in self.dec.states}

    def _decoder_input(self, t: int) -> str:
        rec = self.rec
        y = fed_input(rec, self.scenario, self.seq, t, "dec.y", np.zeros(self.K))
        if self.kind == "none":
            self.inputs.append(y)
            return y
        context = self._context(t)
        if self.separate:  # seed 001: h_t = f(W_hh h_(t-1) + W_ch c_t + W_xh y_(t-1) + b_h)
            self.dec.context[t] = context
            self.inputs.append(y)
            return y
        rec.do(
            f"dec.u_{t}",
            "concat",
            [y, context],
            Delimited("bracket", Row((sub("y", t - 1), sub("c", t)), ", ")),
            Label("decoder_input_at_t_t_previous_output_and", time=t),
        )
        self.inputs.append(f"dec.u_{t}")
        return f"dec.u_{t}"

    def _keys(self) -> None:
        """What the scores compare the query with, once per encoder state."""
        rec = self.rec
        rec.at("forward", None)
        name = {"general": "W_a", "additive": "U_a"}[self.kind]
        for s, h in enumerate(self.enc_states, start=1):
            rec.do(f"att.k_{s}", "matvec", [f"att.{name}", h],
                   row(self.sym["att." + name], self.enc.s("h", s)),
                   Label("attention_key_of_encoder_state_n", other=s))  # fmt: skip

    def _context(self, t: int) -> str:
        """Scores, weights and the context c_t, for the query h^dec_{t-1}."""
        rec, sym = self.rec, self.sym
        query = self._dec_prev(t)["h"]
        q_sym = rec.trace[rec.ref(query)].symbol
        keys = self._score_inputs()
        if self.kind == "additive":
            rec.do(f"att.w_{t}", "matvec", ["att.W_a", query], row(sym["att.W_a"], q_sym),
                   Label("attention_the_query_s_term_at_t_t", time=t))  # fmt: skip
            for s in range(1, self.S + 1):
                rec.do(
                    f"att.p_{t}_{s}",
                    "add",
                    [f"att.w_{t}", f"att.k_{s}"],
                    row(sym["att.W_a"], q_sym, op("+"), sym["att.U_a"], self.enc.s("h", s)),
                    Label("attention_pre_activation_for_encoder_sta", other=s, time=t),
                )
                rec.do(
                    f"att.a_{t}_{s}",
                    "activation",
                    [f"att.p_{t}_{s}"],
                    Apply(Command("tanh"), sub("p", indices(t, str(s)))),
                    Label("attention_tanh_for_state_n_at_t_t", other=s, time=t),
                    activation="tanh",
                )
            rec.do(f"att.e_{t}", "dots", ["att.v_a", *[f"att.a_{t}_{s}" for s in
                                                        range(1, self.S + 1)]],
                   sub("e", t), Label("attention_scores_v_a_tanh_at_t_t", time=t))  # fmt: skip
        else:
            rec.do(f"att.e_{t}", "dots", [query, *keys], sub("e", t),
                   Label("attention_scores_of_the_query_h_dec_prev", time=t))  # fmt: skip
        alpha = attention.softmax_weights(rec, f"att.e_{t}", t, "att.", "encoder_decoder")
        rec.do(f"att.c_{t}", "weighted_sum", [alpha, *self.enc_states], sub("c", t),
               Label("context_at_t_t_sum_of_alpha_s_h_enc_s", time=t))  # fmt: skip
        return f"att.c_{t}"

    def _score_inputs(self) -> list[str]:
        if self.kind == "general":
            return [f"att.k_{s}" for s in range(1, self.S + 1)]
        return list(self.enc_states)

    # -- backward -----------------------------------------------------------------------
    def _backward(self) -> None:
        rec, dec, enc = self.rec, self.dec, self.enc
        fed: str | None = None
        for t in range(self.T, 0, -1):
            rec.at("backward", t)
            key = heads.output_backward(
                rec,
                self.scenario,
                self.seq,
                t,
                self.sym,
                dec.k(f"h_{t}"),
                fed_back=fed_back(self.scenario, t, fed),
            )
            nxt, cut = link(rec, dec, t, t + 1 if t < self.T else None, t)
            external = self.dec_ext.pop(t, []) + ([key] if key else []) + cut
            d_input = dec.backward(t, self.inputs[t - 1], self._dec_prev(t), external, nxt)
            fed = d_input if self.kind == "none" else self._attention_backward(t, d_input)
        rec.at("backward", self.S)
        for state, key in dec.initial_gradients(1, self._dec_prev(1)).items():
            if state == "h":
                self.enc_ext.setdefault(self.S, []).append(key)
            else:
                enc.external_c.setdefault(self.S, []).append(key)
        for t in range(self.S, 0, -1):
            rec.at("backward", t)
            nxt, cut = link(rec, enc, t, t + 1 if t < self.S else None, t)
            enc.backward(t, f"x_{t}", initial(enc) if t == 1 else states_at(enc, t - 1),
                         self.enc_ext.pop(t, []) + cut, nxt)  # fmt: skip
        self.extra.update(initial_state_gradients([enc], 1))

    def _attention_backward(self, t: int, d_input: str) -> str:
        """Split ∂L/∂[y_{t-1}, c_t]; send the context's part back through the attention.
        Returns the key of ∂L/∂y_{t-1}."""
        rec = self.rec
        note = "" if self.exact else attention.CONSTANT
        if self.separate:  # δc_t = W_chᵀ δz_t is recorded by the cell; d_input is δy_(t-1)
            self._context_parts(t, note)
            return d_input
        rec.do(
            f"dec.dy_{t}",
            "slice",
            [d_input],
            Delta(sub("y", t - 1)),
            Label("part_of_the_decoder_s_input_gradient_for", time=t),
            start=0,
            stop=self.K,
        )
        width = rec.trace.value(rec.key(d_input)).size
        rec.do(f"att.dc_{t}", "slice", [d_input], Delta(sub("c", t)),
               Label("part_of_the_decoder_s_input_gradient_for_2", time=t),
               start=self.K, stop=width)  # fmt: skip
        self._context_parts(t, note)
        return f"dec.dy_{t}"

    def _context_parts(self, t: int, note: str) -> None:
        """From δc_t: each encoder state's part α_{t,s} δc_t, and (exact) the scores' parts."""
        rec = self.rec
        for s in range(1, self.S + 1):
            rec.do(
                f"att.dh_ctx_{t}_{s}",
                "scale",
                [f"att.alpha_{t}", f"att.dc_{t}"],
                row(sub("alpha", indices(t, str(s))), Delta(sub("c", t))),
                Label(
                    "part_of_dh_enc_n_through_the_context_at",
                    other=s,
                    time=t,
                    notes=(note,) if note else (),
                ),
                index=s - 1,
            )
            self.enc_ext.setdefault(s, []).append(f"att.dh_ctx_{t}_{s}")
            if not self.exact:
                rec.note(f"att.dh_ctx_{t}_{s}", note)
        if self.exact:
            self._scores_backward(t)
        elif t > 1:  # the query h^dec_{t-1} gets no part of the gradient through the scores
            rec.note(self.dec.k(f"dh_{t - 1}"), note)

    def _scores_backward(self, t: int) -> None:
        """δα, δe through the softmax, and on to the query, the keys and W_a, U_a, v_a."""
        rec = self.rec
        rec.do(
            f"att.dalpha_{t}",
            "dots",
            [f"att.dc_{t}", *self.enc_states],
            Delta(sub("alpha", t)),
            Label("dl_dalpha_at_t_t_h_enc_s_dc_t", time=t),
        )
        rec.do(f"att.de_{t}", "softmax_back", [f"att.dalpha_{t}", f"att.alpha_{t}"],
               Delta(sub("e", t)), Label("dl_de_at_t_t_through_the_softmax", time=t))  # fmt: skip
        query = self._dec_prev(t)["h"]
        to_query = (self.dec_ext.setdefault(t - 1, []) if t > 1
                    else self.enc_ext.setdefault(self.S, []))  # fmt: skip
        if self.kind == "additive":
            additive_backward(self, t, query, to_query)
            return
        keys = self._score_inputs()
        rec.do(f"att.dq_{t}", "weighted_sum", [f"att.de_{t}", *keys], Delta(sub("q", t)),
               Label("part_of_dh_dec_prev_as_the_attention_que", time=t))  # fmt: skip
        to_query.append(f"att.dq_{t}")
        for s in range(1, self.S + 1):
            rec.do(
                f"att.dk_{t}_{s}",
                "scale",
                [f"att.de_{t}", query],
                row(Delta(sub("e", indices(t, str(s)))), sub("q", t)),
                Label("attention_gradient_of_key_n_at_t_t", other=s, time=t),
                index=s - 1,
            )
            if self.kind == "dot":
                self.enc_ext.setdefault(s, []).append(f"att.dk_{t}_{s}")
            else:
                self.through_matrix(t, s, "W_a", f"att.dk_{t}_{s}", self.enc_states[s - 1])

    def through_matrix(self, t: int, s: int, name: str, delta: str, h: str) -> None:
        """k_s = M h^enc_s: M's contribution δk hᵀ, and Mᵀ δk to h^enc_s."""
        rec = self.rec
        rec.at("gradient", t)
        rec.do(
            f"att.d{name}_{t}_{s}",
            "outer",
            [delta, h],
            row(Delta(sub("k", indices(t, str(s)))), Transposed(Group(self.enc.s("h", s)))),
            Label("contribution_of_t_t_state_n_to_dl_dref", time=t, other=s, ref=name),
            param=f"att.{name}",
        )
        self.extra.setdefault(f"att.{name}", []).append(f"att.d{name}_{t}_{s}")
        rec.do(
            f"att.dhk_{t}_{s}",
            "matvec",
            [f"att.{name}", delta],
            row(Transposed(self.sym["att." + name]), Delta(sub("k", indices(t, str(s))))),
            Label("part_of_dh_enc_n_through_the_attention_k", other=s, time=t),
            transpose=True,
        )
        self.enc_ext.setdefault(s, []).append(f"att.dhk_{t}_{s}")
        rec.at("backward", t)
