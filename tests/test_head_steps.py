"""``model.head_steps`` (issue 13, seed 000's "I love AI"): the logits o_t at every step, the
head only at the chosen steps, and a loss only there; against PyTorch float64 autograd.

The reference, written here:  h_t = tanh(W_xh x_t + W_hh h_{t−1} + b_h),  o_t = W_hy h_t + b_y
at every t,  ŷ_t = softmax(o_t) (or σ(o_t)) and L_t at t ∈ head_steps only,  L = Σ L_t.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from oracles import require_torch
from refusals import assert_refused, edited

from rnntrace._internal.cli import cli
from rnntrace._internal.engine import grad_key, trace_scenario
from rnntrace._internal.scenario import load_scenario, parse_scenario

TOL = 1e-10
ROOT = Path(__file__).resolve().parent.parent
PARAMS = ("W_xh", "W_hh", "b_h", "W_hy", "b_y")


def scenario_doc(head: str, steps: list[int], seed: int = 0) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    H, D, K = 3, 2, 2 if head == "softmax" else 1
    T = 5

    def m(rows: int, cols: int) -> list[list[float]]:
        return rng.uniform(-1, 1, (rows, cols)).round(3).tolist()

    targets = (rng.integers(0, K, T).tolist() if head == "softmax" else
               rng.integers(0, 2, T).tolist())  # fmt: skip
    return {
        "version": 1,
        "input": {"vectors": True},
        "sequences": [{"inputs": m(T, D), "targets": targets},
                      {"inputs": m(T - 1, D), "targets": targets[: T - 1]}],
        "model": {"output": "every", "head": head, "loss": "ce" if head == "softmax" else "bce",
                  "head_steps": steps},
        "params": {"W_xh": m(H, D), "W_hh": m(H, H), "b_h": m(1, H)[0], "W_hy": m(K, H),
                   "b_y": m(1, K)[0]},
    }  # fmt: skip


def load(doc: dict[str, Any]):
    return parse_scenario(yaml.safe_dump(doc, sort_keys=False), "head.yaml")


def reference(torch: Any, doc: dict[str, Any]) -> dict[str, Any]:
    P = {k: torch.tensor(doc["params"][k], dtype=torch.float64, requires_grad=True)
         for k in PARAMS}  # fmt: skip
    head, steps = doc["model"]["head"], doc["model"]["head_steps"]
    out: dict[str, Any] = {}
    total = 0
    for n, seq in enumerate(doc["sequences"], start=1):
        h = torch.zeros(3, dtype=torch.float64)
        loss = 0
        for t, x in enumerate(seq["inputs"], start=1):
            x = torch.tensor(x, dtype=torch.float64)
            h = torch.tanh(P["W_xh"] @ x + P["W_hh"] @ h + P["b_h"])
            o = P["W_hy"] @ h + P["b_y"]
            out[f"s{n}.h_{t}"], out[f"s{n}.o_{t}"] = h, o
            if t not in steps:
                continue
            target = seq["targets"][t - 1]
            if head == "softmax":
                y = torch.softmax(o, 0)
                L_t = -torch.log(y[target])
            else:
                y = torch.sigmoid(o)
                L_t = -(target * torch.log(y) + (1 - target) * torch.log(1 - y)).sum()
            out[f"s{n}.y_{t}"], out[f"s{n}.L_{t}"] = y, L_t
            loss = loss + L_t
        out[f"s{n}.L"] = loss
        total = total + loss
    total.backward()
    out["L"] = total
    for key, tensor in P.items():
        out[grad_key(key)] = tensor.grad
    return out


@pytest.mark.parametrize(("head", "steps"), [("softmax", [3]), ("softmax", [1, 4]),
                                             ("sigmoid", [2, 3])])  # fmt: skip
def test_head_steps_match_torch(head: str, steps: list[int]) -> None:
    torch = require_torch()
    doc = scenario_doc(head, steps, seed=len(steps))
    trace = trace_scenario(load(doc), load(doc).numbers)
    want = reference(torch, doc)
    for key, value in want.items():
        np.testing.assert_allclose(trace.value(key), value.detach().numpy(), rtol=0, atol=TOL,
                                   err_msg=key)  # fmt: skip
    for n, length in ((1, 5), (2, 4)):
        for t in range(1, length + 1):  # no head, no loss, no output error off the steps
            for base in ("y", "L", "do"):
                assert (f"s{n}.{base}_{t}" in trace) == (t in steps), (n, t, base)
            assert f"s{n}.o_{t}" in trace


def test_train_with_head_steps_matches_an_sgd_loop() -> None:
    from rnntrace._internal.engine.training import Settings, train

    torch = require_torch()
    doc = scenario_doc("softmax", [2, 4], seed=3)
    result = train(load(doc), Settings(epochs=3, learning_rate=0.5), [1, 2, 3])
    current = copy.deepcopy(doc)
    for epoch in (1, 2, 3):
        values = reference(torch, current)
        assert abs(result.losses[epoch - 1] - float(values["L"].detach())) < TOL, epoch
        for key in PARAMS:
            new = np.array(current["params"][key]) - 0.5 * values[grad_key(key)].numpy()
            current["params"][key] = new.tolist()
    for key in PARAMS:
        np.testing.assert_allclose(result.params[key], current["params"][key], rtol=0, atol=TOL)


def test_i_love_ai_has_the_logits_every_step_and_the_softmax_at_3_only() -> None:
    """Seed 000's notes: o_t at t = 1, 2, 3 (0.680, −0.182 at t = 2), softmax at t = 3 only."""
    trace = trace_scenario(load_scenario(ROOT / "scenarios" / "i-love-ai.yaml"))
    assert [t for t in (1, 2, 3) if f"o_{t}" in trace] == [1, 2, 3]
    assert [t for t in (1, 2, 3) if f"y_{t}" in trace] == [3]
    assert trace.value("o_2").tolist() == [0.68, -0.182]
    assert trace.value("y_3").tolist() == [0.613, 0.387]
    result = CliRunner().invoke(cli, ["run", str(ROOT / "scenarios" / "i-love-ai.yaml")])
    words = " ".join(result.output.split())
    assert "softmax output at t = 3 only (the logits o_t at every step)" in words
    assert "e^o_1" not in result.output and "S_3 = 1.624 + 1.026 = 2.650" in result.output


BASE = yaml.safe_dump(scenario_doc("softmax", [3]), sort_keys=False, default_flow_style=None)
BAD = {  # change of BASE -> the key and words of the one-line message
    "beyond the shortest": (
        "head_steps: [3]",
        "head_steps: [5]",
        "model.head_steps",
        "expected steps from 1 to 4 (the shortest sequence's length), found 5",
    ),
    "repeated": (
        "head_steps: [3]",
        "head_steps: [3, 3]",
        "model.head_steps",
        "expected distinct steps",
    ),
    "zero": (
        "head_steps: [3]",
        "head_steps: [0]",
        "model.head_steps[0]",
        "expected a whole number from 1",
    ),
    "empty": (
        "head_steps: [3]",
        "head_steps: []",
        "model.head_steps",
        "expected at least one time step",
    ),
    "identity head": (
        "head: softmax\n  loss: ce",
        "head: identity\n  loss: mse",
        "model.head_steps",
        "expected model.head sigmoid or softmax",
    ),
    "output last": (
        "output: every",
        "output: last",
        "model.head_steps",
        "expected topology standard with output every",
    ),
}


@pytest.mark.parametrize("case", BAD.values(), ids=list(BAD))
def test_bad_values_are_refused_in_one_line(tmp_path: Path, case: tuple) -> None:
    old, new, key, words = case
    bad = edited(BASE, old, new)
    if "last" in new:
        bad = re.sub(r"targets: \[[^\]]*\]", "label: 1", bad)
    assert_refused(tmp_path, bad, key, words)


@pytest.mark.parametrize("fmt", ["text", "latex", "markdown", "json"])
def test_every_format_says_where_the_head_is(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(BASE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(path), "--format", fmt])
    assert result.exit_code == 0, result.output
    words = " ".join(result.output.split())
    if fmt == "json":
        assert '"head_steps": [3]' in result.output
    else:
        assert "at t = 3 only" in words
    assert "the loss at t = 3 only" in words
