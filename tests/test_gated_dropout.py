"""Recurrent dropout on the gated cells (issue 13) against PyTorch float64 autograd.

The reference is written here from the cells' equations with h̃_{t−1} = m_t ⊙ h_{t−1} / (1 − p)
read by every recurrent matrix, and the state carried on directly left undropped (the
variational dropout of Gal and Ghahramani, and its per-step form):

    LSTM  g_t = σ/tanh(W_gx x_t + W_gh h̃_{t−1} + b_g) for g = f, i, c̃, o
          c_t = f_t ⊙ c_{t−1} + i_t ⊙ c̃_t,  h_t = o_t ⊙ tanh(c_t)
    GRU   z_t, r_t = σ(W_·x x_t + W_·h h̃_{t−1} + b_·)
          reset before: h~_t = tanh(W_hx x_t + W_hh (r_t ⊙ h̃_{t−1}) + b_hh + b_h)
          reset after:  h~_t = tanh(W_hx x_t + b_h + r_t ⊙ (W_hh h̃_{t−1} + b_hh))
          h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h~_t   (update_gate new; keep_old swaps z, 1 − z)
    MGU   f_t = σ(W_fx x_t + W_fh h̃_{t−1} + b_f)
          h~_t = tanh(W_hx x_t + W_hh (f_t ⊙ h̃_{t−1}) + b_h)
          h_t = (1 − f_t) ⊙ h_{t−1} + f_t ⊙ h~_t

A concatenated W_g = [W_gh  W_gx] acts on [h̃_{t−1}, x_t]. The masks are read from the trace
(and their draws checked against the documented rule); every value, the loss and every
gradient agree to 1e-10, and so do gradflow's step Jacobians and three epochs of training.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
import yaml
from oracles import require_torch
from test_skip_dropout import compare, trace_masks  # values to 1e-10; the masks shown

from rnntrace._internal.engine import grad_key, trace_scenario
from rnntrace._internal.scenario import parse_scenario

TOL = 1e-10
GATES = {"lstm": "fico", "gru": "zrh", "mgu": "fh"}
D, H, K = 2, 3, 2


def scenario_doc(cell: str, seed: int, *, form: str = "separate", variant: str = "",
                 update: str = "", dropout: dict | None = None, layers: int = 1,
                 sequences: int = 1, T: int = 4) -> dict[str, Any]:  # fmt: skip
    """A small random gated scenario with recurrent dropout (cross-entropy at every step)."""
    rng = np.random.default_rng(seed)

    def layer(d_in: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for g in GATES[cell]:
            W_gx = rng.uniform(-0.8, 0.8, (H, d_in)).round(3)
            W_gh = rng.uniform(-0.8, 0.8, (H, H)).round(3)
            if form == "concatenated":
                out[f"W_{g}"] = np.hstack([W_gh, W_gx]).tolist()
            else:
                out[f"W_{g}x"], out[f"W_{g}h"] = W_gx.tolist(), W_gh.tolist()
            out[f"b_{g}"] = rng.uniform(-0.3, 0.3, H).round(3).tolist()
        if cell == "gru":
            out["b_hh"] = rng.uniform(-0.3, 0.3, H).round(3).tolist()
        out["h_0"] = rng.uniform(-0.5, 0.5, H).round(3).tolist()
        if cell == "lstm":
            out["c_0"] = rng.uniform(-0.5, 0.5, H).round(3).tolist()
        return out

    model: dict[str, Any] = {"cell": cell, "output": "every", "head": "softmax", "loss": "ce",
                             "dropout": dropout or {"recurrent": 0.4, "seed": seed}}  # fmt: skip
    if variant:
        model["gru_variant"] = variant
    if update:
        model["update_gate"] = update
    params: dict[str, Any] = {}
    if layers == 1:
        params.update(layer(D))
    else:
        model["layers"] = layers
        params["layers"] = [layer(D if i == 0 else H) for i in range(layers)]
    params["W_hy"] = rng.uniform(-0.8, 0.8, (K, H)).round(3).tolist()
    params["b_y"] = rng.uniform(-0.2, 0.2, K).round(3).tolist()
    seqs = [{"inputs": rng.uniform(-1, 1, (T - n, D)).round(2).tolist(),
             "targets": rng.integers(0, K, T - n).tolist()} for n in range(sequences)]  # fmt: skip
    return {"version": 1, "title": "gated dropout", "input": {"vectors": True},
            "sequences": seqs, "model": model, "params": params}  # fmt: skip


def load(doc: dict[str, Any]):
    return parse_scenario(yaml.safe_dump(doc), "test.yaml")


def parts_of(doc: dict[str, Any]) -> list[str]:
    layers = doc["model"].get("layers", 1)
    return [""] if layers == 1 else [f"l{i}." for i in range(1, layers + 1)]


def leaves_of(torch: Any, doc: dict[str, Any]) -> dict[str, Any]:
    params = doc["params"]
    flat: dict[str, Any] = {}
    if "layers" in params:
        for i, layer in enumerate(params["layers"], start=1):
            flat.update({f"l{i}.{k}": v for k, v in layer.items()})
    else:
        flat.update({k: v for k, v in params.items() if k not in ("W_hy", "b_y")})
    flat["W_hy"], flat["b_y"] = params["W_hy"], params["b_y"]
    return {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in flat.items()}


def cell_step(torch: Any, doc: dict[str, Any], P: Any, x: Any, h: Any, c: Any,
              mask: Any) -> tuple[Any, Any]:  # fmt: skip
    """One step of the cell from the equations above; ``P(name)`` is the part's parameter
    (a separate block, sliced out of the concatenated matrix when the form is that)."""
    model = doc["model"]
    cell = model["cell"]
    read = h if mask is None else mask * h  # h̃_{t−1}: what the recurrent matrices read

    def W(g: str, side: str, v: Any) -> Any:
        return P(g, side) @ v

    def pre(g: str, hv: Any) -> Any:
        return W(g, "x", x) + W(g, "h", hv) + P(f"b_{g}")

    sig = torch.sigmoid
    if cell == "lstm":
        f, i, o = sig(pre("f", read)), sig(pre("i", read)), sig(pre("o", read))
        cc = torch.tanh(pre("c", read))
        c_new = f * c + i * cc
        return o * torch.tanh(c_new), c_new
    if cell == "mgu":
        f = sig(pre("f", read))
        cand = torch.tanh(pre("h", f * read))
        return (1 - f) * h + f * cand, None
    z, r = sig(pre("z", read)), sig(pre("r", read))
    if model.get("gru_variant") == "reset_after":
        cand = torch.tanh(W("h", "x", x) + P("b_h") + r * (W("h", "h", read) + P("b_hh")))
    else:
        cand = torch.tanh(pre("h", r * read) + P("b_hh"))
    if model.get("update_gate", "new") == "new":
        return (1 - z) * h + z * cand, None
    return z * h + (1 - z) * cand, None


def param_getter(leaves: dict[str, Any], doc: dict[str, Any], part: str) -> Any:
    concatenated = any(k == f"{part}W_{GATES[doc['model']['cell']][0]}" for k in leaves)

    def P(name: str, side: str = "") -> Any:
        if not side:
            return leaves[f"{part}{name}"]
        if concatenated:
            full = leaves[f"{part}W_{name}"]
            return full[:, :H] if side == "h" else full[:, H:]
        return leaves[f"{part}W_{name}{side}"]

    return P


def reference(torch: Any, doc: dict[str, Any], masks_of: Any) -> dict[str, Any]:
    """Every state, logit and loss, and the gradients, from the equations above."""
    drop = doc["model"]["dropout"]

    def m(masks: dict, kind: str, letter: str, t: int, part: str = "") -> Any:
        """Step t's mask of ``kind`` scaled by 1/(1 − p), or None when that kind is off."""
        p = drop.get(kind, 0.0)
        if not p:
            return None
        name = f"{part}m_{letter}" if drop.get("variational") else f"{part}m_{letter}_{t}"
        return torch.tensor(masks[name], dtype=torch.float64) / (1 - p)

    leaves = leaves_of(torch, doc)
    parts = parts_of(doc)
    values: dict[str, Any] = {}
    total = 0
    several = len(doc["sequences"]) > 1
    for number, seq in enumerate(doc["sequences"], start=1):
        prefix = f"s{number}." if several else ""
        masks = masks_of(prefix)
        states = {part: (leaves[f"{part}h_0"], leaves.get(f"{part}c_0")) for part in parts}
        for t, x in enumerate(seq["inputs"], start=1):
            below = torch.tensor(x, dtype=torch.float64)
            mx = m(masks, "input", "x", t)
            if mx is not None:
                below = mx * below  # x̃_t
            for part in parts:
                h, c = cell_step(torch, doc, param_getter(leaves, doc, part), below,
                                 *states[part], m(masks, "recurrent", "r", t, part))  # fmt: skip
                states[part] = (h, c)
                values[f"{prefix}{part}h_{t}"] = h
                if c is not None:
                    values[f"{prefix}{part}c_{t}"] = c
                below = h
            my = m(masks, "output", "y", t)
            o = leaves["W_hy"] @ (below if my is None else my * below) + leaves["b_y"]
            values[f"{prefix}o_{t}"] = o
            L_t = -torch.log_softmax(o, 0)[seq["targets"][t - 1]]
            values[f"{prefix}L_{t}"] = L_t
            total = total + L_t
    values["L"] = total
    total.backward()
    for key, leaf in leaves.items():
        values[grad_key(key)] = leaf.grad
    return values


CASES = {
    "lstm": dict(cell="lstm"),
    "lstm, concatenated, variational": dict(
        cell="lstm", form="concatenated", dropout={"recurrent": 0.5, "variational": True, "seed": 2}
    ),  # fmt: skip
    "lstm, stacked, two sequences": dict(cell="lstm", layers=2, sequences=2),
    "lstm, every kind of dropout": dict(
        cell="lstm", dropout={"input": 0.3, "recurrent": 0.5, "output": 0.2, "seed": 8}
    ),
    "gru": dict(cell="gru"),
    "gru, keep_old": dict(cell="gru", update="keep_old"),
    "gru, reset_after, variational": dict(
        cell="gru",
        variant="reset_after",
        dropout={"recurrent": 0.3, "variational": True, "seed": 4},
    ),  # fmt: skip
    "gru, concatenated, two sequences": dict(cell="gru", form="concatenated", sequences=2),
    "mgu": dict(cell="mgu"),
    "mgu, concatenated, stacked": dict(cell="mgu", form="concatenated", layers=2),
}


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
@pytest.mark.parametrize("seed", [0, 1])
def test_values_and_gradients_match_torch(case: dict, seed: int) -> None:
    torch = require_torch()
    doc = scenario_doc(seed=seed, **case)
    trace = trace_scenario(load(doc))
    masks = [s for s in trace if s.op == "given" and s.info.get("dropout") == "recurrent"]
    assert masks and any(0 in s.info["mask"] for s in masks)  # something is dropped
    expected = reference(torch, doc, lambda prefix: trace_masks(trace, prefix))
    assert compare(trace, expected) > 20


def test_the_masks_follow_the_documented_rule() -> None:
    """m = 1 where u ≥ p, u = default_rng([seed, epoch, sequence, 2, layer, t]).random(H)."""
    doc = scenario_doc("gru", 3, layers=2, dropout={"recurrent": 0.5, "seed": 11})
    trace = trace_scenario(load(doc))
    for layer in (1, 2):
        for t in range(1, 5):
            rng = np.random.default_rng([11, 1, 1, 2, layer, t])
            want = (rng.random(H) >= 0.5).astype(float).tolist()
            assert trace[f"l{layer}.m_r_{t}"].info["mask"] == want


def test_the_state_carried_on_directly_is_not_dropped() -> None:
    """With every mask zero the gates read nothing of h_{t−1}, and the GRU still carries
    (1 − z_t) ⊙ h_{t−1} on: h_1 = (1 − z_1) h_0 + z_1 h~_1 with z_1, h~_1 of x_1 alone."""
    doc = scenario_doc("gru", 5, T=1)
    doc["model"]["dropout"] = {"recurrent": 0.5, "masks": {"recurrent": [[0, 0, 0]]}}
    trace = trace_scenario(load(doc))
    p = doc["params"]
    x = np.array(doc["sequences"][0]["inputs"][0])

    def sig(v):
        return 1 / (1 + np.exp(-v))

    z = sig(np.array(p["W_zx"]) @ x + p["b_z"])
    cand = np.tanh(np.array(p["W_hx"]) @ x + np.array(p["b_hh"]) + p["b_h"])
    want = (1 - z) * np.array(p["h_0"]) + z * cand
    assert np.allclose(trace.value("h_1"), want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("cell", ["lstm", "gru", "mgu"])
def test_gradflow_step_jacobians_include_the_masks(cell: str) -> None:
    """gradflow's A_t = ∂(state_t)/∂(state_{t−1}) against autograd of one step with its mask."""
    from rnntrace._internal.analysis.jacobians import Layer

    torch = require_torch()
    doc = scenario_doc(cell, 6, dropout={"recurrent": 0.5, "seed": 3})
    scenario = load(doc)
    trace = trace_scenario(scenario)
    leaves = leaves_of(torch, doc)
    P = param_getter(leaves, doc, "")
    for step in Layer(trace, "", "", scenario.model).steps():
        t = step.time
        x = torch.tensor(doc["sequences"][0]["inputs"][t - 1], dtype=torch.float64)
        mask = torch.tensor(trace[f"m_r_{t}"].info["mask"], dtype=torch.float64) / 0.5
        h_prev = torch.tensor(trace.value(step.prev_key), dtype=torch.float64)
        assert step.prev_key == ("h_0" if t == 1 else f"h_{t - 1}")
        if cell == "lstm":
            c_prev = torch.tensor(trace.value("c_0" if t == 1 else f"c_{t - 1}"),
                                  dtype=torch.float64)  # fmt: skip

            def joint(s: Any, x: Any = x, mask: Any = mask) -> Any:
                h, c = cell_step(torch, doc, P, x, s[:H], s[H:], mask)
                return torch.cat([h, c])

            want = torch.autograd.functional.jacobian(joint, torch.cat([h_prev, c_prev])).numpy()
        else:
            want = torch.autograd.functional.jacobian(
                lambda h, x=x, mask=mask: cell_step(torch, doc, P, x, h, None, mask)[0], h_prev
            ).numpy()
        assert np.allclose(step.state, want, rtol=0, atol=TOL), t


def test_compiled_tape_reproduces_the_traced_numbers() -> None:
    from rnntrace._internal.engine.compiled import CompiledTape

    doc = scenario_doc("lstm", 7, form="concatenated", layers=2,
                       dropout={"input": 0.2, "recurrent": 0.5, "seed": 9})  # fmt: skip
    trace = trace_scenario(load(doc))
    trained = list(trace.meta.trained)
    outputs = ["L"] + [grad_key(p) for p in trained]
    got = CompiledTape(trace, outputs, trained).run({k: trace.value(k) for k in trained})
    for key in outputs:
        assert np.allclose(got[key], trace.value(key), rtol=0, atol=1e-12), key


@pytest.mark.parametrize("cell", ["lstm", "gru", "mgu"])
def test_train_redraws_the_masks_each_epoch(cell: str) -> None:
    """Three epochs of SGD, each with the masks its epoch draws by the rule, against torch."""
    from rnntrace._internal.engine.training import Settings, train

    torch = require_torch()
    doc = scenario_doc(cell, 8, dropout={"recurrent": 0.5, "seed": 21})
    result = train(load(doc), Settings(epochs=3, learning_rate=0.1), [1, 2, 3])
    current = copy.deepcopy(doc)
    for epoch in (1, 2, 3):

        def masks(prefix: str, epoch: int = epoch) -> dict[str, np.ndarray]:
            return {f"m_r_{t}": (np.random.default_rng([21, epoch, 1, 2, 1, t]).random(H)
                                 >= 0.5).astype(float) for t in range(1, 5)}  # fmt: skip

        values = reference(torch, current, masks)
        assert abs(result.losses[epoch - 1] - float(values["L"].detach())) < TOL, epoch
        for key in current["params"]:
            new = np.array(current["params"][key]) - 0.1 * values[grad_key(key)].numpy()
            current["params"][key] = new.tolist()
    for key, value in current["params"].items():
        assert np.allclose(result.params[key], value, rtol=0, atol=TOL), key
