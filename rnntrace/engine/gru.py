"""The GRU, gate by gate, forward and BPTT, in the seeds' convention by default:

z_t = σ(a_z)   r_t = σ(a_r)                                        (a: gates.linear)
reset_before:  h~_t = tanh(W_hx x_t + W_hh (r_t ⊙ h_{t-1}) + b_h)   (seeds 001, 003)
reset_after:   h~_t = tanh(W_hx x_t + b_h + r_t ⊙ (W_hh h_{t-1} + b_hh))   (PyTorch)
update new:    h_t = (1 − z_t) ⊙ h_{t-1} + z_t ⊙ h~_t                       (seeds)
keep_old:      h_t = (1 − z_t) ⊙ h~_t + z_t ⊙ h_{t-1}                       (PyTorch)
"""

from __future__ import annotations

from rnntrace.engine import gates, heads
from rnntrace.engine.recorder import Recorder
from rnntrace.engine.rnn import Contributions, previous, record_input
from rnntrace.engine.symbols import Symbols
from rnntrace.scenario.model import Scenario, Sequence


def trace_gru(rec: Recorder, scenario: Scenario, seq: Sequence, sym: Symbols) -> Contributions:
    """Forward pass, loss and BPTT of one sequence through a GRU."""
    outputs = scenario.output_steps(seq)
    for t, token in enumerate(seq.tokens, start=1):
        rec.at("forward", t)
        record_input(rec, scenario, seq, t)
        h_prev, h_sym = previous("h", t), f"h_{{{t - 1}}}"
        stacked = None
        if scenario.form == "concatenated":
            stacked = gates.concat(rec, f"hx_{t}", h_prev, h_sym, t)
        for g in ("z", "r"):
            a = gates.linear(rec, scenario, sym, g, t, h_prev, h_sym, stacked)
            rec.do(f"{g}_{t}", "activation", [a], f"{g}_{{{t}}}",
                   f"{gates.GATE_NAMES[g]} at t = {t}", activation="sigmoid")  # fmt: skip
        _candidate(rec, scenario, sym, t, h_prev, h_sym)
        rec.do(f"omz_{t}", "one_minus", [f"z_{t}"], f"(1 - z_{{{t}}})", f"1 - z_{t}")
        old, new = ("omz", "z") if scenario.model.update_gate == "new" else ("z", "omz")
        rec.do(
            f"keep_{t}",
            "hadamard",
            [f"{old}_{t}", h_prev],
            f"{_gate_sym(old, t)} \\odot {h_sym}",
            f"what is kept of h_{t - 1} at t = {t}",
        )
        rec.do(f"new_{t}", "hadamard", [f"{new}_{t}", f"n_{t}"],
               f"{_gate_sym(new, t)} \\odot \\tilde{{h}}_{{{t}}}",
               f"what is taken from the candidate at t = {t}")  # fmt: skip
        rec.do(f"h_{t}", "add", [f"keep_{t}", f"new_{t}"], f"h_{{{t}}}",
               f"hidden state after {token!r} (t = {t})")  # fmt: skip
        if t in outputs:
            heads.output(rec, scenario, seq, t, sym)
    if not heads.total_loss(rec, scenario, seq, sym):
        return {}
    return _backward(rec, scenario, seq, sym)


def _gate_sym(key: str, t: int) -> str:
    return f"z_{{{t}}}" if key == "z" else f"(1 - z_{{{t}}})"


def _candidate(rec: Recorder, scenario: Scenario, sym: Symbols, t: int, h_prev: str,
               h_sym: str) -> None:  # fmt: skip
    """h~_t (key n_t), with the reset gate before or after the recurrent product."""
    if scenario.model.gru_variant == "reset_before":
        rec.do(f"rh_{t}", "hadamard", [f"r_{t}", h_prev], f"r_{{{t}}} \\odot {h_sym}",
               f"reset previous state at t = {t}")  # fmt: skip
        rh_sym = f"(r_{{{t}}} \\odot {h_sym})"
        stacked = None
        if scenario.form == "concatenated":
            stacked = gates.concat(rec, f"rhx_{t}", f"rh_{t}", rh_sym, t)
        extra = ("b_hh",) if "b_hh" in scenario.given else ()
        a = gates.linear(rec, scenario, sym, "h", t, f"rh_{t}", rh_sym, stacked, extra)
    else:
        rec.do(f"xh_{t}", "matvec", ["W_hx", f"x_{t}"], f"{sym['W_hx']} x_{{{t}}}",
               f"candidate state: input term W_hx x_{t}")  # fmt: skip
        rec.do(f"hh_{t}", "matvec", ["W_hh", h_prev], f"{sym['W_hh']} {h_sym}",
               f"candidate state: recurrent term W_hh h_{t - 1}")  # fmt: skip
        inner = f"hh_{t}"
        if "b_hh" in scenario.given:
            rec.do(f"hb_{t}", "add", [f"hh_{t}", "b_hh"], f"({sym['W_hh']} {h_sym} + "
                   f"{sym['b_hh']})", f"recurrent term and its bias at t = {t}")  # fmt: skip
            inner = f"hb_{t}"
        rec.do(
            f"rhh_{t}",
            "hadamard",
            [f"r_{t}", inner],
            f"r_{{{t}}} \\odot ({sym['W_hh']} {h_sym})",
            f"reset recurrent term at t = {t}",
        )
        bias = ["b_h"] if "b_h" in scenario.given else []
        rec.do(f"ah_{t}", "add", [f"xh_{t}", f"rhh_{t}", *bias], f"a_{{h,{t}}}",
               f"candidate state: pre-activation at t = {t}")  # fmt: skip
        a = f"ah_{t}"
    rec.do(f"n_{t}", "activation", [a], f"\\tilde{{h}}_{{{t}}}",
           f"candidate state at t = {t}", activation="tanh")  # fmt: skip


def _backward(rec: Recorder, scenario: Scenario, seq: Sequence, sym: Symbols) -> Contributions:
    T = seq.length
    after = scenario.model.gru_variant == "reset_after"
    contributions: Contributions = {}

    def add(param: str, key: str) -> None:
        contributions.setdefault(param, []).insert(0, key)

    for t in range(T, 0, -1):
        rec.at("backward", t)
        parts = [key for key in [heads.output_backward(rec, scenario, seq, t, sym)] if key]
        if t < T:
            parts.append(_from_next_step(rec, scenario, sym, t))
        rec.do(f"dh_{t}", "add", parts, f"\\delta h_{{{t}}}", f"dL/dh_{t}")
        _gate_deltas(rec, scenario, sym, t)
        rec.at("gradient", t)
        h_prev, h_sym = previous("h", t), f"h_{{{t - 1}}}"
        stacked = f"hx_{t}" if scenario.form == "concatenated" else None
        for g in ("z", "r"):
            for param, key in gates.weight_grads(rec, scenario, g, t, f"da{g}_{t}", h_prev,
                                                 h_sym, stacked).items():  # fmt: skip
                add(param, key)
            add(f"b_{g}", f"da{g}_{t}")
        if after:
            grads = gates.weight_grads(
                rec,
                scenario,
                "h",
                t,
                f"dah_{t}",
                h_prev,
                h_sym,
                None,
                (f"dhh_{t}", f"\\delta (W_{{hh}} {h_sym})"),
            )
        else:
            rh_sym = f"(r_{{{t}}} \\odot {h_sym})"
            rhx = f"rhx_{t}" if scenario.form == "concatenated" else None
            grads = gates.weight_grads(rec, scenario, "h", t, f"dah_{t}", f"rh_{t}", rh_sym, rhx)
        for param, key in grads.items():
            add(param, key)
        add("b_h", f"dah_{t}")
        add("b_hh", f"dhh_{t}" if after else f"dah_{t}")
        dx_parts = [gates.back_to_input(rec, scenario, sym, g, t) for g in ("z", "r", "h")]
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
    if "h_0" in scenario.given:
        rec.at("gradient", None)
        contributions["h_0"] = [_from_next_step(rec, scenario, sym, 0, final="dh_0")]
    return contributions


def _gate_deltas(rec: Recorder, scenario: Scenario, sym: Symbols, t: int) -> None:
    """δh~_t, δz_t and δr_t, and the deltas of the gates' pre-activations, at step t."""
    model = scenario.model
    h_prev, h_sym = previous("h", t), f"h_{{{t - 1}}}"
    weight = "z" if model.update_gate == "new" else "omz"
    rec.do(
        f"dn_{t}",
        "hadamard",
        [f"dh_{t}", f"{weight}_{t}"],
        f"\\delta \\tilde{{h}}_{{{t}}}",
        f"dL/dh~_{t} (candidate)",
    )
    rec.do(f"dah_{t}", "tanh_back", [f"dn_{t}", f"n_{t}"], f"\\delta a_{{h,{t}}}",
           f"candidate state: delta at t = {t}")  # fmt: skip
    first, second = (f"n_{t}", h_prev) if model.update_gate == "new" else (h_prev, f"n_{t}")
    rec.do(f"nmh_{t}", "subtract", [first, second],
           f"(\\tilde{{h}}_{{{t}}} - {h_sym})" if model.update_gate == "new"
           else f"({h_sym} - \\tilde{{h}}_{{{t}}})",
           f"what z_{t} weighs at t = {t}")  # fmt: skip
    rec.do(f"dz_{t}", "hadamard", [f"dh_{t}", f"nmh_{t}"], f"\\delta z_{{{t}}}",
           f"dL/dz_{t} (update gate)")  # fmt: skip
    rec.do(f"daz_{t}", "sigmoid_back", [f"dz_{t}", f"z_{t}"], f"\\delta a_{{z,{t}}}",
           f"update gate: delta at t = {t}")  # fmt: skip
    if model.gru_variant == "reset_before":
        _back_h = gates.back_to_state(
            rec,
            scenario,
            sym,
            "h",
            t,
            f"drh_{t}",
            f"dah_{t}",
            f"dL/d(r_{t} * h_{t - 1}) through the candidate",
        )
        rec.do(f"dr_{t}", "hadamard", [_back_h, h_prev], f"\\delta r_{{{t}}}",
               f"dL/dr_{t} (reset gate)")  # fmt: skip
    else:
        inner = f"hb_{t}" if "b_hh" in scenario.given else f"hh_{t}"
        rec.do(
            f"dr_{t}",
            "hadamard",
            [f"dah_{t}", inner],
            f"\\delta r_{{{t}}}",
            f"dL/dr_{t} (reset gate)",
        )
        rec.do(
            f"dhh_{t}",
            "hadamard",
            [f"dah_{t}", f"r_{t}"],
            f"\\delta (W_{{hh}} {h_sym})_{{{t}}}",
            f"delta of W_hh h_{t - 1} at t = {t}",
        )
    rec.do(f"dar_{t}", "sigmoid_back", [f"dr_{t}", f"r_{t}"], f"\\delta a_{{r,{t}}}",
           f"reset gate: delta at t = {t}")  # fmt: skip


def _from_next_step(
    rec: Recorder, scenario: Scenario, sym: Symbols, t: int, final: str | None = None
) -> str:
    """∂L/∂h_t through step t+1: the kept part, the two gates and the candidate."""
    n = t + 1
    weight = "omz" if scenario.model.update_gate == "new" else "z"
    rec.do(f"dh_keep_{t}", "hadamard", [f"dh_{n}", f"{weight}_{n}"],
           f"\\delta h_{{{t}}}^{{\\mathrm{{keep}}}}",
           f"part of dh_{t} kept through the update gate at step {n}")  # fmt: skip
    parts = [f"dh_keep_{t}"]
    parts += [gates.back_to_state(rec, scenario, sym, g, n, f"dh_{g}_{t}") for g in ("z", "r")]
    if scenario.model.gru_variant == "reset_before":
        rec.do(f"dh_h_{t}", "hadamard", [f"drh_{n}", f"r_{n}"],
               f"\\delta h_{{{t}}}^{{\\tilde{{h}}}}",
               f"part of dh_{t} through the candidate at step {n}")  # fmt: skip
    else:
        rec.do(
            f"dh_h_{t}",
            "matvec",
            ["W_hh", f"dhh_{n}"],
            f"{sym['W_hh']}^\\top \\delta (W_{{hh}} h)_{{{n}}}",
            f"part of dh_{t} through the candidate at step {n}",
            transpose=True,
        )
    parts.append(f"dh_h_{t}")
    key = final or f"dh_next_{t}"
    rec.do(
        key,
        "add",
        parts,
        "\\delta h_{0}" if final else f"\\delta h_{{{t}}}^{{\\mathrm{{next}}}}",
        "gradient of the initial state h_0" if final else f"part of dh_{t} from step {n}",
    )
    return key
