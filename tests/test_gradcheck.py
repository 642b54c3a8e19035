"""`rnntrace gradcheck`: central finite differences of the loss beside the traced BPTT
gradients; it passes on every bundled scenario and fails (exit 1) on a corrupted gradient."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cell_oracles import parse_config, random_cell_config
from click.testing import CliRunner
from oracles import random_config, to_yaml

from rnntrace._internal import ops
from rnntrace._internal.analysis.gradcheck import gradcheck, relative_error
from rnntrace._internal.cli import cli
from rnntrace._internal.scenario import load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
TRAINED = [p for p in SCENARIOS if p.stem != "i-love-ai"]  # i-love-ai has no loss
SENTIMENT = str(ROOT / "scenarios" / "sentiment.yaml")


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_relative_error():
    g = np.array([1.0, 2.0])
    assert relative_error(g, g) == 0.0
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.5])) == pytest.approx(
        0.5 / (np.sqrt(5) + np.sqrt(7.25))
    )
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0  # max(..., 1e-12) in the divisor


@pytest.mark.parametrize("path", TRAINED, ids=lambda p: p.stem)
def test_gradcheck_passes_on_every_bundled_scenario(path):
    result = invoke("gradcheck", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["format"] == "rnntrace-gradcheck" and doc["passed"] is True
    assert doc["eps"] == 1e-5 and doc["tolerance"] == 1e-6
    scenario = load_scenario(path)
    trained = [k for k in scenario.params if k in scenario.given]
    assert [p["key"] for p in doc["params"]] == trained
    for p in doc["params"]:
        bptt, fd = np.array(p["bptt"]), np.array(p["finite_difference"])
        assert bptt.shape == fd.shape == tuple(p["shape"]) == scenario.params[p["key"]].shape
        assert p["relative_error"] <= 1e-6
        assert p["max_abs_difference"] == pytest.approx(np.max(np.abs(fd - bptt)))


def test_gradcheck_text_table_and_pass_line():
    result = invoke("gradcheck", SENTIMENT)
    assert result.exit_code == 0, result.output
    out = result.output
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "Gradient check: Sentiment of two book reviews" in out
    for key in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"):
        assert f"\n  {key} " in out
    assert "\npassed: every relative error ≤ 1e−6 (largest: " in out


def test_gradcheck_entries_show_both_gradients_side_by_side():
    out = invoke("gradcheck", SENTIMENT, "--param", "b_*", "--entries").output
    assert "b_h: entry by entry" in out and "b_y: entry by entry" in out
    assert "\n  W_xh " not in out  # --param b_* checks only the biases
    assert "BPTT g" in out and "finite diff. g_fd" in out
    assert "[3]" in out  # b_h has 3 entries, numbered from 1


@pytest.mark.parametrize(
    ("path", "op"),
    [
        (SENTIMENT, "activation_derivative"),  # simple RNN: f'(z) in BPTT only
        (str(ROOT / "scenarios" / "sentiment-lstm.yaml"), "sigmoid_back"),
        (str(ROOT / "scenarios" / "sentiment-gru.yaml"), "tanh_back"),
    ],
)
def test_gradcheck_fails_with_exit_1_on_a_corrupted_gradient(monkeypatch, path, op):
    original = ops.OPS[op]
    monkeypatch.setitem(ops.OPS, op, lambda a, i, d: 1.01 * original(a, i, d))
    result = invoke("gradcheck", path)
    assert result.exit_code == 1, result.output
    assert "\nFAILED: relative error above 1e−6 for " in result.output
    assert "FAIL\n" in result.output
    doc = json.loads(invoke("gradcheck", path, "--format", "json").output)
    assert doc["passed"] is False
    assert any(not p["passed"] for p in doc["params"])


def test_gradcheck_help_names_the_exit_codes():
    result = invoke("gradcheck", "--help")
    assert result.exit_code == 0 and "Example" in result.output
    assert "1 when some is not" in result.output
    for option in ("--eps", "--tol", "--param", "--entries", "--format"):
        assert option in result.output


def test_gradcheck_bad_input_exits_2():
    result = invoke("gradcheck", str(ROOT / "scenarios" / "i-love-ai.yaml"))
    assert result.exit_code == 2 and "has no loss" in result.output
    result = invoke("gradcheck", SENTIMENT, "--param", "W_zz")
    assert result.exit_code == 2 and "matches no trained parameter" in result.output
    assert invoke("gradcheck", SENTIMENT, "--eps", "0").exit_code == 2
    assert invoke("gradcheck", SENTIMENT, "--tol", "-1").exit_code == 2


def test_gradcheck_writes_a_file(tmp_path):
    target = tmp_path / "check.json"
    result = invoke("gradcheck", SENTIMENT, "--format", "json", "-o", str(target))
    assert result.exit_code == 0 and result.output == ""
    assert json.loads(target.read_text())["passed"] is True
    assert invoke("gradcheck", SENTIMENT, "-o", str(target)).exit_code == 2


def test_gradcheck_does_not_change_the_scenario():
    scenario = load_scenario(SENTIMENT)
    before = {k: v.copy() for k, v in scenario.params.items()}
    gradcheck(scenario, patterns=["W_hh"])
    for key, value in scenario.params.items():
        np.testing.assert_array_equal(value, before[key])


@pytest.mark.parametrize("seed", range(6))
def test_gradcheck_passes_on_random_scenarios(seed):
    rng = np.random.default_rng(500 + seed)
    if seed % 3 == 0:
        cfg = random_config(rng, activation=str(rng.choice(["tanh", "sigmoid"])),
                            output=str(rng.choice(["last", "every"])),
                            head_loss=("softmax", "ce"))  # fmt: skip
        scenario = parse_scenario(to_yaml(cfg), "random.yaml")
    else:
        cell = "lstm" if seed % 3 == 1 else "gru"
        cfg = random_cell_config(rng, cell, head_loss=("sigmoid", "bce"))
        scenario = parse_config(cfg)
    result = gradcheck(scenario)
    assert result.passed, [(p.key, p.rel_error) for p in result.params]
