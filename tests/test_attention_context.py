"""``model.attention: {kind, context: separate}`` (issue 13) against PyTorch float64 autograd.

The reference is written here from seed 001's decoder with attention, not from the engine:

    encoder   h^enc_s = tanh(W_xh^enc x_s + W_hh^enc h^enc_{s−1} + b_h^enc),  h^enc_0 = 0
    scores    e_{t,s} = q · h^enc_s (dot), q · W_a h^enc_s (general),
              v_a · tanh(W_a q + U_a h^enc_s) (additive), with q = h^dec_{t−1} (h^dec_0 = h^enc_S)
    context   α_t = softmax(e_t),  c_t = Σ_s α_{t,s} h^enc_s
    decoder   h^dec_t = tanh(W_hh^dec h^dec_{t−1} + W_ch c_t + W_xh^dec y_{t−1} + b_h^dec)
              y_0 = 0; y_{t−1} = ŷ_{t−1} fed back (its gradient too), or the target
              (teacher forcing)
    output    ŷ_t = softmax(W_hy h^dec_t + b_y),  L = Σ_t −log ŷ_t[target]

Every forward value, the loss and every gradient (W_ch's too) agree to 1e-10; ``train``
agrees with a loop of SGD steps written here; bad values are refused in one line.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from oracles import require_torch
from refusals import assert_refused, edited

from rnntrace._internal.cli import cli
from rnntrace._internal.engine import grad_key, trace_scenario
from rnntrace._internal.scenario import parse_scenario

TOL = 1e-10


def scenario_doc(kind: str, seed: int = 0, teacher: bool = False) -> dict[str, Any]:
    """A random encoder-decoder (D = K = 3 one-hot tokens, H = 2) with a separate context."""
    rng = np.random.default_rng(seed)
    H, K, A = 2, 3, 3

    def m(rows: int, cols: int) -> list[list[float]]:
        return rng.uniform(-0.9, 0.9, (rows, cols)).round(3).tolist()

    def v(n: int) -> list[float]:
        return rng.uniform(-0.3, 0.3, n).round(3).tolist()

    params: dict[str, Any] = {
        "encoder": {"W_xh": m(H, K), "W_hh": m(H, H), "b_h": v(H)},
        "decoder": {"W_xh": m(H, K), "W_hh": m(H, H), "W_ch": m(H, H), "b_h": v(H)},
        "W_hy": m(K, H),
        "b_y": v(K),
    }
    if kind == "general":
        params["attention"] = {"W_a": m(H, H)}
    if kind == "additive":
        params["attention"] = {"W_a": m(A, H), "U_a": m(A, H), "v_a": v(A)}
    return {
        "version": 1,
        "input": {"one_hot": ["a", "b", "c"]},
        "sequences": [{"tokens": "a c b b", "targets": ["b", "a", "c"]}],
        "model": {
            "cell": "rnn",
            "topology": "encoder_decoder",
            "head": "softmax",
            "loss": "ce",
            "attention": {"kind": kind, "context": "separate"},
            "teacher_forcing": teacher,
        },  # fmt: skip
        "params": params,
    }


def load(doc: dict[str, Any]):
    return parse_scenario(yaml.safe_dump(doc, sort_keys=False), "context.yaml")


def flat_params(doc: dict[str, Any]) -> dict[str, np.ndarray]:
    """The parameters under their trace keys (enc.W_xh, dec.W_ch, att.W_a, W_hy)."""
    out = {}
    for part, prefix in (("encoder", "enc."), ("decoder", "dec."), ("attention", "att.")):
        for key, value in doc["params"].get(part, {}).items():
            out[prefix + key] = np.array(value, dtype=float)
    for key in ("W_hy", "b_y"):
        out[key] = np.array(doc["params"][key], dtype=float)
    return out


def reference(torch: Any, doc: dict[str, Any]) -> dict[str, Any]:
    """Seed 001's equations in torch: every value by its trace key, and each gradient."""
    kind = doc["model"]["attention"]["kind"]
    teacher = doc["model"]["teacher_forcing"]
    P = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
         for k, v in flat_params(doc).items()}  # fmt: skip
    vocab = doc["input"]["one_hot"]
    eye = torch.eye(len(vocab), dtype=torch.float64)
    xs = [eye[vocab.index(tok)] for tok in doc["sequences"][0]["tokens"].split()]
    targets = [vocab.index(tok) for tok in doc["sequences"][0]["targets"]]
    out: dict[str, Any] = {}
    h = torch.zeros(2, dtype=torch.float64)
    states = []
    for s, x in enumerate(xs, start=1):
        h = torch.tanh(P["enc.W_xh"] @ x + P["enc.W_hh"] @ h + P["enc.b_h"])
        out[f"enc.h_{s}"] = h
        states.append(h)
    stack = torch.stack(states)
    hd, y_prev, loss = h, torch.zeros(3, dtype=torch.float64), 0
    for t, target in enumerate(targets, start=1):
        if kind == "dot":
            e = stack @ hd
        elif kind == "general":
            e = (stack @ P["att.W_a"].T) @ hd
        else:
            e = torch.tanh(P["att.W_a"] @ hd + stack @ P["att.U_a"].T) @ P["att.v_a"]
        alpha = torch.softmax(e, 0)
        c = alpha @ stack
        hd = torch.tanh(P["dec.W_hh"] @ hd + P["dec.W_ch"] @ c + P["dec.W_xh"] @ y_prev
                        + P["dec.b_h"])  # fmt: skip
        o = P["W_hy"] @ hd + P["b_y"]
        y = torch.softmax(o, 0)
        loss = loss - torch.log(y[target])
        out.update({f"att.e_{t}": e, f"att.alpha_{t}": alpha, f"att.c_{t}": c,
                    f"dec.h_{t}": hd, f"o_{t}": o, f"y_{t}": y})  # fmt: skip
        y_prev = eye[target] if teacher else y
    loss.backward()
    out["L"] = loss
    for key, tensor in P.items():
        out[grad_key(key)] = tensor.grad
    return out


@pytest.mark.parametrize("teacher", [False, True], ids=["fed back", "teacher forcing"])
@pytest.mark.parametrize("kind", ["dot", "general", "additive"])
def test_separate_context_matches_torch(kind: str, teacher: bool) -> None:
    torch = require_torch()
    doc = scenario_doc(kind, seed=len(kind), teacher=teacher)
    scenario = load(doc)
    trace = trace_scenario(scenario, scenario.numbers)
    want = reference(torch, doc)
    assert "dec.W_ch" in trace.meta.trained
    assert set(flat_params(doc)) == set(trace.meta.trained)  # every parameter's gradient
    for key, value in want.items():
        got = trace.value(key)
        np.testing.assert_allclose(got, value.detach().numpy(), rtol=0, atol=TOL, err_msg=key)
    assert "dec.u_1" not in trace  # no concatenated input [y_0, c_1]
    assert trace["dec.zc_2"].operands[0] == "dec.W_ch"


def test_the_default_context_is_concatenated() -> None:
    """Without ``context`` (or with the name alone) the decoder reads [y_(t-1), c_t]."""
    text = Path(__file__).resolve().parent.parent.joinpath("scenarios", "seq2seq.yaml")
    scenario = parse_scenario(text.read_text(encoding="utf-8"), "seq2seq.yaml")
    assert scenario.model.attention_context == "concatenated"
    trace = trace_scenario(scenario, scenario.numbers)
    assert "dec.u_1" in trace and "dec.W_ch" not in trace
    doc = yaml.safe_load(text.read_text(encoding="utf-8"))
    doc["model"]["attention"] = {"kind": "dot"}
    same = trace_scenario(load(doc), scenario.numbers)
    assert [s.key for s in same] == [s.key for s in trace]
    assert all(np.array_equal(same.value(s.key), s.value) for s in trace)


def test_train_with_a_separate_context_matches_an_sgd_loop() -> None:
    """Three epochs of plain SGD: the losses and the parameters after them, against torch."""
    from rnntrace._internal.engine.training import Settings, train

    torch = require_torch()
    doc = scenario_doc("additive", seed=7)
    result = train(load(doc), Settings(epochs=3, learning_rate=0.2), [1, 2, 3])
    current = copy.deepcopy(doc)
    parts = {"enc.": "encoder", "dec.": "decoder", "att.": "attention"}
    for epoch in (1, 2, 3):
        values = reference(torch, current)
        assert abs(result.losses[epoch - 1] - float(values["L"].detach())) < TOL, epoch
        for key, value in flat_params(current).items():
            new = (value - 0.2 * values[grad_key(key)].numpy()).tolist()
            prefix = key[:4]
            if prefix in parts:
                current["params"][parts[prefix]][key[4:]] = new
            else:
                current["params"][key] = new
    for key, value in flat_params(current).items():
        np.testing.assert_allclose(result.params[key], value, rtol=0, atol=TOL, err_msg=key)


BASE = yaml.safe_dump(scenario_doc("dot"), sort_keys=False, default_flow_style=None)

BAD = {  # change of BASE -> the key and words of the one-line message
    "unknown context": (
        "context: separate",
        "context: apart",
        "model.attention.context",
        "expected one of concatenated, separate, found 'apart'",
    ),
    "no kind": ("kind: dot, ", "", "model.attention.kind", "missing"),
    "self as a kind": (
        "kind: dot",
        "kind: self",
        "model.attention.kind",
        "expected one of dot, general, additive, found 'self'",
    ),
    "an LSTM decoder": (
        "cell: rnn",
        "cell: lstm",
        "model.attention.context",
        "expected a simple RNN decoder (model.cell rnn)",
    ),
    "no W_ch": ("    W_ch:", "    W_gone:", "params.decoder.W_gone", "unknown parameter"),
    "W_ch with the context concatenated": (
        "context: separate",
        "context: concatenated",
        "params.decoder.W_ch",
        "unknown parameter (W_ch is the decoder's context matrix of `model.attention: "
        "{kind: dot, context: separate}`",
    ),
}


@pytest.mark.parametrize("case", BAD.values(), ids=list(BAD))
def test_bad_values_are_refused_in_one_line(tmp_path: Path, case: tuple) -> None:
    old, new, key, words = case
    assert_refused(tmp_path, edited(BASE, old, new), key, words)


def test_a_missing_w_ch_and_a_concatenated_w_xh_are_refused(tmp_path: Path) -> None:
    doc = scenario_doc("dot")
    del doc["params"]["decoder"]["W_ch"]
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(path)])
    assert result.exit_code == 2 and "params.decoder.W_ch: missing" in result.output
    doc = scenario_doc("dot")
    doc["params"]["decoder"]["W_xh"] = [[0.1] * 5, [0.2] * 5]  # [y, c] as if concatenated
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(path)])
    assert result.exit_code == 2 and "params.decoder.W_xh" in result.output
    assert "the context goes through W_ch" in result.output


@pytest.mark.parametrize("fmt", ["text", "latex", "markdown", "json"])
def test_every_format_shows_w_ch(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(BASE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(path), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert ("W_{ch}" if fmt != "text" else "W_ch") in result.output
    assert "context separate" in result.output
