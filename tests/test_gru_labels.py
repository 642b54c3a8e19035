"""The GRU's reset_after labels say what their values are: r_t ⊙ (W_hh h_(t−1) + b_hh) when
b_hh is given (the value includes it), and the part of ∂L/∂h_t through the next candidate
is W_hhᵀ times the very delta it multiplies, δ(W_hh h_t) without dropout (there is no ȟ
then) and δ(W_hh ȟ_t) with recurrent dropout. Values are checked with numpy written here
from the equations, from the trace's own gates and states."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.scenario import parse_scenario
from rnntrace._internal.symbol import text

ROOT = Path(__file__).resolve().parent.parent
B_HH = [0.05, -0.1]


def gru_trace(b_hh: bool, dropout: bool):
    doc = yaml.safe_load((ROOT / "scenarios" / "sentiment-gru.yaml").read_text("utf-8"))
    doc["model"].update(gru_variant="reset_after", update_gate="keep_old")
    if dropout:
        doc["model"]["dropout"] = {"recurrent": 0.5, "seed": 3}
    if b_hh:
        doc["params"]["b_hh"] = B_HH
    doc["numbers"] = {"decimals": 3, "carry": "exact"}
    return trace_scenario(parse_scenario(yaml.safe_dump(doc), "gru.yaml")), doc


@pytest.mark.parametrize("b_hh", [True, False])
def test_the_reset_recurrent_term_names_b_hh_exactly_when_its_value_has_it(b_hh: bool) -> None:
    trace, doc = gru_trace(b_hh, dropout=False)
    W_hh = np.array(doc["params"]["W_hh"])
    bias = np.array(B_HH) if b_hh else np.zeros(2)
    for t in range(1, 7):
        h_prev = trace.value(f"s1.h_{t - 1}") if t > 1 else np.zeros(2)
        expected = trace.value(f"s1.r_{t}") * (W_hh @ h_prev + bias)
        step = trace[f"s1.rhh_{t}"]
        assert np.allclose(step.value, expected, rtol=0, atol=1e-15), t
        written = text(step.symbol)
        assert written == f"r_{t} ⊙ (W_hh h_{t - 1}" + (" + b_hh)" if b_hh else ")"), written


@pytest.mark.parametrize("dropout", [False, True])
def test_the_path_through_the_next_candidate_names_the_delta_it_uses(dropout: bool) -> None:
    trace, doc = gru_trace(b_hh=True, dropout=dropout)
    W_hh = np.array(doc["params"]["W_hh"])
    for t in range(1, 6):
        step, delta = trace[f"s1.dh_h_{t}"], trace[f"s1.dhh_{t + 1}"]
        assert np.allclose(step.value, W_hh.T @ delta.value, rtol=0, atol=1e-15), t
        state = f"h\u030c_{t}" if dropout else f"h_{t}"
        assert text(delta.symbol) == f"δ(W_hh {state})", text(delta.symbol)
        assert text(step.symbol) == f"W_hhᵀ δ(W_hh {state})", text(step.symbol)
