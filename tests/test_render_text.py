"""The terminal printer: every op has one, every kind of scenario prints within 80 columns,
and the numbers it writes are the trace's numbers."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from oracles import HEAD_LOSS, random_config, to_yaml
from rich.console import Console

from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.ops import ACTIVATIONS, OPS, explanation
from rnntrace._internal.render.select import Selection
from rnntrace._internal.render.text import TextPrinter, TextSettings, render_text
from rnntrace._internal.scenario import parse_scenario
from rnntrace._internal.scenario.model import NumberPolicy


def printed(trace, selection=None, settings=None, width=80) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, highlight=False)
    console.print(render_text(trace, selection, settings), soft_wrap=True)
    return buffer.getvalue()


def explained(op: str) -> bool:
    """Whether every step of ``op`` is written out from the op's explanation data."""
    return all(explanation(op, {"activation": name}) is not None for name in ACTIVATIONS)


def test_every_op_has_a_terminal_printer():
    missing = [op for op in [*OPS, "given", "input"]
               if not hasattr(TextPrinter, f"_print_{op}") and not explained(op)]  # fmt: skip
    assert not missing


@pytest.mark.parametrize("seed", range(24))
@pytest.mark.parametrize("carry", ["exact", "rounded"])
def test_random_scenarios_print_within_80_columns(seed, carry):
    rng = np.random.default_rng(1000 + seed)
    head_loss = HEAD_LOSS[seed % len(HEAD_LOSS)]
    cfg = random_config(rng, head_loss=head_loss, output="every" if seed % 2 else "last")
    scenario = parse_scenario(to_yaml(cfg), "random.yaml")
    trace = trace_scenario(scenario, NumberPolicy(decimals=3, carry=carry))
    text = printed(trace)
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 80
    assert "Forward pass" in text
    if scenario.model.loss != "none":
        assert "Backpropagation through time" in text and "Update: one SGD step" in text


def test_large_matrices_are_shortened_unless_full():
    rng = np.random.default_rng(7)
    H, D = 12, 10
    text = (
        "input: {vectors: true}\n"
        f"sequences: [{{inputs: {rng.normal(size=(2, D)).round(2).tolist()}, label: 1}}]\n"
        "model: {head: sigmoid, loss: bce}\n"
        f"params: {{W_xh: {rng.normal(size=(H, D)).round(2).tolist()}, "
        f"W_hh: {(rng.normal(size=(H, H)) * 0.1).round(2).tolist()}, "
        f"W_hy: {rng.normal(size=(1, H)).round(2).tolist()}}}\n"
    )
    trace = trace_scenario(parse_scenario(text, "big.yaml"))
    short = printed(trace)
    assert "row expansion of a 12×10 product omitted; use --full" in short
    assert "more rows" in short
    full = printed(trace, settings=TextSettings(full=True), width=400)
    assert "row 12:" in full and "more rows" not in full


def test_the_result_of_each_row_is_the_traced_value():
    # seed 000 "I love AI", exact mode, 4 decimals: every 'row i: ... ≈ v' agrees with h / z
    yaml_text = """
input: {vectors: true}
sequences: [{tokens: [I, love, AI], inputs: [[0.8, 0.3], [0.9, 0.7], [0.6, 0.4]]}]
model: {output: every, head: softmax}
params:
  W_xh: [[0.5, -0.3], [0.2, 0.8], [-0.4, 0.1]]
  W_hh: [[0.6, -0.2, 0.3], [0.1, 0.7, -0.1], [-0.3, 0.4, 0.5]]
  b_h: [0.1, -0.2, 0.0]
  W_hy: [[0.9, 0.2, -0.4], [-0.5, 0.6, 0.8]]
"""
    trace = trace_scenario(parse_scenario(yaml_text, "ai.yaml"))
    text = printed(trace, Selection(frozenset({"forward"}), 2, 2))
    block = text.split("W_hh h_1:")[1].split("z_2")[0]
    rows = [float(v.replace("−", "-")) for v in re.findall(r"[=≈] (−?[\d.]+)\n", block)]
    np.testing.assert_allclose(rows, trace["zh_2"].value, atol=5e-5)
    # by hand: 0.6×0.3885 − 0.2×0.1974 + 0.3×(−0.2821) = 0.1101
    assert "row 1: 0.6×0.3885 + (−0.2)×0.1974 + 0.3×(−0.2821)" in text


def test_headings_follow_the_hand_calculation():
    yaml_text = (Path(__file__).parent.parent / "scenarios" / "sentiment.yaml").read_text("utf-8")
    text = printed(trace_scenario(parse_scenario(yaml_text, "s.yaml")))
    order = [
        "Parameters",
        "Sequence 1:",
        "Forward pass",
        "Time step 1: 'i'",
        "Loss",
        "Backpropagation through time",
        "Time step 6: 'amazing'",
        "Gradients: sums over the time steps",
        "Sequence 2:",
        "All sequences: totals",
        "Update: one SGD step",
    ]
    position = 0
    for heading in order:
        position = text.index(heading, position)  # each after the one before
