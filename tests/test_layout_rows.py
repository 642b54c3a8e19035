"""model.layout rows: the row-vector convention x_t W_xh with W_xh of shape (D, H).

Checked against things written here, not against rnntrace: a columns twin (the same
scenario with every matrix transposed) must give every value (matrices transposed); PyTorch
float64 autograd of the row-vector equations gives the forward pass and every gradient
contribution; numpy written here gives each worked column of the printed products; a loop
written here trains the row-vector model; bad shapes are refused through the CLI.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from oracles import require_torch

import rnntrace

MATRICES = ("W_xh", "W_hh", "W_hy")
TOKENS = ("a", "b", "c")
ROOT = Path(__file__).resolve().parent.parent


def _numbers(rng: np.random.Generator, *shape: int) -> list:
    return np.round(rng.uniform(-0.9, 0.9, size=shape), 2).tolist()


def rows_scenario(
    output: str = "last", head: str = "softmax", loss: str = "ce", seed: int = 0,
    activation: str = "tanh", carry: str = "exact",
) -> dict:  # fmt: skip
    """A small row-layout scenario (D = 3, H = 2, K = 2): W_xh (3, 2), W_hh (2, 2), W_hy (2, 2)."""
    rng = np.random.default_rng(seed)
    targets = [1, 0, 1] if output == "every" else 1
    target_key = "targets" if output == "every" else "label"
    return {
        "version": 1,
        "title": "rows",
        "input": {"embeddings": {tok: _numbers(rng, 3) for tok in TOKENS}},
        "sequences": [
            {"tokens": "a b c", target_key: targets},
            {"tokens": "c a b", target_key: targets},
        ],
        "model": {
            "cell": "rnn",
            "activation": activation,
            "output": output,
            "head": head,
            "loss": loss,
            "layout": "rows",
        },  # fmt: skip
        "params": {
            "W_xh": _numbers(rng, 3, 2),
            "W_hh": _numbers(rng, 2, 2),
            "b_h": _numbers(rng, 2),
            "W_hy": _numbers(rng, 2, 2),
            "b_y": _numbers(rng, 2),
            "h_0": _numbers(rng, 2),
        },
        "train": {"learning_rate": 0.1},
        "numbers": {"decimals": 3, "carry": carry},
    }


def columns_twin(scenario: dict) -> dict:
    """The same model in the column layout: every matrix transposed, no layout key."""
    twin = json.loads(json.dumps(scenario))
    del twin["model"]["layout"]
    for key in MATRICES:
        twin["params"][key] = np.array(twin["params"][key]).T.tolist()
    return twin


# -- the columns twin ----------------------------------------------------------------------


@pytest.mark.parametrize("output", ["last", "every"])
@pytest.mark.parametrize("carry", ["exact", "rounded"])
def test_rows_equal_their_columns_twin(output: str, carry: str) -> None:
    rows = rows_scenario(output, carry=carry)
    by_rows = rnntrace.trace(rows)
    by_columns = rnntrace.trace(columns_twin(rows))
    rows_keys = [step.key for step in by_rows.steps]
    assert rows_keys == [step.key for step in by_columns.steps]
    matrices = 0
    for step in by_columns.steps:
        mine = by_rows[step.key]
        expected = step.carried.T if step.carried.ndim == 2 else step.carried
        if step.carried.ndim == 2:
            matrices += 1
        # x W and W x add the same products in the same order: equal to the last bit
        np.testing.assert_allclose(mine.carried, expected, rtol=1e-13, atol=1e-15,
                                   err_msg=step.key)  # fmt: skip
    assert matrices > 10  # the parameters, every dW contribution and sum, the updates


def test_rows_steps_are_row_vector_products() -> None:
    trace = rnntrace.trace(rows_scenario())
    assert trace["s1.zx_2"].op == "vecmat"
    assert trace["s1.zx_2"].operands == ("s1.x_2", "W_xh")
    assert trace["s1.dW_xh_2"].value.shape == (3, 2)
    assert trace["dW_hy"].value.shape == (2, 2)
    assert trace["s1.dh_next_2"].operands == ("s1.dz_3", "W_hh")
    assert trace["s1.dh_next_2"].info.get("transpose") is True


# -- PyTorch float64 autograd of the row-vector equations ----------------------------------


def torch_rows(torch, scenario: dict) -> dict[str, np.ndarray]:
    """Every value by trace key, from z_t = x_t W_xh + h_(t−1) W_hh + b_h, h_t = tanh(z_t),
    o_t = h_t W_hy + b_y, softmax and cross-entropy, summed; per-step contributions read
    from per-step copies of each parameter."""
    f64 = torch.float64
    P = {key: torch.tensor(value, dtype=f64, requires_grad=True)
         for key, value in scenario["params"].items()}  # fmt: skip
    emb = scenario["input"]["embeddings"]
    every = scenario["model"]["output"] == "every"
    values: dict[str, object] = {}
    copies: dict[str, object] = {}

    def copy(name: str, key: str):
        c = P[name] * 1.0
        c.retain_grad()
        copies[key] = c
        return c

    total = 0
    for n, seq in enumerate(scenario["sequences"], start=1):
        pre = f"s{n}."
        tokens = seq["tokens"].split()
        h = copy("h_0", pre + "dh_0")
        targets = seq["targets"] if every else {len(tokens): seq["label"]}
        targets = dict(enumerate(targets, start=1)) if every else targets
        for t, tok in enumerate(tokens, start=1):
            x = torch.tensor(emb[tok], dtype=f64)
            zx = x @ copy("W_xh", f"{pre}dW_xh_{t}")
            zh = h @ copy("W_hh", f"{pre}dW_hh_{t}")
            z = zx + zh + copy("b_h", f"{pre}dz_{t}")
            z.retain_grad()
            h = torch.tanh(z)
            h.retain_grad()
            values.update({f"{pre}zx_{t}": zx, f"{pre}zh_{t}": zh, f"{pre}z_{t}": z,
                           f"{pre}h_{t}": h})  # fmt: skip
            if t in targets:
                o = h @ copy("W_hy", f"{pre}dW_hy_{t}") + copy("b_y", f"{pre}do_{t}")
                loss = -torch.log_softmax(o, dim=0)[targets[t]]
                values.update({f"{pre}o_{t}": o, f"{pre}y_{t}": torch.softmax(o, 0),
                               f"{pre}L_{t}": loss})  # fmt: skip
                total = total + loss
    values["L"] = total
    total.backward()
    out = {key: v.detach().numpy() for key, v in values.items()}
    out.update({key: c.grad.numpy() for key, c in copies.items()})
    for key in list(out):  # δz_t, δh_t: the gradients of z_t and h_t
        if re.search(r"\.(z|h)_\d+$", key):
            out[key.replace(".z_", ".dz_").replace(".h_", ".dh_")] = values[key].grad.numpy()
    for name in P:
        grad = P[name].grad.numpy()
        out["d" + name if name != "h_0" else "dh_0_total"] = grad
        out[f"{name}_new"] = P[name].detach().numpy() - 0.1 * grad
    return out


@pytest.mark.parametrize("output", ["last", "every"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rows_agree_with_torch_autograd(output: str, seed: int) -> None:
    torch = require_torch()
    scenario = rows_scenario(output, seed=seed)
    expected = torch_rows(torch, scenario)
    trace = rnntrace.trace(scenario)
    checked = 0
    for key, value in expected.items():
        if key.endswith("dh_0_total") or key == "h_0_new":
            continue
        if key not in trace.raw:
            assert "dh_" in key or key.endswith("_new"), key  # dh_T of an unseen output
            continue
        np.testing.assert_allclose(trace[key].value, value, rtol=1e-10, atol=1e-12,
                                   err_msg=key)  # fmt: skip
        checked += 1
    for key in ("dW_xh", "dW_hh", "dW_hy", "W_xh_new", "W_hy_new"):
        assert trace[key].value.shape == np.asarray(expected[key]).shape
    assert checked > 40


# -- the printed worked products, against numpy written here --------------------------------

_COLUMN = re.compile(r"^\s+column (\d+): (.*?) = (.*?) [=≈] (−?[\d.]+)$")


def _joined(lines: list[str]) -> list[str]:
    """The lines with a long entry's continuation (``      = products ≈ value``) joined."""
    out: list[str] = []
    for line in lines:
        if out and re.match(r"^\s+= ", line) and out[-1].lstrip().startswith("column"):
            out[-1] += " " + line.strip()
        else:
            out.append(line)
    return out


def _number(text: str) -> float:
    return float(text.replace("−", "-").strip("()"))


def test_printed_columns_are_row_vector_entries(tmp_path) -> None:
    scenario = rows_scenario("every")
    path = tmp_path / "rows.yaml"
    path.write_text(json.dumps(scenario))
    run = subprocess.run([sys.executable, "-m", "rnntrace", "run", str(path), "--full"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    lines = _joined(run.stdout.splitlines())
    W = np.array(scenario["params"]["W_xh"])
    emb = scenario["input"]["embeddings"]
    at = lines.index("  x_1 W_xh:")  # sequence 1, token a
    x = np.array(emb["a"])
    seen = 0
    for j in range(W.shape[1]):
        match = _COLUMN.match(lines[at + 1 + j])
        assert match, lines[at + 1 + j]
        assert int(match.group(1)) == j + 1
        factors = [[_number(f) for f in term.split("×")] for term in match.group(2).split(" + ")]
        assert factors == [[x[i], W[i, j]] for i in range(W.shape[0])]  # x_i × W_ij
        assert _number(match.group(4)) == pytest.approx(float(x @ W[:, j]), abs=5e-4)
        seen += 1
    assert seen == 2
    # δz W_hhᵀ: column j is Σ_i δz_i W_hh[j, i]
    trace = rnntrace.trace(scenario)
    dz, Whh = trace["s1.dz_3"].value, np.array(scenario["params"]["W_hh"])
    at = lines.index("  δz_3 W_hhᵀ:")
    for j in range(2):
        match = _COLUMN.match(lines[at + 1 + j])
        assert match, lines[at + 1 + j]
        factors = [[_number(f) for f in term.split("×")] for term in match.group(2).split(" + ")]
        np.testing.assert_allclose(factors, [[dz[i], Whh[j, i]] for i in range(2)], atol=5e-4)
        assert _number(match.group(4)) == pytest.approx(float(dz @ Whh.T[:, j]), abs=5e-4)


@pytest.mark.parametrize("fmt", ["latex", "markdown", "json", "html"])
def test_every_format_writes_the_row_layout(fmt: str, tmp_path) -> None:
    scenario = rows_scenario("every")
    path = tmp_path / "rows.yaml"
    path.write_text(json.dumps(scenario))
    out = subprocess.run([sys.executable, "-m", "rnntrace", "run", str(path), "--format", fmt],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    W = np.array(scenario["params"]["W_xh"])
    x = np.array(scenario["input"]["embeddings"]["a"])
    if fmt == "json":
        data = json.loads(out)
        assert data["meta"]["model"]["layout"] == "rows"
        step = next(s for s in data["steps"] if s["key"] == "s1.zx_1")
        assert step["op"] == "vecmat"
        np.testing.assert_allclose(step["value"], x @ W, atol=1e-12)
    elif fmt == "html":
        assert "column 1: " in out and "row 1: " not in out
    else:
        first = f"{x[0]:g} \\times {W[0, 0]:g}".replace("-", "-")
        assert r"\left(x_{1} W_{xh}\right)_{1}" in out or r"\left(x_1 W_{xh}\right)_{1}" in out
        assert first in out.replace("−", "-")
        assert "row vectors (model.layout rows)" in out


# -- the loader ------------------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rnntrace", *args], capture_output=True,
                          text=True)  # fmt: skip


def test_column_shapes_are_refused_with_the_expected_shape(tmp_path) -> None:
    scenario = rows_scenario()
    scenario["params"]["W_xh"] = np.array(scenario["params"]["W_xh"]).T.tolist()  # (H, D)
    path = tmp_path / "bad.yaml"
    path.write_text(json.dumps(scenario, indent=1))
    result = _cli("run", str(path))
    assert result.returncode == 2
    message = result.stderr.strip()
    assert "\n" not in message and "Traceback" not in message
    assert "params.W_xh: shape (2, 3), must be shape (3, 2)" in message
    assert "(D, H)" in message


def test_output_matrix_in_column_shape_is_refused(tmp_path) -> None:
    scenario = rows_scenario()
    scenario["params"]["W_hy"] = [[0.1, 0.2]]  # (K=?, H) as the column layout writes it
    path = tmp_path / "bad.yaml"
    path.write_text(json.dumps(scenario, indent=1))
    result = _cli("validate", str(path))
    assert result.returncode == 2
    assert "params.W_hy" in result.stderr and "(H, K)" in result.stderr


@pytest.mark.parametrize(
    "change, found",
    [({"cell": "lstm"}, "model.cell 'lstm'"), ({"topology": "bidirectional"}, "bidirectional"),
     ({"layers": 2}, "2 stacked layers"), ({"attention": "self"}, "'self' attention")],
)  # fmt: skip
def test_rows_is_refused_beyond_the_simple_rnn(change: dict, found: str, tmp_path) -> None:
    scenario = rows_scenario()
    scenario["model"].update(change)
    if "cell" in change:
        del scenario["model"]["activation"]
    path = tmp_path / "other.yaml"
    path.write_text(json.dumps(scenario, indent=1))
    result = _cli("validate", str(path))
    assert result.returncode == 2, result.stdout
    message = result.stderr.strip()
    assert "\n" not in message
    assert "model.layout" in message and found in message


def test_layout_is_in_the_schema_with_its_default() -> None:
    from rnntrace._internal.scenario.schema import SCHEMA

    layout = SCHEMA["properties"]["model"]["properties"]["layout"]
    assert layout["enum"] == ["columns", "rows"] and layout["default"] == "columns"


# -- train, verify, gradcheck, gradflow --------------------------------------------------------


def test_train_matches_a_row_vector_loop() -> None:
    scenario = rows_scenario("every", seed=3)
    P = {k: np.array(v, dtype=float) for k, v in scenario["params"].items()}
    emb = {k: np.array(v) for k, v in scenario["input"]["embeddings"].items()}
    losses = []
    for _ in range(3):
        grads = {k: np.zeros_like(v) for k, v in P.items()}  # a given h_0 is trained too
        loss = 0.0
        for seq in scenario["sequences"]:
            xs = [emb[t] for t in seq["tokens"].split()]
            hs, ps = [P["h_0"]], []
            for x in xs:
                hs.append(np.tanh(x @ P["W_xh"] + hs[-1] @ P["W_hh"] + P["b_h"]))
                o = hs[-1] @ P["W_hy"] + P["b_y"]
                ps.append(np.exp(o - o.max()) / np.exp(o - o.max()).sum())
            dh_next = np.zeros(2)
            for t in range(len(xs), 0, -1):
                y = seq["targets"][t - 1]
                loss -= np.log(ps[t - 1][y])
                do = ps[t - 1] - np.eye(2)[y]
                grads["W_hy"] += np.outer(hs[t], do)  # h_tᵀ δo_t, (H, K)
                grads["b_y"] += do
                dz = (do @ P["W_hy"].T + dh_next) * (1 - hs[t] ** 2)
                grads["W_xh"] += np.outer(xs[t - 1], dz)  # x_tᵀ δz_t, (D, H)
                grads["W_hh"] += np.outer(hs[t - 1], dz)
                grads["b_h"] += dz
                dh_next = dz @ P["W_hh"].T
            grads["h_0"] += dh_next
        losses.append(loss)
        for k, g in grads.items():
            P[k] = P[k] - 0.1 * g
    result = rnntrace.train(scenario, epochs=3)
    np.testing.assert_allclose(result.losses, losses, rtol=1e-12)
    for key in ("W_xh", "W_hh", "W_hy", "b_h", "b_y", "h_0"):
        assert result.params[key].shape == P[key].shape
        np.testing.assert_allclose(result.params[key], P[key], rtol=1e-11, atol=1e-13)


def test_verify_worksheet_gradcheck_and_gradflow_run_on_rows(tmp_path) -> None:
    scenario = rows_scenario("every")
    path = tmp_path / "rows.yaml"
    path.write_text(json.dumps(scenario))
    trace = rnntrace.trace(scenario)
    template = tmp_path / "a.yaml"
    assert _cli("answers", str(path), "-o", str(template)).returncode == 0
    asked = [k for k in yaml.safe_load(template.read_text()) if k != "student"]
    assert "dW_xh" in asked and "W_xh_new" in asked
    answers = {key: np.round(trace[key].carried, 3).tolist() for key in asked}
    key_file = tmp_path / "key.yaml"
    key_file.write_text(json.dumps(answers))
    graded = _cli("verify", str(path), str(key_file))
    assert graded.returncode == 0, graded.stdout
    answers["dW_xh"] = np.round(trace["dW_xh"].carried.T, 3).tolist()  # (H, D): wrong
    key_file.write_text(json.dumps(answers))
    assert _cli("verify", str(path), str(key_file)).returncode == 1
    assert _cli("export", str(path), "-o", str(tmp_path / "hw.tex")).returncode == 0
    assert r"\left(x_{1} W_{xh}\right)" in (tmp_path / "hw-key.tex").read_text()
    check = _cli("gradcheck", str(path))
    assert check.returncode == 0 and "passed" in check.stdout
    flow = _cli("gradflow", str(path), "--format", "json")
    assert flow.returncode == 0, flow.stderr
    data = json.loads(flow.stdout)
    # A_j = ∂h_j/∂h_(j−1) = diag(f'(z_j)) W_hhᵀ in the row layout: checked with numpy here
    W = np.array(scenario["params"]["W_hh"])
    h_T = trace["s1.h_3"].value
    steps = data["steps"] if "steps" in data else data["flow"]["steps"]
    last = steps[0] if steps[0]["time"] == 3 else steps[-1]
    expected = (1 - h_T**2)[:, None] * W.T
    np.testing.assert_allclose(np.array(last["jacobian"]), expected, atol=1e-12)


# -- the bundled simple-RNN scenarios, written in rows ----------------------------------------


@pytest.mark.parametrize("name", ["sentiment", "hello", "i-love-ai", "skip-dropout"])
def test_bundled_scenarios_in_rows_equal_themselves(name: str) -> None:
    """Each bundled one-layer simple RNN, its matrices transposed and layout rows: every
    value, the training losses and the gradient flow's step Jacobians are the same."""
    original = yaml.safe_load((ROOT / "scenarios" / f"{name}.yaml").read_text(encoding="utf-8"))
    rows = json.loads(json.dumps(original))
    rows.setdefault("model", {})["layout"] = "rows"
    for key in MATRICES:
        if key in rows["params"]:
            rows["params"][key] = np.array(rows["params"][key]).T.tolist()
    by_rows, by_columns = rnntrace.trace(rows), rnntrace.trace(original)
    assert [s.key for s in by_rows.steps] == [s.key for s in by_columns.steps]
    for step in by_columns.steps:
        expected = step.carried.T if step.carried.ndim == 2 else step.carried
        np.testing.assert_allclose(by_rows[step.key].carried, expected, rtol=1e-13, atol=1e-15,
                                   err_msg=step.key)  # fmt: skip
    if by_columns.meta.trained:  # i-love-ai is a forward pass only
        trained = rnntrace.train(rows, epochs=2).losses
        expected_losses = rnntrace.train(original, epochs=2).losses
        np.testing.assert_allclose(trained, expected_losses, rtol=1e-12)
    from rnntrace._internal.analysis.gradflow import analyse

    flows = [analyse(t.raw, t.scenario) for t in (by_rows, by_columns)]
    for a, b in zip(flows[0].steps, flows[1].steps):
        np.testing.assert_allclose(a.jacobian, b.jacobian, rtol=1e-13, atol=1e-15)
