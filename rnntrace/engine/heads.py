"""The output layer every cell shares: o_t = W_hy h_t + b_y, the head, the loss, and, going
back, the output error δo_t, its contribution to ∂L/∂W_hy and the part of δh_t it sends."""

from __future__ import annotations

from rnntrace.engine.ops import softmax_shift
from rnntrace.engine.recorder import Recorder
from rnntrace.engine.symbols import Symbols
from rnntrace.scenario.model import Scenario, Sequence


def output(rec: Recorder, scenario: Scenario, seq: Sequence, t: int, sym: Symbols) -> None:
    """o_t, ŷ_t and (with a target and a loss) L_t, at time step t of the forward pass."""
    model = scenario.model
    rec.do(f"oh_{t}", "matvec", ["W_hy", f"h_{t}"], f"{sym['W_hy']} h_{{{t}}}",
           f"output term W_hy h_{t}")  # fmt: skip
    rec.do(f"o_{t}", "add", [f"oh_{t}"] + (["b_y"] if "b_y" in scenario.given else []),
           f"o_{{{t}}}", f"output logits at t = {t}")  # fmt: skip
    y_hat = f"\\hat{{y}}_{{{t}}}"
    if model.head == "softmax":
        shift = softmax_shift(rec.trace.value(rec.key(f"o_{t}")))
        rec.do(f"e_{t}", "exp", [f"o_{t}"], f"e^{{o_{{{t}}}}}",
               f"exponentials of the logits at t = {t}", shift=shift)  # fmt: skip
        rec.do(f"S_{t}", "total", [f"e_{t}"], f"S_{{{t}}}", f"sum of the exponentials at t = {t}")
        rec.do(f"y_{t}", "divide", [f"e_{t}", f"S_{t}"], y_hat, f"softmax output at t = {t}")
    else:
        op = "sigmoid" if model.head == "sigmoid" else "identity"
        rec.do(f"y_{t}", op, [f"o_{t}"], y_hat, f"{model.head} output at t = {t}")
    target = seq.targets.get(t)
    if model.loss == "none" or target is None:
        return
    info = {"target": target.vector.tolist(), "target_text": target.text,
            "from_logits": not rec.rounded}  # fmt: skip
    if model.loss == "ce":
        info["index"] = target.index
    operands = [f"y_{t}"] if model.loss == "mse" else [f"y_{t}", f"o_{t}"]
    rec.do(f"L_{t}", model.loss, operands, f"L_{{{t}}}",
           f"{model.loss} loss at t = {t} (target {target.text})", **info)  # fmt: skip


def total_loss(rec: Recorder, scenario: Scenario, seq: Sequence, sym: Symbols) -> bool:
    """L of the sequence, the sum of its L_t; False when the sequence has no loss."""
    losses = [f"L_{t}" for t in scenario.output_steps(seq) if rec.key(f"L_{t}") in rec.trace]
    if not losses:
        return False
    rec.at("loss", None).do(
        "L",
        "add",
        losses,
        "L" + sym.seq_suffix(),
        f"loss of sequence {seq.number}" if sym.several else "total loss",
    )
    return True


def output_backward(
    rec: Recorder, scenario: Scenario, seq: Sequence, t: int, sym: Symbols
) -> str | None:
    """δo_t, step t's contribution to ∂L/∂W_hy, and W_hyᵀ δo_t (returned: its key), when
    there is a loss at step t; else None."""
    if t not in seq.targets or scenario.model.loss == "none":
        return None
    _output_error(rec, scenario, seq, t)
    rec.do(f"dW_hy_{t}", "outer", [f"do_{t}", f"h_{t}"], f"\\delta o_{{{t}}} h_{{{t}}}^\\top",
           f"contribution of t = {t} to dL/dW_hy", param="W_hy")  # fmt: skip
    rec.do(f"dh_out_{t}", "matvec", ["W_hy", f"do_{t}"],
           f"{sym['W_hy']}^\\top \\delta o_{{{t}}}",
           f"part of dh_{t} from the output at t = {t}", transpose=True)  # fmt: skip
    return f"dh_out_{t}"


def _output_error(rec: Recorder, scenario: Scenario, seq: Sequence, t: int) -> None:
    """δo_t = ∂L/∂o_t: ŷ − y for sigmoid + bce and softmax + ce, else through the head."""
    model = scenario.model
    target = seq.targets[t]
    info = {"target": target.vector.tolist(), "target_text": target.text}
    symbol = f"\\delta o_{{{t}}}"
    if model.loss in ("bce", "ce"):
        rec.do(f"do_{t}", f"{model.loss}_grad", [f"y_{t}"], symbol,
               f"output error at t = {t} (y_hat - target)", **info)  # fmt: skip
    elif model.head == "identity":
        rec.do(f"do_{t}", "mse_grad", [f"y_{t}"], symbol, f"output error at t = {t}", **info)
    else:
        rec.do(f"dy_{t}", "mse_grad", [f"y_{t}"], f"\\delta \\hat{{y}}_{{{t}}}",
               f"dL/dy_hat at t = {t}", **info)  # fmt: skip
        rec.do(f"do_{t}", f"{model.head}_back", [f"dy_{t}", f"y_{t}"], symbol,
               f"output error at t = {t} (through the {model.head})")  # fmt: skip
