"""The losses' options (issue 13): cross-entropy with target distributions, `mse_scale:
half` (½‖ŷ − y‖², seed 001) and `output_error: chain` (seed 000's δŷ = −y/ŷ + (1−y)/(1−ŷ),
δo = δŷ·ŷ(1−ŷ)), each against PyTorch float64 autograd written here; the hand-rounded chain
against a rounding chain written here; the compiled tape, verify and the errors."""

from __future__ import annotations

import re

import numpy as np
import pytest
from click.testing import CliRunner

from rnntrace._internal.cli import cli
from rnntrace._internal.engine import grad_key, trace_scenario
from rnntrace._internal.engine.compiled import CompiledTape
from rnntrace._internal.scenario import parse_scenario
from rnntrace._internal.scenario.model import NumberPolicy

INPUTS = [[0.5, -0.2], [0.1, 0.4], [-0.3, 0.8]]
PARAMS = {
    "W_xh": [[0.5, -0.3], [0.2, 0.8]],
    "W_hh": [[0.6, -0.2], [0.1, 0.7]],
    "b_h": [0.1, -0.2],
}
W_HY = {3: [[0.9, 0.2], [-0.5, 0.6], [0.3, -0.4]], 2: [[0.9, 0.2], [-0.5, 0.6]], 1: [[0.7, -0.4]]}
B_Y = {3: [0.1, 0.0, -0.1], 2: [0.1, 0.0], 1: [0.2]}


def scenario(targets: list, head: str, loss: str, options: str = "") -> str:
    K = len(targets[0]) if isinstance(targets[0], list) else 1
    lines = [f"  {key}: {value}" for key, value in
             {**PARAMS, "W_hy": W_HY[K], "b_y": B_Y[K]}.items()]  # fmt: skip
    return (
        "input: {vectors: true}\nsequences:\n"
        f"  - inputs: {INPUTS}\n    targets: {targets}\n"
        f"model: {{cell: rnn, output: every, head: {head}, loss: {loss}{options}}}\n"
        "params:\n" + "\n".join(lines) + "\n"
    )


def torch_run(torch, targets: list, head: str, loss: str) -> dict[str, np.ndarray]:
    """The same RNN in PyTorch float64: the losses L_t, ∂L/∂ŷ_t, ∂L/∂o_t and ∂L/∂θ."""
    K = len(targets[0]) if isinstance(targets[0], list) else 1
    f64 = torch.float64
    theta = {key: torch.tensor(value, dtype=f64, requires_grad=True) for key, value in
             {**PARAMS, "W_hy": W_HY[K], "b_y": B_Y[K]}.items()}  # fmt: skip
    h = torch.zeros(2, dtype=f64)
    losses, outs = [], []
    for t, x in enumerate(INPUTS):
        h = torch.tanh(theta["W_xh"] @ torch.tensor(x, dtype=f64) + theta["W_hh"] @ h
                       + theta["b_h"])  # fmt: skip
        o = theta["W_hy"] @ h + theta["b_y"]
        y_hat = {"softmax": torch.softmax(o, 0), "sigmoid": torch.sigmoid(o),
                 "identity": o * 1.0}[head]  # fmt: skip
        o.retain_grad()
        y_hat.retain_grad()
        y = torch.tensor(targets[t] if K > 1 else [targets[t]], dtype=f64)
        if loss == "ce":
            L_t = -(y * torch.log(y_hat)).sum()  # through ŷ, for ∂L/∂ŷ
        elif loss == "half":
            L_t = 0.5 * ((y_hat - y) ** 2).sum()
        else:  # bce
            L_t = -(y * torch.log(y_hat) + (1 - y) * torch.log(1 - y_hat)).sum()
        losses.append(L_t)
        outs.append((o, y_hat))
    total = sum(losses)
    total.backward()
    out = {"L": total.detach().numpy()}
    for t, (L_t, (o, y_hat)) in enumerate(zip(losses, outs), start=1):
        out[f"L_{t}"] = L_t.detach().numpy()
        out[f"do_{t}"] = o.grad.numpy()
        out[f"dy_{t}"] = y_hat.grad.numpy()
    out.update({grad_key(key): value.grad.numpy() for key, value in theta.items()})
    return out


def assert_matches(trace, want: dict[str, np.ndarray], keys: list[str]) -> None:
    for key in keys:
        got = trace[key].value
        assert np.allclose(got, np.reshape(want[key], got.shape), rtol=0, atol=1e-10), (
            key, got.tolist(), np.asarray(want[key]).tolist())  # fmt: skip


SOFT = [[0.7, 0.2, 0.1], [0, 1, 0], [0.25, 0.25, 0.5]]
GRADS = ["dW_xh", "dW_hh", "db_h", "dW_hy", "db_y"]


@pytest.mark.parametrize("chain", [False, True])
def test_soft_target_cross_entropy_against_torch(torch, chain):
    text = scenario(SOFT, "softmax", "ce", ", output_error: chain" if chain else "")
    trace = trace_scenario(parse_scenario(text))
    want = torch_run(torch, SOFT, "softmax", "ce")
    assert_matches(trace, want, ["L", "L_1", "L_2", "L_3", "do_1", "do_2", "do_3", *GRADS])
    if chain:  # δŷ_t = −y/ŷ (0 where y_k = 0), then ŷ ⊙ (δŷ − δŷ·ŷ)
        assert [trace[f"dy_{t}"].op for t in (1, 2, 3)] == ["ce_dyhat"] * 3
        assert_matches(trace, want, ["dy_1", "dy_3"])
        assert trace["dy_2"].value.tolist()[0] == 0.0 and trace["dy_2"].value[2] == 0.0
    assert trace["L_1"].info["soft"] is True and "index" not in trace["L_1"].info


@pytest.mark.parametrize("head", ["identity", "sigmoid"])
def test_half_mse_against_torch(torch, head):
    targets = [[0.7, 0.2], [0.1, -0.3], [0.4, 0.9]]
    trace = trace_scenario(parse_scenario(scenario(targets, head, "mse", ", mse_scale: half")))
    want = torch_run(torch, targets, head, "half")
    assert_matches(trace, want, ["L", "L_1", "L_2", "L_3", "do_1", "do_2", "do_3", *GRADS])
    if head == "sigmoid":
        assert_matches(trace, want, ["dy_1", "dy_2", "dy_3"])
    # by hand: L_1 = ½‖ŷ_1 − y_1‖²
    y_hat = trace["y_1"].value
    assert trace["L_1"].value == pytest.approx(0.5 * np.sum((y_hat - [0.7, 0.2]) ** 2), abs=1e-15)


def test_bce_chain_against_torch(torch):
    targets = [[1.0], [0.0], [0.3]]
    text = scenario([t[0] for t in targets], "sigmoid", "bce", ", output_error: chain")
    trace = trace_scenario(parse_scenario(text))
    want = torch_run(torch, [t[0] for t in targets], "sigmoid", "bce")
    keys = ["L", *(f"{k}_{t}" for k in ("L", "dy", "do") for t in (1, 2, 3)), *GRADS]
    assert_matches(trace, want, keys)
    assert [trace[f"do_{t}"].op for t in (1, 2, 3)] == ["sigmoid_back"] * 3
    together = trace_scenario(parse_scenario(text.replace(", output_error: chain", "")))
    for key in GRADS:  # the same gradients as the one-step ŷ − y
        assert np.allclose(trace[key].value, together[key].value, rtol=0, atol=1e-12)


def test_bce_chain_rounded_as_seed_000():
    """Seed 000: ŷ_6 = 0.685, label 1: δŷ = −1/0.685 ≈ −1.460, δo = −1.460 × 0.685 × 0.315."""
    from pathlib import Path

    text = (Path(__file__).parent.parent / "scenarios" / "sentiment.yaml").read_text()
    text = text.replace("  loss: bce", "  loss: bce\n  output_error: chain", 1)
    trace = trace_scenario(parse_scenario(text), NumberPolicy(decimals=3, carry="rounded"))
    y_hat = float(trace.value("s1.y_6")[0])
    assert y_hat == 0.685
    d_y = round(-1 / y_hat, 3)
    d_o = round(d_y * y_hat * (1 - y_hat), 3)
    assert float(trace.value("s1.dy_6")[0]) == d_y == -1.46
    assert float(trace.value("s1.do_6")[0]) == d_o == -0.315
    y4 = float(trace.value("s2.y_4")[0])  # label 0: δŷ = 1/(1 − ŷ)
    assert float(trace.value("s2.dy_4")[0]) == round(1 / (1 - y4), 3)


@pytest.mark.parametrize(("targets", "head", "loss", "options"), [
    (SOFT, "softmax", "ce", ""),
    (SOFT, "softmax", "ce", ", output_error: chain"),
    ([[0.7, 0.2], [0.1, -0.3], [0.4, 0.9]], "identity", "mse", ", mse_scale: half"),
    ([[0.7, 0.2], [0.1, 0.3], [0.4, 0.9]], "sigmoid", "mse", ", mse_scale: half"),
    ([1, 0, 1], "sigmoid", "bce", ", output_error: chain"),
])  # fmt: skip
def test_compiled_tape_and_verify_reproduce_the_traced_numbers(tmp_path, targets, head, loss,
                                                               options):  # fmt: skip
    text = scenario(targets, head, loss, options)
    loaded = parse_scenario(text)
    trace = trace_scenario(loaded, NumberPolicy(decimals=4))
    trained = list(trace.meta.trained)
    outputs = ["L", *(key for key in (s.key for s in trace) if re.fullmatch(r"(L|d[oy])_\d", key)),
               *(grad_key(p) for p in trained)]  # fmt: skip
    got = CompiledTape(trace, outputs, trained).run({k: loaded.params[k] for k in trained})
    for key in outputs:
        assert np.allclose(got[key], trace[key].value, rtol=1e-12, atol=1e-14), key
    path, key_file = tmp_path / "s.yaml", tmp_path / "key.yaml"
    path.write_text(text)
    runner = CliRunner()
    assert runner.invoke(cli, ["answers", str(path), "--key", "-o", str(key_file)]).exit_code == 0
    result = runner.invoke(cli, ["verify", str(path), str(key_file)])
    assert result.exit_code == 0, result.output
    for fmt in ("text", "latex", "markdown", "json"):
        assert runner.invoke(cli, ["run", str(path), "--format", fmt]).exit_code == 0, fmt
    assert runner.invoke(cli, ["run", str(path), "--carry", "rounded"]).exit_code == 0
    assert runner.invoke(cli, ["train", str(path), "--epochs", "3"]).exit_code == 0


def test_printers_write_the_options_formulas():
    runner = CliRunner()
    cases = [(scenario(SOFT, "softmax", "ce", ", output_error: chain"),
              ["−Σ_k y_k log ŷ_k", "−[0.7·log(", " = −y/ŷ", "−1/0.2601", "target distribution"],
              [r"-\sum_k y_k \log \hat{y}_k", r"-\frac{y}{\hat{y}}"]),
             (scenario([[0.7, 0.2], [0.1, -0.3], [0.4, 0.9]], "identity", "mse",
                       ", mse_scale: half"),
              ["½‖ŷ − y‖²", "δo_1 = ŷ − y =", "half squared error"],
              [r"\tfrac{1}{2} \lVert \hat{y} - y \rVert^{2}", "half squared error"])]  # fmt: skip
    from tempfile import TemporaryDirectory

    with TemporaryDirectory() as folder:
        for text, words, tex in cases:
            path = f"{folder}/s.yaml"
            with open(path, "w") as handle:
                handle.write(text)
            plain = runner.invoke(cli, ["run", path]).output
            assert all(w in plain for w in words), [w for w in words if w not in plain]
            latex = runner.invoke(cli, ["run", path, "--format", "latex"]).output
            assert all(w in latex for w in tex), [w for w in tex if w not in latex]


BAD = [
    ("[[0.7, 0.4, -0.1], [0, 1, 0], [0.25, 0.25, 0.5]]", "", "sequences[0].targets[0]",
     "no negative entries"),
    ("[[0.7, 0.2, 0.2], [0, 1, 0], [0.25, 0.25, 0.5]]", "", "sequences[0].targets[0]",
     "sums to 1 (within 1e-09)"),
    ("[[0.7, 0.3], [0, 1, 0], [0.25, 0.25, 0.5]]", "", "sequences[0].targets[0]",
     "target distribution of K = 3 numbers, found a list of 2"),
    (str(SOFT), ", mse_scale: half", "model.mse_scale", "applies to loss 'mse'"),
]  # fmt: skip


@pytest.mark.parametrize(("targets", "options", "key", "words"), BAD)
def test_bad_soft_targets_and_options_are_one_line(tmp_path, targets, options, key, words):
    path = tmp_path / "bad.yaml"
    text = scenario(SOFT, "softmax", "ce", options).replace(f"targets: {SOFT}",
                                                             f"targets: {targets}")  # fmt: skip
    path.write_text(text)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2
    line = result.output.strip()
    assert "\n" not in line and re.match(rf"{re.escape(str(path))}:\d+:\d+: {re.escape(key)}: ",
                                         line), line  # fmt: skip
    assert words in line, line


def test_chain_needs_bce_or_ce(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(scenario([[0.1, 0.2]] * 3, "identity", "mse", ", output_error: chain"))
    line = CliRunner().invoke(cli, ["validate", str(path)]).output.strip()
    assert ": model.output_error: chain applies to loss 'bce' or 'ce'" in line, line
