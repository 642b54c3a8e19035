"""The simple RNN, forward and BPTT, written as recorded ops the way a textbook names them:

z_t = W_xh x_t + W_hh h_{t-1} + b_h        h_t = f(z_t)
o_t = W_hy h_t + b_y                       y_t = head(o_t)       L = sum of L_t
dh_t = W_hy^T do_t + W_hh^T dz_{t+1}       dz_t = dh_t * f'(z_t)
dW_xh += dz_t x_t^T   dW_hh += dz_t h_{t-1}^T   db_h += dz_t   dx_t = W_xh^T dz_t
"""

from __future__ import annotations

from rnntrace.engine import heads
from rnntrace.engine.recorder import Recorder
from rnntrace.engine.symbols import Symbols
from rnntrace.scenario.model import Scenario, Sequence

Contributions = dict[str, list[str]]


def record_input(rec: Recorder, scenario: Scenario, seq: Sequence, t: int) -> None:
    """x_t, the input vector of token t (shared by every cell)."""
    token = seq.tokens[t - 1]
    rec.given(rec.key(f"x_{t}"), seq.inputs[t - 1], symbol=f"x_{{{t}}}", time=t, op="input",
              phase="forward", label=f"input vector of {token!r} (t = {t})",
              info={"token": token, "source": scenario.input_kind})  # fmt: skip


def previous(name: str, t: int) -> str:
    """The key of a state at t - 1: ``h_0`` (a parameter) at t = 1, else ``h_{t-1}``."""
    return f"{name}_{t - 1}"


def trace_rnn(rec: Recorder, scenario: Scenario, seq: Sequence, sym: Symbols) -> Contributions:
    """Forward pass, loss and BPTT of one sequence; returns each parameter's contributions."""
    act = scenario.model.activation
    outputs = scenario.output_steps(seq)
    bias = ["b_h"] if "b_h" in scenario.given else []
    for t, token in enumerate(seq.tokens, start=1):
        rec.at("forward", t)
        record_input(rec, scenario, seq, t)
        h_prev = previous("h", t)
        rec.do(f"zx_{t}", "matvec", ["W_xh", f"x_{t}"], f"{sym['W_xh']} x_{{{t}}}",
               f"input term W_xh x_{t}")  # fmt: skip
        rec.do(f"zh_{t}", "matvec", ["W_hh", h_prev], f"{sym['W_hh']} h_{{{t - 1}}}",
               f"recurrent term W_hh h_{t - 1}")  # fmt: skip
        rec.do(f"z_{t}", "add", [f"zx_{t}", f"zh_{t}", *bias], f"z_{{{t}}}",
               f"pre-activation at t = {t}")  # fmt: skip
        rec.do(f"h_{t}", "activation", [f"z_{t}"], f"h_{{{t}}}",
               f"hidden state after {token!r} (t = {t})", activation=act)  # fmt: skip
        if t in outputs:
            heads.output(rec, scenario, seq, t, sym)
    if not heads.total_loss(rec, scenario, seq, sym):
        return {}
    return _backward(rec, scenario, seq, sym)


def _backward(rec: Recorder, scenario: Scenario, seq: Sequence, sym: Symbols) -> Contributions:
    """BPTT from t = T down to 1."""
    act = scenario.model.activation
    T = seq.length
    for t in range(T, 0, -1):
        rec.at("backward", t)
        parts = [key for key in [heads.output_backward(rec, scenario, seq, t, sym)] if key]
        if t < T:
            rec.do(f"dh_next_{t}", "matvec", ["W_hh", f"dz_{t + 1}"],
                   f"{sym['W_hh']}^\\top \\delta z_{{{t + 1}}}",
                   f"part of dh_{t} from step {t + 1}", transpose=True)  # fmt: skip
            parts.append(f"dh_next_{t}")
        rec.do(f"dh_{t}", "add", parts, f"\\delta h_{{{t}}}", f"dL/dh_{t}")
        arg = f"z_{t}" if act == "relu" else f"h_{t}"
        rec.do(f"dhdz_{t}", "activation_derivative", [arg], f"f'(z_{{{t}}})",
               f"{act} derivative at t = {t}", activation=act)  # fmt: skip
        rec.do(f"dz_{t}", "hadamard", [f"dh_{t}", f"dhdz_{t}"], f"\\delta z_{{{t}}}",
               f"dL/dz_{t}")  # fmt: skip
        rec.at("gradient", t)
        rec.do(f"dW_xh_{t}", "outer", [f"dz_{t}", f"x_{t}"], f"\\delta z_{{{t}}} x_{{{t}}}^\\top",
               f"contribution of t = {t} to dL/dW_xh", param="W_xh")  # fmt: skip
        rec.do(f"dW_hh_{t}", "outer", [f"dz_{t}", previous("h", t)],
               f"\\delta z_{{{t}}} h_{{{t - 1}}}^\\top",
               f"contribution of t = {t} to dL/dW_hh", param="W_hh")  # fmt: skip
        token = seq.tokens[t - 1]
        rec.do(f"dx_{t}", "matvec", ["W_xh", f"dz_{t}"], f"{sym['W_xh']}^\\top \\delta z_{{{t}}}",
               f"gradient of the input vector of {token!r} (t = {t})", transpose=True,
               token=token)  # fmt: skip
    times = range(1, T + 1)
    losses = [t for t in scenario.output_steps(seq) if t in seq.targets]
    contributions: Contributions = {
        "W_xh": [f"dW_xh_{t}" for t in times],
        "W_hh": [f"dW_hh_{t}" for t in times],
        "b_h": [f"dz_{t}" for t in times],
        "W_hy": [f"dW_hy_{t}" for t in losses],
        "b_y": [f"do_{t}" for t in losses],
    }
    if "h_0" in scenario.given:
        rec.at("gradient", None).do(
            "dh_0",
            "matvec",
            ["W_hh", "dz_1"],
            f"{sym['W_hh']}^\\top \\delta z_{{1}}",
            "gradient of the initial state h_0",
            transpose=True,
        )
        contributions["h_0"] = ["dh_0"]
    return contributions
