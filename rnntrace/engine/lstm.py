"""The LSTM, gate by gate, forward and BPTT (seed 003's separate matrices, or seed 001's
concatenated ones):

    f_t = σ(a_f)   i_t = σ(a_i)   c~_t = tanh(a_c)   o_t = σ(a_o)      (a: gates.linear)
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ c~_t                 h_t = o_t ⊙ tanh(c_t)
back:
    δo = δh_t ⊙ tanh(c_t)                           δc_t = δh_t ⊙ o_t ⊙ (1 − tanh²c_t)
                                                          + δc_{t+1} ⊙ f_{t+1}
    δf = δc_t ⊙ c_{t-1}   δi = δc_t ⊙ c~_t   δc~ = δc_t ⊙ i_t,  then through σ or tanh
    δh_{t-1} = Σ_g W_ghᵀ δa_g (+ the output's part)   δx_t = Σ_g W_gxᵀ δa_g
"""

from __future__ import annotations

from rnntrace.engine import gates, heads
from rnntrace.engine.recorder import Recorder
from rnntrace.engine.rnn import Contributions, previous, record_input
from rnntrace.engine.symbols import Symbols
from rnntrace.scenario.model import Scenario, Sequence

GATES = ("f", "i", "c", "o")
GATE_KEYS = {"f": "f", "i": "i", "o": "og"}  # gate letter -> key of its output


def trace_lstm(rec: Recorder, scenario: Scenario, seq: Sequence, sym: Symbols) -> Contributions:
    """Forward pass, loss and BPTT of one sequence through an LSTM."""
    outputs = scenario.output_steps(seq)
    for t, token in enumerate(seq.tokens, start=1):
        rec.at("forward", t)
        record_input(rec, scenario, seq, t)
        h_prev, h_sym = previous("h", t), f"h_{{{t - 1}}}"
        stacked = None
        if scenario.form == "concatenated":
            stacked = gates.concat(rec, f"hx_{t}", h_prev, h_sym, t)
        for g in GATES:
            a = gates.linear(rec, scenario, sym, g, t, h_prev, h_sym, stacked)
            if g == "c":
                rec.do(f"cc_{t}", "activation", [a], f"\\tilde{{c}}_{{{t}}}",
                       f"candidate cell state at t = {t}", activation="tanh")  # fmt: skip
            else:  # the output gate is og_t: o_t are the output logits, as for every cell
                rec.do(GATE_KEYS[g] + f"_{t}", "activation", [a], f"{g}_{{{t}}}",
                       f"{gates.GATE_NAMES[g]} at t = {t}", activation="sigmoid")  # fmt: skip
        rec.do(
            f"fc_{t}",
            "hadamard",
            [f"f_{t}", previous("c", t)],
            f"f_{{{t}}} \\odot c_{{{t - 1}}}",
            f"what the forget gate keeps at t = {t}",
        )
        rec.do(
            f"ic_{t}",
            "hadamard",
            [f"i_{t}", f"cc_{t}"],
            f"i_{{{t}}} \\odot \\tilde{{c}}_{{{t}}}",
            f"what the input gate adds at t = {t}",
        )
        rec.do(f"c_{t}", "add", [f"fc_{t}", f"ic_{t}"], f"c_{{{t}}}",
               f"cell state after {token!r} (t = {t})")  # fmt: skip
        rec.do(f"tc_{t}", "activation", [f"c_{t}"], f"\\tanh(c_{{{t}}})",
               f"tanh of the cell state at t = {t}", activation="tanh")  # fmt: skip
        rec.do(f"h_{t}", "hadamard", [f"og_{t}", f"tc_{t}"], f"h_{{{t}}}",
               f"hidden state after {token!r} (t = {t})")  # fmt: skip
        if t in outputs:
            heads.output(rec, scenario, seq, t, sym)
    if not heads.total_loss(rec, scenario, seq, sym):
        return {}
    return _backward(rec, scenario, seq, sym)


def _backward(rec: Recorder, scenario: Scenario, seq: Sequence, sym: Symbols) -> Contributions:
    T = seq.length
    contributions: Contributions = {}
    for t in range(T, 0, -1):
        rec.at("backward", t)
        parts = [key for key in [heads.output_backward(rec, scenario, seq, t, sym)] if key]
        if t < T:
            parts.append(_from_next_step(rec, scenario, sym, t))
        rec.do(f"dh_{t}", "add", parts, f"\\delta h_{{{t}}}", f"dL/dh_{t}")
        _cell_deltas(rec, t, T)
        rec.at("gradient", t)
        h_prev, h_sym = previous("h", t), f"h_{{{t - 1}}}"
        stacked = f"hx_{t}" if scenario.form == "concatenated" else None
        for g in GATES:
            for param, key in gates.weight_grads(rec, scenario, g, t, f"da{g}_{t}", h_prev,
                                                 h_sym, stacked).items():  # fmt: skip
                contributions.setdefault(param, []).insert(0, key)
            contributions.setdefault(f"b_{g}", []).insert(0, f"da{g}_{t}")
        dx_parts = [gates.back_to_input(rec, scenario, sym, g, t) for g in GATES]
        token = seq.tokens[t - 1]
        rec.do(
            f"dx_{t}",
            "add",
            dx_parts,
            f"\\delta x_{{{t}}}",
            f"gradient of the input vector of {token!r} (t = {t})",
            token=token,
        )
    for t in scenario.output_steps(seq):
        if t in seq.targets:
            contributions.setdefault("W_hy", []).append(f"dW_hy_{t}")
            contributions.setdefault("b_y", []).append(f"do_{t}")
    rec.at("gradient", None)
    if "h_0" in scenario.given:
        contributions["h_0"] = [_from_next_step(rec, scenario, sym, 0, final="dh_0")]
    if "c_0" in scenario.given:
        rec.do("dc_0", "hadamard", ["dc_1", "f_1"], "\\delta c_{0}",
               "gradient of the initial cell state c_0")  # fmt: skip
        contributions["c_0"] = ["dc_0"]
    return contributions


def _from_next_step(
    rec: Recorder, scenario: Scenario, sym: Symbols, t: int, final: str | None = None
) -> str:
    """∂L/∂h_t through the four gates of step t+1: Σ_g W_ghᵀ δa_{g,t+1}."""
    parts = [gates.back_to_state(rec, scenario, sym, g, t + 1, f"dh_{g}_{t}") for g in GATES]
    key = final or f"dh_next_{t}"
    rec.do(key, "add", parts, f"\\delta h_{{{t}}}^{{\\mathrm{{next}}}}" if not final
           else "\\delta h_{0}", f"part of dh_{t} from step {t + 1}" if not final
           else "gradient of the initial state h_0")  # fmt: skip
    return key


def _cell_deltas(rec: Recorder, t: int, T: int) -> None:
    """δc_t and the four gates' deltas at step t."""
    gate_o = f"\\delta o_{{{t}}}^{{\\mathrm{{gate}}}}"
    rec.do(f"dog_{t}", "hadamard", [f"dh_{t}", f"tc_{t}"], gate_o, f"dL/do_{t} (output gate)")
    rec.do(f"dao_{t}", "sigmoid_back", [f"dog_{t}", f"og_{t}"], f"\\delta a_{{o,{t}}}",
           f"output gate: delta at t = {t}")  # fmt: skip
    rec.do(f"dtc_{t}", "hadamard", [f"dh_{t}", f"og_{t}"], f"\\delta \\tanh(c_{{{t}}})",
           f"dL/dtanh(c_{t})")  # fmt: skip
    rec.do(f"dc_h_{t}", "tanh_back", [f"dtc_{t}", f"tc_{t}"], f"\\delta c_{{{t}}}^{{h}}",
           f"part of dc_{t} from h_{t}")  # fmt: skip
    parts = [f"dc_h_{t}"]
    if t < T:
        rec.do(f"dc_next_{t}", "hadamard", [f"dc_{t + 1}", f"f_{t + 1}"],
               f"\\delta c_{{{t}}}^{{\\mathrm{{next}}}}",
               f"part of dc_{t} carried from c_{t + 1} through the forget gate")  # fmt: skip
        parts.append(f"dc_next_{t}")
    rec.do(f"dc_{t}", "add", parts, f"\\delta c_{{{t}}}", f"dL/dc_{t}")
    rec.do(
        f"df_{t}",
        "hadamard",
        [f"dc_{t}", previous("c", t)],
        f"\\delta f_{{{t}}}",
        f"dL/df_{t} (forget gate)",
    )
    rec.do(f"daf_{t}", "sigmoid_back", [f"df_{t}", f"f_{t}"], f"\\delta a_{{f,{t}}}",
           f"forget gate: delta at t = {t}")  # fmt: skip
    rec.do(
        f"di_{t}",
        "hadamard",
        [f"dc_{t}", f"cc_{t}"],
        f"\\delta i_{{{t}}}",
        f"dL/di_{t} (input gate)",
    )
    rec.do(f"dai_{t}", "sigmoid_back", [f"di_{t}", f"i_{t}"], f"\\delta a_{{i,{t}}}",
           f"input gate: delta at t = {t}")  # fmt: skip
    rec.do(f"dcc_{t}", "hadamard", [f"dc_{t}", f"i_{t}"], f"\\delta \\tilde{{c}}_{{{t}}}",
           f"dL/dc~_{t} (candidate)")  # fmt: skip
    rec.do(f"dac_{t}", "tanh_back", [f"dcc_{t}", f"cc_{t}"], f"\\delta a_{{c,{t}}}",
           f"candidate cell: delta at t = {t}")  # fmt: skip
