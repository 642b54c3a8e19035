"""gradflow on long sequences (issue 14): the forward pass unrolled from one traced step is
the tracer's, to the bit, for every bundled scenario it applies to; 10⁴ steps through the
command and 10⁵ steps through the analysis in bounded time, against a numpy reference
written here from the equations; and the JSON writers' size check."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml
from cell_oracles import GRU_VARIANTS, parse_config, random_cell_config
from click.testing import CliRunner

from rnntrace._internal.analysis.gradcheck import exact
from rnntrace._internal.analysis.gradflow import analyse, forward_pass
from rnntrace._internal.cli import cli
from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.engine.unrolled import unrolled_forward
from rnntrace._internal.scenario import load_scenario

SCENARIOS = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml"))


def _traced(scenario):
    return trace_scenario(replace(scenario, model=replace(scenario.model, loss="none")))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_the_unrolled_forward_pass_is_the_traced_one(path):
    scenario = exact(load_scenario(path))
    traced = _traced(scenario)
    for number, seq in enumerate(scenario.sequences, start=1):
        unrolled = unrolled_forward(scenario, number)
        if unrolled is None:
            assert scenario.model.topology != "standard" or seq.length <= 3
            continue
        assert unrolled.meta == traced.meta
        prefix = traced.meta.sequences[number - 1].prefix
        states = {s.key for s in traced if s.key.startswith(prefix) and s.key.rpartition(".")[2]
                  .startswith(("h_", "c_")) and s.phase == "forward" and s.time}  # fmt: skip
        assert states <= {s.key for s in unrolled}
        for step in unrolled:
            same = traced[step.key]
            assert (step.symbol, step.op, step.operands, step.time, step.sequence, step.phase) == (
                same.symbol,
                same.op,
                same.operands,
                same.time,
                same.sequence,
                same.phase,
            )
            assert np.array_equal(step.value, same.value), step.key  # to the bit


CELLS = [("lstm", "separate", None, None), ("lstm", "concatenated", None, None)]
CELLS += [("gru", form, variant, update) for variant, update, form in GRU_VARIANTS]


@pytest.mark.parametrize(("cell", "form", "variant", "update"), CELLS)
@pytest.mark.parametrize("seed", range(3))
def test_the_unrolled_pass_of_random_lstms_and_grus_is_the_traced_one(
    cell, form, variant, update, seed
):
    rng = np.random.default_rng(4000 + seed)
    cfg = random_cell_config(rng, cell, form=form, variant=variant, update=update, max_T=9)
    scenario = exact(parse_config(cfg))
    traced = _traced(scenario)
    for number in range(1, len(scenario.sequences) + 1):
        unrolled = unrolled_forward(scenario, number)
        assert (unrolled is None) == (scenario.sequences[number - 1].length <= 3)
        for step in unrolled or []:
            assert step.operands == traced[step.key].operands
            assert np.array_equal(step.value, traced[step.key].value), step.key


@pytest.mark.parametrize("name", ["sentiment-lstm", "sentiment-gru", "stacked"])
def test_the_analysis_of_the_unrolled_pass_is_that_of_the_trace(name):
    scenario = exact(load_scenario(f"scenarios/{name}.yaml"))
    unrolled = unrolled_forward(scenario, 1)
    assert unrolled is not None
    for part in ("l1", "l2") if name == "stacked" else (None,):
        ours = analyse(unrolled, scenario, 1, part)
        theirs = analyse(_traced(scenario), scenario, 1, part)
        assert [d.norm for d in ours.distances] == [d.norm for d in theirs.distances]
        for a, b in zip([*ours.distances, *ours.steps], [*theirs.distances, *theirs.steps]):
            assert np.array_equal(a.jacobian, b.jacobian)
        assert ours.verdict == theirs.verdict


def test_layers_whose_steps_differ_from_step_to_step_are_traced():
    for name in ("bidirectional", "seq2seq", "generate", "i-love-ai"):  # the last: 3 steps
        scenario = exact(load_scenario(f"scenarios/{name}.yaml"))
        assert unrolled_forward(scenario, 1) is None
        assert forward_pass(scenario, 1).meta.title == scenario.title  # traced instead


def _long_rnn(T: int, H: int = 4, V: int = 5, seed: int = 1) -> tuple[str, dict]:
    """A tanh RNN over T one-hot characters; W_hh = 0.999 × an orthogonal matrix, so the
    gradient fades slowly enough to measure over thousands of steps."""
    rng = np.random.default_rng(seed)
    vocab = list("abcdefgh"[:V])
    q, _ = np.linalg.qr(rng.normal(size=(H, H)))
    tokens = "".join(rng.choice(vocab, T))
    params = {"W_xh": rng.normal(0, 0.05, (H, V)).round(4), "W_hh": (0.999 * q).round(4),
              "b_h": rng.normal(0, 0.01, H).round(4)}  # fmt: skip
    doc = {"input": {"one_hot": vocab},
           "sequences": [{"tokens": tokens, "split": "chars"}],
           "model": {"cell": "rnn", "output": "last", "head": "identity"},
           "params": {**{k: v.tolist() for k, v in params.items()},
                      "W_hy": [[0.1] * H], "b_y": [0.0]}}  # fmt: skip
    reference = {**params, "x": np.array([vocab.index(c) for c in tokens])}
    return yaml.safe_dump(doc, default_flow_style=True, width=10**9), reference


def _numpy_reference(ref: dict, ks: list[int]) -> tuple[np.ndarray, dict[int, float]]:
    """From the equations alone: h_t = tanh(W_xh x_t + W_hh h_(t−1) + b_h) from h_0 = 0, then
    J_k = ∂h_T/∂h_(T−k) = Π_(j=T..T−k+1) diag(1 − h_j²) W_hh and ‖J_k‖₂ at the given k."""
    W_xh, W_hh, b_h = ref["W_xh"], ref["W_hh"], ref["b_h"]
    T, H = len(ref["x"]), W_hh.shape[0]
    h = np.zeros((T + 1, H))
    for t in range(1, T + 1):
        h[t] = np.tanh(W_xh[:, ref["x"][t - 1]] + W_hh @ h[t - 1] + b_h)
    norms, J = {}, np.eye(H)
    for k in range(1, max(ks) + 1):
        J = J @ ((1 - h[T - k + 1] ** 2)[:, None] * W_hh)
        if k in ks:
            norms[k] = float(np.linalg.norm(J, 2))
    return h, norms


def test_gradflow_of_100000_steps_against_numpy(tmp_path):
    T = 100_000
    text, ref = _long_rnn(T)
    path = tmp_path / "long.yaml"
    path.write_text(text, encoding="utf-8")
    scenario = exact(load_scenario(path))
    flow = analyse(forward_pass(scenario, 1), scenario, 1)
    ks = [1, 2, 10, 100, 1000, 10_000, T]
    h, norms = _numpy_reference(ref, ks)
    assert flow.time == T and len(flow.distances) == T and flow.target_key == f"h_{T}"
    for k in ks[:-1]:
        assert flow.distances[k - 1].norm == pytest.approx(norms[k], rel=1e-9), k
    assert flow.distances[T - 1].norm == pytest.approx(norms[T], rel=1e-6, abs=1e-320)
    assert flow.distances[T - 1].source_key == "h_0"
    for j in (1, 2, 50_000, T):  # f'(z_j) = 1 − h_j² of the step table
        assert np.allclose(flow.steps[j - 1].derivative, 1 - h[j] ** 2, rtol=1e-12)


def test_gradflow_command_of_10000_steps_against_numpy(tmp_path):
    T = 10_000
    text, ref = _long_rnn(T, seed=2)
    path = tmp_path / "long.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["gradflow", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output[-300:]  # its speed: benchmarks/bench_gradflow.py
    doc = json.loads(result.output)
    ks = [1, 10, 100, 1000, T]
    _, norms = _numpy_reference(ref, ks)
    for k in ks:
        assert doc["distances"][k - 1]["norm"] == pytest.approx(norms[k], rel=1e-9), k


def test_gradflow_json_beyond_the_limit_is_refused_in_one_line(tmp_path, monkeypatch):
    from rnntrace._internal.engine import size

    path = tmp_path / "long.yaml"
    path.write_text(_long_rnn(3000)[0], encoding="utf-8")
    monkeypatch.setitem(size.OUTPUT_LIMITS, "json", 1_000_000)  # 3,000 steps: about 3 MB
    runner = CliRunner()
    refused = runner.invoke(cli, ["gradflow", str(path), "--format", "json"])
    assert refused.exit_code == 2
    message = refused.output.strip()
    assert "\n" not in message and "json output would be about" in message
    assert "3,000 steps back" in message and "limit is 1 MB" in message
    assert "--allow-large" in message and "--format text" in message
    allowed = runner.invoke(cli, ["gradflow", str(path), "--format", "json", "--allow-large"])
    assert allowed.exit_code == 0 and len(json.loads(allowed.output)["distances"]) == 3000
    assert runner.invoke(cli, ["gradflow", str(path)]).exit_code == 0  # text: its own limit


def test_the_size_estimate_of_gradflow_json_is_close(tmp_path):
    from rnntrace._internal.engine.size import document_bytes
    from rnntrace._internal.render.gradflow_json import dumps, gradflow_document, gradflow_size

    path = tmp_path / "long.yaml"
    path.write_text(_long_rnn(2000)[0], encoding="utf-8")
    scenario = exact(load_scenario(path))
    flow = analyse(forward_pass(scenario, 1), scenario, 1)
    written = len(dumps(gradflow_document(flow)).encode())
    assert 0.8 < document_bytes(*gradflow_size(flow)) / written < 1.5


def test_train_json_beyond_the_limit_is_refused_before_training(tmp_path, monkeypatch):
    from rnntrace._internal.engine import size

    monkeypatch.setitem(size.OUTPUT_LIMITS, "json", 100_000)  # 10,000 losses: about 240 KB
    runner = CliRunner()

    def no_training(*args, **kwargs):
        raise AssertionError("trained before refusing")

    with monkeypatch.context() as patch:  # refused before any epoch runs
        patch.setattr("rnntrace._internal.engine.training.train", no_training)
        refused = runner.invoke(cli, ["train", "scenarios/hello.yaml", "--epochs", "10000",
                                      "--format", "json"])  # fmt: skip
    assert refused.exit_code == 2, refused.output
    message = refused.output.strip()
    assert "\n" not in message and "10,000 epochs" in message and "--allow-large" in message
    small = runner.invoke(cli, ["train", "scenarios/hello.yaml", "--epochs", "10",
                                "--format", "json"])  # fmt: skip
    assert small.exit_code == 0, small.output


def test_the_trace_json_writer_checks_the_trace_it_writes(tmp_path, monkeypatch):
    """run's own check of the trace it made (the estimate before tracing passes here), and
    train --trace-epoch's, which has no estimate before tracing."""
    from rnntrace._internal.engine import size

    monkeypatch.setitem(size.OUTPUT_LIMITS, "json", 20_000)
    monkeypatch.setattr(size, "refuse_large", lambda *args, **kwargs: None)
    runner = CliRunner()
    for args in (["run", "scenarios/sentiment.yaml", "--format", "json"],
                 ["train", "scenarios/sentiment.yaml", "--trace-epoch", "1", "--epochs", "1",
                  "--format", "json"]):  # fmt: skip
        refused = runner.invoke(cli, args)
        assert refused.exit_code == 2, refused.output[-300:]
        message = refused.output.strip()
        assert "\n" not in message and "json output would be about" in message
        assert "steps," in message and "--allow-large" in message
        assert runner.invoke(cli, [*args, "--allow-large"]).exit_code == 0


RNN_SCENARIOS = ["sentiment", "skip-dropout", "stacked", "bidirectional", "hello", "sentiment-rows"]


@pytest.mark.parametrize("name", RNN_SCENARIOS)
@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_the_simple_rnns_step_jacobians_of_all_steps_at_once_are_the_equations(name, activation):
    """A_j = diag(f'(z_j)) W_hh diag(m_j) + α I, each from the trace's values with numpy
    here (f' written out; m_j the recurrent dropout mask, α model.skip), to the bit."""
    from rnntrace._internal.analysis.gradflow import parts_of
    from rnntrace._internal.analysis.jacobians import Layer

    scenario = exact(load_scenario(SCENARIOS[[p.stem for p in SCENARIOS].index(name)]))
    scenario = replace(scenario, model=replace(scenario.model, activation=activation))
    trace = _traced(scenario)
    for info in trace.meta.sequences:
        for part in parts_of(scenario):
            layer = Layer(trace, info.prefix, part, scenario.model)
            steps = layer.steps()
            assert [s.time for s in steps] == layer.times
            key = info.prefix + part
            for s in steps:
                t = s.time
                h = trace.value(f"{key}hf_{t}" if f"{key}hf_{t}" in trace else f"{key}h_{t}")
                z = trace.value(f"{key}z_{t}")
                d = {"tanh": 1.0 - h * h, "sigmoid": h * (1.0 - h),
                     "relu": (z > 0).astype(float)}[activation]  # fmt: skip
                rows = scenario.model.layout == "rows"  # h_(t-1) W_hh: A_j holds W_hhᵀ
                W = trace.value(f"{part}W_hh").T if rows else trace.value(f"{part}W_hh")
                read = trace[f"{key}zh_{t}"].operands[0 if rows else 1]
                if read.rpartition(".")[2].startswith("hd_"):
                    W = W * trace.value(trace[read].operands[0])[None, :]
                    read = trace[read].operands[1]
                A = d[:, None] * W
                if scenario.model.skip:
                    A = A + scenario.model.skip * np.eye(len(h))
                assert s.key == f"{key}h_{t}" and s.prev_key == read
                assert np.array_equal(s.derivative, d), (name, t)
                assert np.array_equal(s.state, A), (name, t)


def test_extending_a_trace_refuses_a_key_it_has_as_adding_does():
    scenario = exact(load_scenario(SCENARIOS[[p.stem for p in SCENARIOS].index("sentiment")]))
    trace = _traced(scenario)
    steps, count = list(trace), len(trace)
    with pytest.raises(ValueError, match="duplicate step key"):
        trace.extend([steps[-1]])
    again = type(trace)(trace.meta)
    again.extend(steps[:3])
    with pytest.raises(ValueError, match="duplicate step key"):
        again.extend([steps[3], steps[3]])
    assert [s.key for s in again] == [s.key for s in steps[:4]] and len(trace) == count
