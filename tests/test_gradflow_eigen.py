"""Seed 004's derivation and seed 001's fixed points in `rnntrace gradflow`, against references
written here: numpy.linalg.eig and matrix_power, the ordered product and the seed's product
multiplied out from the trace's states, a Newton's method of this file, a bisection in 50-digit
decimals for the 1-D fixed points, and torch.autograd.functional.jacobian (float64) at h*."""

from __future__ import annotations

import json
from decimal import Decimal, getcontext
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from oracles import Config, SeqSpec, require_executable, require_torch, to_yaml

from rnntrace._internal.analysis.gradflow import analyse
from rnntrace._internal.cli import cli
from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.scenario import parse_scenario

ROOT = Path(__file__).resolve().parent.parent
SENTIMENT = ROOT / "scenarios" / "sentiment.yaml"
LSTM = ROOT / "scenarios" / "sentiment-lstm.yaml"
SKIP = ROOT / "scenarios" / "skip-dropout.yaml"


def scenario_text(W_hh, W_xh, inputs, b_h=None, activation="tanh"):
    """A simple RNN over ``inputs`` (T, D), the loss on the last step."""
    params = {"W_xh": np.asarray(W_xh, float), "W_hh": np.asarray(W_hh, float),
              "W_hy": np.ones((1, len(W_hh)))}  # fmt: skip
    if b_h is not None:
        params["b_h"] = np.asarray(b_h, float)
    inputs = np.asarray(inputs, float)
    cfg = Config(activation, "last", "identity", "mse", params,
                 [SeqSpec(inputs, {len(inputs): [0.5]})])  # fmt: skip
    return to_yaml(cfg)


def flow_of(text, **options):
    scenario = parse_scenario(text, "eigen.yaml")
    return analyse(trace_scenario(scenario), scenario, **options), trace_scenario(scenario)


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def written(tmp_path, text):
    path = tmp_path / "eigen.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def rotation(angle, scale):
    c, s = np.cos(angle), np.sin(angle)
    return scale * np.array([[c, -s], [s, c]])


# -- the decomposition ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_u_s_u_inverse_is_w_hh_and_s_k_is_the_matrix_power(seed):
    rng = np.random.default_rng(70 + seed)
    H, T = int(rng.integers(2, 6)), int(rng.integers(2, 7))
    W = rng.uniform(-0.8, 0.8, size=(H, H))
    k = int(rng.integers(1, T + 1))
    flow, _ = flow_of(scenario_text(W, rng.uniform(-1, 1, (H, 2)), rng.uniform(-1, 1, (T, 2)),
                                    rng.uniform(-0.3, 0.3, H)), k=k)  # fmt: skip
    d = flow.derivation
    U, S, Uinv = d.eigenvectors, d.eigenvalues, d.inverse
    np.testing.assert_allclose(U @ np.diag(S) @ Uinv, W, rtol=0, atol=1e-12)
    np.testing.assert_allclose(Uinv @ U, np.eye(H), rtol=0, atol=1e-12)
    values, _ = np.linalg.eig(W)  # the same eigenvalues, largest |λ| first
    assert sorted(S, key=lambda v: (round(v.real, 9), v.imag)) == pytest.approx(
        sorted(values, key=lambda v: (round(v.real, 9), v.imag)), abs=1e-12)  # fmt: skip
    assert list(np.abs(S)) == sorted(np.abs(S), reverse=True)
    for i in range(H):  # each column of U is an eigenvector of its eigenvalue
        np.testing.assert_allclose(W @ U[:, i], S[i] * U[:, i], atol=1e-12)
    assert d.k == k and not d.defective
    np.testing.assert_allclose(d.eigenvalue_powers, S**k, rtol=1e-12)
    reference = np.linalg.matrix_power(W, k)
    np.testing.assert_allclose(d.power, reference, rtol=0, atol=1e-12)
    np.testing.assert_allclose(U @ np.diag(d.eigenvalue_powers) @ Uinv, reference, atol=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_the_seeds_product_and_the_ordered_product_multiplied_out_here(seed):
    rng = np.random.default_rng(90 + seed)
    H, T = 3, 5
    W = rng.uniform(-0.9, 0.9, size=(H, H))
    flow, trace = flow_of(scenario_text(W, rng.uniform(-1, 1, (H, 2)),
                                        rng.uniform(-1, 1, (T, 2))), k=4)  # fmt: skip
    d = flow.derivation
    h = {t: trace.value(f"h_{t}") for t in range(1, T + 1)}
    derivative = {t: 1 - h[t] ** 2 for t in h}  # tanh'
    ordered = np.eye(H)
    diagonal = np.ones(H)
    for j in range(T, T - 4, -1):  # diag(f'_5) W diag(f'_4) W ... diag(f'_2) W
        ordered = ordered @ (np.diag(derivative[j]) @ W)
        diagonal = diagonal * derivative[j]
    seeds = np.diag(diagonal) @ np.linalg.matrix_power(W, 4)
    np.testing.assert_allclose(d.exact, ordered, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(d.derivatives, diagonal, rtol=1e-12)
    np.testing.assert_allclose(d.approximation, seeds, rtol=1e-10, atol=1e-14)
    assert d.difference == pytest.approx(np.linalg.norm(seeds - ordered, 2), rel=1e-8, abs=1e-14)
    assert not d.commutes  # random inputs: the units' f' differ
    assert d.difference > 1e-6


def test_with_equal_derivatives_the_commutation_step_holds():
    """Zero inputs and no bias keep h = 0, so f' = 1 for every unit: the seed's product is
    J_k (here W^k, multiplied out in the test)."""
    W = np.array([[0.5, 0.2, 0.0], [-0.1, 0.4, 0.3], [0.2, 0.0, 0.6]])
    flow, _ = flow_of(scenario_text(W, np.ones((3, 2)), np.zeros((6, 2))))
    d = flow.derivation
    assert d.k == 6 and d.commutes
    np.testing.assert_allclose(d.exact, np.linalg.matrix_power(W, 6), atol=1e-15)
    assert d.difference <= 1e-14
    text = invoke_text(scenario_text(W, np.ones((3, 2)), np.zeros((6, 2)))).replace("\n  ", " ")
    assert "as here at every step, so the two agree up to rounding" in text


def invoke_text(text, *args, tmp=[]):  # noqa: B006 (a folder kept for the module)
    import tempfile

    if not tmp:
        tmp.append(Path(tempfile.mkdtemp()))
    path = tmp[0] / f"s{abs(hash(text))}.yaml"
    path.write_text(text, encoding="utf-8")
    result = invoke("gradflow", path, *args)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_rotation_has_complex_eigenvalues_stated_as_a_pair():
    W = rotation(0.7, 0.9)  # eigenvalues 0.9 e^{±0.7i}
    text = scenario_text(W, np.eye(2), np.full((5, 2), 0.3), [0.1, -0.2])
    flow, _ = flow_of(text, k=5)
    d = flow.derivation
    assert d.complex and not d.defective
    expected = 0.9 * np.exp(0.7j)
    assert sorted(d.eigenvalues, key=lambda v: v.imag) == pytest.approx(
        [expected.conjugate(), expected], abs=1e-12)  # fmt: skip
    assert np.abs(d.eigenvectors.imag).max() > 0.1  # U is complex
    np.testing.assert_allclose(d.eigenvectors @ np.diag(d.eigenvalues) @ d.inverse, W,
                               atol=1e-12)  # fmt: skip
    np.testing.assert_allclose(d.power, np.linalg.matrix_power(W, 5), atol=1e-12)
    assert d.power_imag <= 1e-12
    out = invoke_text(text)
    assert "Some eigenvalues are complex, in conjugate pairs a ± bi" in out.replace("\n  ", " ")
    a, b = expected.real, expected.imag
    assert f"S = diag({a:.4g} + {b:.4g}i, {a:.4g} − {b:.4g}i)" in out
    assert "i ]" in out  # U written with complex entries
    doc = json.loads(invoke_text(text, "--format", "json"))
    U = np.array([[complex(e["re"], e["im"]) for e in row] for row in doc["eigen"]["U"]])
    S = np.array([[complex(e["re"], e["im"]) for e in row] for row in doc["eigen"]["S"]])
    Uinv = np.array([[complex(e["re"], e["im"]) for e in row] for row in doc["eigen"]["U_inv"]])
    np.testing.assert_allclose(U @ S @ Uinv, W, atol=1e-12)
    assert doc["eigen"]["complex"] is True


def test_a_jordan_block_is_found_defective_and_said_so():
    W = np.array([[0.5, 1.0], [0.0, 0.5]])  # one eigenvector only
    text = scenario_text(W, np.eye(2), np.full((4, 2), 0.2))
    flow, _ = flow_of(text)
    d = flow.derivation
    assert d.defective and d.inverse is None and d.condition > 1e8
    np.testing.assert_allclose(d.eigenvalues, [0.5, 0.5], atol=1e-7)
    np.testing.assert_allclose(d.power, np.linalg.matrix_power(W, 4), atol=1e-15)
    out = invoke_text(text).replace("\n  ", " ")
    assert "W_hh is not diagonalisable (defective" in out
    assert "there is no U⁻¹" in out and "U⁻¹ = [" not in out
    doc = json.loads(invoke_text(text, "--format", "json"))["eigen"]
    assert doc["defective"] is True and doc["U_inv"] is None and doc["condition"] > 1e8
    assert doc["power_from"] == "matrix_power"


def test_k_chooses_the_distance_and_is_checked(tmp_path):
    W = np.array([[0.5, 0.3], [-0.2, 0.4]])
    text = scenario_text(W, np.eye(2), np.full((5, 2), 0.2))
    flow, _ = flow_of(text, k=2)
    assert flow.derivation.k == 2
    np.testing.assert_array_equal(flow.derivation.exact, flow.distances[1].jacobian)
    path = written(tmp_path, text)
    out = invoke("gradflow", path, "--k", "2").output
    assert "at distance k = 2" in out and "S^2 = diag(" in out
    bad = invoke("gradflow", path, "--k", "6")
    assert bad.exit_code == 2 and "--k 6: the distances are k = 1..5" in bad.output
    assert invoke("gradflow", path, "--k", "0").exit_code == 2


# -- fixed points -------------------------------------------------------------------------

getcontext().prec = 50


def _tanh(y: Decimal) -> Decimal:
    e = (2 * y).exp()
    return (e - 1) / (e + 1)


def bisect(w: float, c: float, low: float, high: float) -> float:
    """The root of h − tanh(w h + c) in [low, high], in 50-digit decimals."""
    W, C, lo, hi = Decimal(w), Decimal(c), Decimal(low), Decimal(high)

    def g(h):
        return h - _tanh(W * h + C)

    assert g(lo) * g(hi) < 0
    for _ in range(200):
        mid = (lo + hi) / 2
        if (g(mid) > 0) == (g(hi) > 0):
            hi = mid
        else:
            lo = mid
    return float((lo + hi) / 2)


def one_d(w, u, x, b):
    """A 1-D tanh RNN h = tanh(w h + u x + b), input x at every step."""
    return scenario_text([[w]], [[u]], np.full((3, 1), x), [b])


def test_one_dimensional_stable_fixed_point_equals_bisection():
    flow, _ = flow_of(one_d(0.5, 0.8, 1.0, 0.1))  # c = 0.9
    fp = flow.fixed
    assert fp.kind == "first" and fp.drive == pytest.approx([0.9], abs=1e-15)
    assert fp.iteration.converged and fp.newton.converged
    reference = bisect(0.5, 0.9, 0.0, 1.0)
    assert len(fp.points) == 1
    point = fp.points[0]
    assert point.state[0] == pytest.approx(reference, abs=1e-13)
    assert set(point.methods) == {"iteration", "newton"}
    slope = 0.5 * (1 - reference**2)  # ∂h_t/∂h_(t−1) at h*, by hand
    assert point.jacobian[0, 0] == pytest.approx(slope, abs=1e-12)
    assert point.verdict == "stable" and point.radius == pytest.approx(slope, abs=1e-12)
    assert fp.newton.residual <= 1e-12 and fp.iteration.residual <= 1e-12


def test_one_dimensional_unstable_and_stable_fixed_points_each_equal_bisection():
    """w = 2, c = 0.01: three fixed points; the iteration from 0 runs to the stable one near
    0.96, Newton's first step goes to the unstable one near −0.01."""
    flow, _ = flow_of(one_d(2.0, 0.0, 1.0, 0.01))
    points = {p.verdict: p for p in flow.fixed.points}
    assert set(points) == {"stable", "unstable"}
    stable, unstable = points["stable"], points["unstable"]
    assert stable.methods == ("iteration",) and unstable.methods == ("newton",)
    # the iteration stops at a residual r ≤ 1e-12: then |h − h*| ≤ r / (1 − |f′ w|)
    iteration = flow.fixed.iteration
    bound = iteration.residual / (1 - stable.radius) + 1e-15
    assert abs(stable.state[0] - bisect(2.0, 0.01, 0.5, 1.0)) <= bound
    assert unstable.state[0] == pytest.approx(bisect(2.0, 0.01, -0.5, 0.0), abs=1e-13)
    h = unstable.state[0]
    assert unstable.radius == pytest.approx(2 * (1 - h**2), abs=1e-12) and unstable.radius > 1
    assert stable.radius < 1


def test_a_fixed_point_iteration_that_does_not_converge_is_said_so():
    """w = −3: the iteration falls into a 2-cycle; Newton finds the one (unstable) point."""
    flow, _ = flow_of(one_d(-3.0, 0.0, 1.0, 0.1))
    fp = flow.fixed
    assert not fp.iteration.converged and fp.iteration.failure == "limit"
    assert fp.iteration.iterations == 1000 and fp.iteration.residual > 0.1
    assert fp.newton.converged and len(fp.points) == 1
    assert fp.points[0].state[0] == pytest.approx(bisect(-3.0, 0.1, -1.0, 1.0), abs=1e-13)
    assert fp.points[0].verdict == "unstable"
    out = invoke_text(one_d(-3.0, 0.0, 1.0, 0.1)).replace("\n  ", " ")
    assert "did not converge (not within 1000 iterations)" in out
    assert "Unstable: ρ = " in out


def newton_reference(W, u, activation, steps=60):
    """h* from h = 0 by Newton's method, written here: F(h) = h − f(W h + u)."""
    f = {"tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z))}[activation]
    df = {"tanh": lambda z: 1 - np.tanh(z) ** 2,
          "sigmoid": lambda z: f(z) * (1 - f(z))}[activation]  # fmt: skip
    h = np.zeros(len(u))
    for _ in range(steps):
        z = W @ h + u
        h = h - np.linalg.solve(np.eye(len(u)) - np.diag(df(z)) @ W, h - f(z))
    return h


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("seed", range(4))
def test_fixed_point_and_its_jacobian_equal_newton_and_autograd(activation, seed):
    torch = require_torch()
    rng = np.random.default_rng(130 + seed)
    H, D = 3, 2
    W, Wx = rng.uniform(-0.7, 0.7, (H, H)), rng.uniform(-1, 1, (H, D))
    b, xs = rng.uniform(-0.3, 0.3, H), rng.uniform(-1, 1, (4, D))
    flow, _ = flow_of(scenario_text(W, Wx, xs, b, activation))
    u = Wx @ xs[0] + b  # --fixed-point-input first: x_1
    np.testing.assert_allclose(flow.fixed.drive, u, atol=1e-15)
    reference = newton_reference(W, u, activation)
    point = flow.fixed.points[0]
    np.testing.assert_allclose(point.state, reference, atol=1e-12)
    f = {"tanh": torch.tanh, "sigmoid": torch.sigmoid}[activation]
    Wt, ut = torch.tensor(W, dtype=torch.float64), torch.tensor(u, dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(
        lambda h: f(Wt @ h + ut), torch.tensor(point.state, dtype=torch.float64)
    ).numpy()
    np.testing.assert_allclose(point.jacobian, jac, atol=1e-12)
    expected = np.linalg.eigvals(jac)
    assert sorted(np.abs(point.eigenvalues)) == pytest.approx(sorted(np.abs(expected)), abs=1e-12)
    assert point.radius == pytest.approx(np.max(np.abs(expected)), abs=1e-12)
    assert point.verdict == ("stable" if np.max(np.abs(expected)) < 1 else "unstable")


def test_fixed_point_inputs_first_zero_token_and_vector(tmp_path):
    doc = yaml.safe_load(SENTIMENT.read_text(encoding="utf-8"))
    W_xh, b_h = np.array(doc["params"]["W_xh"]), np.array(doc["params"]["b_h"])
    emb = {k: np.array(v) for k, v in doc["input"]["embeddings"].items()}

    def fixed(*args):
        result = invoke("gradflow", SENTIMENT, "--format", "json", *args)
        assert result.exit_code == 0, result.output
        return json.loads(result.output)["fixed_point"]

    cases = {
        (): ("first", W_xh @ emb["i"] + b_h, 1, "i"),
        ("--fixed-point-input", "zero"): ("zero", b_h, None, None),
        ("--fixed-point-input", "book"): ("token", W_xh @ emb["book"] + b_h, 4, "book"),
        ("--fixed-point-input", "0.5,-1,2"): ("vector", W_xh @ [0.5, -1, 2] + b_h, None, None),
    }
    for args, (kind, drive, time, token) in cases.items():
        got = fixed(*args)
        assert got["input"]["kind"] == kind and got["input"]["time"] == time
        assert got["input"]["token"] == token
        np.testing.assert_allclose(got["drive"], drive, atol=1e-15)
        point = got["points"][0]
        h = np.array(point["state"])
        assert np.linalg.norm(h - np.tanh(np.array(doc["params"]["W_hh"]) @ h + drive)) < 1e-11
    bad = invoke("gradflow", SENTIMENT, "--fixed-point-input", "1,2")
    assert bad.exit_code == 2 and "x has 2 numbers, but W_xh has 3 columns" in bad.output
    bad = invoke("gradflow", SENTIMENT, "--fixed-point-input", "novel")
    assert bad.exit_code == 2 and "a token of the sequence (i, love, this" in bad.output


def test_text_shows_both_sections_for_the_simple_rnn():
    out = invoke("gradflow", SENTIMENT).output
    assert out.index("Verdict:") < out.index("The introduction notes' derivation: W_hh = U S U⁻¹")
    assert out.index("notes' derivation") < out.index("Fixed point (the reference notes'")
    for text in ("U = [", "U⁻¹ = [", "S = diag(0.8302, 0.2452, 0.02456)", "S^6 = diag(",
                 "ordered J_6 = ∂h_6/∂h_0 = [", "Newton's method from h = 0: converged",
                 "h* = [", "Stable: every |λ| < 1"):  # fmt: skip
        assert text in out, text
    assert "which does not hold here" in out.replace("\n  ", " ")
    assert max(len(line) for line in out.splitlines()) <= 80


def test_gated_cells_state_that_the_derivation_is_for_the_simple_rnn():
    out = invoke("gradflow", LSTM).output.replace("\n", " ")
    assert "are derived for the simple RNN" in out and "U S U⁻¹" not in out
    doc = json.loads(invoke("gradflow", LSTM, "--format", "json").output)
    assert doc["eigen"]["applies"] is False and doc["fixed_point"]["applies"] is False


def test_a_skip_connection_or_recurrent_dropout_is_not_of_the_seeds_form():
    """h_t = f(z_t) + α h_(t−1) and W_hh read through a mask: A_j is not diag(f′) W_hh."""
    for args in ((), ("--eval",)):
        doc = json.loads(invoke("gradflow", SKIP, "--format", "json", *args).output)
        assert doc["eigen"]["applies"] is False and doc["fixed_point"]["applies"] is False
        assert "skip connection" in doc["eigen"]["reason"]
    out = invoke("gradflow", SKIP).output.replace("\n", " ")
    assert "so neither is shown" in out and "U S U⁻¹ =" not in out


def test_json_carries_u_s_u_inverse_and_the_products():
    doc = json.loads(invoke("gradflow", SENTIMENT, "--format", "json").output)
    eigen = doc["eigen"]
    W = np.array(doc["matrices"][0]["matrix"])

    def complex_matrix(rows):
        return np.array([[complex(e["re"], e["im"]) for e in row] for row in rows])

    U, S, Uinv = (complex_matrix(eigen[k]) for k in ("U", "S", "U_inv"))
    np.testing.assert_allclose(U @ S @ Uinv, W, atol=1e-12)
    assert eigen["k"] == 6 and eigen["applies"] is True and eigen["defective"] is False
    np.testing.assert_allclose(complex_matrix(eigen["S_k"]), np.linalg.matrix_power(S, 6),
                               atol=1e-15)  # fmt: skip
    np.testing.assert_allclose(eigen["power"], np.linalg.matrix_power(W, 6), atol=1e-12)
    np.testing.assert_array_equal(eigen["exact"], doc["distances"][5]["jacobian"])
    approx = np.diag(eigen["derivatives"]) @ np.array(eigen["power"])
    np.testing.assert_allclose(eigen["approximation"], approx, atol=1e-15)
    assert eigen["difference"] == pytest.approx(
        np.linalg.norm(approx - np.array(eigen["exact"]), 2), rel=1e-9)  # fmt: skip
    fixed = doc["fixed_point"]
    assert fixed["newton"]["converged"] and fixed["points"][0]["verdict"] == "stable"


def _latex_documents():
    from rnntrace._internal.render.gradflow_latex import render_gradflow_latex

    cases = {
        "complex": scenario_text(rotation(0.7, 0.9), np.eye(2), np.full((5, 2), 0.3)),
        "defective": scenario_text([[0.5, 1.0], [0.0, 0.5]], np.eye(2), np.full((4, 2), 0.2)),
        "no-convergence": one_d(-3.0, 0.0, 1.0, 0.1),
        "two-points": one_d(2.0, 0.0, 1.0, 0.01),
        "big": scenario_text(0.3 * np.eye(9), np.ones((9, 2)), np.full((3, 2), 0.1)),
    }
    docs = {name: "".join(render_gradflow_latex(flow_of(text)[0], standalone=True))
            for name, text in cases.items()}  # fmt: skip
    for path in (SENTIMENT, LSTM, SKIP):
        docs[path.stem] = invoke("gradflow", path, "--format", "latex", "--standalone").output
    return docs


def test_latex_of_both_sections_compiles(tmp_path):
    require_executable("pdflatex")
    from texbuild import compile_all

    docs = _latex_documents()
    assert "The introduction notes' derivation" in docs["sentiment"] and "\\,i" in docs["complex"]
    assert "not diagonalisable" in docs["defective"]
    assert "did not converge" in docs["no-convergence"]
    for name, text in docs.items():
        assert text.isascii(), name
    built = compile_all(tmp_path, docs)
    for name, result in built.items():
        assert result.pdf is not None, (name, result.errors())
        assert not [p for p in result.overfull() if p > 1.0], (name, result.overfull())
