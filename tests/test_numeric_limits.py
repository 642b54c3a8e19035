"""Numbers at the edge of float64: every step stays finite where the mathematics is finite
(the same stable softmax for attention as for the output head, compared with PyTorch in
float64), rounding never turns a large finite number into inf, JSON is strict RFC 8259,
and a step that really is not finite is named, with why, in one line (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from rnntrace._internal.cli import cli
from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.errors import NumericError
from rnntrace._internal.numbers import round_array
from rnntrace._internal.scenario import parse_scenario

ROOT = Path(__file__).resolve().parent.parent
HELLO_ATTENTION = (ROOT / "scenarios" / "hello-attention.yaml").read_text(encoding="utf-8")
SENTIMENT = (ROOT / "scenarios" / "sentiment.yaml").read_text(encoding="utf-8")


def _strict_json(text: str) -> object:
    """json.loads that refuses NaN, Infinity and -Infinity (not JSON by RFC 8259)."""

    def refuse(constant: str) -> object:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def _large_scores() -> str:
    """hello-attention with relu and W_xh[0][0] = 27: scores h_i·h_t up to ~729, where an
    unshifted e^A overflows."""
    text = HELLO_ATTENTION.replace("W_xh: [[0.5, -0.3, 0.2, 0.1]]", "W_xh: [[27, -0.3, 0.2, 0.1]]")
    return text.replace("  cell: rnn\n", "  cell: rnn\n  activation: relu\n")


def _torch_self_attention(torch, scenario):  # type: ignore[no-untyped-def]
    """Loss and gradients of a self-attention RNN, written directly in PyTorch float64."""
    p = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
         for k, v in scenario.params.items()}  # fmt: skip
    seq = scenario.sequences[0]
    h = torch.zeros(p["W_hh"].shape[0], dtype=torch.float64)
    states, loss = [], torch.zeros((), dtype=torch.float64)
    for t in range(1, seq.length + 1):
        x = torch.tensor(seq.inputs[t - 1], dtype=torch.float64)
        h = torch.relu(p["W_xh"] @ x + p["W_hh"] @ h + p["b_h"])
        states.append(h)
        stacked = torch.stack(states)
        alpha = torch.softmax(stacked @ h, dim=0)
        context = alpha @ stacked
        logits = p["W_hy"] @ context + p["b_y"]
        target = torch.tensor([seq.targets[t].index])
        loss = loss + torch.nn.functional.cross_entropy(logits[None], target)
    loss.backward()
    return float(loss.detach()), {k: v.grad.numpy() for k, v in p.items() if v.grad is not None}


def test_attention_softmax_is_shifted_like_the_output_softmax(torch) -> None:
    scenario = parse_scenario(_large_scores(), "large.yaml")
    trace = trace_scenario(scenario)
    top = max(float(np.max(trace.value(f"A_{t}"))) for t in range(1, 5))
    assert top > 709  # e^A would overflow unshifted
    loss, grads = _torch_self_attention(torch, scenario)
    assert float(trace.value("L")) == pytest.approx(loss, rel=1e-10)
    assert loss == pytest.approx(29.7, abs=0.05)
    for key, grad in grads.items():
        np.testing.assert_allclose(trace.value(f"d{key}"), grad, rtol=1e-9, atol=1e-12)
    assert trace["ea_1"].info["shift"] == pytest.approx(float(np.max(trace.value("A_1"))))


def test_the_shift_is_shown_for_attention_scores(tmp_path: Path) -> None:
    path = tmp_path / "large.yaml"
    path.write_text(_large_scores(), encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(path), "--phase", "forward", "--steps", "2"])
    assert result.exit_code == 0, result.output
    assert "every score less the largest, 283.5" in " ".join(result.output.split())


@pytest.mark.parametrize("decimals", [0, 3, 6, 12])
def test_rounding_keeps_large_finite_numbers(decimals: int) -> None:
    values = np.array([1e306, -1.7e308, 2.0**60 + 0.0, 123456789012345678.0])
    with np.errstate(all="raise"):
        rounded = round_array(values, decimals)
    np.testing.assert_array_equal(rounded, values)


def test_a_large_bias_stays_finite_in_rounded_carry_and_json_is_strict(tmp_path: Path) -> None:
    text = SENTIMENT.replace("b_h:  [0.1, 0.1, 0.1]", "b_h:  [0.1, 0.1, 1e306]")
    assert text != SENTIMENT
    path = tmp_path / "big.yaml"
    path.write_text(text, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["run", str(path), "--format", "json", "--arrays", "lists"])
    assert result.exit_code == 0, result.output
    document = _strict_json(result.output)
    z1 = next(s for s in document["steps"] if s["key"] == "s1.z_1")  # type: ignore[index]
    assert z1["carried"][2] == 1e306
    text_run = runner.invoke(cli, ["run", str(path), "--phase", "forward", "--steps", "1"])
    assert "inf" not in text_run.output


def test_log_of_a_rounded_one_is_named_with_its_cause() -> None:
    text = SENTIMENT.replace("decimals: 3", "decimals: 0")
    with pytest.raises(NumericError) as info:
        trace_scenario(parse_scenario(text, "d0.yaml"))
    message = str(info.value)
    assert "s1.L_6" in message and "log(0)" in message
    assert "s1.y_6 = 1" in message and "rounded to 0 decimals" in message
    assert "too large" not in message
    assert "\n" not in message


def test_an_overflowing_step_is_named_and_no_warning_leaks(tmp_path: Path) -> None:
    text = SENTIMENT.replace("i:       [0.1, 0.2, 0.3]", "i:       [1e308, 1e308, 1e308]")
    text = text.replace("b_h:  [0.1, 0.1, 0.1]", "b_h:  [1e308, 1e308, 1e308]")
    with np.errstate(all="raise"), pytest.raises(NumericError) as info:
        trace_scenario(parse_scenario(text, "big.yaml"))
    assert str(info.value).startswith("step s1.")
    assert "not finite" in str(info.value)


@pytest.mark.parametrize("fmt", ["text", "json", "latex"])
def test_gradflow_of_an_exploding_w_hh_plots_what_is_finite(tmp_path: Path, fmt: str) -> None:
    text = SENTIMENT.replace("W_hh: [[0.3, 0.2, 0.1]", "W_hh: [[1e308, 0.2, 0.1]")
    assert text != SENTIMENT
    path = tmp_path / "explode.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["gradflow", str(path), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if fmt == "json":
        _strict_json(result.stdout)
    if fmt == "text":
        assert "not shown (too large for float64)" in result.stdout
        assert "exploding" in result.stdout


@pytest.mark.parametrize("fmt", ["text", "latex"])
def test_a_sigmoid_of_a_very_negative_logit_is_written_without_a_warning(
    tmp_path: Path, fmt: str
) -> None:
    """Found by the fuzzing campaign: e^(−o) for o < −709 overflowed in the printers."""
    text = SENTIMENT.replace("b_y:  [0.1]", "b_y:  [-1000]").replace(
        "carry: rounded", "carry: exact"
    )
    assert "[-1000]" in text
    path = tmp_path / "sig.yaml"
    path.write_text(text, encoding="utf-8")
    with np.errstate(all="raise"):
        result = CliRunner().invoke(cli, ["run", str(path), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert ("1/(1 + ∞)" if fmt == "text" else r"\frac{1}{1 + \infty}") in result.stdout
