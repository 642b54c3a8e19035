"""Gradient flow (`rnntrace gradflow`): the Jacobians ∂h_t/∂h_{t-k} against
torch.autograd.functional.jacobian (float64) of the cells' equations written out here from
the docstrings (not from the engine), the eigenvalues against numpy.linalg.eigvals, and the
verdict on constructed cases."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from cell_oracles import GRU_VARIANTS, describe, parse_config, random_cell_config
from click.testing import CliRunner
from oracles import random_config, require_executable, require_torch, to_yaml
from topology_oracles import KINDS
from topology_oracles import parse_config as parse_topology
from topology_oracles import random_config as random_topology

from rnntrace._internal.analysis.gradflow import analyse, parts_of
from rnntrace._internal.cli import cli
from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.scenario import load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
TOL = 1e-10


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


# -- references -------------------------------------------------------------------------


def _act(torch, name):
    return {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu}[name]


def rnn_run(torch, P, xs, activation):
    """h_T from h_{T-k}: h_j = f(W_xh x_j + W_hh h_{j-1} + b_h) over the inputs ``xs``."""
    f = _act(torch, activation)

    def run(h):
        for x in xs:
            h = f(P["W_xh"] @ x + P["W_hh"] @ h + P["b_h"])
        return h

    return run


def lstm_run(torch, P, xs):
    """(h_T, c_T) from s = [h_{T-k}, c_{T-k}]."""
    sig = torch.sigmoid

    def run(s):
        H = s.shape[0] // 2
        h, c = s[:H], s[H:]
        for x in xs:
            f = sig(P["W_fx"] @ x + P["W_fh"] @ h + P["b_f"])
            i = sig(P["W_ix"] @ x + P["W_ih"] @ h + P["b_i"])
            g = torch.tanh(P["W_cx"] @ x + P["W_ch"] @ h + P["b_c"])
            o = sig(P["W_ox"] @ x + P["W_oh"] @ h + P["b_o"])
            c = f * c + i * g
            h = o * torch.tanh(c)
        return torch.cat([h, c])

    return run


def gru_run(torch, P, xs, variant, update):
    sig = torch.sigmoid

    def run(h):
        for x in xs:
            z = sig(P["W_zx"] @ x + P["W_zh"] @ h + P["b_z"])
            r = sig(P["W_rx"] @ x + P["W_rh"] @ h + P["b_r"])
            if variant == "reset_before":
                n = torch.tanh(P["W_hx"] @ x + P["W_hh"] @ (r * h) + P["b_hh"] + P["b_h"])
            else:
                n = torch.tanh(P["W_hx"] @ x + P["b_h"] + r * (P["W_hh"] @ h + P["b_hh"]))
            h = (1 - z) * h + z * n if update == "new" else z * h + (1 - z) * n
        return h

    return run


def mgu_run(torch, P, xs):
    """The minimal gated unit: f = σ(W_fx x + W_fh h + b_f), h~ = tanh(W_hx x + W_hh (f ⊙ h)
    + b_h), h' = (1 − f) ⊙ h + f ⊙ h~."""

    def run(h):
        for x in xs:
            f = torch.sigmoid(P["W_fx"] @ x + P["W_fh"] @ h + P["b_f"])
            n = torch.tanh(P["W_hx"] @ x + P["W_hh"] @ (f * h) + P["b_h"])
            h = (1 - f) * h + f * n
        return h

    return run


def _tensors(torch, params, H, cell):
    P = {k: torch.tensor(v, dtype=torch.float64) for k, v in params.items()}
    biases = {"rnn": ["b_h"], "lstm": ["b_f", "b_i", "b_c", "b_o"],
              "gru": ["b_z", "b_r", "b_h", "b_hh"], "mgu": ["b_f", "b_h"]}[cell]  # fmt: skip
    for b in biases:
        P.setdefault(b, torch.zeros(H, dtype=torch.float64))
    return P


def check_against_torch(torch, trace, scenario, flow, make_run, inputs, joint=False):
    """Every J_k of ``flow`` equals autograd's Jacobian of ``make_run(xs)`` at h_{t-k}."""
    T = flow.time
    H = flow.hidden
    for d in flow.distances:
        xs = [torch.tensor(inputs[j - 1], dtype=torch.float64) for j in range(T - d.k + 1, T + 1)]
        run = make_run(xs)
        h0 = torch.tensor(trace.value(d.source_key), dtype=torch.float64)
        if joint:
            c_key = re.sub(r"h_(\d+)$", r"c_\1", d.source_key)
            s0 = torch.cat([h0, torch.tensor(trace.value(c_key), dtype=torch.float64)])
            full = torch.autograd.functional.jacobian(run, s0).numpy()
            np.testing.assert_allclose(d.joint, full, rtol=TOL, atol=TOL)
            np.testing.assert_allclose(d.jacobian, full[:H, :H], rtol=TOL, atol=TOL)
            assert d.cell_norm == pytest.approx(np.linalg.norm(full[H:, H:], 2), abs=TOL)
        else:
            ref = torch.autograd.functional.jacobian(run, h0).numpy()
            np.testing.assert_allclose(d.jacobian, ref, rtol=TOL, atol=TOL)
        assert d.norm == pytest.approx(np.linalg.norm(d.jacobian, 2), rel=1e-12, abs=1e-300)
        assert d.frobenius == pytest.approx(np.linalg.norm(d.jacobian), rel=1e-12, abs=1e-300)
        assert d.norm <= d.bound * (1 + 1e-9)  # submultiplicativity


# -- Jacobians against autograd ---------------------------------------------------------


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("seed", range(8))
def test_rnn_jacobians_equal_autograd(activation, seed):
    torch = require_torch()
    rng = np.random.default_rng(1000 + seed)
    cfg = random_config(rng, activation=activation, max_size=5, max_T=7, scale=1.2)
    scenario = parse_scenario(to_yaml(cfg), "gradflow.yaml")
    trace = trace_scenario(scenario)
    number = int(rng.integers(1, len(cfg.sequences) + 1))
    flow = analyse(trace, scenario, number)
    seq = cfg.sequences[number - 1]
    assert flow.time == seq.length and len(flow.distances) == seq.length
    H = cfg.sizes[1]
    P = _tensors(torch, cfg.params, H, "rnn")
    check_against_torch(
        torch, trace, scenario, flow, lambda xs: rnn_run(torch, P, xs, activation), seq.inputs
    )
    for step in flow.steps:  # A_j = diag(f'(z_j)) W_hh, and ρ(W_hh)·max f'
        np.testing.assert_allclose(step.jacobian, step.derivative[:, None] * cfg.params["W_hh"])
        assert step.estimate == pytest.approx(flow.main.spectral_radius * step.derivative_max)


@pytest.mark.parametrize("form", ["separate", "concatenated"])
@pytest.mark.parametrize("seed", range(6))
def test_lstm_jacobians_equal_autograd(form, seed):
    torch = require_torch()
    rng = np.random.default_rng(2000 + seed)
    cfg = random_cell_config(rng, "lstm", form=form, max_size=4, max_T=6)
    scenario = parse_config(cfg)
    trace = trace_scenario(scenario)
    number = int(rng.integers(1, len(cfg.sequences) + 1))
    flow = analyse(trace, scenario, number)
    H = cfg.sizes[1]
    P = _tensors(torch, cfg.separate(), H, "lstm")
    seq = cfg.sequences[number - 1]
    check_against_torch(
        torch, trace, scenario, flow, lambda xs: lstm_run(torch, P, xs), seq.inputs, joint=True
    )
    f = [trace.value(re.sub(r"h_(\d+)$", r"f_\1", s.key)) for s in flow.steps]
    for d in flow.distances:  # the cell path: the product of the last k forget gates
        np.testing.assert_allclose(d.path, np.prod(f[len(f) - d.k :], axis=0), rtol=1e-12)
        assert d.path_norm == pytest.approx(np.max(np.abs(d.path)))


@pytest.mark.parametrize(("variant", "update", "form"), GRU_VARIANTS)
@pytest.mark.parametrize("seed", range(4))
def test_gru_jacobians_equal_autograd(variant, update, form, seed):
    torch = require_torch()
    rng = np.random.default_rng(3000 + seed)
    cfg = random_cell_config(rng, "gru", form=form, variant=variant, update=update, max_T=6)
    scenario = parse_config(cfg)
    trace = trace_scenario(scenario)
    number = int(rng.integers(1, len(cfg.sequences) + 1))
    flow = analyse(trace, scenario, number)
    H = cfg.sizes[1]
    P = _tensors(torch, cfg.separate(), H, "gru")
    seq = cfg.sequences[number - 1]
    check_against_torch(
        torch,
        trace,
        scenario,
        flow,
        lambda xs: gru_run(torch, P, xs, variant, update),
        seq.inputs,
    )
    z = [trace.value(re.sub(r"h_(\d+)$", r"z_\1", s.key)) for s in flow.steps]
    kept = [1 - v if update == "new" else v for v in z]
    last = flow.distances[-1]
    np.testing.assert_allclose(last.path, np.prod(kept, axis=0), rtol=1e-12)
    assert describe(cfg)


def check_every_part(torch, trace, scenario, sequence=1):
    """Each part's Jacobians equal autograd's over the inputs the part read, in the order it
    read them (stacked layers: the layer below; the backward RNN: T..1; the decoder: from
    the encoder's last state). Returns the number of Jacobians compared."""
    model = scenario.model
    compared = 0
    for part in parts_of(scenario):
        flow = analyse(trace, scenario, sequence, part or None)
        H = flow.hidden
        P = _split({k.removeprefix(part): v for k, v in scenario.params.items()
                    if k.startswith(part) and "." not in k.removeprefix(part)}, H)  # fmt: skip
        P = _tensors(torch, P, H, model.cell)
        prefix = flow.target_key[: -len(f"h_{flow.time}")]
        inputs = [_layer_input(torch, trace, prefix, s.time, model.cell) for s in flow.steps]
        for d in flow.distances:
            xs = inputs[len(inputs) - d.k :]
            h0 = torch.tensor(trace.value(d.source_key), dtype=torch.float64)
            if model.cell == "lstm":
                run = lstm_run(torch, P, xs)
                c_key = re.sub(r"h_(\d+)$", r"c_\1", d.source_key)
                h0 = torch.cat([h0, torch.tensor(trace.value(c_key), dtype=torch.float64)])
            elif model.cell == "gru":
                run = gru_run(torch, P, xs, model.gru_variant, model.update_gate)
            elif model.cell == "mgu":
                run = mgu_run(torch, P, xs)
            else:  # the input term W x_j as recorded (W_yh for a fed-back output)
                masks = [_recurrent_mask(torch, trace, prefix, s.time) for s in flow.steps]
                run = rnn_terms_run(torch, P, xs, model.activation, model.skip,
                                    masks[len(masks) - d.k :], model.layout == "rows")  # fmt: skip
            ref = torch.autograd.functional.jacobian(run, h0).numpy()[:H, :H]
            np.testing.assert_allclose(d.jacobian, ref, rtol=TOL, atol=TOL, err_msg=part)
            compared += 1
    return compared


def rnn_terms_run(torch, P, terms, activation, skip=0.0, masks=None, rows=False):
    """h_j = f(u_j + W_hh (m_j ⊙ h_(j-1)) + b_h) + α h_(j-1): a recurrent dropout mask m_j
    (already scaled by 1/(1 - p)) where given, the skip α of model.skip (issue 13); with
    ``rows`` (model.layout rows) the row vectors' (m_j ⊙ h_(j-1)) W_hh."""
    f = _act(torch, activation)

    def run(h):
        for u, m in zip(terms, masks or [None] * len(terms)):
            read = h if m is None else m * h
            recurrent = read @ P["W_hh"] if rows else P["W_hh"] @ read
            h = f(u + recurrent + P["b_h"]) + skip * h
        return h

    return run


def _recurrent_mask(torch, trace, prefix, t):
    """The recurrent dropout mask (m/(1 - p)) step t read h_(t-1) through, as the trace
    shows it; None without recurrent dropout."""
    key = f"{prefix}hd_{t - 1}"
    if key not in trace:
        return None
    return torch.tensor(trace.value(trace[key].operands[0]), dtype=torch.float64)


def _split(params, H):
    """Concatenated gate matrices W_g = [W_gh  W_gx] split into W_gh and W_gx."""
    out = {}
    for key, value in params.items():
        if key.startswith("W_") and len(key) == 3:
            out[f"W_{key[2]}h"], out[f"W_{key[2]}x"] = value[:, :H], value[:, H:]
        else:
            out[key] = value
    return out


def _layer_input(torch, trace, prefix, t, cell):
    """What a layer read at time t: the input vector (the recorded input term W x_t for the
    simple RNN, whose input matrix is W_yh for a fed-back output)."""
    if cell == "rnn":
        return torch.tensor(trace.value(f"{prefix}zx_{t}"), dtype=torch.float64)
    for name, at in (("xf", 1), ("xz", 1), ("hx", 1)):
        if f"{prefix}{name}_{t}" in trace:
            step = trace[f"{prefix}{name}_{t}"]
            return torch.tensor(trace.value(step.operands[at]), dtype=torch.float64)
    raise KeyError(t)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_part_of_every_bundled_scenario_equals_autograd(path):
    torch = require_torch()
    scenario = load_scenario(path)
    scenario = replace(scenario, numbers=replace(scenario.numbers, carry="exact"))
    assert check_every_part(torch, trace_scenario(scenario), scenario) > 0


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", range(3))
def test_every_part_of_random_topologies_equals_autograd(kind, cell, seed):
    """Every topology with every cell (both forms, all GRU conventions across seeds)."""
    torch = require_torch()
    cfg = random_topology(seed, kind, cell)
    scenario = parse_topology(cfg)
    trace = trace_scenario(scenario)
    for number in range(1, len(cfg.sequences) + 1):
        assert check_every_part(torch, trace, scenario, number) > 0, cfg.describe()


# -- eigenvalues --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(10))
def test_eigenvalues_equal_numpy(seed):
    rng = np.random.default_rng(4000 + seed)
    cell = ["rnn", "lstm", "gru"][seed % 3]
    if cell == "rnn":
        cfg = random_config(rng, max_size=6)
        scenario = parse_scenario(to_yaml(cfg), "eig.yaml")
        params = cfg.params
    else:
        cfg = random_cell_config(rng, cell, max_size=5)
        scenario = parse_config(cfg)
        params = cfg.separate()
    flow = analyse(trace_scenario(scenario), scenario)
    for spectrum in flow.spectra:
        W = params[spectrum.name]
        np.testing.assert_array_equal(spectrum.matrix, W)
        expected = np.linalg.eigvals(W)
        assert sorted(spectrum.eigenvalues, key=lambda v: (v.real, v.imag)) == pytest.approx(
            sorted(expected, key=lambda v: (v.real, v.imag)), abs=1e-12
        )
        assert spectrum.spectral_radius == pytest.approx(np.max(np.abs(expected)))
        assert spectrum.norm == pytest.approx(np.linalg.norm(W, 2))
    assert flow.main.name == {"rnn": "W_hh", "lstm": "W_ch", "gru": "W_hh"}[cell]


# -- verdicts on constructed cases -----------------------------------------------------------


def _orthogonal(rng, H):
    q, r = np.linalg.qr(rng.normal(size=(H, H)))
    return q * np.sign(np.diag(r))


def constructed(W_hh, *, T=8, inputs_zero=True, activation="tanh", seed=0):
    """A simple RNN with recurrent matrix ``W_hh``; zero inputs and biases keep h = 0, so
    f'(z_j) = 1 (tanh) at every step and J_k = W_hh^k."""
    from oracles import Config, SeqSpec

    rng = np.random.default_rng(seed)
    H = W_hh.shape[0]
    D = 2
    inputs = np.zeros((T, D)) if inputs_zero else rng.uniform(-1, 1, size=(T, D))
    cfg = Config(
        activation,
        "last",
        "identity",
        "mse",
        {"W_xh": rng.uniform(-1, 1, size=(H, D)), "W_hh": W_hh, "W_hy": np.ones((1, H))},
        [SeqSpec(inputs, {T: [0.5]})],
    )
    scenario = parse_scenario(to_yaml(cfg), "constructed.yaml")
    return analyse(trace_scenario(scenario), scenario)


@pytest.mark.parametrize("seed", range(5))
def test_verdict_vanishing_for_orthogonal_times_half(seed):
    rng = np.random.default_rng(seed)
    W = 0.5 * _orthogonal(rng, 4)
    for inputs_zero in (True, False):
        flow = constructed(W, inputs_zero=inputs_zero, seed=seed)
        assert flow.verdict.kind == "vanishing"
        assert flow.verdict.cause == "below"
        assert flow.main.spectral_radius == pytest.approx(0.5)
        assert flow.verdict.estimate == pytest.approx(0.5)  # ρ · max tanh' = 0.5 · 1
        assert flow.verdict.observed <= 0.5 + 1e-12
        for d in flow.distances:  # ‖J_k‖ ≤ 0.5^k: f' ≤ 1 and W_hh/0.5 is orthogonal
            assert d.norm <= 0.5**d.k * (1 + 1e-9)
    flow = constructed(W, seed=seed)
    assert flow.verdict.rate == pytest.approx(0.5)  # zero inputs: J_k = W^k exactly


@pytest.mark.parametrize("seed", range(5))
def test_verdict_exploding_for_orthogonal_times_one_and_a_half_with_zero_inputs(seed):
    rng = np.random.default_rng(10 + seed)
    W = 1.5 * _orthogonal(rng, 3)
    flow = constructed(W, seed=seed)
    assert flow.verdict.kind == "exploding"
    assert flow.verdict.cause == "above"
    assert flow.verdict.rate == pytest.approx(1.5)
    for d in flow.distances:
        np.testing.assert_allclose(d.jacobian, np.linalg.matrix_power(W, d.k), atol=1e-9)
        assert d.norm == pytest.approx(1.5**d.k)


@pytest.mark.parametrize("seed", range(5))
def test_verdict_stable_near_identity(seed):
    rng = np.random.default_rng(20 + seed)
    W = np.eye(3) + 0.01 * rng.normal(size=(3, 3))
    flow = constructed(W, T=10, seed=seed)
    assert flow.verdict.kind == "stable"
    assert flow.verdict.cause == "near_one"
    assert 0.9 < flow.verdict.rate < 1.1


def test_verdict_non_normal_growth_and_relu_cut():
    # ρ = 0.5 but ‖W‖₂ ≈ 3: with f' = 1 the product grows before it shrinks
    W = np.array([[0.5, 3.0], [0.0, 0.5]])
    flow = constructed(W, T=3)
    assert flow.verdict.kind == "exploding" and flow.verdict.cause == "non_normal"
    # relu with z = 0: f'(0) = 0, nothing flows back
    flow = constructed(np.eye(2), T=3, activation="relu")
    assert flow.verdict.norm == 0.0 and flow.verdict.cause == "zero"
    assert flow.verdict.kind == "vanishing"


def test_saturated_tanh_vanishes_although_the_estimate_is_large():
    W = 3.0 * _orthogonal(np.random.default_rng(5), 3)
    from oracles import Config, SeqSpec

    cfg = Config(
        "tanh",
        "last",
        "identity",
        "mse",
        {"W_xh": 4 * np.eye(3), "W_hh": W, "W_hy": np.ones((1, 3))},
        [SeqSpec(np.full((6, 3), 2.0), {6: [0.5]})],
    )
    scenario = parse_scenario(to_yaml(cfg), "saturated.yaml")
    flow = analyse(trace_scenario(scenario), scenario)
    assert flow.verdict.kind == "vanishing"
    assert flow.verdict.cause == "saturated"


# -- the command line -----------------------------------------------------------------------

SENTIMENT = str(ROOT / "scenarios" / "sentiment.yaml")
LSTM = str(ROOT / "scenarios" / "sentiment-lstm.yaml")
GRU = str(ROOT / "scenarios" / "sentiment-gru.yaml")
ANSI = re.compile(r"\x1b\[")


def test_gradflow_help_has_an_example():
    result = invoke("gradflow", "--help")
    assert result.exit_code == 0
    assert "Example" in result.output and "rnntrace init review.yaml" in result.output
    for option in (
        "--sequence",
        "--part",
        "--format",
        "--standalone",
        "--matrices",
        "--k",
        "--fixed-point-input",
    ):
        assert option in result.output


@pytest.mark.parametrize("path", [SENTIMENT, LSTM, GRU])
def test_gradflow_prints_tables_plot_and_verdict_in_80_columns(path):
    result = invoke("gradflow", path)
    assert result.exit_code == 0, result.output
    out = result.output
    assert not ANSI.search(out)
    assert max(len(line) for line in out.splitlines()) <= 80
    for text in (
        "Gradient flow:",
        "Recurrent matri",
        "Step by step",
        "Distance by distance",
        "‖∂h_6/∂h_(t−k)‖ against k, on a log scale",
        "Verdict: vanishing.",
        "└",
        "●",
    ):
        assert text in out, text
    assert "each step back multiplies the gradient by about" in out


def test_gradflow_table_shows_the_numbers_of_the_analysis():
    scenario = load_scenario(SENTIMENT)
    scenario = replace(scenario, numbers=replace(scenario.numbers, carry="exact"))
    flow = analyse(trace_scenario(scenario), scenario)
    out = invoke("gradflow", SENTIMENT).output
    rows = {line.split()[0]: line.split() for line in out.splitlines()
            if re.match(r"^  [1-6]   h_[0-5] ", line)}  # fmt: skip
    assert len(rows) == 6
    for d in flow.distances:
        assert float(rows[str(d.k)][2]) == pytest.approx(d.norm, rel=1e-3)
    assert "ρ(W_hh) = 0.8302" in out  # the largest eigenvalue of the seed's W_hh
    assert "W_hh: eigenvalues 0.8302, 0.2452, 0.02456" in out


def test_gradflow_lstm_shows_the_cell_state_path():
    out = invoke("gradflow", LSTM).output
    assert "‖∂c_t/∂c_(t−k)‖₂" in out and "‖Π diag(f_j)‖" in out and "f_j" in out
    assert "the cell-state path through the forget gates keeps" in out.replace("\n", " ")
    out = invoke("gradflow", GRU).output
    assert "‖Π diag(1 − z_j)‖" in out


def test_gradflow_json_has_every_jacobian_norm_and_eigenvalue():
    result = invoke("gradflow", LSTM, "--format", "json", "--sequence", "2")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["format"] == "rnntrace-gradflow" and doc["version"] == 1
    assert doc["cell"] == "lstm" and doc["sequence"] == 2 and doc["t"] == 4
    scenario = load_scenario(LSTM)
    scenario = replace(scenario, numbers=replace(scenario.numbers, carry="exact"))
    flow = analyse(trace_scenario(scenario), scenario, 2)
    assert [d["k"] for d in doc["distances"]] == [1, 2, 3, 4]
    for got, d in zip(doc["distances"], flow.distances):
        np.testing.assert_array_equal(np.array(got["jacobian"]), d.jacobian)
        np.testing.assert_array_equal(np.array(got["joint"]), d.joint)
        assert got["norm"] == d.norm and got["frobenius"] == d.frobenius
        assert got["path_norm"] == d.path_norm and got["cell_norm"] == d.cell_norm
        assert got["source"]["key"] == d.source_key
    for got, step in zip(doc["steps"], flow.steps):
        np.testing.assert_array_equal(np.array(got["jacobian"]), step.jacobian)
    names = [m["name"] for m in doc["matrices"]]
    assert names == ["W_fh", "W_ih", "W_ch", "W_oh"] and doc["main_matrix"] == "W_ch"
    for m in doc["matrices"]:
        eig = np.array([complex(v["re"], v["im"]) for v in m["eigenvalues"]])
        expected = np.linalg.eigvals(np.array(m["matrix"]))
        assert sorted(np.abs(eig)) == pytest.approx(sorted(np.abs(expected)))
        assert m["spectral_radius"] == pytest.approx(np.max(np.abs(expected)))
    verdict = doc["verdict"]
    assert verdict["kind"] in ("vanishing", "exploding", "stable")
    assert verdict["reason"].startswith("‖∂h_4/∂h_0‖ = ")
    assert verdict["thresholds"] == {"vanishing_below": 0.9, "exploding_above": 1.1}


def test_gradflow_ignores_rounded_carrying():
    """sentiment.yaml carries numbers rounded to 3 decimals; the analysis is exact."""
    doc = json.loads(invoke("gradflow", SENTIMENT, "--format", "json").output)
    exact = replace(load_scenario(SENTIMENT), numbers=replace(load_scenario(SENTIMENT).numbers,
                                                              carry="exact"))  # fmt: skip
    flow = analyse(trace_scenario(exact), exact)
    assert doc["distances"][-1]["norm"] == flow.distances[-1].norm
    assert not any("rounded" in note for note in doc["notes"])


@pytest.mark.parametrize(
    ("name", "part", "first"),
    [("stacked", "l2", "h^(2)_3"), ("bidirectional", "bw", "h^←_2"), ("seq2seq", "dec", "h^dec_2"),
     ("bidirectional", "forward", "h^→_5"), ("seq2seq", None, "h^enc_2")],
)  # fmt: skip
def test_gradflow_parts(name, part, first):
    args = ["gradflow", str(ROOT / "scenarios" / f"{name}.yaml")]
    args += ["--part", part] if part else []
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert re.search(rf"^  1   {re.escape(first)} ", result.output, re.MULTILINE), result.output


def test_gradflow_bad_choices_exit_2():
    result = invoke("gradflow", str(ROOT / "scenarios" / "stacked.yaml"), "--part", "l3")
    assert result.exit_code == 2 and "no such part; parts: l1, l2" in result.output
    result = invoke("gradflow", SENTIMENT, "--sequence", "3")
    assert result.exit_code == 2 and "has 2 sequence(s)" in result.output
    result = invoke("gradflow", SENTIMENT, "--part", "l1")
    assert result.exit_code == 2 and "the model is one layer" in result.output
    assert invoke("gradflow", SENTIMENT, "--standalone").exit_code == 2
    assert invoke("gradflow", str(ROOT / "missing.yaml")).exit_code == 2


def test_gradflow_writes_files_atomically_and_never_overwrites(tmp_path):
    target = tmp_path / "flow.json"
    assert invoke("gradflow", SENTIMENT, "--format", "json", "-o", str(target)).exit_code == 0
    assert json.loads(target.read_text())["format"] == "rnntrace-gradflow"
    again = invoke("gradflow", SENTIMENT, "-o", str(target))
    assert again.exit_code == 2 and "already exists" in again.output
    text_over_json = invoke("gradflow", SENTIMENT, "--format", "text", "-o", str(target), "--force")
    assert text_over_json.exit_code == 0
    text = target.read_text()
    assert "Verdict: vanishing." in text and not ANSI.search(text)


def test_gradflow_matrices_prints_every_jacobian():
    out = invoke("gradflow", SENTIMENT, "--matrices").output
    assert "The Jacobians" in out
    for k in range(6):
        assert f"∂h_6/∂h_{k} = [" in out
    assert "A_1 = [" in out


def test_gradflow_of_one_step_and_of_a_dead_relu():
    flow = constructed(np.eye(2), T=1)
    assert len(flow.distances) == 1 and flow.verdict.k == 1
    flow = constructed(np.eye(2), T=3, activation="relu")
    from rnntrace._internal.render.gradflow_text import render_gradflow

    text = "\n".join(line.plain for line in render_gradflow(flow))
    assert "not shown (0, no logarithm)" in text or "nothing to plot" in text
    assert "cuts the gradient off completely" in text.replace("\n", " ")


def _latex_documents():
    from rnntrace._internal.render.gradflow_latex import render_gradflow_latex

    docs = {}
    for name, part in [("sentiment", None), ("sentiment-lstm", None), ("sentiment-gru", None),
                       ("bidirectional", "bw"), ("stacked", "l2"), ("seq2seq", "dec")]:  # fmt: skip
        args = ["gradflow", str(ROOT / "scenarios" / f"{name}.yaml"), "--format", "latex"]
        result = invoke(*args, "--standalone", *(["--part", part] if part else []))
        assert result.exit_code == 0, result.output
        docs[f"{name}-{part}"] = result.output
    flows = {
        "one-step": constructed(np.eye(2), T=1),
        "dead-relu": constructed(np.eye(2), T=3, activation="relu"),
        "exploding": constructed(1.5 * _orthogonal(np.random.default_rng(1), 3), T=25),
        "big": constructed(0.5 * _orthogonal(np.random.default_rng(2), 9), T=14),
    }
    for name, flow in flows.items():
        docs[name] = "".join(render_gradflow_latex(flow, standalone=True))
    return docs


def test_gradflow_latex_compiles(tmp_path):
    require_executable("pdflatex")
    from texbuild import compile_all

    docs = _latex_documents()
    for name, text in docs.items():
        assert text.isascii(), name  # OT1 fonts: every symbol written as a LaTeX command
    built = compile_all(tmp_path, docs)
    for name, result in built.items():
        assert result.pdf is not None, (name, result.errors())
        assert not [p for p in result.overfull() if p > 1.0], (name, result.overfull())


def test_gradflow_latex_fragment_names_its_packages():
    out = invoke("gradflow", SENTIMENT, "--format", "latex").output
    assert out.startswith("% Gradient flow written by rnntrace")
    assert "\\usepackage{pgfplots}" in out and "\\documentclass" not in out
    assert "\\begin{semilogyaxis}" in out and "\\paragraph{Verdict: vanishing.}" in out


def test_a_nilpotent_w_hh_is_not_blamed_on_relu_and_the_criterion_is_honest():
    from rnntrace._internal.render.gradflow_words import criterion, reason

    W = 1.5 * np.array([[1.0, 1.0], [-1.0, -1.0]])  # W² = 0: ρ = 0 but ‖W‖₂ = 3
    flow = constructed(W, T=4)
    assert flow.main.spectral_radius == pytest.approx(0.0, abs=1e-7)
    assert flow.distances[-1].norm == pytest.approx(0.0, abs=1e-12)
    assert flow.verdict.kind == "vanishing" and flow.verdict.cause == "below"
    assert "relu" not in reason(flow.verdict)
    text = criterion(flow)  # ρ·max f' < 1 but the norm is not: no promise for every input
    assert "as a rule" in text and "whatever the inputs" not in text
    flow = constructed(0.5 * _orthogonal(np.random.default_rng(3), 3))
    assert "whatever the inputs" in criterion(flow)
    flow = constructed(1.5 * _orthogonal(np.random.default_rng(3), 3))
    assert "alone do not make the gradient vanish" in criterion(flow)
