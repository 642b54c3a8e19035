"""The minimal gated unit (MGU) against oracles that do not use rnntrace:

* PyTorch float64 autograd of the MGU's equations, written out below from the issue,

      f_t = σ(W_f [h_(t−1), x_t] + b_f)
      h~_t = tanh(W_h [f_t ⊙ h_(t−1), x_t] + b_h)
      h_t = (1 − f_t) ⊙ h_(t−1) + f_t ⊙ h~_t

  (W_f = [W_fh  W_fx], W_h = [W_hh  W_hx] in the separate form): every forward value, the
  loss and every gradient (all parameters and h_0), for both weight forms, many-to-one,
  stacked many-to-many and bidirectional; a torch training loop for 3 epochs; the step
  Jacobian of ``gradflow`` against ``torch.autograd.functional.jacobian``;
* central finite differences of the traced loss;
* the commands (run in every format, gradflow, export, answers, verify, train, gradcheck)
  on the bundled ``sentiment-mgu`` scenario, the LaTeX compiled by pdflatex.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from oracles import require_torch
from texbuild import compile_all

from rnntrace._internal import cells
from rnntrace._internal.analysis.gradcheck import exact, gradcheck
from rnntrace._internal.analysis.gradflow import analyse, forward_pass
from rnntrace._internal.cli import cli
from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.errors import ScenarioError
from rnntrace._internal.scenario import load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parent.parent
MGU_FILE = ROOT / "scenarios" / "sentiment-mgu.yaml"
RTOL = ATOL = 1e-10
TOKENS = ["a", "b", "c", "d"]
D = 3


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, [str(a) for a in args])


# -- scenarios drawn at random ---------------------------------------------------------------


def _part(rng: np.random.Generator, H: int, width: int, form: str) -> dict[str, Any]:
    """One layer's parameters (and h_0, so that it is trained too)."""

    def m(rows: int, cols: int) -> list:
        return np.round(rng.uniform(-0.8, 0.8, (rows, cols)), 3).tolist()

    def v(n: int) -> list:
        return np.round(rng.uniform(-0.5, 0.5, n), 3).tolist()

    if form == "concatenated":
        return {"W_f": m(H, H + width), "b_f": v(H), "W_h": m(H, H + width), "b_h": v(H),
                "h_0": v(H)}  # fmt: skip
    return {"W_fx": m(H, width), "W_fh": m(H, H), "b_f": v(H), "W_hx": m(H, width),
            "W_hh": m(H, H), "b_h": v(H), "h_0": v(H)}  # fmt: skip


CONFIGS = {  # name -> (topology, layers, form, output, head, loss, K)
    "many-to-one separate": ("standard", 1, "separate", "last", "sigmoid", "bce", 1),
    "many-to-one concatenated": ("standard", 1, "concatenated", "last", "sigmoid", "bce", 1),
    "stacked many-to-many separate": ("standard", 2, "separate", "every", "identity", "mse", 2),
    "stacked many-to-many concatenated": ("standard", 2, "concatenated", "every", "identity",
                                          "mse", 2),
    "bidirectional separate": ("bidirectional", 1, "separate", "every", "softmax", "ce", 3),
    "bidirectional concatenated": ("bidirectional", 1, "concatenated", "last", "softmax", "ce",
                                   3),
}  # fmt: skip


def random_doc(name: str, seed: int) -> dict[str, Any]:
    topology, layers, form, output, head, loss, K = CONFIGS[name]
    rng = np.random.default_rng(seed)
    H = 3
    lengths = [4, 3]
    sequences = []
    for T in lengths:
        tokens = [TOKENS[i] for i in rng.integers(0, len(TOKENS), T)]
        seq: dict[str, Any] = {"tokens": " ".join(tokens)}

        def target() -> Any:
            if loss == "bce":
                return int(rng.integers(0, 2))
            if loss == "ce":
                return int(rng.integers(0, K))
            return np.round(rng.uniform(-1, 1, K), 3).tolist()

        if output == "last":
            seq["label"] = target()
        else:
            seq["targets"] = [target() for _ in range(T)]
        sequences.append(seq)
    params: dict[str, Any]
    if topology == "bidirectional":
        params = {"forward": _part(rng, H, D, form), "backward": _part(rng, H, D, form)}
        width = 2 * H
    elif layers > 1:
        params = {"layers": [_part(rng, H, D, form), _part(rng, H, H, form)]}
        width = H
    else:
        params = _part(rng, H, D, form)
        width = H
    params["W_hy"] = np.round(rng.uniform(-0.8, 0.8, (K, width)), 3).tolist()
    params["b_y"] = np.round(rng.uniform(-0.3, 0.3, K), 3).tolist()
    model = {"cell": "mgu", "topology": topology, "output": output, "head": head, "loss": loss}
    if layers > 1:
        model["layers"] = layers
    return {
        "version": 1,
        "title": f"MGU, {name}",
        "input": {"embeddings": {t: np.round(rng.uniform(-1, 1, D), 3).tolist() for t in TOKENS}},
        "sequences": sequences,
        "model": model,
        "params": params,
    }


def scenario_of(doc: dict[str, Any]):
    return parse_scenario(yaml.safe_dump(doc, sort_keys=False), "mgu.yaml")


# -- the torch reference ---------------------------------------------------------------------


class TorchMgu:
    """The scenario ``doc`` in torch: its parameters as leaves (keyed as rnntrace keys
    them: ``l2.W_fx``, ``fw.h_0``), its forward values by key, and its total loss."""

    def __init__(self, torch, doc: dict[str, Any]) -> None:
        self.torch = torch
        self.doc = doc
        self.P: dict[str, Any] = {}
        params = doc["params"]
        if "layers" in params:
            self.parts = [f"l{i + 1}." for i in range(len(params["layers"]))]
            for prefix, part in zip(self.parts, params["layers"]):
                self._leaves(prefix, part)
        elif "forward" in params:
            self.parts = ["fw.", "bw."]
            self._leaves("fw.", params["forward"])
            self._leaves("bw.", params["backward"])
        else:
            self.parts = [""]
            self._leaves("", {k: v for k, v in params.items() if k not in ("W_hy", "b_y")})
        self._leaves("", {"W_hy": params["W_hy"], "b_y": params["b_y"]})
        self.values: dict[str, Any] = {}

    def _leaves(self, prefix: str, part: dict[str, Any]) -> None:
        for key, value in part.items():
            self.P[prefix + key] = self.torch.tensor(np.asarray(value, dtype=float),
                                                     dtype=self.torch.float64,
                                                     requires_grad=True)  # fmt: skip

    def weights(self, prefix: str) -> tuple[Any, Any]:
        """(W_f, W_h), each acting on [h, x]."""
        P, cat = self.P, self.torch.cat
        if prefix + "W_f" in P:
            return P[prefix + "W_f"], P[prefix + "W_h"]
        return (cat([P[prefix + "W_fh"], P[prefix + "W_fx"]], dim=1),
                cat([P[prefix + "W_hh"], P[prefix + "W_hx"]], dim=1))  # fmt: skip

    def step(self, prefix: str, x: Any, h: Any) -> tuple[Any, Any, Any]:
        """One MGU step from the equations: (h_t, f_t, h~_t)."""
        torch = self.torch
        W_f, W_h = self.weights(prefix)
        f = torch.sigmoid(W_f @ torch.cat([h, x]) + self.P[prefix + "b_f"])
        n = torch.tanh(W_h @ torch.cat([f * h, x]) + self.P[prefix + "b_h"])
        return (1 - f) * h + f * n, f, n

    def run(self, xs: list[Any], prefix: str, seq: str, reverse: bool = False) -> dict[int, Any]:
        h = self.P[prefix + "h_0"]
        states = {}
        for t in sorted(range(1, len(xs) + 1), reverse=reverse):
            h, f, n = self.step(prefix, xs[t - 1], h)
            states[t] = h
            for name, value in (("h", h), ("f", f), ("n", n)):
                self.values[f"{seq}{prefix}{name}_{t}"] = value
        return states

    def loss(self) -> Any:
        torch, doc = self.torch, self.doc
        model = doc["model"]
        emb = doc["input"]["embeddings"]
        total = 0
        for i, seq in enumerate(doc["sequences"], start=1):
            pre = f"s{i}."
            tokens = seq["tokens"].split()
            xs = [torch.tensor(emb[tok], dtype=torch.float64) for tok in tokens]
            T = len(xs)
            if self.parts == ["fw.", "bw."]:
                fw, bw = self.run(xs, "fw.", pre), self.run(xs, "bw.", pre, reverse=True)
                top = {t: torch.cat([fw[t], bw[t]]) for t in fw}
                if model["output"] == "last":
                    top = {T: torch.cat([fw[T], bw[1]])}
            else:
                inputs = xs
                for prefix in self.parts:
                    states = self.run(inputs, prefix, pre)
                    inputs = [states[t] for t in range(1, T + 1)]
                top = {t: inputs[t - 1] for t in range(1, T + 1)}
            steps = [T] if model["output"] == "last" else range(1, T + 1)
            targets = {T: seq["label"]} if model["output"] == "last" else dict(
                zip(range(1, T + 1), seq["targets"])
            )  # fmt: skip
            seq_loss = 0
            for t in steps:
                o = self.P["W_hy"] @ top[t] + self.P["b_y"]
                seq_loss = seq_loss + self._loss(o, targets[t], model["loss"])
            self.values[f"{pre}L"] = seq_loss
            total = total + seq_loss
        self.values["L"] = total
        return total

    def _loss(self, o: Any, target: Any, kind: str) -> Any:
        torch = self.torch
        if kind == "bce":
            p = torch.sigmoid(o)[0]
            return -(target * torch.log(p) + (1 - target) * torch.log(1 - p))
        if kind == "ce":
            return -torch.log_softmax(o, dim=0)[target]
        y = torch.tensor(target, dtype=torch.float64)
        return ((o - y) ** 2).mean()

    def gradients(self) -> dict[str, np.ndarray]:
        """∂L/∂θ of every parameter (and h_0), keyed as rnntrace keys them: ``l2.dW_fx``."""
        loss = self.loss()
        grads = self.torch.autograd.grad(loss, list(self.P.values()))
        out = {}
        for key, grad in zip(self.P, grads):
            part, dot, base = key.rpartition(".")
            out[f"{part}{dot}d{base}"] = grad.numpy()
        return out


# -- forward and every gradient against torch ------------------------------------------------


@pytest.mark.parametrize("name", list(CONFIGS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_value_and_gradient_matches_torch(name: str, seed: int) -> None:
    torch = require_torch()
    doc = random_doc(name, seed)
    trace = trace_scenario(scenario_of(doc))
    ref = TorchMgu(torch, doc)
    grads = ref.gradients()
    assert len(grads) == len(ref.P)
    for key, want in grads.items():  # every parameter, and every h_0
        np.testing.assert_allclose(trace.value(key), want, rtol=RTOL, atol=ATOL, err_msg=key)
    values = {k: v.detach().numpy() for k, v in ref.values.items()}
    assert len(values) >= 24
    for key, want in values.items():  # h_t, f_t, h~_t (n_t) of every part, the losses
        np.testing.assert_allclose(trace.value(key), want, rtol=RTOL, atol=ATOL, err_msg=key)


def test_the_two_weight_forms_are_the_same_model() -> None:
    """W_f = [W_fh  W_fx] and W_h = [W_hh  W_hx]: one model, the same loss and gradients."""
    doc = random_doc("many-to-one separate", 5)
    p = doc["params"]
    joined = {**doc, "params": {
        "W_f": np.hstack([p["W_fh"], p["W_fx"]]).tolist(), "b_f": p["b_f"],
        "W_h": np.hstack([p["W_hh"], p["W_hx"]]).tolist(), "b_h": p["b_h"],
        "h_0": p["h_0"], "W_hy": p["W_hy"], "b_y": p["b_y"]}}  # fmt: skip
    split, whole = trace_scenario(scenario_of(doc)), trace_scenario(scenario_of(joined))
    assert whole.value("L") == pytest.approx(split.value("L"), rel=1e-14)
    np.testing.assert_allclose(whole.value("dW_f"),
                               np.hstack([split.value("dW_fh"), split.value("dW_fx")]),
                               rtol=1e-12, atol=1e-15)  # fmt: skip


@pytest.mark.parametrize("name", ["many-to-one concatenated", "bidirectional separate"])
def test_gradients_match_central_finite_differences(name: str) -> None:
    """(L(θ + ε) − L(θ − ε)) / 2ε of the traced loss, for every entry of every parameter."""
    scenario = scenario_of(random_doc(name, 7))
    trace = trace_scenario(scenario)
    eps = 1e-6
    for key in trace.meta.trained:
        base = scenario.params[key]
        fd = np.zeros_like(base)
        for index in np.ndindex(base.shape):
            losses = []
            for sign in (1, -1):
                moved = base.copy()
                moved[index] += sign * eps
                params = {**scenario.params, key: moved}
                losses.append(trace_scenario(replace(scenario, params=params)).value("L"))
            fd[index] = (losses[0] - losses[1]) / (2 * eps)
        part, dot, stem = key.rpartition(".")
        np.testing.assert_allclose(trace.value(f"{part}{dot}d{stem}"), fd, rtol=1e-6,
                                   atol=1e-8, err_msg=key)  # fmt: skip


@pytest.mark.parametrize("name", list(CONFIGS))
def test_gradcheck_passes_for_every_topology(name: str) -> None:
    check = gradcheck(scenario_of(random_doc(name, 11)))
    assert check.passed, [(p.key, p.rel_error) for p in check.params]
    assert len(check.params) >= 7  # W_f or W_fx, W_fh; b_f; W_h ...; h_0; W_hy, b_y


# -- the registry and the scenario format ---------------------------------------------------------


def test_the_mgu_is_registered_with_both_weight_forms() -> None:
    kind = cells.get("mgu")
    assert "mgu" in cells.names()
    assert list(kind.param_specs()) == ["W_f", "W_fx", "W_fh", "b_f", "W_h", "W_hx", "W_hh",
                                        "b_h", "W_hy", "b_y", "h_0"]  # fmt: skip
    assert kind.param_specs()["W_f"].shape == ("H", "H+D")


def test_a_gru_option_is_refused_for_the_mgu() -> None:
    doc = random_doc("many-to-one separate", 0)
    doc["model"]["gru_variant"] = "reset_after"
    with pytest.raises(ScenarioError, match="applies to model.cell 'gru' only; this model is"):
        scenario_of(doc)


def test_mixing_the_forms_is_refused() -> None:
    doc = random_doc("many-to-one separate", 0)
    doc["params"]["W_f"] = np.zeros((3, 6)).tolist()
    with pytest.raises(ScenarioError, match="two forms of the same weights"):
        scenario_of(doc)


def test_the_schema_offers_the_mgu() -> None:
    result = invoke("schema")
    schema = json.loads(result.output)
    assert "mgu" in schema["properties"]["model"]["properties"]["cell"]["enum"]


# -- the commands on the bundled scenario ------------------------------------------------------


@pytest.fixture(scope="module")
def bundled() -> tuple[dict[str, Any], Any]:
    """The bundled scenario, carried exactly, with the torch reference's values."""
    torch = require_torch()
    doc = yaml.safe_load(MGU_FILE.read_text(encoding="utf-8"))
    doc["params"]["h_0"] = [0.0, 0.0]
    ref = TorchMgu(torch, doc)
    grads = ref.gradients()
    values = {k: v.detach().numpy() for k, v in ref.values.items()}
    return {**values, **{k: v for k, v in grads.items() if k != "dh_0"}}, doc


def test_the_bundled_scenario_is_packaged() -> None:
    packaged = ROOT / "rnntrace" / "examples" / "sentiment-mgu.yaml"
    assert packaged.read_text(encoding="utf-8") == MGU_FILE.read_text(encoding="utf-8")
    assert load_scenario(MGU_FILE).model.cell == "mgu"


def test_run_json_holds_the_torch_values(bundled) -> None:
    want, _ = bundled
    result = invoke("run", MGU_FILE, "--format", "json", "--carry", "exact")
    assert result.exit_code == 0, result.output
    steps = {step["key"]: step for step in json.loads(result.output)["steps"]}
    for key, value in want.items():
        np.testing.assert_allclose(steps[key]["value"], value, rtol=RTOL, atol=ATOL, err_msg=key)


def test_run_text_writes_the_gates_by_hand(bundled) -> None:
    want, _ = bundled
    result = invoke("run", MGU_FILE)
    assert result.exit_code == 0, result.output
    out = result.output
    f_1 = want["s1.f_1"]  # at t = 1 nothing was rounded before σ
    assert f"f_1 ≈ [{f_1[0]:.3f}, {f_1[1]:.3f}]" in out
    assert "MGU with an output at the last step" in out
    assert "h_t = (1 − f_t) ⊙ h_(t−1) + f_t ⊙ h̃_t" in " ".join(out.split())
    for words in ("δf_6^mix", "δf_6^h̃", "δh_5^keep", "∂L/∂W_fh from t = 6", "Gradients"):
        assert words in out, words


def test_markdown_and_latex_are_written(tmp_path) -> None:
    markdown = invoke("run", MGU_FILE, "--format", "markdown")
    assert markdown.exit_code == 0 and "MGU" in markdown.output
    assert "\\tilde{h}" in markdown.output
    docs = {}
    for name, args in {
        "run": ["run", MGU_FILE, "--format", "latex", "--standalone"],
        "gradflow": ["gradflow", MGU_FILE, "--format", "latex", "--standalone"],
    }.items():
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        docs[name] = result.output
    export = invoke("export", MGU_FILE, "-o", tmp_path / "hw.tex")
    assert export.exit_code == 0, export.output
    docs["sheet"] = (tmp_path / "hw.tex").read_text(encoding="utf-8")
    docs["key"] = (tmp_path / "hw-key.tex").read_text(encoding="utf-8")
    built = compile_all(tmp_path / "tex", docs)
    for name, doc in built.items():
        assert doc.pdf is not None, (name, doc.errors())


def test_answers_verify_and_a_slip_carried_forward(tmp_path) -> None:
    key = tmp_path / "key.yaml"
    assert invoke("answers", MGU_FILE, "--ask", "*", "--key", "-o", key).exit_code == 0
    right = invoke("verify", MGU_FILE, "--ask", "*", key)
    assert right.exit_code == 0, right.output
    count = re.search(r"(\d+) quantities: (\d+) correct", right.output)
    assert count and count.group(1) == count.group(2) and int(count.group(1)) > 150
    # A slip in f_2 ⊙ h_1, and W_hh (f_2 ⊙ h_1) worked out from the slipped numbers.
    answers = yaml.safe_load(key.read_text(encoding="utf-8"))
    slipped = np.array(answers["s1.fh_2"]) + [0.1, 0.0]
    W_hh = np.array(yaml.safe_load(MGU_FILE.read_text(encoding="utf-8"))["params"]["W_hh"])
    answers["s1.fh_2"] = np.round(slipped, 3).tolist()
    answers["s1.hh_2"] = np.round(W_hh @ slipped, 3).tolist()
    slip = tmp_path / "slip.yaml"
    slip.write_text(yaml.safe_dump(answers), encoding="utf-8")
    wrong = invoke("verify", MGU_FILE, "--ask", "*", slip)
    assert wrong.exit_code == 1, wrong.output
    assert "▶ s1.fh_2" in wrong.output and "wrong [1]" in wrong.output
    assert "carried error ← s1.fh_2" in wrong.output


def test_train_matches_a_torch_loop_and_the_loss_goes_down(bundled) -> None:
    torch = require_torch()
    _, doc = bundled
    result = invoke("train", MGU_FILE, "--epochs", "3", "--format", "json")
    assert result.exit_code == 0, result.output
    ours = json.loads(result.output)
    ref = TorchMgu(torch, doc)
    trained = {k: v for k, v in ref.P.items() if k != "h_0"}  # h_0 is not given
    opt = torch.optim.SGD(list(trained.values()), lr=doc["train"]["learning_rate"])
    losses = []
    for _ in range(3):
        opt.zero_grad()
        loss = ref.loss()
        loss.backward()
        losses.append(float(loss.detach()))
        opt.step()
    np.testing.assert_allclose(ours["losses"], losses, rtol=RTOL)
    assert losses[2] < losses[1] < losses[0]
    for key, value in ours["final_params"].items():
        np.testing.assert_allclose(value, trained[key].detach().numpy(), rtol=RTOL, atol=ATOL)


def test_gradflow_step_jacobians_match_torch_autograd(bundled) -> None:
    torch = require_torch()
    _, doc = bundled
    scenario = exact(load_scenario(MGU_FILE))
    flow = analyse(forward_pass(scenario, 1), scenario, 1)
    ref = TorchMgu(torch, doc)
    emb = doc["input"]["embeddings"]
    tokens = doc["sequences"][0]["tokens"].split()
    assert [s.time for s in flow.steps] == list(range(1, len(tokens) + 1))
    h = ref.P["h_0"].detach()
    for step in flow.steps:
        x = torch.tensor(emb[tokens[step.time - 1]], dtype=torch.float64)
        want = torch.autograd.functional.jacobian(lambda prev, x=x: ref.step("", x, prev)[0], h)
        np.testing.assert_allclose(step.jacobian, want.numpy(), rtol=RTOL, atol=ATOL)
        h, f, _ = (v.detach() for v in ref.step("", x, h))
        np.testing.assert_allclose(step.path, 1 - f.numpy(), rtol=RTOL, atol=ATOL)
    assert flow.path_name == "direct path (1 - f)"
    result = invoke("gradflow", MGU_FILE, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["cell"] == "mgu" and document["verdict"]["cause"] == "gated"
    for mine, step in zip(document["steps"], flow.steps):
        np.testing.assert_allclose(mine["jacobian"], step.jacobian, rtol=0, atol=0)
    text = invoke("gradflow", MGU_FILE)
    assert text.exit_code == 0 and "‖Π diag(1 − f_j)‖" in text.output


def test_gradcheck_command_passes() -> None:
    result = invoke("gradcheck", MGU_FILE)
    assert result.exit_code == 0, result.output
    assert "passed" in result.output


def test_the_readme_keys_of_the_mgu_are_in_its_trace() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    every = ["f", "fh", "omf", "keep", "new", "n", "dn", "nmh", "dfh", "df_mix", "df_cand", "df"]
    not_last = ["dh_keep", "dh_f", "dh_h"]
    assert all(f"`{name}_t`" in readme for name in every + not_last)
    trace = trace_scenario(load_scenario(MGU_FILE))
    for prefix, T in (("s1.", 6), ("s2.", 4)):
        want = [f"{prefix}{name}_{t}" for t in range(1, T + 1) for name in every]
        want += [f"{prefix}{name}_{t}" for t in range(1, T) for name in not_last]
        assert not [key for key in want if key not in trace]
