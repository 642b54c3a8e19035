"""The output layer every topology shares: o_t = W_hy v_t + b_y (v_t is h_t, or what the
topology puts there: [h→_t, h←_t], an attention context), the head, the loss; and, going
back, the output error δo_t, its contribution to ∂L/∂W_hy and W_hyᵀ δo_t, the part of
∂L/∂v_t the output sends back."""

from __future__ import annotations

from rnntrace._internal.engine.layout import gradient, times
from rnntrace._internal.engine.recorder import Recorder
from rnntrace._internal.engine.symbols import Symbols
from rnntrace._internal.ops import softmax_shift
from rnntrace._internal.scenario.model import Scenario, Sequence
from rnntrace._internal.symbol.label import Label
from rnntrace._internal.symbol.tree import (
    Delta,
    Name,
    Scripted,
    Styled,
    Time,
    sub,
    upright,
)


def output(
    rec: Recorder, scenario: Scenario, seq: Sequence, t: int, sym: Symbols,
    source: str | None = None,
) -> None:  # fmt: skip
    """o_t, ŷ_t and (with a target and a loss) L_t, from ``source`` (default h_t)."""
    model = scenario.model
    source = source or f"h_{t}"
    v = rec.trace[rec.ref(source)].symbol
    rows, ref = model.layout == "rows", source.split(".")[-1]
    words = (Label("output_term_ref_w_hy", ref=ref) if rows
             else Label("output_term_w_hy_ref", ref=ref))  # fmt: skip
    times(rec, rows, f"oh_{t}", "W_hy", source, (sym["W_hy"], v), words)
    rec.do(f"o_{t}", "add", [f"oh_{t}"] + (["b_y"] if "b_y" in scenario.given else []),
           sub("o", t), Label("output_logits_at_t_t", time=t))  # fmt: skip
    if not headed(scenario, t):  # model.head_steps: the logits o_t alone at this step
        return
    y_hat = sub(Styled("hat", Name("y")), t)
    if model.head == "softmax":
        shift = softmax_shift(rec.trace.value(rec.key(f"o_{t}")))
        rec.do(f"e_{t}", "exp", [f"o_{t}"], Scripted(Name("e"), sup=sub("o", t)),
               Label("exponentials_of_the_logits_at_t_t", time=t), shift=shift)  # fmt: skip
        rec.do(
            f"S_{t}",
            "total",
            [f"e_{t}"],
            sub("S", t),
            Label("sum_of_the_exponentials_at_t_t", time=t),
        )
        rec.do(
            f"y_{t}", "divide", [f"e_{t}", f"S_{t}"], y_hat, Label("softmax_output_at_t_t", time=t)
        )
    else:
        op = "sigmoid" if model.head == "sigmoid" else "identity"
        rec.do(f"y_{t}", op, [f"o_{t}"], y_hat, Label("ref_output_at_t_t", ref=model.head, time=t))
    target = seq.targets.get(t)
    if model.loss == "none" or target is None:
        return
    info = {"target": target.vector.tolist(), "target_text": target.text,
            "from_logits": not rec.rounded}  # fmt: skip
    if model.loss == "ce" and target.index is None:
        info["soft"] = True  # a target distribution: L_t = −Σ_k y_k log ŷ_k
    elif model.loss == "ce":
        info["index"] = target.index
    if model.loss == "mse" and model.mse_scale != "mean":
        info["mse_scale"] = model.mse_scale
    operands = [f"y_{t}"] if model.loss == "mse" else [f"y_{t}", f"o_{t}"]
    rec.do(
        f"L_{t}",
        model.loss,
        operands,
        sub("L", t),
        Label("ref_loss_at_t_t_target_detail", ref=model.loss, time=t, detail=target.text),
        **info,
    )


def headed(scenario: Scenario, t: int) -> bool:
    """Whether the head (and the loss) is applied at step t: at every output step, or at
    the steps of ``model.head_steps`` only (seed 000's "I love AI": the softmax at t = 3)."""
    steps = scenario.model.head_steps
    return not steps or t in steps


def total_loss(rec: Recorder, scenario: Scenario, seq: Sequence, sym: Symbols) -> bool:
    """L of the sequence, the sum of its L_t; False when the sequence has no loss."""
    losses = [f"L_{t}" for t in sorted(seq.targets) if rec.key(f"L_{t}") in rec.trace]
    if not losses:
        return False
    rec.at("loss", None).do(
        "L",
        "add",
        losses,
        sym.loss(),
        Label("loss_of_sequence", sequence=seq.number) if sym.several else Label("total_loss"),
    )
    return True


def output_backward(
    rec: Recorder, scenario: Scenario, seq: Sequence, t: int, sym: Symbols,
    source: str | None = None, name: str | None = None, fed_back: str | None = None,
) -> str | None:  # fmt: skip
    """δo_t, step t's contribution to ∂L/∂W_hy, and W_hyᵀ δo_t, recorded as ``name``
    (default ``dh_out_t``); returns its key, or None when nothing flows back from step t.
    ``fed_back`` is the key of ∂L/∂ŷ_t from where ŷ_t was fed back as an input."""
    has_loss = t in seq.targets and scenario.model.loss != "none" and headed(scenario, t)
    if not has_loss and fed_back is None:
        return None
    source = source or f"h_{t}"
    v = rec.trace[rec.ref(source)].symbol
    if fed_back is None:
        _output_error(rec, scenario, seq, t, f"do_{t}")
    else:
        parts = []
        if has_loss:
            _output_error(rec, scenario, seq, t, f"do_L_{t}", "from_loss")
            parts.append(f"do_L_{t}")
        parts.append(_through_head(rec, scenario, t, fed_back))
        rec.do(f"do_{t}", "add", parts, Delta(sub("o", t)), Label("output_error_at_t_t", time=t))
    rows = scenario.model.layout == "rows"
    gradient(rec, rows, f"dW_hy_{t}", f"do_{t}", source, (Delta(sub("o", t)), v),
             Label("contribution_of_t_t_to_dl_dw_hy", time=t), "W_hy")  # fmt: skip
    name = name or f"dh_out_{t}"
    times(rec, rows, name, "W_hy", f"do_{t}", (sym["W_hy"], Delta(sub("o", t))),
          Label("part_of_dref_from_the_output_at_t_t", ref=source.split('.')[-1], time=t),
          transpose=True)  # fmt: skip
    return name


def _through_head(rec: Recorder, scenario: Scenario, t: int, grad: str) -> str:
    """∂L/∂o_t's part from ∂L/∂ŷ_t = ``grad`` (the fed-back output), through the head."""
    head = scenario.model.head
    if head == "identity":
        return grad
    fb = Delta(Scripted(Name("o"), sub=Time(t), sup=upright("fb")))
    rec.do(f"do_fb_{t}", f"{head}_back", [grad, f"y_{t}"], fb,
           Label("part_of_the_output_error_at_t_t_from_fee", time=t))  # fmt: skip
    return f"do_fb_{t}"


def _output_error(
    rec: Recorder, scenario: Scenario, seq: Sequence, t: int, key: str, note: str = ""
) -> None:
    """δo_t = ∂L/∂o_t: ŷ − y for sigmoid + bce and softmax + ce (or, with
    ``model.output_error: chain``, through δŷ_t), else through the head."""
    model = scenario.model
    target = seq.targets[t]
    info: dict[str, object] = {"target": target.vector.tolist(), "target_text": target.text}
    if model.loss == "mse" and model.mse_scale != "mean":
        info["mse_scale"] = model.mse_scale
    symbol = Delta(Scripted(Name("o"), sub=Time(t), sup=Name("L") if note else None))
    notes = (note,) if note else ()
    fused = model.loss in ("bce", "ce") and model.output_error != "chain"
    if fused:
        rec.do(key, f"{model.loss}_grad", [f"y_{t}"], symbol,
               Label("output_error_at_t_t_y_hat_target", time=t, notes=notes), **info)  # fmt: skip
        return
    if model.head == "identity":
        rec.do(key, "mse_grad", [f"y_{t}"], symbol,
               Label("output_error_at_t_t", time=t, notes=notes), **info)  # fmt: skip
        return
    # δŷ_t = ∂L/∂ŷ_t (bce: −y/ŷ + (1 − y)/(1 − ŷ), ce: −y/ŷ: seed 000's two-step chain), then
    # through the head (sigmoid: δŷ ⊙ ŷ(1 − ŷ); softmax: ŷ ⊙ (δŷ − δŷ·ŷ))
    op = "mse_grad" if model.loss == "mse" else f"{model.loss}_dyhat"
    rec.do(f"dy_{t}", op, [f"y_{t}"], Delta(sub(Styled("hat", Name("y")), t)),
           Label("dl_dy_hat_at_t_t", time=t), **info)  # fmt: skip
    rec.do(
        key,
        f"{model.head}_back",
        [f"dy_{t}", f"y_{t}"],
        symbol,
        Label("output_error_at_t_t_through_the_ref", time=t, ref=model.head, notes=notes),
    )
