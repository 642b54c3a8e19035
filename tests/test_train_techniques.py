"""Seed 001's training techniques (issue 13), against references written here from the seed's
equations in PyTorch float64 autograd (and numpy):

* ``train.lr_schedule``: η_N = η_0 / (1 + r (N − 1)) (time) or η_0 r^(N − 1) (exponential);
* ``train.l2_penalty`` λ: L_total = L + λ Σ ‖W‖²_F over the weight matrices, gradient 2λW;
* ``train.recurrent_decay`` λ_r: W ← (1 − λ_r) W − η ∇W for the recurrent matrices;
* ``train.clip_eps`` ε: the coefficient min(1, c / (‖g‖ + ε)) of seed 001's code;
* ``train.bptt_window`` k: each loss L_s backpropagated through s, ..., s − k + 1 only
  (the states at s − k detached), every chain's deltas recorded and compared.

Every recorded value of the update (and every chain's delta) is compared at 1e-10, several
epochs of ``train`` with a reference training loop, ``--trace-epoch N`` with ``train`` for
N − 1 epochs (the compiled tape and the trace compute the same update), and bad values are
refused with one located line.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from oracles import require_torch

from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.engine.training import Settings, techniques, trace_epoch, train
from rnntrace._internal.errors import ScenarioError
from rnntrace._internal.scenario import parse_scenario
from rnntrace._internal.scenario.model import NumberPolicy

ROOT = Path(__file__).resolve().parent.parent
TOL = 1e-10

RNN = """\
title: techniques
input:
  one_hot: [a, b, c]
sequences:
  - tokens: a b c a b
    targets: b c a b c
  - tokens: c a b
    targets: a b c
model: {output: every, head: softmax, loss: ce}
params:
  W_xh: [[0.2, -0.1, 0.3], [0.1, 0.4, -0.2]]
  W_hh: [[0.5, -0.3], [0.2, 0.1]]
  b_h: [0.05, -0.02]
  W_hy: [[0.3, -0.2], [0.1, 0.4], [-0.5, 0.2]]
  b_y: [0.01, 0.0, -0.01]
  h_0: [0.1, -0.2]
"""

LSTM = """\
title: techniques, LSTM
input:
  one_hot: [a, b, c]
sequences:
  - tokens: a b c a
    targets: b c a b
model: {cell: lstm, output: every, head: softmax, loss: ce}
params:
  W_fx: [[0.2, 0.1, 0.3], [0.1, 0.4, 0.2]]
  W_fh: [[0.3, 0.1], [0.2, 0.4]]
  b_f: [0.5, 0.5]
  W_ix: [[0.4, 0.2, 0.1], [0.3, 0.1, 0.2]]
  W_ih: [[0.1, 0.2], [0.3, 0.1]]
  b_i: [0.0, 0.1]
  W_cx: [[0.5, -0.3, 0.2], [-0.2, 0.4, 0.3]]
  W_ch: [[0.2, -0.1], [0.1, 0.3]]
  b_c: [0.1, 0.0]
  W_ox: [[0.3, 0.2, 0.2], [0.2, 0.3, 0.1]]
  W_oh: [[0.2, 0.2], [0.1, 0.3]]
  b_o: [0.0, 0.1]
  W_hy: [[0.3, -0.2], [0.1, 0.4], [-0.5, 0.2]]
  b_y: [0.01, 0.0, -0.01]
"""


def scenario(text: str, **train: Any):
    doc = yaml.safe_load(text)
    doc["train"] = {"learning_rate": 0.3, **train}
    return parse_scenario(yaml.safe_dump(doc, sort_keys=False), "techniques.yaml")


# -- the reference: the seed's equations in torch ------------------------------------------------


def tensors(torch, params: dict[str, np.ndarray]) -> dict[str, Any]:
    return {k: torch.tensor(np.asarray(v, dtype=float), dtype=torch.float64, requires_grad=True)
            for k, v in params.items()}  # fmt: skip


def one_hot(torch, index: int, n: int = 3):
    return torch.eye(n, dtype=torch.float64)[index]


def rnn_step(torch, P, state, x):
    (h,) = state
    return (torch.tanh(P["W_xh"] @ x + P["W_hh"] @ h + P["b_h"]),)


def lstm_step(torch, P, state, x):
    h, c = state

    def gate(g, act):
        return act(P[f"W_{g}x"] @ x + P[f"W_{g}h"] @ h + P[f"b_{g}"])

    f, i, o = gate("f", torch.sigmoid), gate("i", torch.sigmoid), gate("o", torch.sigmoid)
    c_new = f * c + i * gate("c", torch.tanh)
    return (o * torch.tanh(c_new), c_new)


def sequence_losses(torch, P, seq, step, window: int | None):
    """Each loss L_s of one sequence: with a window, computed again from the states at
    s − k detached (so it backpropagates through s − k + 1 ... s only). Returns the losses
    and, per loss, the hidden states its own computation went through (for the deltas)."""
    vocab = {"a": 0, "b": 1, "c": 2}
    xs = [one_hot(torch, vocab[tok]) for tok in seq["tokens"].split()]
    ys = [vocab[tok] for tok in seq["targets"].split()]
    H = P["W_hy"].shape[1]
    start = (P["h_0"],) if "h_0" in P else (torch.zeros(H, dtype=torch.float64),)
    if step is lstm_step:
        start = (*start, torch.zeros(H, dtype=torch.float64))
    states = [start]
    for x in xs:
        states.append(step(torch, P, states[-1], x))
    losses, chains = [], []
    for s in range(1, len(xs) + 1):
        first = 1 if window is None else max(1, s - window + 1)
        state = states[first - 1]
        if first > 1:
            state = tuple(v.detach() for v in state)
        hs = {}
        for t in range(first, s + 1):
            state = step(torch, P, state, xs[t - 1])
            state[0].retain_grad()
            hs[t] = state[0]
        logits = P["W_hy"] @ state[0] + P["b_y"]
        losses.append(torch.logsumexp(logits, 0) - logits[ys[s - 1]])
        chains.append(hs)
    return losses, chains


def data_loss(torch, P, doc, step, window=None):
    return sum(sum(sequence_losses(torch, P, seq, step, window)[0]) for seq in doc["sequences"])


def penalty(P, weight: float):
    return weight * sum((v * v).sum() for k, v in P.items() if k.startswith("W"))


def rate(settings: dict[str, Any], epoch: int) -> float:
    eta0, schedule = settings["learning_rate"], settings.get("lr_schedule")
    if schedule is None:
        return eta0
    r = schedule["decay"]
    return eta0 / (1 + r * (epoch - 1)) if schedule["kind"] == "time" else eta0 * r ** (epoch - 1)


RECURRENT = {"W_hh", "W_fh", "W_ih", "W_ch", "W_oh"}


def reference_epoch(torch, params, text: str, settings: dict[str, Any], epoch: int, step):
    """One epoch of the seed's equations: everything its update records."""
    doc = yaml.safe_load(text)
    P = tensors(torch, params)
    data = data_loss(torch, P, doc, step, settings.get("bptt_window"))
    lam = settings.get("l2_penalty", 0.0)
    pen = penalty(P, lam) if lam else torch.zeros((), dtype=torch.float64)
    (data + pen).backward()
    grads = {k: v.grad.detach().clone() for k, v in P.items()}
    out: dict[str, Any] = {"L": data.item(), "L_penalty": pen.item(), "grads": grads}
    if settings.get("clip") is not None:
        norm = torch.sqrt(sum((g * g).sum() for g in grads.values()))
        coef = min(1.0, settings["clip"] / (float(norm) + settings.get("clip_eps", 0.0)))
        grads = {k: g * coef for k, g in grads.items()}
        out.update(norm=float(norm), coef=coef)
    grads = {k: g + settings.get("l2", 0.0) * P[k].detach() for k, g in grads.items()}
    eta = rate(settings, epoch)
    decay = settings.get("recurrent_decay", 0.0)
    new = {}
    for k, p in P.items():
        shrink = (1 - decay) if k in RECURRENT else 1.0
        new[k] = (shrink * p.detach() - eta * grads[k]).numpy()
    out.update(eta=eta, new=new)
    return out


def reference_training(torch, text, settings, epochs, step):
    params = {k: np.asarray(v, dtype=float) for k, v in yaml.safe_load(text)["params"].items()}
    losses = []
    for epoch in range(1, epochs + 1):
        out = reference_epoch(torch, params, text, settings, epoch, step)
        losses.append(out["L"])
        params = out["new"]
    return losses, params


# -- the cases --------------------------------------------------------------------------------

CASES = {
    "schedule time": {"lr_schedule": {"kind": "time", "decay": 0.5}},
    "schedule exponential": {"lr_schedule": {"kind": "exponential", "decay": 0.8}},
    "l2 penalty": {"l2_penalty": 0.02},
    "recurrent decay": {"recurrent_decay": 0.1},
    "clip eps": {"clip": 0.5, "clip_eps": 0.01},
    "window 1": {"bptt_window": 1},
    "window 2": {"bptt_window": 2},
    "window 3": {"bptt_window": 3},
    "all": {"lr_schedule": {"kind": "time", "decay": 0.3}, "l2_penalty": 0.01, "l2": 0.005,
            "recurrent_decay": 0.05, "clip": 0.8, "clip_eps": 1e-6, "bptt_window": 2},
}  # fmt: skip
MODELS = {"rnn": (RNN, rnn_step), "lstm": (LSTM, lstm_step)}


def close(got, want, what: str) -> None:
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float),
                               rtol=TOL, atol=TOL, err_msg=what)  # fmt: skip


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("epoch", [1, 3])
def test_every_update_value_matches_the_seeds_equations(case: str, model: str, epoch: int):
    torch = require_torch()
    text, step = MODELS[model]
    settings = {"learning_rate": 0.3, **CASES[case]}
    loaded = scenario(text, **CASES[case])
    sets = Settings(epochs=epoch, learning_rate=0.3, clip=loaded.train.clip,
                    l2=loaded.train.l2, **techniques(loaded.train))  # fmt: skip
    trace = trace_epoch(loaded, sets, epoch)
    params = {k: np.asarray(v, dtype=float) for k, v in yaml.safe_load(text)["params"].items()}
    for n in range(1, epoch):
        params = reference_epoch(torch, params, text, settings, n, step)["new"]
    want = reference_epoch(torch, params, text, settings, epoch, step)
    close(trace["L"].value, want["L"], "L")
    for key, grad in want["grads"].items():
        data = grad.numpy() - (2 * settings.get("l2_penalty", 0) * params[key]
                               if key.startswith("W") else 0)  # fmt: skip
        close(trace[f"d{key}"].value, data, f"d{key}")
    if "l2_penalty" in settings:
        close(trace["L_penalty"].value, want["L_penalty"], "L_penalty")
        close(trace["L_total"].value, want["L"] + want["L_penalty"], "L_total")
        for key, grad in want["grads"].items():
            if key.startswith("W"):
                close(trace[f"d{key}_penalty"].value, grad.numpy(), f"d{key}_penalty")
    if "clip" in settings:
        close(trace["grad_norm"].value, want["norm"], "grad_norm")
        close(trace["clip_factor"].value, want["coef"], "clip_factor")
    if "lr_schedule" in settings:
        close(trace["eta"].value, want["eta"], "eta")
        assert trace.meta.learning_rate == pytest.approx(want["eta"], rel=TOL)
    if "recurrent_decay" in settings:
        for key in RECURRENT & set(params):
            close(trace[f"{key}_shrunk"].value, (1 - settings["recurrent_decay"]) * params[key],
                  f"{key}_shrunk")  # fmt: skip
    for key, value in want["new"].items():
        close(trace[f"{key}_new"].value, value, f"{key}_new")


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("case", CASES)
def test_training_matches_a_reference_training_loop(case: str, model: str):
    torch = require_torch()
    text, step = MODELS[model]
    settings = {"learning_rate": 0.3, **CASES[case]}
    loaded = scenario(text, **CASES[case])
    sets = Settings(epochs=6, learning_rate=0.3, clip=loaded.train.clip, l2=loaded.train.l2,
                    **techniques(loaded.train))  # fmt: skip
    result = train(loaded, sets, report=[1, 6])
    losses, final = reference_training(torch, text, settings, 6, step)
    close(result.losses, losses, "losses")
    for key, value in final.items():
        close(result.params[key], value, key)
    if "lr_schedule" in settings:
        assert [f.learning_rate for f in result.reported] == pytest.approx(
            [rate(settings, 1), rate(settings, 6)], rel=TOL)  # fmt: skip
    if "l2_penalty" in settings:
        assert result.reported[0].penalty > 0


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("case", CASES)
def test_the_compiled_update_is_the_traced_one(case: str, model: str):
    """``train`` for N − 1 epochs (the compiled tape with the trace's update steps) gives
    exactly the parameters the trace of epoch N − 1 updates to, and what epoch N starts at."""
    text, _ = MODELS[model]
    loaded = scenario(text, **CASES[case])
    sets = Settings(epochs=4, learning_rate=0.3, clip=loaded.train.clip, l2=loaded.train.l2,
                    **techniques(loaded.train))  # fmt: skip
    trained = train(loaded, replace(sets, epochs=3), report=[]).params
    traced = trace_epoch(loaded, sets, 3)
    for key, value in trained.items():
        np.testing.assert_allclose(value, traced[f"{key}_new"].value, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("k", [1, 2, 3, 9])
def test_every_chain_of_the_window_is_the_loss_s_delta(k: int):
    """δh_t^(L_s), recorded as dh_t_Ls, is ∂L_s/∂h_t of the loss computed from the states
    at s − k detached; no chain goes further back than k steps."""
    torch = require_torch()
    loaded = scenario(RNN, bptt_window=k)
    trace = trace_scenario(loaded, NumberPolicy(decimals=4))
    doc = yaml.safe_load(RNN)
    P = tensors(torch, doc["params"])
    for number, seq in enumerate(doc["sequences"], start=1):
        losses, chains = sequence_losses(torch, P, seq, rnn_step, k)
        for s, (loss, hs) in enumerate(zip(losses, chains), start=1):
            for h in hs.values():
                h.grad = None
            loss.backward(retain_graph=True)
            for t, h in hs.items():
                close(trace[f"s{number}.dh_{t}_L{s}"].value, h.grad.numpy(), f"dh_{t}_L{s}")
            if s - k >= 1:
                assert f"s{number}.dh_{s - k}_L{s}" not in trace
                assert not np.any(trace[f"s{number}.cut_{s - k}_L{s}"].value)
            elif number == 1:  # the chain reaches the given h_0 (the first sequence's)
                (want,) = torch.autograd.grad(loss, P["h_0"], retain_graph=True)
                close(trace[f"s{number}.dh_0_L{s}"].value, want.numpy(), f"dh_0_L{s}")


def test_window_as_long_as_the_sequence_is_full_bptt():
    plain = trace_scenario(scenario(RNN), NumberPolicy(decimals=4))
    windowed = trace_scenario(scenario(RNN, bptt_window=5), NumberPolicy(decimals=4))
    for key in ("dW_xh", "dW_hh", "db_h", "dW_hy", "db_y", "dh_0"):
        close(windowed[key].value, plain[key].value, key)


def test_recurrent_decay_of_a_concatenated_gate_shrinks_its_h_columns():
    doc = yaml.safe_load(LSTM)
    params = doc["params"]
    for g in "fico":
        params[f"W_{g}"] = [hh + xx for hh, xx in zip(params.pop(f"W_{g}h"), params.pop(f"W_{g}x"))]
    loaded = scenario(yaml.safe_dump(doc), recurrent_decay=0.25)
    trace = trace_scenario(loaded, NumberPolicy(decimals=4))
    for g in "fico":
        W = np.asarray(params[f"W_{g}"], dtype=float)
        want = np.concatenate((0.75 * W[:, :2], W[:, 2:]), axis=1)
        close(trace[f"W_{g}_shrunk"].value, want, f"W_{g}_shrunk")
        close(trace[f"W_{g}_new"].value, want - 0.3 * trace[f"dW_{g}"].value, f"W_{g}_new")


def test_the_penalty_leaves_biases_and_initial_states_alone():
    trace = trace_scenario(scenario(RNN, l2_penalty=0.1), NumberPolicy(decimals=4))
    assert list(trace["L_penalty"].operands) == ["W_xh", "W_hh", "W_hy"]
    assert "db_h_penalty" not in trace and "dh_0_penalty" not in trace
    close(trace["h_0_new"].value, trace["h_0"].value - 0.3 * trace["dh_0"].value, "h_0_new")


def test_without_the_keys_nothing_changes():
    trace = trace_scenario(scenario(RNN), NumberPolicy(decimals=4))
    new = {"L_penalty", "L_total", "eta"}
    assert not new & {step.key for step in trace}
    assert not [step for step in trace if step.op in ("shrink", "sgd_scheduled", "l2_penalty")]
    assert "eps" not in trace["dW_hh"].info


# -- every format shows them, and verify checks them ----------------------------------------------

ALL = CASES["all"]


def run_cli(*args: str, input_text: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rnntrace", *args], capture_output=True,
                          text=True, input=input_text, cwd=ROOT)  # fmt: skip


@pytest.fixture
def all_file(tmp_path: Path) -> Path:
    doc = yaml.safe_load(RNN)
    doc["train"] = {"learning_rate": 0.3, **ALL}
    path = tmp_path / "all.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def test_every_format_shows_the_steps(all_file: Path):
    text = run_cli("run", str(all_file)).stdout
    for words in ("L_penalty", "L_total", "η_1 = η₀ / (1 + r (N − 1))", "(1 − 0.05) W_hh",
                  "+ 1e-06", "δh_3^(L_4)"):  # fmt: skip
        assert words in text, words
    latex = run_cli("run", str(all_file), "--format", "latex").stdout
    for words in (r"L_{\mathrm{penalty}}", r"\eta_{1}", r"(1 - 0.05) \, W_{hh}",
                  r"\lVert g \rVert + 0.000001", r"^{(L_{4})}"):  # fmt: skip
        assert words in latex, words
    markdown = run_cli("run", str(all_file), "--format", "markdown").stdout
    assert r"L_{\mathrm{penalty}}" in markdown and r"\eta_{1}" in markdown
    import json

    doc = json.loads(run_cli("run", str(all_file), "--format", "json").stdout)
    keys = {step["key"] for step in doc["steps"]}
    assert {"L_penalty", "L_total", "eta", "W_hh_shrunk", "clip_factor", "dW_hh_penalty",
            "s1.dh_3_L4", "s1.cut_2_L4"} <= keys  # fmt: skip


def test_verify_checks_the_update_steps(all_file: Path, tmp_path: Path):
    trace = trace_scenario(parse_scenario(all_file.read_text(), str(all_file)))
    keys = ["eta", "L_penalty", "clip_factor", "W_hh_shrunk", "W_hh_new", "s1.dh_3_L4"]
    answers = {key: np.round(trace[key].value, 6).tolist() for key in keys}
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(answers), encoding="utf-8")
    ask = ("--ask", ",".join(keys))
    result = run_cli("verify", str(all_file), str(good), *ask)
    assert result.returncode == 0, result.stdout + result.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**answers, "eta": 0.7}), encoding="utf-8")
    result = run_cli("verify", str(all_file), str(bad), *ask)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "First mistake: eta" in result.stdout


def test_train_shows_eta_penalty_and_total(all_file: Path):
    out = " ".join(
        run_cli("train", str(all_file), "--epochs", "5", "--report", "1,5").stdout.split()
    )
    assert "η" in out and "penalty" in out and "total" in out and "BPTT window k = 2" in out
    import json

    doc = json.loads(run_cli("train", str(all_file), "--epochs", "5", "--format", "json").stdout)
    assert doc["settings"]["lr_schedule"] == {"kind": "time", "decay": 0.3}
    first = doc["reported"][0]
    assert first["learning_rate"] == 0.3
    assert first["total_loss"] == pytest.approx(first["loss"] + first["penalty"], rel=1e-15)
    latex = run_cli("train", str(all_file), "--epochs", "5", "--format", "latex").stdout
    assert r"$\eta$ & penalty & total loss" in latex
    epoch = run_cli("train", str(all_file), "--epochs", "5", "--trace-epoch", "4").stdout
    assert "η_4 = η₀ / (1 + r (N − 1)) = 0.3 / (1 + 0.3 × 3)" in epoch


# -- bad values -------------------------------------------------------------------------------

BAD = [
    ("lr_schedule: {kind: linear, decay: 0.5}", "train.lr_schedule.kind",
     "expected one of time, exponential, found 'linear'"),
    ("lr_schedule: {kind: exponential, decay: 1.5}", "train.lr_schedule.decay",
     "expected a number above 0 and at most 1"),
    ("lr_schedule: {kind: time, decay: -1}", "train.lr_schedule.decay",
     "expected a number of 0 or more"),
    ("lr_schedule: {kind: time}", "train.lr_schedule.decay", "missing"),
    ("lr_schedule: 0.5", "train.lr_schedule", "expected a mapping"),
    ("lr_schedule: {kind: time, decay: 1, start: 2}", "train.lr_schedule.start", "unknown key"),
    ("l2_penalty: -0.1", "train.l2_penalty", "expected a number of 0 or more, found -0.1"),
    ("l2_penalty: lots", "train.l2_penalty", "expected a number"),
    ("recurrent_decay: 1", "train.recurrent_decay", "up to (not including) 1, found 1"),
    ("clip_eps: -1e-6", "train.clip_eps", "expected a number of 0 or more"),
    ("bptt_window: 0", "train.bptt_window", "expected a whole number from 1"),
    ("bptt_window: 2.5", "train.bptt_window", "expected a whole number"),
    ("bptt_window: 2\n  bptt: 3", "train.bptt_window", "found both"),
]  # fmt: skip


@pytest.mark.parametrize(("line", "path", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_values_are_refused_with_one_located_line(line: str, path: str, words: str):
    text = RNN + "train:\n  " + line + "\n"
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "bad.yaml")
    message = str(caught.value)
    assert "\n" not in message
    assert re.match(rf"bad\.yaml:1[8-9]:\d+: {re.escape(path)}: ", message), message
    assert words in message, message


def test_a_window_on_a_topology_it_is_not_traced_for_is_refused():
    doc = yaml.safe_load((ROOT / "scenarios" / "bidirectional.yaml").read_text())
    doc["train"] = {"bptt_window": 2}
    with pytest.raises(ScenarioError, match=r"train\.bptt_window: expected a model of topology "
                       r"standard without attention.*found topology bidirectional"):  # fmt: skip
        parse_scenario(yaml.safe_dump(doc), "bidi.yaml")


def test_the_cli_refuses_a_bad_value_with_exit_2(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text(RNN + "train:\n  l2_penalty: -1\n", encoding="utf-8")
    for command in ("run", "train", "validate"):
        result = run_cli(command, str(path))
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].endswith(
            "bad.yaml:18:15: train.l2_penalty: expected a number of 0 or more, found -1"
        ), result.stderr


def test_the_docs_example_runs(tmp_path: Path):
    text = (ROOT / "docs" / "training.md").read_text(encoding="utf-8")
    block = text.split("seed 001's training techniques\"\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "techniques.yaml"
    path.write_text('title: "a b c: seed 001\'s training techniques"\n' + block, encoding="utf-8")
    trained = run_cli("train", str(path), "--report", "1,10,100")
    assert trained.returncode == 0, trained.stderr
    words = " ".join(trained.stdout.split())
    assert "BPTT window k = 2" in words and "penalty" in words
    ran = run_cli("run", str(path))
    assert ran.returncode == 0 and "η_1" in ran.stdout and "δh_4^(L_5)" in ran.stdout
    epoch = run_cli("train", str(path), "--trace-epoch", "100")
    assert epoch.returncode == 0 and "η_100" in epoch.stdout


def test_null_is_the_default():
    loaded = parse_scenario(RNN + "train:\n  lr_schedule: null\n  bptt_window: ~\n", "n.yaml")
    assert loaded.train.lr_schedule is None and loaded.train.bptt_window is None


STACKED = """\
title: stacked window
input:
  one_hot: [a, b, c]
sequences:
  - tokens: a b c a b
    targets: b c a b c
model: {layers: 2, residual: true, output: every, head: softmax, loss: ce}
params:
  layers:
    - W_xh: [[0.2, -0.1, 0.3], [0.1, 0.4, -0.2]]
      W_hh: [[0.5, -0.3], [0.2, 0.1]]
      b_h: [0.05, -0.02]
      h_0: [0.1, -0.2]
    - W_xh: [[0.3, 0.1], [-0.2, 0.4]]
      W_hh: [[0.1, 0.2], [-0.3, 0.2]]
      b_h: [0.0, 0.1]
  W_hy: [[0.3, -0.2], [0.1, 0.4], [-0.5, 0.2]]
  b_y: [0.01, 0.0, -0.01]
"""


@pytest.mark.parametrize("k", [1, 2, 3])
def test_a_window_over_stacked_residual_layers(k: int):
    """Both layers' recurrences cut k steps back from each loss; the layers' link at each
    step (and the residual connection) kept."""
    torch = require_torch()
    doc = yaml.safe_load(STACKED)
    layers = [tensors(torch, layer) for layer in doc["params"]["layers"]]
    top = tensors(torch, {k: v for k, v in doc["params"].items() if k != "layers"})
    vocab = {"a": 0, "b": 1, "c": 2}
    xs = [one_hot(torch, vocab[tok]) for tok in doc["sequences"][0]["tokens"].split()]
    ys = [vocab[tok] for tok in doc["sequences"][0]["targets"].split()]

    def step(states, x):
        h1 = torch.tanh(layers[0]["W_xh"] @ x + layers[0]["W_hh"] @ states[0] + layers[0]["b_h"])
        h2 = torch.tanh(layers[1]["W_xh"] @ h1 + layers[1]["W_hh"] @ states[1] + layers[1]["b_h"])
        return (h1, h2)

    states = [(layers[0]["h_0"], torch.zeros(2, dtype=torch.float64))]
    for x in xs:
        states.append(step(states[-1], x))
    total = torch.zeros((), dtype=torch.float64)
    for s in range(1, len(xs) + 1):
        first = max(1, s - k + 1)
        state = states[first - 1]
        if first > 1:
            state = tuple(v.detach() for v in state)
        for t in range(first, s + 1):
            state = step(state, xs[t - 1])
        logits = top["W_hy"] @ (state[1] + state[0]) + top["b_y"]
        total = total + torch.logsumexp(logits, 0) - logits[ys[s - 1]]
    total.backward()
    trace = trace_scenario(scenario(STACKED, bptt_window=k), NumberPolicy(decimals=4))
    for number, layer in enumerate(layers, start=1):
        for key, value in layer.items():
            close(trace[f"l{number}.d{key}"].value, value.grad.numpy(), f"l{number}.d{key}")
    for key, value in top.items():
        close(trace[f"d{key}"].value, value.grad.numpy(), f"d{key}")


@pytest.mark.parametrize(
    "model",
    [
        {"skip": 0.3},
        {"dropout": {"input": 0.5, "recurrent": 0.5, "output": 0.25, "seed": 3}},
        {"skip": 0.2, "dropout": {"recurrent": 0.4, "output": 0.3, "variational": True}},
    ],
    ids=["skip", "dropout", "skip variational"],
)
def test_a_full_length_window_is_full_bptt_with_skip_and_dropout(model: dict[str, Any]):
    """The window's chains go through the model keys' steps (seed 001's skip connection,
    dropout on the input, the recurrence and the output) as the usual BPTT does."""
    doc = yaml.safe_load(RNN)
    doc["model"].update(model)
    text = yaml.safe_dump(doc)
    plain = trace_scenario(scenario(text), NumberPolicy(decimals=4))
    windowed = trace_scenario(scenario(text, bptt_window=5), NumberPolicy(decimals=4))
    for key in ("L", "dW_xh", "dW_hh", "db_h", "dW_hy", "db_y", "dh_0"):
        close(windowed[key].value, plain[key].value, key)
    short = trace_scenario(scenario(text, bptt_window=2), NumberPolicy(decimals=4))
    assert "s1.dh_3_L5" not in short and "s1.dh_4_L5" in short


def test_training_with_dropout_and_the_techniques_is_the_traced_update():
    """Each epoch's masks (drawn again every epoch) are the tape's arguments beside the
    epoch: ``train`` for 3 epochs ends where the trace of epoch 3 updates to."""
    doc = yaml.safe_load(RNN)
    doc["model"]["dropout"] = {"input": 0.3, "recurrent": 0.4, "output": 0.2, "seed": 5}
    loaded = scenario(yaml.safe_dump(doc), **ALL)
    sets = Settings(epochs=4, learning_rate=0.3, clip=loaded.train.clip, l2=loaded.train.l2,
                    **techniques(loaded.train))  # fmt: skip
    trained = train(loaded, replace(sets, epochs=3), report=[]).params
    traced = trace_epoch(loaded, sets, 3)
    for key, value in trained.items():
        np.testing.assert_allclose(value, traced[f"{key}_new"].value, rtol=1e-12, atol=1e-14)
