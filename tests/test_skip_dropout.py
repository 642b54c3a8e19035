"""Skip connections and dropout (issue 13) against PyTorch float64 autograd.

The reference below is written from seed 001's equations, not from the engine:

    x̃_t = m^x_t ⊙ x_t / (1 − p_x)                       (input dropout)
    h̃_{t−1} = m^h_t ⊙ h_{t−1} / (1 − p_h)                 (recurrent; one m^h if variational)
    h_t^(l) = tanh(W_xh^(l) h_t^(l−1) + W_hh^(l) h̃_{t−1}^(l) + b_h^(l))
              + α h_{t−1}^(l)  + [skip_l] h_t^(l−1)         (h_t^(0) = x̃_t)
    o_t = W_hy (m^y_t ⊙ h_t^(L) / (1 − p_y)) + b_y,  then the head and the loss.

The masks are fed to both: read from the trace (the 0/1 ``mask`` of each mask step) for the
comparison of values, and drawn here with the documented rule (``default_rng([seed, epoch,
sequence, kind, layer, t])``, m = 1 where u ≥ p) to check the trace's draws. Every forward
value, the loss and every gradient agree to 1e-10; the compiled training tape reproduces the
traced numbers; ``train`` redraws the masks each epoch as the rule says.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
import yaml
from oracles import require_torch

from rnntrace._internal.engine import grad_key, trace_scenario
from rnntrace._internal.scenario import parse_scenario

TOL = 1e-10
KIND_CODE = {"input": 1, "recurrent": 2, "output": 3}


def _layer(rng: np.random.Generator, D: int, H: int, h0: bool) -> dict[str, Any]:
    out = {"W_xh": rng.uniform(-0.8, 0.8, (H, D)).round(3).tolist(),
           "W_hh": rng.uniform(-0.8, 0.8, (H, H)).round(3).tolist(),
           "b_h": rng.uniform(-0.3, 0.3, H).round(3).tolist()}  # fmt: skip
    if h0:
        out["h_0"] = rng.uniform(-0.5, 0.5, H).round(3).tolist()
    return out


def scenario_doc(seed: int, *, layers: int = 1, skip: float = 0.0,
                 layer_skip: tuple[bool, ...] = (), dropout: dict | None = None,
                 loss: str = "mse", sequences: int = 1, T: int = 4) -> dict[str, Any]:  # fmt: skip
    """A small random scenario: vectors in, equal sizes D = H where a layer skips."""
    rng = np.random.default_rng(seed)
    H = 3
    D = H if layer_skip and layer_skip[0] else 2
    K = 2 if loss == "ce" else 1
    seqs = []
    for n in range(sequences):
        length = T - n
        inputs = rng.uniform(-1, 1, (length, D)).round(2).tolist()
        if loss == "ce":
            targets = rng.integers(0, K, length).tolist()
        else:
            targets = rng.uniform(-0.5, 0.5, (length, K)).round(2).tolist()
        seqs.append({"inputs": inputs, "targets": targets})
    model: dict[str, Any] = {"cell": "rnn", "output": "every", "loss": loss,
                             "head": "softmax" if loss == "ce" else "identity"}  # fmt: skip
    if skip:
        model["skip"] = skip
    if layer_skip:
        model["layers"] = [{"skip": s} for s in layer_skip]
    elif layers > 1:
        model["layers"] = layers
    if dropout:
        model["dropout"] = dropout
    n_layers = len(layer_skip) or layers
    params: dict[str, Any] = {}
    if n_layers == 1:
        params.update(_layer(rng, D, H, True))
    else:
        params["layers"] = [_layer(rng, D if i == 0 else H, H, i == 0) for i in range(n_layers)]
    params["W_hy"] = rng.uniform(-0.8, 0.8, (K, H)).round(3).tolist()
    params["b_y"] = rng.uniform(-0.2, 0.2, K).round(3).tolist()
    return {"version": 1, "title": "skip/dropout", "input": {"vectors": True},
            "sequences": seqs, "model": model, "params": params}  # fmt: skip


def load(doc: dict[str, Any]):
    return parse_scenario(yaml.safe_dump(doc), "test.yaml")


def _param_arrays(doc: dict[str, Any]) -> dict[str, np.ndarray]:
    params = doc["params"]
    out = {}
    if "layers" in params:
        for i, layer in enumerate(params["layers"]):
            out.update({f"l{i + 1}.{k}": np.array(v, dtype=float) for k, v in layer.items()})
    else:
        out.update({k: np.array(v, dtype=float) for k, v in params.items()
                    if k not in ("W_hy", "b_y")})  # fmt: skip
    out["W_hy"] = np.array(params["W_hy"], dtype=float)
    out["b_y"] = np.array(params["b_y"], dtype=float)
    return out


def trace_masks(trace, prefix: str) -> dict[str, np.ndarray]:
    """The 0/1 masks the trace shows for one sequence, by short key (m_x_3, l2.m_r, ...)."""
    return {step.key[len(prefix):]: np.array(step.info["mask"]) for step in trace
            if step.op == "given" and "dropout" in step.info and step.key.startswith(prefix)
            and (prefix or not step.key.startswith("s"))}  # fmt: skip


def reference(torch: Any, doc: dict[str, Any], masks_of: Any) -> dict[str, Any]:
    """Forward values, the loss and the gradients of seed 001's equations, in torch."""
    model = doc["model"]
    drop = model.get("dropout") or {}
    variational = drop.get("variational", False)
    alpha = model.get("skip", 0.0)
    layer_skip = [s["skip"] for s in model["layers"]] if isinstance(model.get("layers"),
                                                                     list) else []  # fmt: skip
    arrays = _param_arrays(doc)
    leaves = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
              for k, v in arrays.items()}  # fmt: skip
    n_layers = len(layer_skip) or int(model.get("layers", 1))
    parts = [""] if n_layers == 1 else [f"l{i}." for i in range(1, n_layers + 1)]
    values: dict[str, Any] = {}
    total = 0
    several = len(doc["sequences"]) > 1
    for number, seq in enumerate(doc["sequences"], start=1):
        prefix = f"s{number}." if several else ""
        masks = masks_of(prefix)

        def m(kind: str, letter: str, t: int, part: str = "", masks: dict = masks) -> Any:
            p = drop.get(kind, 0.0)
            if not p:
                return None
            key = f"{part}m_{letter}" if variational else f"{part}m_{letter}_{t}"
            return torch.tensor(masks[key], dtype=torch.float64) / (1.0 - p)

        states = {}
        for part in parts:
            h0 = leaves.get(f"{part}h_0")
            states[part] = h0 if h0 is not None else torch.zeros(3, dtype=torch.float64)
        loss_seq = 0
        for t, x in enumerate(seq["inputs"], start=1):
            below = torch.tensor(x, dtype=torch.float64)
            mx = m("input", "x", t)
            if mx is not None:
                below = mx * below
            for level, part in enumerate(parts):
                h_prev = states[part]
                mh = m("recurrent", "r", t, part)
                read = mh * h_prev if mh is not None else h_prev
                z = (leaves[f"{part}W_xh"] @ below + leaves[f"{part}W_hh"] @ read
                     + leaves[f"{part}b_h"])  # fmt: skip
                h = torch.tanh(z) + alpha * h_prev
                if layer_skip and layer_skip[level]:
                    h = h + below
                states[part] = h
                values[f"{prefix}{part}h_{t}"] = h
                values[f"{prefix}{part}z_{t}"] = z
                below = h
            my = m("output", "y", t)
            v = my * below if my is not None else below
            o = leaves["W_hy"] @ v + leaves["b_y"]
            values[f"{prefix}o_{t}"] = o
            if model["loss"] == "ce":
                L_t = -torch.log_softmax(o, 0)[seq["targets"][t - 1]]
            else:
                L_t = torch.mean((o - torch.tensor(seq["targets"][t - 1],
                                                   dtype=torch.float64)) ** 2)  # fmt: skip
            values[f"{prefix}L_{t}"] = L_t
            loss_seq = loss_seq + L_t
        total = total + loss_seq
    values["L"] = total
    total.backward()
    for key, leaf in leaves.items():
        values[grad_key(key)] = leaf.grad
    return values


def compare(trace, expected: dict[str, Any]) -> int:
    for key, value in expected.items():
        got = trace.value(key)
        want = value.detach().numpy()
        assert np.allclose(got, want, rtol=0, atol=TOL), (key, got, want)
    return len(expected)


def check(doc: dict[str, Any]) -> Any:
    torch = require_torch()
    scenario = load(doc)
    trace = trace_scenario(scenario)
    expected = reference(torch, doc, lambda prefix: trace_masks(trace, prefix))
    assert compare(trace, expected) > 10
    return trace


CASES = {
    "skip": dict(skip=0.5),
    "negative skip, ce": dict(skip=-0.7, loss="ce"),
    "skip, stacked": dict(skip=0.3, layers=2),
    "layer skip": dict(layer_skip=(False, True)),
    "layer skip at the bottom": dict(layer_skip=(True, True), loss="ce"),
    "one layer that skips": dict(layer_skip=(True,)),
    "layer skip and alpha": dict(layer_skip=(False, True), skip=0.4),
    "input dropout": dict(dropout={"input": 0.5, "seed": 1}),
    "output dropout": dict(dropout={"output": 0.3, "seed": 2}, loss="ce"),
    "recurrent dropout": dict(dropout={"recurrent": 0.4, "seed": 3}),
    "variational": dict(
        dropout={"recurrent": 0.5, "input": 0.3, "output": 0.2, "variational": True, "seed": 4}
    ),  # fmt: skip
    "everything, stacked": dict(
        skip=0.2,
        layer_skip=(True, True, False),
        loss="ce",
        dropout={"input": 0.25, "recurrent": 0.5, "output": 0.4, "seed": 5},
    ),  # fmt: skip
    "two sequences": dict(
        sequences=2, skip=0.6, dropout={"input": 0.5, "recurrent": 0.5, "seed": 6}
    ),  # fmt: skip
}


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
@pytest.mark.parametrize("seed", [0, 1])
def test_values_and_gradients_match_torch(case: dict, seed: int) -> None:
    check(scenario_doc(seed, **case))


def test_given_masks_are_used_as_written() -> None:
    doc = scenario_doc(3, dropout={"input": 0.5, "recurrent": 0.25, "output": 0.5})
    T = len(doc["sequences"][0]["inputs"])
    rng = np.random.default_rng(99)
    given = {"input": rng.integers(0, 2, (T, 2)).tolist(),
             "recurrent": rng.integers(0, 2, (T, 3)).tolist(),
             "output": rng.integers(0, 2, (T, 3)).tolist()}  # fmt: skip
    doc["model"]["dropout"]["masks"] = given
    trace = check(doc)
    letters = {"input": "x", "recurrent": "r", "output": "y"}
    for kind, masks in given.items():
        for t, mask in enumerate(masks, start=1):
            step = trace[f"m_{letters[kind]}_{t}"]
            assert step.info["mask"] == mask
            p = doc["model"]["dropout"][kind]
            assert np.array_equal(step.value, np.array(mask, dtype=float) / (1 - p))


def test_drawn_masks_follow_the_documented_rule() -> None:
    """m = 1 where u ≥ p, u = default_rng([seed, epoch, sequence, kind, layer, t]).random(n)."""
    drop = {"input": 0.3, "recurrent": 0.6, "output": 0.45, "seed": 1234}
    trace = trace_scenario(load(scenario_doc(0, layers=2, sequences=2, dropout=drop)))
    seen = 0
    for number, length in ((1, 4), (2, 3)):
        for t in range(1, length + 1):
            for kind, key, layer, size in (("input", f"m_x_{t}", 0, 2),
                                           ("recurrent", f"l1.m_r_{t}", 1, 3),
                                           ("recurrent", f"l2.m_r_{t}", 2, 3),
                                           ("output", f"m_y_{t}", 0, 3)):  # fmt: skip
                rng = np.random.default_rng([1234, 1, number, KIND_CODE[kind], layer, t])
                want = (rng.random(size) >= drop[kind]).astype(float)
                step = trace[f"s{number}.{key}"]
                assert step.info["mask"] == want.tolist(), (number, key)
                assert np.array_equal(step.value, want / (1 - drop[kind]))
                seen += 1
    assert seen == 28


def test_variational_masks_are_one_per_sequence() -> None:
    drop = {"input": 0.5, "recurrent": 0.5, "variational": True, "seed": 8}
    trace = trace_scenario(load(scenario_doc(1, sequences=2, dropout=drop)))
    masks = [s.key for s in trace if s.op == "given" and "dropout" in s.info]
    assert masks == ["s1.m_x", "s1.m_r", "s2.m_x", "s2.m_r"]
    rng = np.random.default_rng([8, 1, 2, KIND_CODE["recurrent"], 1, 0])
    assert trace["s2.m_r"].info["mask"] == (rng.random(3) >= 0.5).astype(float).tolist()
    for t in (2, 3, 4):  # every step reads h_(t-1) through the same mask
        assert trace[f"s1.hd_{t - 1}"].operands[0] == "s1.m_r"


def test_compiled_tape_reproduces_the_traced_numbers() -> None:
    from rnntrace._internal.engine.compiled import CompiledTape

    doc = scenario_doc(
        2,
        skip=0.4,
        layer_skip=(True, True),
        loss="ce",
        dropout={"input": 0.5, "recurrent": 0.3, "output": 0.2, "seed": 9},
    )
    trace = trace_scenario(load(doc))
    trained = list(trace.meta.trained)
    outputs = ["L"] + [grad_key(p) for p in trained]
    tape = CompiledTape(trace, outputs, trained)
    got = tape.run({k: trace.value(k) for k in trained})
    for key in outputs:
        assert np.allclose(got[key], trace.value(key), rtol=0, atol=1e-12), key


def test_train_redraws_the_masks_each_epoch_as_documented() -> None:
    """Three epochs of SGD, each with the masks of its epoch, against torch."""
    from rnntrace._internal.engine.training import Settings, train

    torch = require_torch()
    drop = {"input": 0.4, "recurrent": 0.5, "output": 0.3, "seed": 21}
    doc = scenario_doc(4, skip=0.25, dropout=drop)
    result = train(load(doc), Settings(epochs=3, learning_rate=0.1), [1, 2, 3])
    letters = {"input": ("x", 2, 0), "recurrent": ("r", 3, 1), "output": ("y", 3, 0)}
    current = copy.deepcopy(doc)
    for epoch in (1, 2, 3):

        def masks(prefix: str, epoch: int = epoch) -> dict[str, np.ndarray]:
            out = {}
            for kind, (letter, size, layer) in letters.items():
                for t in range(1, 5):
                    rng = np.random.default_rng([21, epoch, 1, KIND_CODE[kind], layer, t])
                    out[f"m_{letter}_{t}"] = (rng.random(size) >= drop[kind]).astype(float)
            return out

        values = reference(torch, current, masks)
        assert abs(result.losses[epoch - 1] - float(values["L"].detach())) < TOL, epoch
        for key in ("W_xh", "W_hh", "b_h", "h_0", "W_hy", "b_y"):
            new = np.array(current["params"][key]) - 0.1 * values[grad_key(key)].numpy()
            current["params"][key] = new.tolist()
    for key in ("W_xh", "W_hh", "b_h", "h_0", "W_hy", "b_y"):
        assert np.allclose(result.params[key], current["params"][key], rtol=0, atol=TOL), key


def test_trace_epoch_shows_that_epochs_masks() -> None:
    from rnntrace._internal.engine.training import Settings, trace_epoch, train

    drop = {"input": 0.4, "recurrent": 0.5, "seed": 5}
    scenario = load(scenario_doc(5, dropout=drop))
    settings = Settings(epochs=3, learning_rate=0.1)
    third = trace_epoch(scenario, settings, 3)
    rng = np.random.default_rng([5, 3, 1, KIND_CODE["input"], 0, 2])
    assert third["m_x_2"].info["mask"] == (rng.random(2) >= 0.4).astype(float).tolist()
    assert abs(third.value("L") - train(scenario, settings, []).losses[2]) < 1e-12


def test_eval_turns_dropout_off_and_keeps_the_skip() -> None:
    from rnntrace._internal.scenario.load_skipdrop import evaluation

    doc = scenario_doc(6, skip=0.5, dropout={"input": 0.5, "recurrent": 0.5, "seed": 2})
    scenario = load(doc)
    from dataclasses import replace

    evaluated = trace_scenario(replace(scenario, model=evaluation(scenario.model)))
    plain = copy.deepcopy(doc)
    del plain["model"]["dropout"]
    assert not any("dropout" in s.info for s in evaluated)
    expected = reference(require_torch(), plain, lambda prefix: {})
    compare(evaluated, expected)


def test_gradflow_jacobians_match_torch_with_the_skip() -> None:
    """∂h_t/∂h_(t−1) = diag(f'(z_t)) W_hh diag(m_t/(1 − p)) + α I, against autograd."""
    from rnntrace._internal.analysis.jacobians import Layer

    torch = require_torch()
    doc = scenario_doc(7, skip=0.6, dropout={"recurrent": 0.5, "seed": 3})
    scenario = load(doc)
    trace = trace_scenario(scenario)
    layer = Layer(trace, "", "", scenario.model)
    W_xh, W_hh, b_h = (torch.tensor(doc["params"][k], dtype=torch.float64)
                       for k in ("W_xh", "W_hh", "b_h"))  # fmt: skip
    for step in layer.steps():
        t = step.time
        x = torch.tensor(doc["sequences"][0]["inputs"][t - 1], dtype=torch.float64)
        mask = torch.tensor(trace[f"m_r_{t}"].info["mask"], dtype=torch.float64) / 0.5

        def cell(h: Any, x: Any = x, mask: Any = mask) -> Any:
            return torch.tanh(W_xh @ x + W_hh @ (mask * h) + b_h) + 0.6 * h

        h_prev = torch.tensor(trace.value(step.prev_key), dtype=torch.float64)
        want = torch.autograd.functional.jacobian(cell, h_prev).numpy()
        assert np.allclose(step.state, want, rtol=0, atol=TOL), t
        assert step.prev_key == ("h_0" if t == 1 else f"h_{t - 1}")


def test_the_bundled_example_carried_rounded_is_a_hand_calculation() -> None:
    """scenarios/skip-dropout.yaml with numbers carried rounded to 4 decimals: every value a
    rounding chain written here gets, rounding half away from zero after each step."""
    from decimal import ROUND_HALF_UP, Decimal
    from pathlib import Path

    from rnntrace._internal.scenario import load_scenario
    from rnntrace._internal.scenario.model import NumberPolicy

    def r(values: Any) -> np.ndarray:
        return np.array([float(Decimal(repr(float(v))).quantize(Decimal("0.0001"), ROUND_HALF_UP))
                         for v in np.ravel(values)]).reshape(np.shape(values))  # fmt: skip

    path = Path(__file__).resolve().parent.parent / "scenarios" / "skip-dropout.yaml"
    scenario = load_scenario(path)
    trace = trace_scenario(scenario, NumberPolicy(decimals=4, carry="rounded"))
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    p = {k: np.array(v, dtype=float) for k, v in doc["params"].items()}
    alpha = doc["model"]["skip"]
    h = p.get("h_0", np.zeros(2))
    total = []
    for t, x in enumerate(doc["sequences"][0]["inputs"], start=1):
        mx, mh, my = (np.array(trace[f"m_{k}_{t}"].info["mask"]) / 0.5 for k in "xry")
        xd, hd = r(mx * np.array(x)), r(mh * h)
        z = r(r(p["W_xh"] @ xd) + r(p["W_hh"] @ hd) + p["b_h"])
        h = r(r(np.tanh(z)) + r(alpha * h))
        o = r(r(p["W_hy"] @ r(my * h)) + p["b_y"])
        e = r(np.exp(o))
        y = r(e / r(e.sum()))
        L_t = r(-np.log(y[doc["sequences"][0]["targets"][t - 1]]))
        total.append(L_t)
        for key, want in ((f"h_{t}", h), (f"o_{t}", o), (f"y_{t}", y), (f"L_{t}", L_t)):
            assert np.array_equal(trace[key].carried, want), (key, trace[key].carried, want)
    assert np.array_equal(trace["L"].carried, r(sum(total)))


def test_gradflow_unrolls_a_long_sequence_with_the_skip() -> None:
    """gradflow's fast forward pass (unrolled from time 2) keeps the skip; with drawn masks
    (different at each step) it falls back to tracing. Both equal the traced Jacobians."""
    from rnntrace._internal.analysis.gradflow import analyse, forward_pass
    from rnntrace._internal.engine.unrolled import unrolled_forward

    for drop, unrolled in ((None, True), ({"recurrent": 0.5, "seed": 1}, False)):
        scenario = load(scenario_doc(3, skip=0.7, T=9, dropout=drop))
        assert (unrolled_forward(scenario, 1) is not None) is unrolled
        fast, traced = (
            analyse(forward_pass(scenario, 1), scenario),
            analyse(trace_scenario(scenario), scenario),
        )
        assert len(fast.steps) == 9
        for a, b in zip(fast.steps, traced.steps):
            assert np.allclose(a.jacobian, b.jacobian, rtol=0, atol=1e-13)
        assert fast.verdict.cause == "skip"
