"""Long inputs (issue 14): the compiled tape of a million steps, training on a long
sequence, and the size limit of run and export, all in bounded time."""

from __future__ import annotations

import numpy as np
import yaml
from click.testing import CliRunner

from rnntrace._internal.cli import cli
from rnntrace._internal.engine.compiled import CompiledTape
from rnntrace._internal.symbol.label import Label
from rnntrace._internal.trace import Step, Trace, TraceMeta


def _meta() -> TraceMeta:
    return TraceMeta(title="chain", description=None, cell="rnn", activation="tanh",
                     output="none", head="identity", loss="none", sizes={"D": 1, "H": 1},
                     input_kind="vectors", decimals=4, carry="exact", round_terms=False,
                     learning_rate=0.1, params=("w",), trained=("w",), symbols={},
                     sequences=())  # fmt: skip


def _step(key: str, op: str, operands: tuple[str, ...], value: float, **info) -> Step:
    v = np.array(value)
    return Step(key, key, None, None, "forward", op, operands, v, v, Label("param", ref=key), info)


def test_a_long_tape_compiles_in_parts_and_runs():
    """h_t = tanh(w h_(t−1)) for 60,000 steps (120,000 recorded steps) and the sum of
    every h_t: no recursion in compiling or running, and the value of a plain loop."""
    n = 60_000
    trace = Trace(_meta())
    trace.add(_step("w", "given", (), 0.9))
    trace.add(_step("h_0", "given", (), 0.5))
    h, total = 0.5, 0.0
    for t in range(1, n + 1):
        trace.add(_step(f"z_{t}", "hadamard", ("w", f"h_{t - 1}"), 0.0))
        trace.add(_step(f"h_{t}", "activation", (f"z_{t}",), 0.0, activation="tanh"))
    trace.add(_step("S", "add", tuple(f"h_{t}" for t in range(1, n + 1)), 0.0))
    assert len(trace) > 100_000
    tape = CompiledTape(trace, ["S", f"h_{n}"], ["w"])
    got = tape.run({"w": np.array(0.8)})
    for _ in range(n):
        h = np.tanh(0.8 * h)
        total += h
    assert abs(float(got["S"]) - total) < 1e-9 * abs(total)
    assert float(got[f"h_{n}"]) == h


def _long(T: int, H: int, V: int = 4, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    vocab = list("abcdefghijklmnop"[:V])
    r = lambda *s: np.round(rng.normal(0, 0.3, s), 3).tolist()  # noqa: E731
    doc = {"input": {"one_hot": vocab},
           "sequences": [{"tokens": "".join(rng.choice(vocab, T)), "split": "chars",
                          "targets": "".join(rng.choice(vocab, T))}],
           "model": {"cell": "rnn", "output": "every", "head": "softmax", "loss": "ce"},
           "params": {"W_xh": r(H, V), "W_hh": r(H, H), "b_h": r(H), "W_hy": r(V, H),
                      "b_y": r(V)}}  # fmt: skip
    return yaml.safe_dump(doc, default_flow_style=True, width=10**9)


def test_train_on_a_sequence_of_3000_tokens(tmp_path):
    path = tmp_path / "long.yaml"
    path.write_text(_long(3000, 3), encoding="utf-8")
    result = CliRunner().invoke(cli, ["train", str(path), "--epochs", "3", "--lr", "0.001",
                                      "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "RecursionError" not in result.output


def test_run_and_export_refuse_a_trace_too_large_in_one_line(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text(_long(50_000, 100, V=4), encoding="utf-8")
    runner = CliRunner()
    for args in (["run", str(path)], ["run", str(path), "--format", "json"],
                 ["export", str(path), "-o", str(tmp_path / "w.tex")]):  # fmt: skip
        result = runner.invoke(cli, args)
        assert result.exit_code == 2, result.output
        message = result.output.strip()
        assert "\n" not in message and "MB of memory" in message and "limit" in message
    assert "--allow-large" in runner.invoke(cli, ["run", str(path)]).output


def test_run_refuses_long_text_output_but_not_a_part_of_it(tmp_path):
    path = tmp_path / "long.yaml"
    path.write_text(_long(3000, 2), encoding="utf-8")
    runner = CliRunner()
    whole = runner.invoke(cli, ["run", str(path)])
    assert whole.exit_code == 2 and "--steps" in whole.output and "text output" in whole.output
    part = runner.invoke(cli, ["run", str(path), "--steps", "1-2", "--phase", "forward"])
    assert part.exit_code == 0, part.output
    assert "h_2" in part.output


def _small_weights(T: int, H: int, V: int = 5) -> str:
    text = _long(T, H, V)
    doc = yaml.safe_load(text)
    for key, value in doc["params"].items():
        doc["params"][key] = (np.array(value) / 6).round(4).tolist()  # no exploding gradient
    return yaml.safe_dump(doc, default_flow_style=True, width=10**9)


def test_gradcheck_of_300_steps_and_hidden_50_is_quick(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text(_small_weights(300, 50), encoding="utf-8")
    result = CliRunner().invoke(cli, ["gradcheck", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    import json

    doc = json.loads(result.output)
    assert doc["passed"] and "checked 85 of the 3,055 entries" in " ".join(doc.get("notes", []))


def test_gradflow_of_10000_steps_in_bounded_time(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text(_small_weights(10_000, 4), encoding="utf-8")
    result = CliRunner().invoke(cli, ["gradflow", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output[-300:]
