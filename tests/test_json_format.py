"""The JSON trace format documented in the README: its fields and its array encoding."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest

from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.render.json import render_json
from rnntrace._internal.scenario import load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parent.parent
STEP_FIELDS = {
    "key",
    "symbol",
    "label",
    "sequence",
    "time",
    "phase",
    "op",
    "operands",
    "shape",
    "value",
}


def decode(value):
    if isinstance(value, dict):
        raw = base64.b64decode(value["base64"])
        return np.frombuffer(raw, dtype="<f8").reshape(value["shape"])
    return np.asarray(value, dtype=float)


def document(path: Path, **kwargs):
    trace = trace_scenario(load_scenario(path))
    return trace, json.loads("".join(render_json(trace, **kwargs)))


def test_every_step_has_the_documented_fields_and_its_full_value():
    trace, doc = document(ROOT / "scenarios" / "sentiment.yaml")
    assert doc["format"] == "rnntrace-trace" and doc["version"] == 1
    assert len(doc["steps"]) == len(trace)
    for record, step in zip(doc["steps"], trace):
        assert set(record) >= STEP_FIELDS
        assert record["key"] == step.key
        assert record["phase"] in {"given", "forward", "loss", "backward", "gradient", "update"}
        np.testing.assert_array_equal(decode(record["value"]), step.value)
        np.testing.assert_array_equal(decode(record["carried"]), step.carried)


def test_operands_name_earlier_steps():
    _, doc = document(ROOT / "scenarios" / "sentiment.yaml")
    seen: set[str] = set()
    for record in doc["steps"]:
        assert set(record["operands"]) <= seen, record["key"]
        seen.add(record["key"])


def test_large_arrays_are_exact_base64_and_lists_on_request():
    rng = np.random.default_rng(1)
    H = 20  # a 20x20 W_hh has 400 entries: above the 256 of the compact form
    text = (
        "input: {vectors: true}\n"
        f"sequences: [{{inputs: {rng.normal(size=(2, 2)).tolist()}, label: 1}}]\n"
        "model: {head: sigmoid, loss: bce}\n"
        f"params: {{W_xh: {rng.normal(size=(H, 2)).tolist()}, "
        f"W_hh: {(rng.normal(size=(H, H)) * 0.1).tolist()}, "
        f"W_hy: {rng.normal(size=(1, H)).tolist()}}}\n"
    )
    trace = trace_scenario(parse_scenario(text, "big.yaml"))
    packed = json.loads("".join(render_json(trace)))
    plain = json.loads("".join(render_json(trace, arrays="lists")))
    w_hh = {s["key"]: s for s in packed["steps"]}["W_hh"]["value"]
    assert w_hh["dtype"] == "float64" and w_hh["shape"] == [H, H]
    for a, b in zip(packed["steps"], plain["steps"]):
        assert isinstance(b["value"], (list, float))
        np.testing.assert_array_equal(decode(a["value"]), decode(b["value"]))


def test_select_by_pattern_and_the_default_questions():
    trace = trace_scenario(load_scenario(ROOT / "scenarios" / "sentiment.yaml"))
    assert [s.key for s in trace.select(["h_2", "dW_hh"])] == ["s1.h_2", "s2.h_2", "dW_hh"]
    assert [s.key for s in trace.select(["s2.h_*"])] == [f"s2.h_{t}" for t in range(1, 5)]
    with pytest.raises(KeyError):
        trace.select(["h_9"])
    asked = {s.key for s in trace.default_questions()}
    assert {"s1.h_6", "s1.y_6", "s1.L", "L", "dW_hh", "db_y", "W_hh_new"} <= asked
    assert not asked & {"s1.dW_hh", "s1.dW_hh_6", "s1.zx_1", "W_hh"}
