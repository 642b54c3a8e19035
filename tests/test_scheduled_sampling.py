"""``train.scheduled_sampling`` (issue 13, seed 001) against PyTorch float64 autograd.

The reference is written here from seed 001's equations, not from the engine:

    ε_t = ε_0 λ^t;   coin ξ_t = 1 with probability ε_t (t ≥ 2)
    x_t = y_{t−1}^true if ξ_t = 1, else onehot(argmax ŷ_{t−1}) (no gradient through it)
    generate:         h_t = tanh(W_xh x_t + W_hh h_{t−1} + b_h), x_1 the input token
    encoder_decoder:  dot attention, the decoder reading [x_t, c_t] (x_1 = 0)
    ŷ_t = softmax(W_hy h_t + b_y),  L = Σ_t −log ŷ_t[target]

The coins are fed to both: drawn here with the documented rule (``default_rng([seed, epoch,
sequence, t]).random() < ε_0 λ^t``) and compared with the trace's, or given (``coins:``).
Every value, the loss and every gradient agree to 1e-10; ``train`` agrees with a loop of SGD
steps written here, its coins drawn again each epoch; bad values are refused in one line.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
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
from rnntrace._internal.scenario import parse_scenario

TOL = 1e-10
VOCAB = ["a", "b", "c"]


def matrices(seed: int) -> Callable[[int, int], list[list[float]]]:
    """Random matrices of entries in [-1.2, 1.2] with 3 decimals, drawn one after another."""
    rng = np.random.default_rng(seed)
    return lambda rows, cols: rng.uniform(-1.2, 1.2, (rows, cols)).round(3).tolist()


def generate_doc(seed: int, sampling: dict[str, Any]) -> dict[str, Any]:
    m, H, K = matrices(seed), 2, 3

    return {
        "version": 1,
        "input": {"one_hot": VOCAB},
        "sequences": [{"tokens": "a", "targets": ["b", "c", "a", "b", "c"]},
                      {"tokens": "c", "targets": ["a", "a", "b"]}],
        "model": {"cell": "rnn", "topology": "generate", "head": "softmax", "loss": "ce"},
        "params": {"W_xh": m(H, K), "W_hh": m(H, H), "b_h": m(1, H)[0], "W_hy": m(K, H),
                   "b_y": m(1, K)[0]},
        "train": {"scheduled_sampling": sampling},
    }  # fmt: skip


def seq2seq_doc(seed: int, sampling: dict[str, Any]) -> dict[str, Any]:
    m, H, K = matrices(seed), 2, 3

    return {
        "version": 1,
        "input": {"one_hot": VOCAB},
        "sequences": [{"tokens": "a b c", "targets": ["c", "b", "a", "a"]}],
        "model": {"cell": "rnn", "topology": "encoder_decoder", "attention": "dot",
                  "head": "softmax", "loss": "ce"},
        "params": {"encoder": {"W_xh": m(H, K), "W_hh": m(H, H), "b_h": m(1, H)[0]},
                   "decoder": {"W_xh": m(H, K + H), "W_hh": m(H, H), "b_h": m(1, H)[0]},
                   "W_hy": m(K, H), "b_y": m(1, K)[0]},
        "train": {"scheduled_sampling": sampling},
    }  # fmt: skip


def load(doc: dict[str, Any]):
    return parse_scenario(yaml.safe_dump(doc, sort_keys=False), "sampling.yaml")


def flat_params(doc: dict[str, Any]) -> dict[str, np.ndarray]:
    out = {}
    for part, prefix in (("encoder", "enc."), ("decoder", "dec.")):
        for key, value in doc["params"].get(part, {}).items():
            out[prefix + key] = np.array(value, dtype=float)
    for key, value in doc["params"].items():
        if key not in ("encoder", "decoder"):
            out[key] = np.array(value, dtype=float)
    return out


def set_param(doc: dict[str, Any], key: str, value: np.ndarray) -> None:
    parts = {"enc.": "encoder", "dec.": "decoder"}
    if key[:4] in parts:
        doc["params"][parts[key[:4]]][key[4:]] = value.tolist()
    else:
        doc["params"][key] = value.tolist()


def drawn_coin(seed: int, epoch: int, sequence: int, t: int, p: float) -> int:
    """The documented rule, written again here."""
    return int(np.random.default_rng([seed, epoch, sequence, t]).random() < p)


def coins_of(doc: dict[str, Any], epoch: int) -> list[list[int]]:
    """Each sequence's coins for t = 2..T: given, or drawn for ``epoch``."""
    spec = doc["train"]["scheduled_sampling"]
    if "coins" in spec:
        return spec["coins"]
    e0, lam, seed = spec.get("epsilon0", 1.0), spec.get("decay", 1.0), spec.get("seed", 0)
    return [[drawn_coin(seed, epoch, n, t, e0 * lam**t) for t in range(2, len(s["targets"]) + 1)]
            for n, s in enumerate(doc["sequences"], start=1)]  # fmt: skip


def reference(torch: Any, doc: dict[str, Any], coins: list[list[int]]) -> dict[str, Any]:
    """Seed 001's equations in torch, sequence by sequence; keys of the trace (``s1.h_2``)."""
    P = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
         for k, v in flat_params(doc).items()}  # fmt: skip
    eye = torch.eye(len(VOCAB), dtype=torch.float64)
    seq2seq = doc["model"]["topology"] == "encoder_decoder"
    several = len(doc["sequences"]) > 1
    out: dict[str, Any] = {}
    total = 0
    for n, seq in enumerate(doc["sequences"], start=1):
        pre = f"s{n}." if several else ""
        targets = [VOCAB.index(tok) for tok in seq["targets"]]
        tokens = seq["tokens"].split()
        if seq2seq:
            h = torch.zeros(2, dtype=torch.float64)
            states = []
            for tok in tokens:
                h = torch.tanh(P["enc.W_xh"] @ eye[VOCAB.index(tok)] + P["enc.W_hh"] @ h
                               + P["enc.b_h"])  # fmt: skip
                states.append(h)
            stack = torch.stack(states)
            x = torch.zeros(3, dtype=torch.float64)
        else:
            h, x = torch.zeros(2, dtype=torch.float64), eye[VOCAB.index(tokens[0])]
        loss, y = 0, torch.zeros(3, dtype=torch.float64)
        for t, target in enumerate(targets, start=1):
            if t > 1:
                coin = coins[n - 1][t - 2]
                x = eye[targets[t - 2]] if coin else eye[int(torch.argmax(y.detach()))]
                out[f"{pre}{'dec.y' if seq2seq else 'x'}_{t}"] = x
            if seq2seq:
                alpha = torch.softmax(stack @ h, 0)
                u = torch.cat([x, alpha @ stack])
                h = torch.tanh(P["dec.W_xh"] @ u + P["dec.W_hh"] @ h + P["dec.b_h"])
                out[f"{pre}dec.h_{t}"] = h
            else:
                h = torch.tanh(P["W_xh"] @ x + P["W_hh"] @ h + P["b_h"])
                out[f"{pre}h_{t}"] = h
            y = torch.softmax(P["W_hy"] @ h + P["b_y"], 0)
            out[f"{pre}y_{t}"] = y
            loss = loss - torch.log(y[target])
        out[f"{pre}L"] = loss
        total = total + loss
    total.backward()
    out["L"] = total
    for key, tensor in P.items():
        out[grad_key(key)] = tensor.grad
    return out


CASES = {
    "generate, drawn": (generate_doc, {"epsilon0": 0.9, "decay": 0.7, "seed": 11}),
    "generate, given": (generate_doc, {"coins": [[1, 0, 0, 1], [0, 1]]}),
    "generate, never the truth": (generate_doc, {"epsilon0": 0.0}),
    "encoder-decoder, drawn": (seq2seq_doc, {"epsilon0": 0.8, "decay": 0.9, "seed": 2}),
    "encoder-decoder, given": (seq2seq_doc, {"coins": [0, 1, 0]}),
}


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_scheduled_sampling_matches_torch(case: tuple) -> None:
    torch = require_torch()
    make, sampling = case
    doc = make(5, sampling)
    scenario = load(doc)
    trace = trace_scenario(scenario, scenario.numbers)
    coins = coins_of(doc, epoch=1)
    if isinstance(coins[0], int):  # one sequence's flat list
        coins = [coins]
    several = len(doc["sequences"]) > 1
    for n, seq_coins in enumerate(coins, start=1):
        pre = f"s{n}." if several else ""
        for t, coin in enumerate(seq_coins, start=2):  # the trace's coins are the rule's
            step = trace[f"{pre}xi_{t}"]
            assert step.info["coin"] == coin and float(step.value) == coin, (n, t)
    want = reference(torch, doc, coins)
    assert set(flat_params(doc)) == set(trace.meta.trained)
    for key, value in want.items():
        np.testing.assert_allclose(trace.value(key), value.detach().numpy(), rtol=0, atol=TOL,
                                   err_msg=key)  # fmt: skip


def test_both_coins_occur_and_the_argmax_is_fed() -> None:
    """The drawn case above meets both sides of the coin, and a 0 feeds an argmax."""
    doc = generate_doc(5, CASES["generate, drawn"][1])
    trace = trace_scenario(load(doc), load(doc).numbers)
    coins = [c for seq in coins_of(doc, 1) for c in seq]
    assert 0 in coins and 1 in coins
    for step in trace:
        if step.op == "feed" and float(trace.value(step.operands[0])) == 0:
            prediction = trace.value(step.operands[2])
            assert step.value.tolist() == np.eye(3)[int(np.argmax(prediction))].tolist()


@pytest.mark.parametrize("name", ["generate, drawn", "encoder-decoder, given"])
def test_train_draws_the_coins_each_epoch(name: str) -> None:
    """Three epochs of SGD, each with its epoch's coins, against an SGD loop with torch."""
    from rnntrace._internal.engine.training import Settings, techniques, train

    torch = require_torch()
    make, sampling = CASES[name]
    doc = make(9, sampling)
    scenario = load(doc)
    settings = Settings(epochs=3, learning_rate=0.3, **techniques(scenario.train))
    result = train(scenario, settings, [1, 2, 3])
    current = copy.deepcopy(doc)
    for epoch in (1, 2, 3):
        coins = coins_of(doc, epoch)
        coins = [coins] if isinstance(coins[0], int) else coins
        values = reference(torch, current, coins)
        assert abs(result.losses[epoch - 1] - float(values["L"].detach())) < TOL, epoch
        for key, value in flat_params(current).items():
            set_param(current, key, value - 0.3 * values[grad_key(key)].numpy())
    for key, value in flat_params(current).items():
        np.testing.assert_allclose(result.params[key], value, rtol=0, atol=TOL, err_msg=key)
    if "seed" in sampling:  # the draws differ between epochs (else the test shows nothing)
        assert coins_of(doc, 1) != coins_of(doc, 2) or coins_of(doc, 2) != coins_of(doc, 3)


def test_trace_epoch_shows_that_epochs_coins() -> None:
    from rnntrace._internal.engine.training import Settings, techniques, trace_epoch, train

    doc = generate_doc(5, CASES["generate, drawn"][1])
    scenario = load(doc)
    settings = Settings(epochs=3, learning_rate=0.1, **techniques(scenario.train))
    third = trace_epoch(scenario, settings, 3)
    for n, coins in enumerate(coins_of(doc, 3), start=1):
        for t, coin in enumerate(coins, start=2):
            assert third[f"s{n}.xi_{t}"].info["coin"] == coin
    assert abs(third.value("L") - train(scenario, settings, []).losses[2]) < 1e-12


BASE = yaml.safe_dump(generate_doc(1, {"epsilon0": 0.9, "decay": 0.7, "seed": 11}),
                      sort_keys=False, default_flow_style=None)  # fmt: skip
PATH = "train.scheduled_sampling"
BAD = {  # change of BASE -> the key and words of the one-line message
    "epsilon above 1": (
        "epsilon0: 0.9",
        "epsilon0: 1.5",
        f"{PATH}.epsilon0",
        "expected a number from 0 to 1, found 1.5",
    ),
    "negative decay": (
        "decay: 0.7",
        "decay: -0.1",
        f"{PATH}.decay",
        "expected a number from 0 to 1, found -0.1",
    ),
    "unknown key": ("seed: 11", "seed: 11, rate: 2", f"{PATH}.rate", "unknown key"),
    "seed and coins": (
        "seed: 11",
        "seed: 11, coins: [1, 0, 1, 1]",
        f"{PATH}.coins",
        "expected one of seed (drawn coins) and coins (given), found both",
    ),
    "coin 2": (
        "{epsilon0: 0.9, decay: 0.7, seed: 11}",
        "{coins: [[1, 2, 0, 1], [1, 1]]}",
        f"{PATH}.coins[0][1]",
        "expected a whole number from 0 to 1, found 2",
    ),
    "too few coins": (
        "{epsilon0: 0.9, decay: 0.7, seed: 11}",
        "{coins: [[1, 0, 1], [1, 1]]}",
        f"{PATH}.coins",
        "expected 4 coins for sequence 1 (one per fed step t = 2..5), found 3",
    ),
    "a list per sequence": (
        "{epsilon0: 0.9, decay: 0.7, seed: 11}",
        "{coins: [1, 0, 1, 1]}",
        f"{PATH}.coins",
        "expected one list of coins per sequence (2), found 1",
    ),
    "no lists of coins": (
        "{epsilon0: 0.9, decay: 0.7, seed: 11}",
        "{coins: []}",
        f"{PATH}.coins",
        "expected one list of coins per sequence (2), found none",
    ),
    "coins with epsilon0 and decay": (
        "seed: 11",
        "coins: [[1, 0, 1, 1], [1]]",
        f"{PATH}.coins",
        "expected given coins without epsilon0 and decay (the probability of drawn coins), "
        "found epsilon0 and decay",
    ),
    "coins with decay": (
        "{epsilon0: 0.9, decay: 0.7, seed: 11}",
        "{decay: 0.7, coins: [[1, 0, 1, 1], [1]]}",
        f"{PATH}.coins",
        "found decay",
    ),
    "standard topology": (
        "topology: generate",
        "topology: standard, output: every",
        PATH,
        "expected topology generate or encoder_decoder with a loss",
    ),
    "with teacher forcing": (
        "topology: generate",
        "topology: generate, teacher_forcing: true",
        PATH,
        "expected one of model.teacher_forcing",
    ),
}


@pytest.mark.parametrize("case", BAD.values(), ids=list(BAD))
def test_bad_values_are_refused_in_one_line(tmp_path: Path, case: tuple) -> None:
    old, new, key, words = case
    bad = edited(BASE, old, new)
    if "standard" in new:  # one target per input token
        bad = bad.replace("tokens: a,", "tokens: a b c d e,")
        bad = bad.replace("tokens: c,", "tokens: a c b,")
    assert_refused(tmp_path, bad, key, words)


@pytest.mark.parametrize("fmt", ["text", "latex", "markdown", "json"])
def test_every_coin_is_shown(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(BASE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(path), "--format", fmt])
    assert result.exit_code == 0, result.output
    mark = {"text": "ξ_3 = ", "latex": r"\xi_{3} &= ", "markdown": r"\xi_{3} &= ",
            "json": '"key": "s1.xi_3"'}[fmt]  # fmt: skip
    assert mark in result.output
    assert "scheduled sampling" in result.output
    result = CliRunner().invoke(cli, ["train", str(path), "--epochs", "2"])
    words = " ".join(result.output.split())
    assert result.exit_code == 0 and "coins drawn again every epoch from seed 11" in words


def test_given_coins_name_no_probability(tmp_path: Path) -> None:
    """Given coins are data: no ε_0 λ^t is written beside them (it would read 1×1^t)."""
    doc = generate_doc(3, {"coins": [[1, 0, 0, 1], [0, 1]]})
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    for fmt in ("text", "latex", "json"):
        result = CliRunner().invoke(cli, ["run", str(path), "--format", fmt])
        assert result.exit_code == 0, result.output
        assert "probability" not in result.output and "given coins" in result.output, fmt
    coins = [s for s in json.loads(CliRunner().invoke(cli, ["run", str(path), "--format",
             "json"]).output)["steps"] if s["key"].endswith(("xi_2", "xi_3"))]  # fmt: skip
    assert coins and all("p" not in s["info"] for s in coins)
    result = CliRunner().invoke(cli, ["train", str(path), "--epochs", "2"])
    assert result.exit_code == 0 and "the given coins every epoch" in result.output
    assert "epsilon_0" not in result.output
