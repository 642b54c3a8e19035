"""The compiled tape (``rnntrace/_internal/engine/compiled.py``) computes exactly what the trace
records.

Training runs one epoch's trace compiled to straight-line numpy, pruned to the steps the
losses and the gradients need, with peephole savings (zero constants folded away, shared
stacks and outer products, the cross-entropy reusing the softmax's exponentials, the
softmax always shifted by its maximum). Here its outputs are compared with the recorded
values (exact mode): the loss and every gradient, per sequence and in total, and every
other value it can give (the exponentials and their sums excepted: the tape shifts them by
the maximum, the trace only when a logit exceeds 30), for

* every bundled scenario in ``scenarios/`` that has a loss;
* random scenarios of every topology and cell (``tests/topology_oracles.py``), every RNN
  activation, head and loss (``tests/oracles.py``), every LSTM/GRU form and convention
  (``tests/cell_oracles.py``);
* the tape run at *other* parameters than the ones it was compiled at, against a fresh trace
  at those parameters (training runs it at new parameters every epoch);
* large logits (> 30, and > 709 where e^o overflows without the shift);
* truncated BPTT (``train.bptt: k``), whose cuts are zero steps;
* a BPTT window (``train.bptt_window: k``: every loss's own chain of deltas), and the
  update with seed 001's techniques (the L2 penalty, clipping with ε, a learning-rate
  schedule with the epoch as the tape's argument, recurrent weight decay).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml

from rnntrace._internal.engine import grad_key, trace_scenario
from rnntrace._internal.engine.compiled import CompiledTape
from rnntrace._internal.engine.training import compile_scenario, with_params
from rnntrace._internal.scenario import load_scenario, parse_scenario
from rnntrace._internal.scenario.model import NumberPolicy, Scenario

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml"))
SKIPPED_OPS = {"given", "input", "exp", "total"}  # constants; shifted differently (see above)
RTOL = 1e-12


def exact(scenario: Scenario) -> Scenario:
    return replace(scenario, numbers=replace(scenario.numbers, carry="exact", round_terms=False))


def trace_of(scenario: Scenario):
    return trace_scenario(scenario, NumberPolicy(decimals=4))


def training_outputs(trace) -> list[str]:
    """The losses (total and per sequence) and every gradient (total and per sequence)."""
    keys = ["L"] + [f"{info.prefix}L" for info in trace.meta.sequences if info.prefix]
    for param in trace.meta.trained:
        keys.append(grad_key(param))
        keys += [f"{info.prefix}{grad_key(param)}" for info in trace.meta.sequences
                 if info.prefix]  # fmt: skip
    assert all(key in trace for key in keys), [key for key in keys if key not in trace]
    return keys


def every_value(trace) -> list[str]:
    """Every recorded value the tape can give (all but the update and the constants)."""
    return [step.key for step in trace if step.phase != "update" and step.op not in SKIPPED_OPS]


def assert_same(got: dict[str, np.ndarray], trace, what: str) -> None:
    bad = []
    for key, value in got.items():
        want = trace[key].value
        scale = max(1.0, float(np.max(np.abs(want)))) if np.size(want) else 1.0
        if np.shape(value) != want.shape or not np.allclose(value, want, rtol=RTOL,
                                                             atol=RTOL * scale):  # fmt: skip
            bad.append(f"{key}: tape {np.asarray(value).tolist()} trace {want.tolist()}")
    assert not bad, f"{what}: {len(bad)} of {len(got)} differ:\n" + "\n".join(bad[:10])


def check_scenario(scenario: Scenario, what: str, *, all_values: bool = True) -> int:
    """The tape's outputs equal the trace's values at the scenario's parameters; returns how
    many values were compared."""
    trace = trace_of(scenario)
    trained = list(trace.meta.trained)
    assert trained, f"{what}: nothing trained"
    params = {key: scenario.params[key] for key in trained}
    outputs = training_outputs(trace)
    tape = CompiledTape(trace, outputs, trained)
    got = tape.run(params)
    assert list(got) == outputs
    assert_same(got, trace, what)
    assert [np.asarray(v).tolist() for v in tape.run_list(list(params.values()))] == [
        np.asarray(v).tolist() for v in got.values()
    ]
    if all_values:
        everything = every_value(trace)
        assert_same(CompiledTape(trace, everything, trained).run(params), trace, what + " (all)")
        return len(everything)
    return len(outputs)


def check_elsewhere(scenario: Scenario, rng: np.random.Generator, what: str,
                    spread: float = 0.3) -> None:  # fmt: skip
    """The tape compiled at the scenario's parameters, run at perturbed ones, equals the
    trace made at those."""
    tape, trained, losses = compile_scenario(exact(scenario))
    moved = {key: np.asarray(scenario.params[key], dtype=float)
             + rng.uniform(-spread, spread, size=np.shape(scenario.params[key]))
             for key in trained}  # fmt: skip
    trace = trace_of(with_params(scenario, moved))
    assert_same(tape.run(moved), trace, what + " (moved parameters)")


# -- the bundled scenarios ----------------------------------------------------------------------


def _has_loss(path: Path) -> bool:
    scenario = load_scenario(path)
    return scenario.model.loss != "none" and scenario.model.output != "none"


TRAINABLE = [path for path in BUNDLED if _has_loss(path)]


def test_bundled_scenarios_are_covered() -> None:
    names = {path.stem for path in TRAINABLE}
    assert {"sentiment", "sentiment-lstm", "sentiment-gru", "hello", "hello-attention",
            "seq2seq", "stacked", "bidirectional", "generate"} <= names  # fmt: skip
    assert len(TRAINABLE) == len(BUNDLED) - 1  # i-love-ai: forward only


@pytest.mark.parametrize("path", TRAINABLE, ids=lambda p: p.stem)
def test_bundled_scenario(path: Path) -> None:
    scenario = exact(load_scenario(path))
    assert check_scenario(scenario, path.stem) > 20
    check_elsewhere(scenario, np.random.default_rng(len(path.stem)), path.stem)


@pytest.mark.parametrize("path", TRAINABLE, ids=lambda p: p.stem)
@pytest.mark.parametrize("k", [1, 2, 3])
def test_bundled_scenario_truncated(path: Path, k: int) -> None:
    scenario = exact(load_scenario(path))
    scenario = replace(scenario, train=replace(scenario.train, bptt=k))
    trace = trace_of(scenario)
    cuts = [step for step in trace if step.op == "cut"]
    longest = max(len(seq.tokens) for seq in scenario.sequences)
    if longest > k:
        assert cuts, f"{path.stem}: no cut with k = {k}"
    assert all(not np.any(step.value) for step in cuts)
    check_scenario(scenario, f"{path.stem} bptt {k}")
    check_elsewhere(scenario, np.random.default_rng(k), f"{path.stem} bptt {k}")


def test_the_tape_is_pruned() -> None:
    """Steps that only explain (δx_t, the update) are not computed for training."""
    scenario = exact(load_scenario(ROOT / "scenarios" / "sentiment.yaml"))
    trace = trace_of(scenario)
    tape, _, _ = compile_scenario(scenario)
    lines = tape.source.splitlines()
    assert len(lines) < len(trace.steps)
    computed = set(every_value(trace))
    assert len(lines) < len(computed)
    # a tape asked for δx_t computes more than the training tape
    with_dx = [key for key in computed if key.rpartition(".")[2].startswith("dx_")]
    assert with_dx, "the trace records dx_t"
    wider = CompiledTape(trace, tape.outputs + with_dx, tape.params)
    assert len(wider.source.splitlines()) > len(lines)


# -- random scenarios ---------------------------------------------------------------------------


def _topology_cases() -> list[tuple[str, str, int]]:
    from topology_oracles import KINDS

    return [(kind, cell, seed) for kind in KINDS for cell in ("rnn", "lstm", "gru")
            for seed in range(4)]  # fmt: skip


@pytest.mark.parametrize("kind,cell,seed", _topology_cases())
def test_random_topology(kind: str, cell: str, seed: int) -> None:
    from topology_oracles import random_config, to_doc

    cfg = random_config(seed, kind, cell)
    doc = to_doc(cfg)
    scenario = parse_scenario(yaml.safe_dump(doc, sort_keys=False), f"{kind}.yaml")
    check_scenario(scenario, cfg.describe())
    rng = np.random.default_rng(seed)
    check_elsewhere(scenario, rng, cfg.describe())
    k = int(rng.integers(1, 4))
    doc["train"]["bptt"] = k
    cut = parse_scenario(yaml.safe_dump(doc, sort_keys=False), f"{kind}-bptt.yaml")
    check_scenario(cut, f"{cfg.describe()} bptt {k}")
    check_elsewhere(cut, rng, f"{cfg.describe()} bptt {k}")


@pytest.mark.parametrize("seed", range(40))
def test_random_rnn(seed: int) -> None:
    """Every activation, head and loss, biases and h_0 given or not, 1 to 3 sequences."""
    from oracles import HEAD_LOSS, random_config, to_yaml

    rng = np.random.default_rng(7000 + seed)
    cfg = random_config(rng, head_loss=HEAD_LOSS[seed % len(HEAD_LOSS)],
                        output=("last", "every")[seed % 2])  # fmt: skip
    scenario = parse_scenario(to_yaml(cfg), "random.yaml")
    check_scenario(scenario, f"seed {seed}")
    check_elsewhere(scenario, rng, f"seed {seed}")


@pytest.mark.parametrize("seed", range(24))
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_random_gated_cell(cell: str, seed: int) -> None:
    """LSTM and GRU in every form and convention (gates separate or concatenated)."""
    from cell_oracles import ALL_HEAD_LOSS, random_cell_config, to_yaml

    rng = np.random.default_rng(9000 + seed)
    trains = [hl for hl in ALL_HEAD_LOSS if hl[1] != "none"]
    cfg = random_cell_config(rng, cell, head_loss=trains[seed % len(trains)])
    scenario = parse_scenario(to_yaml(cfg), f"{cell}.yaml")
    check_scenario(scenario, f"{cell} seed {seed}")
    check_elsewhere(scenario, rng, f"{cell} seed {seed}")


# -- large logits: the softmax shift -------------------------------------------------------


def _hello(scale: float, loss: str = "ce", attention: bool = False) -> Scenario:
    doc = yaml.safe_load((ROOT / "scenarios" / "hello.yaml").read_text(encoding="utf-8"))
    doc["params"]["W_hy"] = (np.asarray(doc["params"]["W_hy"]) * scale).tolist()
    doc["model"]["loss"] = loss
    if loss == "mse":  # vectors as targets: the one-hot rows of e, l, l, o
        doc["sequences"][0]["targets"] = np.eye(4)[[1, 2, 2, 3]].tolist()
    if attention:
        doc["model"]["attention"] = "self"
    return exact(parse_scenario(yaml.safe_dump(doc), "hello-large.yaml"))


@pytest.mark.parametrize("loss", ["ce", "mse"])
@pytest.mark.parametrize("attention", [False, True], ids=["plain", "self-attention"])
@pytest.mark.parametrize("scale", [200.0, 5000.0])
def test_large_logits(scale: float, loss: str, attention: bool) -> None:
    """Logits above 30 (the trace shifts them by their maximum) and above 709 (e^o would
    overflow without the shift): the tape, which always shifts, gives the same values."""
    scenario = _hello(scale, loss, attention)
    trace = trace_of(scenario)
    top = max(float(np.max(trace[f"o_{t}"].value)) for t in range(1, 5))
    assert top > (700 if scale > 1000 else 30)
    assert any(step.info.get("shift", 0.0) > 30 for step in trace if step.op == "exp")
    check_scenario(scenario, f"scale {scale}")
    tape, trained, _ = compile_scenario(scenario)
    out = tape.run({key: scenario.params[key] for key in trained})
    assert all(np.all(np.isfinite(value)) for value in out.values())


def test_tape_shifts_when_the_logits_grow_after_compiling() -> None:
    """Compiled at small logits (no shift recorded), run at parameters whose logits exceed
    709: the tape shifts by the maximum as it runs, and equals a trace made there."""
    small = _hello(1.0)
    tape, trained, _ = compile_scenario(small)
    assert all(step.info.get("shift", 0.0) == 0.0 for step in trace_of(small) if step.op == "exp")
    large = _hello(5000.0)
    params = {key: large.params[key] for key in trained}
    got = tape.run(params)
    assert all(np.all(np.isfinite(value)) for value in got.values())
    assert_same(got, trace_of(large), "logits grown after compiling")


def test_softmax_with_small_and_large_logits_of_one_sign() -> None:
    """All logits very negative (max below 30: no shift in the trace) still agree."""
    scenario = _hello(-300.0)
    check_scenario(scenario, "negative logits")


# -- gaps: parameters without a path to the loss, zero inputs --------------------------------------


def _generate_with_w_yh(targets: list[list[int]]) -> dict:
    return {
        "version": 1,
        "title": "W_yh",
        "input": {"vectors": True},
        "sequences": [{"inputs": [[0.1, 0.2]], "targets": t} for t in targets],
        "model": {"topology": "generate", "head": "softmax", "loss": "ce"},
        "params": {"W_xh": [[0.1, 0.2]], "W_hh": [[0.3]], "W_yh": [[0.1, 0.2, 0.3]],
                   "W_hy": [[0.1], [0.2], [-0.3]]},
    }  # fmt: skip


def _seq2seq_constant_weights() -> dict:
    doc = yaml.safe_load((ROOT / "scenarios" / "seq2seq.yaml").read_text(encoding="utf-8"))
    doc["model"].update(attention="general", attention_gradient="constant_weights")
    doc["params"]["attention"] = {"W_a": [[0.5, 0.1], [0.2, -0.3]]}
    return doc


def _zero_input() -> dict:
    """An input vector of zeros (a constant the tape folds away) and a zero h_0 given (a
    parameter: never folded, though its value is zero)."""
    doc = yaml.safe_load((ROOT / "scenarios" / "stacked.yaml").read_text(encoding="utf-8"))
    doc["input"]["embeddings"]["this"] = [0.0, 0.0, 0.0]
    doc["params"]["layers"][0]["h_0"] = [0.0, 0.0]
    doc["params"]["b_y"] = [0.0]
    return doc


@pytest.mark.parametrize(
    "doc",
    [_generate_with_w_yh([[2]]), _generate_with_w_yh([[2], [0, 1]]), _seq2seq_constant_weights(),
     _zero_input()],
    ids=["W_yh unused", "W_yh unused by one sequence", "W_a without gradient", "zero input"],
)  # fmt: skip
def test_gaps(doc: dict) -> None:
    """Every trained parameter has a gradient in the tape, zero where it has no path to
    the loss; training runs and moves the parameters that have one."""
    from rnntrace._internal.engine.training import Settings, train

    scenario = exact(parse_scenario(yaml.safe_dump(doc), "gap.yaml"))
    check_scenario(scenario, "gap")
    check_elsewhere(scenario, np.random.default_rng(5), "gap")
    result = train(scenario, Settings(5, 0.1), [])
    assert len(result.losses) == 5 and result.losses[-1] < result.losses[0]
    trace = trace_of(scenario)
    for key in result.trained:
        moved = not np.array_equal(result.params[key], scenario.params[key])
        assert moved == bool(np.any(trace[grad_key(key)].value)), key


# -- a text model's window: the output head for every time step at once ------------------------


def _text_window(hidden: int, window: str, seed: int):
    from rnntrace._internal.engine.textgen import TextSettings, new_state, vocabulary
    from rnntrace._internal.engine.textgen_file import model_text

    vocab = vocabulary("the quick brown fox jumps over the lazy dog")
    settings = TextSettings(hidden=hidden, window=len(window) - 1, seed=seed)
    state = new_state(len(vocab), settings)
    return parse_scenario(model_text(vocab, window, state, settings, "t", 0.0)), vocab


def _numpy_window(p: dict[str, np.ndarray], codes: list[int]) -> list[np.ndarray]:
    """One window of min-char-rnn, written here: the loss, h_T and the five gradients."""
    hs, ps, loss = [p["h_0"]], [], 0.0
    for x, y in zip(codes[:-1], codes[1:]):
        hs.append(np.tanh(p["W_xh"][:, x] + p["W_hh"] @ hs[-1] + p["b_h"]))
        logits = p["W_hy"] @ hs[-1] + p["b_y"]
        ps.append(np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum())
        loss -= np.log(ps[-1][y])
    grads = {key: np.zeros_like(p[key]) for key in ("W_xh", "W_hh", "b_h", "W_hy", "b_y")}
    dh_next = np.zeros_like(p["h_0"])
    for t in reversed(range(len(codes) - 1)):
        dy = ps[t].copy()
        dy[codes[t + 1]] -= 1.0
        grads["W_hy"] += np.outer(dy, hs[t + 1])
        grads["b_y"] += dy
        dz = (1.0 - hs[t + 1] ** 2) * (p["W_hy"].T @ dy + dh_next)
        grads["b_h"] += dz
        grads["W_xh"][:, codes[t]] += dz
        grads["W_hh"] += np.outer(dz, hs[t])
        dh_next = p["W_hh"].T @ dz
    return [np.asarray(loss), hs[-1], *grads.values()]


@pytest.mark.parametrize("seed", range(3))
def test_indexed_tape_of_a_text_window(seed: int) -> None:
    """The tape with the characters as data (``xi``, ``yi``), whose output head, softmax,
    cross-entropy, output error and tanh derivative are each one matrix over the time steps
    while the recurrences go step by step: the trace's values for its own window, and a
    min-char-rnn window written here for other windows and parameters."""
    window = "the lazy dog"
    scenario, vocab = _text_window(7, window, seed)
    trace = trace_of(scenario)
    params = ["W_xh", "W_hh", "b_h", "W_hy", "b_y", "h_0"]
    outputs = ["L", f"h_{len(window) - 1}", *(f"d{key}" for key in params[:5])]
    tape = CompiledTape(trace, outputs, params, indexed=True)
    assert "keepdims=True" in tape.source  # the softmax of all time steps at once
    assert tape.source.count("p3.T") == 1  # W_hy h_t for all t: one matrix product
    assert tape.source.count("np.tanh(") == len(window) - 1  # the recurrence: step by step
    own = [vocab.index(ch) for ch in window]
    values = {key: np.asarray(scenario.params[key], dtype=float) for key in params}
    got = tape.run_list([values[key] for key in params], own[:-1], own[1:])
    assert_same(dict(zip(outputs, got)), trace, "text window")
    rng = np.random.default_rng(seed)
    for other in ("quick brown ", "zzzzzzzzzzzz"):  # 12 characters, as the window
        codes = [vocab.index(ch) for ch in other]
        moved = {key: value + rng.uniform(-0.5, 0.5, size=value.shape)
                 for key, value in values.items()}  # fmt: skip
        got = tape.run_list([moved[key] for key in params], codes[:-1], codes[1:])
        for key, value, want in zip(outputs, got, _numpy_window(moved, codes)):
            np.testing.assert_allclose(value, want, rtol=1e-12, atol=1e-14, err_msg=key)


# -- seed 001's training techniques (issue 13) --------------------------------------------------


def _windowed(path: Path) -> bool:
    model = load_scenario(path).model
    return model.topology == "standard" and model.attention == "none"


WINDOWED = [path for path in TRAINABLE if _windowed(path)]


@pytest.mark.parametrize("path", WINDOWED, ids=lambda p: p.stem)
@pytest.mark.parametrize("k", [1, 2, 3])
def test_bundled_scenario_bptt_window(path: Path, k: int) -> None:
    """Every loss's own chain (``train.bptt_window``) compiles to the recorded values."""
    scenario = exact(load_scenario(path))
    scenario = replace(scenario, train=replace(scenario.train, bptt_window=k))
    trace = trace_of(scenario)
    assert any(step.key.endswith(f"_L{step.time}") for step in trace if step.time), path.stem
    check_scenario(scenario, f"{path.stem} window {k}")
    check_elsewhere(scenario, np.random.default_rng(k), f"{path.stem} window {k}")


TECHNIQUES = {
    "lr_schedule": {"kind": "exponential", "decay": 0.9},
    "l2_penalty": 0.01,
    "recurrent_decay": 0.05,
    "clip": 0.2,
    "clip_eps": 1e-6,
    "l2": 0.001,
}


@pytest.mark.parametrize("path", TRAINABLE, ids=lambda p: p.stem)
@pytest.mark.parametrize("epoch", [1, 4])
def test_bundled_scenario_update_with_techniques(path: Path, epoch: int) -> None:
    """The update's steps (penalty, clipping with ε, decay, the epoch's η, recurrent decay,
    the step) compiled with the epoch as an argument equal the recorded ones."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["train"] = {**doc.get("train", {}), **TECHNIQUES}
    scenario = exact(parse_scenario(yaml.safe_dump(doc, sort_keys=False), path.name))
    scenario = replace(scenario, train=replace(scenario.train, epoch=epoch))
    trace = trace_of(scenario)
    trained = list(trace.meta.trained)
    updates = [step.key for step in trace if step.phase == "update" or step.key == "L_penalty"]
    assert {"eta", "L_penalty", "clip_factor"} <= set(updates)
    tape = CompiledTape(trace, updates, trained, inputs=("epoch",))
    values = [np.asarray(scenario.params[key], dtype=float) for key in trained]
    got = dict(zip(updates, tape.run_list(values, epoch)))
    assert_same(got, trace, f"{path.stem} update at epoch {epoch}")
