"""The simple RNN, forward and BPTT, written as recorded ops the way a textbook names them:

z_t = W_xh x_t + W_hh h_{t-1} + b_h        h_t = f(z_t)
o_t = W_hy h_t + b_y                       y_t = head(o_t)       L = sum of L_t
dh_t = W_hy^T do_t + W_hh^T dz_{t+1}       dz_t = dh_t * f'(z_t)
dW_xh += dz_t x_t^T   dW_hh += dz_t h_{t-1}^T   db_h += dz_t   dx_t = W_xh^T dz_t
"""

from __future__ import annotations

from rnntrace.engine.recorder import Recorder
from rnntrace.engine.symbols import RnnSymbols
from rnntrace.scenario.model import Scenario, Sequence


def trace_sequence(rec: Recorder, scenario: Scenario, seq: Sequence, sym: RnnSymbols) -> list[str]:
    """Forward pass, loss and BPTT of one sequence; returns the keys of its gradient sums."""
    model = scenario.model
    k = rec.key
    has_bias_h = "b_h" in scenario.given
    has_bias_y = "b_y" in scenario.given
    outputs = scenario.output_steps(seq)
    h_prev = "h_0"
    for t, token in enumerate(seq.tokens, start=1):
        rec.given(
            k(f"x_{t}"),
            seq.inputs[t - 1],
            symbol=f"x_{{{t}}}",
            time=t,
            op="input",
            phase="forward",
            label=f"input vector of {token!r} (t = {t})",
            info={"token": token, "source": scenario.input_kind},
        )
        rec.op(
            k(f"zx_{t}"),
            "matvec",
            ["W_xh", k(f"x_{t}")],
            phase="forward",
            time=t,
            symbol=f"{sym['W_xh']} x_{{{t}}}",
            label=f"input term W_xh x_{t}",
        )
        rec.op(
            k(f"zh_{t}"),
            "matvec",
            ["W_hh", h_prev if t == 1 else k(h_prev)],
            phase="forward",
            time=t,
            symbol=f"{sym['W_hh']} h_{{{t - 1}}}",
            label=f"recurrent term W_hh h_{t - 1}",
        )
        parts = [k(f"zx_{t}"), k(f"zh_{t}")] + (["b_h"] if has_bias_h else [])
        rec.op(
            k(f"z_{t}"),
            "add",
            parts,
            phase="forward",
            time=t,
            symbol=f"z_{{{t}}}",
            label=f"pre-activation at t = {t}",
        )
        rec.op(
            k(f"h_{t}"),
            "activation",
            [k(f"z_{t}")],
            phase="forward",
            time=t,
            symbol=f"h_{{{t}}}",
            label=f"hidden state after {token!r} (t = {t})",
            info={"activation": model.activation},
        )
        h_prev = f"h_{t}"
        if t in outputs:
            _output(rec, scenario, seq, t, sym, has_bias_y)
    if not outputs:
        return []
    loss_keys = [k(f"L_{t}") for t in outputs if k(f"L_{t}") in rec.trace]
    if not loss_keys:
        return []
    rec.op(
        k("L"),
        "add",
        loss_keys,
        phase="loss",
        symbol="L" + sym.seq_suffix(),
        label=f"loss of sequence {seq.number}" if sym.several else "total loss",
    )
    return _backward(rec, scenario, seq, sym, outputs, has_bias_h, has_bias_y)


def _output(
    rec: Recorder, scenario: Scenario, seq: Sequence, t: int, sym: RnnSymbols, has_bias_y: bool
) -> None:
    """o_t, the head, and the loss at step t."""
    model = scenario.model
    k = rec.key
    rec.op(
        k(f"oh_{t}"),
        "matvec",
        ["W_hy", k(f"h_{t}")],
        phase="forward",
        time=t,
        symbol=f"{sym['W_hy']} h_{{{t}}}",
        label=f"output term W_hy h_{t}",
    )
    rec.op(
        k(f"o_{t}"),
        "add",
        [k(f"oh_{t}")] + (["b_y"] if has_bias_y else []),
        phase="forward",
        time=t,
        symbol=f"o_{{{t}}}",
        label=f"output logits at t = {t}",
    )
    y = k(f"y_{t}")
    if model.head == "softmax":
        from rnntrace.engine.ops import softmax_shift

        shift = softmax_shift(rec.trace.value(k(f"o_{t}")))
        rec.op(
            k(f"e_{t}"),
            "exp",
            [k(f"o_{t}")],
            phase="forward",
            time=t,
            symbol=f"e^{{o_{{{t}}}}}",
            label=f"exponentials of the logits at t = {t}",
            info={"shift": shift},
        )
        rec.op(
            k(f"S_{t}"),
            "total",
            [k(f"e_{t}")],
            phase="forward",
            time=t,
            symbol=f"S_{{{t}}}",
            label=f"sum of the exponentials at t = {t}",
        )
        rec.op(
            y,
            "divide",
            [k(f"e_{t}"), k(f"S_{t}")],
            phase="forward",
            time=t,
            symbol=f"\\hat{{y}}_{{{t}}}",
            label=f"softmax output at t = {t}",
        )
    else:
        rec.op(
            y,
            "sigmoid" if model.head == "sigmoid" else "identity",
            [k(f"o_{t}")],
            phase="forward",
            time=t,
            symbol=f"\\hat{{y}}_{{{t}}}",
            label=f"{model.head} output at t = {t}",
        )
    target = seq.targets.get(t)
    if model.loss == "none" or target is None:
        return
    info = {
        "target": target.vector.tolist(),
        "target_text": target.text,
        "from_logits": not rec.rounded,
    }
    operands = [y] if model.loss == "mse" else [y, k(f"o_{t}")]
    if model.loss == "ce":
        info["index"] = target.index
    rec.op(
        k(f"L_{t}"),
        model.loss,
        operands,
        phase="loss",
        time=t,
        symbol=f"L_{{{t}}}",
        label=f"{model.loss} loss at t = {t} (target {target.text})",
        info=info,
    )


def _output_error(rec: Recorder, scenario: Scenario, seq: Sequence, t: int) -> None:
    """do_t = dL/do_t, the output error at step t."""
    model = scenario.model
    k = rec.key
    target = seq.targets[t]
    info = {"target": target.vector.tolist(), "target_text": target.text}
    do = k(f"do_{t}")
    symbol = f"\\delta o_{{{t}}}"
    if model.loss in ("bce", "ce"):
        rec.op(
            do,
            f"{model.loss}_grad",
            [k(f"y_{t}")],
            phase="backward",
            time=t,
            symbol=symbol,
            label=f"output error at t = {t} (y_hat - target)",
            info=info,
        )
        return
    if model.head == "identity":
        rec.op(
            do,
            "mse_grad",
            [k(f"y_{t}")],
            phase="backward",
            time=t,
            symbol=symbol,
            label=f"output error at t = {t}",
            info=info,
        )
        return
    rec.op(
        k(f"dy_{t}"),
        "mse_grad",
        [k(f"y_{t}")],
        phase="backward",
        time=t,
        symbol=f"\\delta \\hat{{y}}_{{{t}}}",
        label=f"dL/dy_hat at t = {t}",
        info=info,
    )
    rec.op(
        do,
        f"{model.head}_back",
        [k(f"dy_{t}"), k(f"y_{t}")],
        phase="backward",
        time=t,
        symbol=symbol,
        label=f"output error at t = {t} (through the {model.head})",
    )


def _backward(
    rec: Recorder,
    scenario: Scenario,
    seq: Sequence,
    sym: RnnSymbols,
    outputs: list[int],
    has_bias_h: bool,
    has_bias_y: bool,
) -> list[str]:
    """BPTT from t = T down to 1; returns the keys of the sequence's gradient sums."""
    k = rec.key
    T = seq.length
    losses = [t for t in outputs if t in seq.targets]
    act = scenario.model.activation
    for t in range(T, 0, -1):
        parts = []
        if t in losses:
            _output_error(rec, scenario, seq, t)
            rec.op(
                k(f"dW_hy_{t}"),
                "outer",
                [k(f"do_{t}"), k(f"h_{t}")],
                phase="gradient",
                time=t,
                symbol=f"\\delta o_{{{t}}} h_{{{t}}}^\\top",
                info={"param": "W_hy"},
                label=f"contribution of t = {t} to dL/dW_hy",
            )
            rec.op(
                k(f"dh_out_{t}"),
                "matvec",
                ["W_hy", k(f"do_{t}")],
                phase="backward",
                time=t,
                info={"transpose": True},
                symbol=f"{sym['W_hy']}^\\top \\delta o_{{{t}}}",
                label=f"part of dh_{t} from the output at t = {t}",
            )
            parts.append(k(f"dh_out_{t}"))
        if t < T:
            rec.op(
                k(f"dh_next_{t}"),
                "matvec",
                ["W_hh", k(f"dz_{t + 1}")],
                phase="backward",
                time=t,
                info={"transpose": True},
                symbol=f"{sym['W_hh']}^\\top \\delta z_{{{t + 1}}}",
                label=f"part of dh_{t} from step {t + 1}",
            )
            parts.append(k(f"dh_next_{t}"))
        rec.op(
            k(f"dh_{t}"),
            "add",
            parts,
            phase="backward",
            time=t,
            symbol=f"\\delta h_{{{t}}}",
            label=f"dL/dh_{t}",
        )
        arg = k(f"z_{t}") if act == "relu" else k(f"h_{t}")
        rec.op(
            k(f"dhdz_{t}"),
            "activation_derivative",
            [arg],
            phase="backward",
            time=t,
            symbol=f"f'(z_{{{t}}})",
            label=f"{act} derivative at t = {t}",
            info={"activation": act},
        )
        rec.op(
            k(f"dz_{t}"),
            "hadamard",
            [k(f"dh_{t}"), k(f"dhdz_{t}")],
            phase="backward",
            time=t,
            symbol=f"\\delta z_{{{t}}}",
            label=f"dL/dz_{t}",
        )
        rec.op(
            k(f"dW_xh_{t}"),
            "outer",
            [k(f"dz_{t}"), k(f"x_{t}")],
            phase="gradient",
            time=t,
            symbol=f"\\delta z_{{{t}}} x_{{{t}}}^\\top",
            info={"param": "W_xh"},
            label=f"contribution of t = {t} to dL/dW_xh",
        )
        h_prev = "h_0" if t == 1 else k(f"h_{t - 1}")
        rec.op(
            k(f"dW_hh_{t}"),
            "outer",
            [k(f"dz_{t}"), h_prev],
            phase="gradient",
            time=t,
            symbol=f"\\delta z_{{{t}}} h_{{{t - 1}}}^\\top",
            info={"param": "W_hh"},
            label=f"contribution of t = {t} to dL/dW_hh",
        )
        rec.op(
            k(f"dx_{t}"),
            "matvec",
            ["W_xh", k(f"dz_{t}")],
            phase="gradient",
            time=t,
            info={"transpose": True, "token": seq.tokens[t - 1]},
            symbol=f"{sym['W_xh']}^\\top \\delta z_{{{t}}}",
            label=f"gradient of the input vector of {seq.tokens[t - 1]!r} (t = {t})",
        )
    times = range(1, T + 1)
    sums = {
        "dW_xh": [k(f"dW_xh_{t}") for t in times],
        "dW_hh": [k(f"dW_hh_{t}") for t in times],
    }
    if has_bias_h:
        sums["db_h"] = [k(f"dz_{t}") for t in times]
    sums["dW_hy"] = [k(f"dW_hy_{t}") for t in losses]
    if has_bias_y:
        sums["db_y"] = [k(f"do_{t}") for t in losses]
    if "h_0" in scenario.given:
        rec.op(
            k("dh_0"),
            "matvec",
            ["W_hh", k("dz_1")],
            phase="gradient",
            time=None,
            info={"transpose": True},
            symbol=f"{sym['W_hh']}^\\top \\delta z_{{1}}",
            label="gradient of the initial state h_0",
        )
        sums["dh_0"] = []  # already complete
    out = []
    for name, keys in sums.items():
        if keys:
            param = name[1:]
            rec.op(
                k(name),
                "add",
                keys,
                phase="gradient",
                symbol=f"\\frac{{\\partial L{sym.seq_suffix()}}}{{\\partial {sym[param]}}}",
                label=f"gradient of the loss{sym.seq_words()} with respect to {param}",
            )
        out.append(name)
    return out
