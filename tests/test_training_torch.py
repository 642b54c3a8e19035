"""Training over epochs against an independent PyTorch float64 training loop (issue 7).

The reference is written from the equations of ``docs/training.md`` and
``docs/scenario-format.md``, not from ``rnntrace/engine``: each model's forward pass in
torch (``torch.nn.LSTMCell`` / ``torch.nn.GRUCell`` through ``torch.func.functional_call``
for the gated cells, explicit ops for the simple RNN, self-attention and the
encoder–decoder), autograd for the gradients, and ``torch.optim.SGD`` for the step, with
``weight_decay`` for L2. Clipping is the textbook g ← g · c/‖g‖ when ‖g‖ > c (global norm
over every trained parameter's gradient); PyTorch's ``clip_grad_norm_`` divides by
‖g‖ + 10⁻⁶ instead, so it is not used. Truncated BPTT (``bptt: k``) detaches the state the
recurrence reads after steps k, 2k, … (h and, for the LSTM, c).

Epoch N's loss is the loss before the N-th update; 200 epochs; every epoch's loss and the
final parameters must agree to 1e-10 relative.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from oracles import require_torch

from rnntrace._internal.engine.training import Settings, train
from rnntrace._internal.scenario import parse_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
EPOCHS = 200
RTOL = 1e-10

LossFn = Callable[[dict[str, Any]], Any]


# -- both sides ---------------------------------------------------------------------------


def scenario_doc(name: str) -> dict[str, Any]:
    return yaml.safe_load((SCENARIOS / name).read_text(encoding="utf-8"))


def ours(doc: dict[str, Any], settings: Settings):
    """rnntrace's training of the scenario ``doc``."""
    scenario = parse_scenario(yaml.safe_dump(doc, sort_keys=False), "oracle.yaml")
    return train(scenario, settings, report=[])


def torch_training(
    torch, params: dict[str, np.ndarray], loss_fn: LossFn, settings: Settings
) -> tuple[list[float], dict[str, np.ndarray], int]:
    """Every epoch's loss (before its update), the final parameters, and how many epochs
    clipping fired in."""
    P = {k: torch.tensor(np.asarray(v, dtype=float), dtype=torch.float64, requires_grad=True)
         for k, v in params.items()}  # fmt: skip
    opt = torch.optim.SGD(list(P.values()), lr=settings.learning_rate, weight_decay=settings.l2)
    losses, fired = [], 0
    for _ in range(settings.epochs):
        opt.zero_grad()
        loss = loss_fn(P)
        loss.backward()
        losses.append(float(loss.detach()))
        if settings.clip is not None:
            with torch.no_grad():
                norm = torch.sqrt(sum((p.grad * p.grad).sum() for p in P.values()))
                if norm > settings.clip:
                    fired += 1
                    for p in P.values():
                        p.grad.mul_(settings.clip / norm)
        opt.step()
    return losses, {k: v.detach().numpy().copy() for k, v in P.items()}, fired


def check(result, losses: list[float], final: dict[str, np.ndarray], what: str) -> None:
    assert len(result.losses) == len(losses) == EPOCHS
    np.testing.assert_allclose(result.losses, losses, rtol=RTOL, atol=0, err_msg=what)
    assert sorted(result.params) == sorted(final), what
    for key, want in final.items():
        scale = max(1.0, float(np.max(np.abs(want))))
        np.testing.assert_allclose(result.params[key], want, rtol=RTOL, atol=RTOL * scale,
                                   err_msg=f"{what}: {key}")  # fmt: skip
    assert losses[-1] < losses[0], f"{what}: the loss should go down"


def detached(h, t: int, k: int | None):
    """The state the recurrence reads after step t: detached after steps k, 2k, …"""
    return h.detach() if k and t % k == 0 else h


def t64(torch, values) -> Any:
    return torch.tensor(np.asarray(values, dtype=float), dtype=torch.float64)


def token_vectors(torch, doc: dict[str, Any], tokens: Any) -> list:
    """The input vectors of a sequence, from the scenario's embeddings or one-hot list."""
    spec = doc["input"]
    if isinstance(tokens, str):
        tokens = tokens.split()
    if "embeddings" in spec:
        return [t64(torch, spec["embeddings"][tok]) for tok in tokens]
    vocab = [str(v) for v in spec["one_hot"]]
    return [t64(torch, np.eye(len(vocab))[vocab.index(str(tok))]) for tok in tokens]


def class_indices(doc: dict[str, Any], targets: Any) -> list[int]:
    vocab = [str(v) for v in doc["input"]["one_hot"]]
    items = list(targets) if isinstance(targets, str) else targets
    return [vocab.index(str(tok)) for tok in items]


def bce(torch, o, label: float):
    target = t64(torch, [label])
    return torch.nn.functional.binary_cross_entropy_with_logits(o, target, reduction="sum")


def ce(torch, o, index: int):
    return -torch.log_softmax(o, 0)[index]


# -- the simple RNN: the sentiment scenario --------------------------------------------------


def sentiment_loss(torch, doc: dict[str, Any], k: int | None) -> LossFn:
    """Σ over the reviews of bce(σ(W_hy h_T + b_y), label), h_t = tanh(W_xh x_t + W_hh h_{t−1}
    + b_h), h_0 = 0."""
    data = [(token_vectors(torch, doc, s["tokens"]), float(s["label"])) for s in doc["sequences"]]

    def loss_fn(P):
        total = 0
        for xs, label in data:
            h = torch.zeros(P["W_hh"].shape[0], dtype=torch.float64)
            for t, x in enumerate(xs, start=1):
                h = torch.tanh(P["W_xh"] @ x + P["W_hh"] @ h + P["b_h"])
                last = h
                h = detached(h, t, k)
            total = total + bce(torch, P["W_hy"] @ last + P["b_y"], label)
        return total

    return loss_fn


# Learning rates small enough to stay clear of the exploding-gradient cliff of this
# scenario (near lr 0.08 without clipping the loss jumps up, and from there rounding at the
# 16th digit grows to any size: no two float64 implementations can agree there).
SENTIMENT_SETTINGS = {
    "plain": Settings(EPOCHS, 0.04),
    "l2": Settings(EPOCHS, 0.04, l2=0.01),
    "clip": Settings(EPOCHS, 0.05, clip=0.3),
    "clip+l2": Settings(EPOCHS, 0.05, clip=0.3, l2=0.01),
    "bptt1": Settings(EPOCHS, 0.05, bptt=1),
    "bptt2": Settings(EPOCHS, 0.05, bptt=2),
    "bptt3+clip+l2": Settings(EPOCHS, 0.05, clip=0.3, l2=0.01, bptt=3),
    "bptt6": Settings(EPOCHS, 0.04, bptt=6),  # no cut inside the 6- and 4-step reviews
}


@pytest.mark.parametrize("name", list(SENTIMENT_SETTINGS))
def test_simple_rnn_sentiment(name: str) -> None:
    torch = require_torch()
    settings = SENTIMENT_SETTINGS[name]
    doc = scenario_doc("sentiment.yaml")
    result = ours(doc, settings)
    loss_fn = sentiment_loss(torch, doc, settings.bptt)
    losses, final, fired = torch_training(torch, doc["params"], loss_fn, settings)
    check(result, losses, final, name)
    if settings.clip is not None:  # clipping fires in some epochs and not in others
        assert 0 < fired < EPOCHS, f"{name}: clipping fired in {fired} epochs"


def test_truncation_changes_the_training() -> None:
    """bptt 2 is not full BPTT (the test above would pass trivially if the cut did nothing)."""
    doc = scenario_doc("sentiment.yaml")
    full = ours(doc, Settings(20, 0.5)).losses
    cut = ours(doc, Settings(20, 0.5, bptt=2)).losses
    assert full[0] == cut[0]
    assert abs(full[-1] - cut[-1]) > 1e-6


def test_bptt_at_least_the_length_is_full_bptt() -> None:
    doc = scenario_doc("sentiment.yaml")
    full = ours(doc, Settings(30, 0.5))
    long = ours(doc, Settings(30, 0.5, bptt=6))
    assert full.losses == long.losses


# -- gated cells: torch.nn.LSTMCell and torch.nn.GRUCell -------------------------------------


def lstm_loss(torch, doc: dict[str, Any], k: int | None) -> LossFn:
    """The sentiment LSTM through ``torch.nn.LSTMCell`` (gate order i, f, g, o; one bias per
    gate, so bias_hh is a fixed zero)."""
    from torch.func import functional_call

    data = [(token_vectors(torch, doc, s["tokens"]), float(s["label"])) for s in doc["sequences"]]
    H = len(doc["params"]["W_fh"])
    D = len(doc["params"]["W_fx"][0])
    cell = torch.nn.LSTMCell(D, H).double()
    zero = torch.zeros(4 * H, dtype=torch.float64)

    def loss_fn(P):
        weights = {
            "weight_ih": torch.cat([P[f"W_{g}x"] for g in "ifco"]),
            "weight_hh": torch.cat([P[f"W_{g}h"] for g in "ifco"]),
            "bias_ih": torch.cat([P[f"b_{g}"] for g in "ifco"]),
            "bias_hh": zero,
        }
        total = 0
        for xs, label in data:
            h = c = torch.zeros(H, dtype=torch.float64)
            for t, x in enumerate(xs, start=1):
                h, c = functional_call(cell, weights, (x, (h, c)))
                last = h
                h, c = detached(h, t, k), detached(c, t, k)
            total = total + bce(torch, P["W_hy"] @ last + P["b_y"], label)
        return total

    return loss_fn


@pytest.mark.parametrize(
    "settings",
    [Settings(EPOCHS, 0.1), Settings(EPOCHS, 0.1, clip=0.2, l2=0.02),
     Settings(EPOCHS, 0.1, clip=0.1, l2=0.01, bptt=2)],
    ids=["plain", "clip+l2", "clip+l2+bptt2"],
)  # fmt: skip
def test_lstm_sentiment(settings: Settings) -> None:
    torch = require_torch()
    doc = scenario_doc("sentiment-lstm.yaml")
    result = ours(doc, settings)
    loss_fn = lstm_loss(torch, doc, settings.bptt)
    losses, final, fired = torch_training(torch, doc["params"], loss_fn, settings)
    check(result, losses, final, "lstm")
    if settings.clip is not None:
        assert 0 < fired < EPOCHS, f"clipping fired in {fired} epochs"


def gru_doc() -> dict[str, Any]:
    """The sentiment GRU in PyTorch's conventions: reset after the recurrent product, the
    update gate keeping the old state, and a recurrent bias b_hh of the candidate."""
    doc = scenario_doc("sentiment-gru.yaml")
    doc["model"].update(gru_variant="reset_after", update_gate="keep_old")
    doc["params"]["b_hh"] = [0.05, -0.1]
    return doc


def gru_loss(torch, doc: dict[str, Any], k: int | None) -> LossFn:
    """Through ``torch.nn.GRUCell`` (gate order r, z, n): n = tanh(W_in x + b_in + r ⊙ (W_hn h
    + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h; b_in = b_h, b_hn = b_hh, the other recurrent biases
    fixed zeros."""
    from torch.func import functional_call

    data = [(token_vectors(torch, doc, s["tokens"]), float(s["label"])) for s in doc["sequences"]]
    H = len(doc["params"]["W_zh"])
    D = len(doc["params"]["W_zx"][0])
    cell = torch.nn.GRUCell(D, H).double()
    zeros = torch.zeros(2 * H, dtype=torch.float64)

    def loss_fn(P):
        weights = {
            "weight_ih": torch.cat([P["W_rx"], P["W_zx"], P["W_hx"]]),
            "weight_hh": torch.cat([P["W_rh"], P["W_zh"], P["W_hh"]]),
            "bias_ih": torch.cat([P["b_r"], P["b_z"], P["b_h"]]),
            "bias_hh": torch.cat([zeros, P["b_hh"]]),
        }
        total = 0
        for xs, label in data:
            h = torch.zeros(H, dtype=torch.float64)
            for t, x in enumerate(xs, start=1):
                h = functional_call(cell, weights, (x, h))
                last = h
                h = detached(h, t, k)
            total = total + bce(torch, P["W_hy"] @ last + P["b_y"], label)
        return total

    return loss_fn


@pytest.mark.parametrize(
    "settings",
    [Settings(EPOCHS, 0.1), Settings(EPOCHS, 0.2, clip=0.2, l2=0.02),
     Settings(EPOCHS, 0.2, clip=0.2, l2=0.01, bptt=2)],
    ids=["plain", "clip+l2", "clip+l2+bptt2"],
)  # fmt: skip
def test_gru_reset_after_keep_old(settings: Settings) -> None:
    torch = require_torch()
    doc = gru_doc()
    result = ours(doc, settings)
    loss_fn = gru_loss(torch, doc, settings.bptt)
    losses, final, fired = torch_training(torch, doc["params"], loss_fn, settings)
    check(result, losses, final, "gru")
    if settings.clip is not None:
        assert 0 < fired < EPOCHS, f"clipping fired in {fired} epochs"


# -- the hello task with self-attention --------------------------------------------------------


def hello_attention_loss(torch, doc: dict[str, Any], k: int | None) -> LossFn:
    """A_{t,i} = h_i · h_t (i ≤ t), α_t = softmax(A_t), Z_t = Σ α_{t,i} h_i, o_t = W_hy Z_t +
    b_y, ce at every step. Truncation cuts the recurrence only; the attention still reads
    every h_i."""
    (seq,) = doc["sequences"]
    xs = token_vectors(torch, doc, list(seq["tokens"]))
    targets = class_indices(doc, seq["targets"])

    def loss_fn(P):
        h = torch.zeros(P["W_hh"].shape[0], dtype=torch.float64)
        states, total = [], 0
        for t, (x, target) in enumerate(zip(xs, targets), start=1):
            h = torch.tanh(P["W_xh"] @ x + P["W_hh"] @ h + P["b_h"])
            states.append(h)
            keys = torch.stack(states)
            alpha = torch.softmax(keys @ h, 0)
            total = total + ce(torch, P["W_hy"] @ (alpha @ keys) + P["b_y"], target)
            h = detached(h, t, k)
        return total

    return loss_fn


@pytest.mark.parametrize(
    "settings",
    [Settings(EPOCHS, 0.1), Settings(EPOCHS, 0.1, clip=0.5, l2=0.01),
     Settings(EPOCHS, 0.1, bptt=2), Settings(EPOCHS, 0.1, clip=0.5, l2=0.01, bptt=2)],
    ids=["plain", "clip+l2", "bptt2", "clip+l2+bptt2"],
)  # fmt: skip
def test_hello_with_self_attention(settings: Settings) -> None:
    torch = require_torch()
    doc = scenario_doc("hello-attention.yaml")
    params = {k: v for k, v in doc["params"].items()}
    result = ours(doc, settings)
    losses, final, fired = torch_training(torch, params,
                                          hello_attention_loss(torch, doc, settings.bptt),
                                          settings)  # fmt: skip
    check(result, losses, final, "hello-attention")
    if settings.clip is not None:
        assert 0 < fired < EPOCHS


def test_hello_with_self_attention_constant_weights_differs() -> None:
    """The exact attention gradient is what the reference trains; the textbook
    simplification (weights held constant) trains differently."""
    doc = scenario_doc("hello-attention.yaml")
    exact = ours(doc, Settings(10, 0.3)).losses
    doc["model"]["attention_gradient"] = "constant_weights"
    constant = ours(doc, Settings(10, 0.3)).losses
    assert exact[0] == constant[0] and exact[-1] != constant[-1]


# -- the encoder–decoder with dot-product attention ----------------------------------------------


def seq2seq_loss(torch, doc: dict[str, Any]) -> LossFn:
    """Encoder h^enc_s = tanh(W_xh x_s + W_hh h^enc_{s−1} + b_h) from 0; the decoder starts
    from h^enc_S; at step t the query q = h^dec_{t−1} scores e_s = q · h^enc_s, α = softmax(e),
    c_t = Σ α_s h^enc_s, the decoder reads [ŷ_{t−1}, c_t] (ŷ_0 = 0; the output fed back, with
    its gradient), o_t = W_hy h^dec_t + b_y, ce at every step."""
    (seq,) = doc["sequences"]
    xs = token_vectors(torch, doc, seq["tokens"])
    targets = class_indices(doc, seq["targets"])
    K = len(doc["params"]["W_hy"])

    def loss_fn(P):
        h = torch.zeros(P["enc.W_hh"].shape[0], dtype=torch.float64)
        encoded = []
        for x in xs:
            h = torch.tanh(P["enc.W_xh"] @ x + P["enc.W_hh"] @ h + P["enc.b_h"])
            encoded.append(h)
        keys = torch.stack(encoded)
        y = torch.zeros(K, dtype=torch.float64)
        total = 0
        for target in targets:
            alpha = torch.softmax(keys @ h, 0)
            u = torch.cat([y, alpha @ keys])
            h = torch.tanh(P["dec.W_xh"] @ u + P["dec.W_hh"] @ h + P["dec.b_h"])
            o = P["W_hy"] @ h + P["b_y"]
            total = total + ce(torch, o, target)
            y = torch.softmax(o, 0)
        return total

    return loss_fn


def flat_params(doc: dict[str, Any]) -> dict[str, Any]:
    """The parameters with their parts' prefixes (enc., dec.), as the result names them."""
    prefixes = {"encoder": "enc.", "decoder": "dec."}
    out: dict[str, Any] = {}
    for key, value in doc["params"].items():
        if key in prefixes:
            out.update({prefixes[key] + k: v for k, v in value.items()})
        else:
            out[key] = value
    return out


@pytest.mark.parametrize(
    "settings",
    [Settings(EPOCHS, 0.1), Settings(EPOCHS, 0.1, clip=0.3, l2=0.01)],
    ids=["plain", "clip+l2"],
)
def test_encoder_decoder_with_attention(settings: Settings) -> None:
    torch = require_torch()
    doc = scenario_doc("seq2seq.yaml")
    result = ours(doc, settings)
    losses, final, fired = torch_training(torch, flat_params(doc), seq2seq_loss(torch, doc),
                                          settings)  # fmt: skip
    check(result, losses, final, "seq2seq")
    if settings.clip is not None:
        assert 0 < fired < EPOCHS, f"clipping fired in {fired} epochs"


# -- the figures of the reported epochs --------------------------------------------------------


def test_reported_figures_match_the_reference() -> None:
    """The grad norm and the clipping flag of the reported epochs, from the reference."""
    torch = require_torch()
    settings = Settings(EPOCHS, 0.5, clip=0.3, l2=0.01)
    doc = scenario_doc("sentiment.yaml")
    marks = [1, 2, 50, 100, 200]
    result = train(parse_scenario(yaml.safe_dump(doc), "s.yaml"), settings, marks)
    norms: list[float] = []
    base = sentiment_loss(torch, doc, None)

    def recording(P):
        loss = base(P)
        grads = torch.autograd.grad(loss, list(P.values()), retain_graph=True)
        norms.append(float(torch.sqrt(sum((g * g).sum() for g in grads))))
        return loss

    losses, _, _ = torch_training(torch, doc["params"], recording, settings)
    assert [f.epoch for f in result.reported] == marks
    for figures in result.reported:
        n = figures.epoch - 1
        assert figures.loss == pytest.approx(losses[n], rel=RTOL)
        assert figures.grad_norm == pytest.approx(norms[n], rel=1e-9)
        assert figures.clipped == (norms[n] > 0.3)
        assert sum(figures.sequence_losses) == pytest.approx(figures.loss, rel=1e-12)
    assert {f.clipped for f in result.reported} == {True, False}
