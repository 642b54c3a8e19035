"""The text generator (issue 14) against a min-char-rnn-style numpy loop written here from
the equations (not from rnntrace's code): the loss of every window, with SGD and Adagrad,
clipping by the global norm, and the hidden state carried from window to window; sampling
against a sampler written here; the model file through `run`, `--resume` and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from rnntrace._internal.cli import cli
from rnntrace._internal.engine.sampling import sample
from rnntrace._internal.engine.textgen import (
    TextSettings,
    WindowTape,
    encode,
    new_state,
    train_text,
    vocabulary,
)
from rnntrace._internal.engine.textgen_file import model_text, read_model, state_from
from rnntrace._internal.scenario.load import parse_scenario

TEXT = (
    "the quick brown fox jumps over the lazy dog.\n"
    "a stitch in time saves nine; the early bird catches the worm.\n"
    "all that glitters is not gold, and the dog sleeps.\n"
) * 3


def reference_losses(params, codes, window, windows, optimizer, lr, clip):
    """min-char-rnn's loop: forward and backward over each window, clipping, the update;
    hprev carried on, and reset to zero at the start of each pass."""
    Wxh, Whh, bh, Why, by = (params[k].copy() for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"))
    mem = [np.zeros_like(p) for p in (Wxh, Whh, bh, Why, by)]
    V = Wxh.shape[1]
    per_pass = (len(codes) - 1) // window
    hprev = np.zeros(Whh.shape[0])
    losses = []
    for n in range(windows):
        p = (n % per_pass) * window
        if p == 0:
            hprev = np.zeros_like(hprev)
        inputs, targets = codes[p : p + window], codes[p + 1 : p + window + 1]
        hs, ps, loss = {-1: hprev}, {}, 0.0
        for t in range(window):
            x = np.zeros(V)
            x[inputs[t]] = 1.0
            hs[t] = np.tanh(Wxh @ x + Whh @ hs[t - 1] + bh)
            logits = Why @ hs[t] + by
            e = np.exp(logits - logits.max())
            ps[t] = e / e.sum()
            loss += -np.log(ps[t][targets[t]])
        dWxh, dWhh, dbh = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(bh)
        dWhy, dby = np.zeros_like(Why), np.zeros_like(by)
        dhnext = np.zeros_like(hprev)
        for t in reversed(range(window)):
            dy = ps[t].copy()
            dy[targets[t]] -= 1.0  # softmax and cross-entropy: p - onehot
            dWhy += np.outer(dy, hs[t])
            dby += dy
            dh = Why.T @ dy + dhnext
            dhraw = (1.0 - hs[t] ** 2) * dh  # through tanh
            dbh += dhraw
            dWxh[:, inputs[t]] += dhraw
            dWhh += np.outer(dhraw, hs[t - 1])
            dhnext = Whh.T @ dhraw
        grads = [dWxh, dWhh, dbh, dWhy, dby]
        if clip is not None:
            norm = np.sqrt(sum((g**2).sum() for g in grads))
            if norm > clip:
                grads = [g * clip / norm for g in grads]
        for param, g, m in zip((Wxh, Whh, bh, Why, by), grads, mem):
            if optimizer == "adagrad":
                m += g * g
                param -= lr * g / np.sqrt(m + 1e-8)
            else:
                param -= lr * g
        hprev = hs[window - 1]
        losses.append(loss)
    return losses


def ours(text, settings, windows, state=None):
    vocab = vocabulary(text)
    codes = encode(text, vocab)
    state = state or new_state(len(vocab), settings)
    start = {k: v.copy() for k, v in state.params.items()}
    window = text[: settings.window + 1]
    tape = WindowTape(parse_scenario(model_text(vocab, window, state, settings, "t", 0.0)))
    losses: list[float] = []
    train_text(tape, codes, settings, state, windows, lambda s, loss: losses.append(loss))
    return start, codes, losses, state


@pytest.mark.parametrize(
    "optimizer,lr,clip",
    [("sgd", 0.05, None), ("sgd", 0.1, 1.0), ("adagrad", 0.05, None), ("adagrad", 0.1, 2.0)],
)
def test_losses_equal_a_min_char_rnn_loop(optimizer, lr, clip):
    settings = TextSettings(hidden=6, window=7, optimizer=optimizer, learning_rate=lr,
                            clip=clip, seed=3)  # fmt: skip
    per_pass = (len(TEXT) - 1) // 7
    windows = per_pass + 9  # past the end of the text: the state is reset there
    start, codes, got, _ = ours(TEXT, settings, windows)
    want = reference_losses(start, codes, 7, windows, optimizer, lr, clip)
    assert len(got) == windows
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=0)
    if clip is not None:  # clipping fired, so the case tests it
        assert clip < 3.0


def test_the_hidden_state_is_carried_between_windows():
    settings = TextSettings(hidden=5, window=4, optimizer="sgd", learning_rate=1e-12, seed=1)
    start, codes, got, _ = ours(TEXT, settings, 3)
    # with a (near) zero learning rate, window 2's loss depends on window 1's final state
    params = start
    h = np.zeros(5)
    for n in range(2):
        for t in range(4 * n, 4 * n + 4):
            x = np.zeros(params["W_xh"].shape[1])
            x[codes[t]] = 1.0
            h = np.tanh(params["W_xh"] @ x + params["W_hh"] @ h + params["b_h"])
            if n == 1:
                logits = params["W_hy"] @ h + params["b_y"]
                got[1] -= -(logits[codes[t + 1]] - np.log(np.exp(logits).sum()))
    assert abs(got[1]) < 1e-9


def test_resume_goes_on_exactly():
    settings = TextSettings(hidden=5, window=6, optimizer="adagrad", learning_rate=0.1, clip=3.0)
    _, _, whole, _ = ours(TEXT, settings, 40)
    _, _, first, state = ours(TEXT, settings, 25)
    vocab = vocabulary(TEXT)
    text = model_text(vocab, TEXT[:7], state, settings, "t", 0.5)
    scenario = parse_scenario(text, "m.yaml")
    import yaml

    again, resumed, _ = state_from(scenario, yaml.safe_load(text)["textgen"])
    assert again == settings
    _, _, rest, _ = ours(TEXT, settings, 15, resumed)
    np.testing.assert_allclose(first + rest, whole, rtol=1e-12)


def test_a_long_text_trains_in_bounded_time():
    rng = np.random.default_rng(0)
    words = ["the ", "and ", "of ", "to ", "in ", "he ", "said ", "unto ", "them.\n"]
    text = "".join(rng.choice(words, size=30_000))[:100_001]
    settings = TextSettings(hidden=16, window=25, learning_rate=0.1, clip=5.0, every=400)
    _, codes, losses, state = ours(text, settings, (len(text) - 1) // 25)
    assert len(codes) == 100_001 and len(losses) == 4000
    assert np.all(np.isfinite(losses))
    chance = np.log(len(set(text)))  # the loss per character of a uniform guess
    assert state.curve[-1][1] < 0.5 * chance and state.curve[-1][1] < state.curve[0][1]


def reference_sample(params, vocab, start, length, temperature, seed):
    """Read the start, then draw each character by the inverse cumulative distribution."""
    rng = np.random.default_rng(seed)
    h = np.zeros(params["W_hh"].shape[0])
    out, feed = list(start), list(start)
    while len(out) < len(start) + length:
        ch = feed.pop(0) if feed else out[-1]
        x = np.zeros(len(vocab))
        x[vocab.index(ch)] = 1.0
        h = np.tanh(params["W_xh"] @ x + params["W_hh"] @ h + params["b_h"])
        if feed:
            continue
        logits = params["W_hy"] @ h + params["b_y"]
        if temperature == 0:
            out.append(vocab[int(np.argmax(logits))])
            continue
        p = np.exp(logits / temperature - (logits / temperature).max())
        p /= p.sum()
        u = rng.random()
        out.append(vocab[min(int(np.sum(np.cumsum(p) <= u)), len(vocab) - 1)])
    return "".join(out)


@pytest.fixture(scope="module")
def trained():
    settings = TextSettings(hidden=12, window=10, learning_rate=0.1, clip=5.0, seed=2)
    _, _, _, state = ours(TEXT, settings, 200)
    return state.params, vocabulary(TEXT)


@pytest.mark.parametrize("temperature", [0.0, 0.5, 1.0, 1.7])
def test_sampling_equals_a_reference_sampler(trained, temperature):
    params, vocab = trained
    got = sample(params, vocab, "the ", 120, temperature, seed=7).text
    assert got == reference_sample(params, vocab, "the ", 120, temperature, 7)
    assert got == sample(params, vocab, "the ", 120, temperature, seed=7).text
    if temperature:
        assert got != sample(params, vocab, "the ", 120, temperature, seed=8).text


def test_a_seed_gives_a_fixed_sequence():
    """A model with fixed weights: the same 30 characters today and tomorrow."""
    rng = np.random.default_rng(11)
    vocab = list("abcde ")
    params = {"W_xh": rng.normal(0, 1, (4, 6)), "W_hh": rng.normal(0, 0.5, (4, 4)),
              "b_h": np.zeros(4), "W_hy": rng.normal(0, 1, (6, 4)), "b_y": np.zeros(6)}  # fmt: skip
    got = sample(params, vocab, "a", 30, 1.0, seed=1).text
    assert got == reference_sample(params, vocab, "a", 30, 1.0, 1)
    assert got == "adea ac bdadccecdacbcecd  dcda "


def test_temperature_zero_is_argmax(trained):
    params, vocab = trained
    result = sample(params, vocab, "a", 40, 0.0, seed=1, keep=40)
    for step in result.steps:
        if step.drawn is not None:
            assert step.drawn == int(np.argmax(step.logits)) and step.u is None


@pytest.fixture()
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def test_cli_train_writes_a_scenario_every_command_reads(corpus, tmp_path):
    model = tmp_path / "model.yaml"
    runner = CliRunner()
    args = ["textgen", "train", str(corpus), "-o", str(model), "--hidden", "8", "--window",
            "12", "--epochs", "2", "--every", "5", "--format", "json"]  # fmt: skip
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["format"] == "rnntrace-textgen" and len(doc["curve"]) >= 5
    assert doc["curve"][-1][1] < doc["curve"][0][1]
    scenario, vocab, section = read_model(model)
    assert vocab == sorted(set(TEXT)) and section is not None
    assert "".join(scenario.sequences[0].tokens) in TEXT
    run = runner.invoke(cli, ["run", str(model), "--phase", "forward", "--steps", "1"])
    assert run.exit_code == 0 and "h_1" in run.output
    assert runner.invoke(cli, ["validate", str(model)]).exit_code == 0
    assert runner.invoke(cli, ["gradcheck", str(model)]).exit_code == 0
    more = runner.invoke(cli, [*args[:5], "--resume", str(model), "--force", "--epochs", "1"])
    assert more.exit_code == 0, more.output
    out = runner.invoke(cli, ["textgen", "sample", str(model), "--start", "the", "--length",
                              "50", "--trace", "2", "--seed", "3"])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "drawn:" in out.output and "softmax" in out.output


def test_cli_refuses_bad_input(corpus, tmp_path):
    runner = CliRunner()
    short = tmp_path / "short.txt"
    short.write_text("abc", encoding="utf-8")
    result = runner.invoke(cli, ["textgen", "train", str(short), "-o", str(tmp_path / "m.yaml")])
    assert result.exit_code == 2 and "window" in result.output
    model = tmp_path / "m.yaml"
    assert runner.invoke(cli, ["textgen", "train", str(corpus), "-o", str(model), "--hidden",
                               "4", "--epochs", "0.2"]).exit_code == 0  # fmt: skip
    bad = runner.invoke(cli, ["textgen", "sample", str(model), "--start", "Z"])
    assert bad.exit_code == 2 and "vocabulary" in bad.output
