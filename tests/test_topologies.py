"""The topology scenarios (issue 6): the bundled ones run, print within 80 columns and
write JSON with the documented keys; hello with self-attention agrees with a hand
calculation; the loader refuses topology keys that do not fit together, each with a
message that names the key; and known engine gaps are pinned as strict xfails."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from rnntrace._internal.cli import cli
from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.errors import ScenarioError
from rnntrace._internal.scenario import load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
BUNDLED = ["hello", "hello-attention", "generate", "seq2seq", "bidirectional", "stacked"]


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def grad_key(param: str) -> str:
    part, dot, base = param.rpartition(".")
    return f"{part}{dot}d{base}"


# -- the bundled scenarios -------------------------------------------------------------------

# Keys each bundled scenario's trace has (the README's table of topology keys).
DOCUMENTED_KEYS = {
    "hello": ["x_1", "h_4", "o_1", "y_4", "L_1", "L_4", "L", "do_4", "dh_1", "dW_hy",
              "W_xh_new"],
    "hello-attention": ["A_2", "ea_2", "Sa_2", "alpha_2", "Z_2", "dZ_2", "dalpha_2", "dA_2",
                        "dh_ctx_2_1", "dh_q_2", "dh_k_2_1", "dW_hh", "W_hy_new"],
    "generate": ["x_1", "x_2", "x_4", "do_L_1", "do_fb_1", "do_4", "dW_xh", "W_xh_new"],
    "seq2seq": ["enc.h_3", "dec.h_1", "dec.y_1", "dec.u_1", "dec.dy_1", "att.e_1",
                "att.alpha_1", "att.c_1", "att.dc_1", "att.de_1", "att.dq_1", "enc.dW_hh",
                "dec.dW_xh", "enc.W_hh_new", "dec.b_h_new"],
    "bidirectional": ["fw.h_6", "bw.h_1", "hcat_6", "dhcat_6", "fw.dh_out_6", "bw.dh_out_6",
                      "fw.dW_xh", "bw.dW_hh", "bw.W_xh_new", "dx_1"],
    "stacked": ["l1.h_4", "l2.h_4", "l2.res_4", "l1.dW_xh", "l2.dW_hh", "l2.W_hh_new"],
}  # fmt: skip
META_KEYS = {"title", "description", "model", "sizes", "input", "numbers", "learning_rate",
             "params", "trained", "symbols", "sequences"}  # fmt: skip
STEP_KEYS = {"key", "symbol", "label", "sequence", "time", "phase", "op", "operands", "shape",
             "value"}  # fmt: skip


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenario_runs_within_80_columns(name: str) -> None:
    path = SCENARIOS / f"{name}.yaml"
    trace = trace_scenario(load_scenario(path))
    assert "L" in trace and trace.meta.trained
    for param in trace.meta.trained:
        assert grad_key(param) in trace and f"{param}_new" in trace, param
    result = invoke("run", str(path))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    too_wide = [line for line in lines if len(line.rstrip()) > 80]
    assert not too_wide, too_wide[:3]
    assert "Backpropagation through time" in result.output
    assert "Update" in result.output


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenario_json_has_the_documented_keys(name: str) -> None:
    result = invoke("run", str(SCENARIOS / f"{name}.yaml"), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["format"] == "rnntrace-trace" and data["version"] == 1
    assert set(data["meta"]) >= META_KEYS
    steps = {step["key"]: step for step in data["steps"]}
    assert all(set(step) >= STEP_KEYS for step in data["steps"])
    missing = [key for key in DOCUMENTED_KEYS[name] if key not in steps]
    assert not missing, missing
    meta = data["meta"]
    assert set(meta["trained"]) <= set(meta["params"])
    for param in meta["trained"]:
        assert grad_key(param) in steps and f"{param}_new" in steps
    # a part's keys have its prefix; the output's have none
    prefixes = {"seq2seq": ("enc.", "dec."), "bidirectional": ("fw.", "bw."),
                "stacked": ("l1.", "l2.")}.get(name, ())  # fmt: skip
    for prefix in prefixes:
        assert any(p.startswith(prefix) for p in meta["params"]), prefix
    assert "W_hy" in meta["params"]
    for t in meta["sequences"][0]["output_steps"]:
        assert {f"o_{t}", f"y_{t}", f"do_{t}", f"dW_hy_{t}"} <= set(steps), t


def test_stacked_residual_output_is_h_plus_the_input() -> None:
    trace = trace_scenario(load_scenario(SCENARIOS / "stacked.yaml"))  # carried rounded
    for t in range(1, 5):
        assert np.allclose(trace[f"l2.res_{t}"].value,
                           trace.value(f"l2.h_{t}") + trace.value(f"l1.h_{t}"))  # fmt: skip


def test_bidirectional_last_output_reads_forward_end_and_backward_start() -> None:
    trace = trace_scenario(load_scenario(SCENARIOS / "bidirectional.yaml"))
    both = np.concatenate([trace.value("fw.h_6"), trace.value("bw.h_1")])
    assert np.array_equal(trace["hcat_6"].value, both)


# -- hello with self-attention, by hand ------------------------------------------------------


def _softmax(values: list[float]) -> list[float]:
    exps = [math.exp(v) for v in values]
    return [e / sum(exps) for e in exps]


def hand_calculation() -> dict[str, list[float]]:
    """The first two steps of scenarios/hello-attention.yaml, hidden size 1, in plain Python:
    x_1 = one-hot 'h', x_2 = one-hot 'e'; targets 'e' and 'l'."""
    w_xh = {"h": 0.5, "e": -0.3, "l": 0.2, "o": 0.1}
    w_hh, w_hy = 0.4, [0.3, -0.2, 0.5, 0.1]
    out: dict[str, list[float]] = {}
    hs: list[float] = []
    h = 0.0
    for t, (token, target) in enumerate([("h", 1), ("e", 2)], start=1):
        h = math.tanh(w_xh[token] + w_hh * h)  # z_t = W_xh x_t + W_hh h_{t-1} + 0
        hs.append(h)
        scores = [h_i * h for h_i in hs]  # A_{t,i} = h_i · h_t
        alpha = _softmax(scores)
        context = sum(a * h_i for a, h_i in zip(alpha, hs))  # Z_t
        logits = [w * context for w in w_hy]  # o_t = W_hy Z_t + 0
        y = _softmax(logits)
        out.update({f"h_{t}": [h], f"A_{t}": scores, f"alpha_{t}": alpha, f"Z_{t}": [context],
                    f"o_{t}": logits, f"y_{t}": y, f"L_{t}": [-math.log(y[target])]})  # fmt: skip
    return out


def test_hello_attention_matches_a_hand_calculation() -> None:
    trace = trace_scenario(load_scenario(SCENARIOS / "hello-attention.yaml"))
    assert trace.meta.sizes["H"] == 1
    for key, want in hand_calculation().items():
        got = np.atleast_1d(trace[key].value)
        assert np.allclose(got, want, rtol=1e-12, atol=1e-14), (key, got, want)


def test_hello_attention_prints_the_hand_calculation() -> None:
    """The printed solution shows the numbers a student writes down (4 decimals)."""
    result = invoke("run", str(SCENARIOS / "hello-attention.yaml"))
    assert result.exit_code == 0, result.output
    hand = hand_calculation()

    def shown(values: list[float]) -> str:
        return ", ".join(f"{v:.4f}".replace("-", "−") for v in values)

    text = result.output
    assert "A_2 = [h_1 · h_2, h_2 · h_2]" in text
    assert f"[{shown(hand['A_2'])}]" in text
    assert f"[{shown(hand['alpha_2'])}]" in text
    assert shown(hand["Z_2"]) in text
    assert f"[{shown(hand['y_1'])}]" in text
    assert "self attention" in text


def test_hello_attention_step_one_is_plain_hello() -> None:
    """At t = 1 the only weight is 1, so Z_1 = h_1 and the first output is hello's."""
    plain = trace_scenario(load_scenario(SCENARIOS / "hello.yaml"))
    attention = trace_scenario(load_scenario(SCENARIOS / "hello-attention.yaml"))
    assert np.array_equal(attention["alpha_1"].value, [1.0])
    assert np.allclose(attention["y_1"].value, plain["y_1"].value, rtol=1e-15)
    assert not np.allclose(attention["y_2"].value, plain["y_2"].value)


# -- loader errors ---------------------------------------------------------------------------


def _doc(name: str) -> dict:
    return yaml.safe_load((SCENARIOS / f"{name}.yaml").read_text(encoding="utf-8"))


def _set(doc: dict, path: str, value) -> dict:
    *parents, last = path.split(".")
    node = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is _DELETE:
        del node[last]
    else:
        node[int(last) if isinstance(node, list) else last] = value
    return doc


_DELETE = object()
LSTM_PART = {f"W_{g}{s}": [[0.1] * (2 if s == "x" else 1)] for g in "fico" for s in "xh"}
LSTM_CONCAT = {f"W_{g}": [[0.1, 0.2, 0.3]] for g in "fico"}

# (scenario, [(path, value), ...], error path, phrases)
LOADER_ERRORS = {
    "layers with a non-standard topology": (
        "stacked", [("model.topology", "bidirectional")], "model.layers",
        ["stacked layers go with topology 'standard'", "'bidirectional'"]),
    "residual with one layer": (
        "hello", [("model.residual", True)], "model.residual",
        ["residual connection needs model.layers of 2 or more"]),
    "self-attention with encoder_decoder": (
        "seq2seq", [("model.attention", "self")], "model.attention",
        ["self-attention goes with topology 'standard'", "'encoder_decoder'"]),
    "dot attention with standard": (
        "hello", [("model.attention", "dot")], "model.attention",
        ["'dot' attention goes with topology 'encoder_decoder'", "use 'self'"]),
    "teacher forcing on standard": (
        "hello", [("model.teacher_forcing", True)], "model.teacher_forcing",
        ["generate and encoder_decoder"]),
    "output last with generate": (
        "generate", [("model.output", "last")], "model.output",
        ["'generate'", "output at every step", "output: every"]),
    "generate with two input tokens": (
        "generate", [("sequences.0.tokens", "h e")], "sequences[0].tokens",
        ["reads one input, found 2"]),
    "decoder hidden size differs from the encoder's": (
        "seq2seq", [("params.decoder", {"W_xh": [[0.1] * 4] * 3, "W_hh": [[0.1] * 3] * 3})],
        "params.decoder", ["hidden size 3", "encoder's last state, of 2 entries"]),
    "missing params.encoder": (
        "seq2seq", [("params.encoder", _DELETE)], "params.encoder",
        ["missing", "encoder, decoder"]),
    "W_hy width of a bidirectional model": (
        "bidirectional", [("params.W_hy", [[0.3, 0.2, 0.4]])], "params.W_hy",
        ["shape (1, 3)", "(1, 4)", "[h→, h←] has 2 + 2 entries"]),
    "unknown key under params of a layered model": (
        "stacked", [("params.W_xh", [[0.1]])], "params.W_xh",
        ["unknown key", "2-layer model has params layers, W_hy, b_y"]),
    "steps on a standard model": (
        "hello", [("sequences.0.steps", 3)], "sequences[0].steps",
        ["applies to topologies generate and encoder_decoder"]),
    "model.layers differs from the layers given": (
        "stacked", [("model.layers", 3)], "params.layers",
        ["2 layers, but model.layers is 3"]),
    # beyond the brief's list
    "attention_gradient without attention": (
        "hello", [("model.attention_gradient", "constant_weights")], "model.attention_gradient",
        ["applies to a model with attention"]),
    "general attention without params.attention": (
        "seq2seq", [("model.attention", "general")], "params.attention",
        ["missing", "encoder, decoder, attention"]),
    "a W_a of the wrong shape": (
        "seq2seq", [("model.attention", "general"), ("params.attention", {"W_a": [[1, 0, 0]]})],
        "params.attention.W_a", ["shape (1, 3)", "(2, 2)"]),
    "the decoder's input matrix ignores the context": (
        "seq2seq", [("params.decoder.W_xh", [[0.2, -0.1], [0.3, 0.2]])],
        "params.decoder.W_xh", ["(2, 4)", "[previous output, context] (2 + 2)"]),
    "a decoder h_0": (
        "seq2seq", [("params.decoder.h_0", [0.0, 0.0])], "params.decoder.h_0",
        ["the decoder has no h_0", "encoder's last state"]),
    "residual layers of different sizes": (
        "stacked", [("params.layers.1", {"W_xh": [[0.5, -0.2]], "W_hh": [[0.2]]})],
        "params.layers[1]", ["hidden size 1", "residual connection", "of 2 entries"]),
    "generate with K != D and no W_yh": (
        "generate", [("params.W_hy", [[0.3, -0.1], [-0.2, 0.4], [0.5, 0.2]]),
                     ("params.b_y", [0.0, 0.0, 0.0]), ("sequences.0.targets", [0, 1, 1, 2])],
        "params", ["K = 3", "D = 4", "W_yh (H, K)"]),
    "steps and targets disagree": (
        "generate", [("sequences.0.steps", 3)], "sequences[0].steps",
        ["3 steps, but 4 targets"]),
    "encoder_decoder without targets or steps": (
        "seq2seq", [("sequences.0.targets", _DELETE)], "sequences[0].targets",
        ["missing", "`steps`"]),
    "gates in two forms in two parts": (
        "bidirectional",
        [("model.cell", "lstm"), ("input", {"vectors": True}),
         ("sequences.0", {"inputs": [[0.1, 0.2], [0.3, 0.4]], "label": 1}),
         ("params.forward", LSTM_CONCAT), ("params.backward", LSTM_PART),
         ("params.W_hy", [[0.1, 0.2]])],
        "params.backward", ["gates written separately", "params.forward writes them "
                            "concatenated", "one form"]),
}  # fmt: skip


@pytest.mark.parametrize("case", list(LOADER_ERRORS))
def test_loader_refuses(case: str) -> None:
    name, edits, path, phrases = LOADER_ERRORS[case]
    doc = _doc(name)
    for where, value in edits:
        _set(doc, where, value)
    with pytest.raises(ScenarioError) as info:
        parse_scenario(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), "bad.yaml")
    error = info.value
    assert error.path == path, str(error)
    assert error.line is not None, str(error)  # located in the file
    for phrase in phrases:
        assert phrase in error.message, f"{phrase!r} not in {str(error)!r}"


def test_the_unedited_scenarios_load() -> None:
    for name in BUNDLED:
        parse_scenario(yaml.safe_dump(_doc(name), allow_unicode=True), f"{name}.yaml")


# -- known gaps (reported; each xfail is strict, so that a fix shows up) ---------------------


def _generate_with_w_yh(targets: list[list[int]]) -> dict:
    return {
        "input": {"vectors": True},
        "sequences": [{"inputs": [[0.1, 0.2]], "targets": t} for t in targets],
        "model": {"topology": "generate", "head": "softmax", "loss": "ce"},
        "params": {"W_xh": [[0.1, 0.2]], "W_hh": [[0.3]], "W_yh": [[0.1, 0.2, 0.3]],
                   "W_hy": [[0.1], [0.2], [-0.3]]},
    }  # fmt: skip


def _trace_doc(doc: dict):
    return trace_scenario(parse_scenario(yaml.safe_dump(doc), "gap.yaml"))


def test_w_yh_unused_by_a_one_step_sequence() -> None:
    """W_yh acts on fed-back outputs only (t ≥ 2): a sequence of one step does not use it."""
    trace = _trace_doc(_generate_with_w_yh([[0, 1], [2]]))
    assert np.array_equal(trace["s2.dW_yh"].value, np.zeros((1, 3)))


@pytest.mark.parametrize("case", ["W_yh, one step", "W_yh, first sequence one step",
                                  "att.W_a, constant weights"])  # fmt: skip
def test_every_trained_parameter_has_a_gradient_and_an_update(case: str) -> None:
    if case.startswith("W_yh"):
        doc = _generate_with_w_yh([[2]] if case == "W_yh, one step" else [[2], [0, 1]])
    else:
        doc = _doc("seq2seq")
        doc["model"].update(attention="general", attention_gradient="constant_weights")
        doc["params"]["attention"] = {"W_a": [[0.5, 0.1], [0.2, -0.3]]}
    trace = _trace_doc(doc)
    missing = [p for p in trace.meta.trained if grad_key(p) not in trace or f"{p}_new" not in
               trace]  # fmt: skip
    assert not missing


TEACHER_FORCING_GAPS = {
    "generate, steps without targets": (
        {"topology": "generate", "teacher_forcing": True, "head": "identity", "loss": "none"},
        {"steps": 3}),
    "encoder_decoder, steps without targets": (
        {"topology": "encoder_decoder", "teacher_forcing": True, "head": "identity",
         "loss": "none"}, {"steps": 2}),
    "generate, loss none, token targets": (
        {"topology": "generate", "teacher_forcing": True, "head": "identity", "loss": "none"},
        {"targets": ["a", "b"]}),
    "generate, loss none, targets of the wrong size": (
        {"topology": "generate", "teacher_forcing": True, "head": "identity", "loss": "none"},
        {"targets": [[1, 2, 3], [3, 4, 5]]}),
}  # fmt: skip


@pytest.mark.parametrize("case", list(TEACHER_FORCING_GAPS))
def test_teacher_forcing_needs_target_vectors(case: str) -> None:
    model, extra = TEACHER_FORCING_GAPS[case]
    params = {"W_xh": [[0.1, 0.2]], "W_hh": [[0.3]], "W_hy": [[0.1], [0.2]]}
    if model["topology"] == "encoder_decoder":
        part = {"W_xh": [[0.1, 0.2]], "W_hh": [[0.3]]}
        params = {"encoder": part, "decoder": part, "W_hy": [[0.1], [0.2]]}
    doc = {"input": {"vectors": True}, "sequences": [{"inputs": [[0.1, 0.2]], **extra}],
           "model": model, "params": params}  # fmt: skip
    with pytest.raises(ScenarioError, match="teacher"):
        _trace_doc(doc)
