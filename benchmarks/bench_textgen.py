"""Text-generator training speed (issue 14), at min-char-rnn's size: vocabulary 65, hidden
100, windows of 25 characters, Adagrad, global-norm clipping at 5, the hidden state carried
from window to window.

* ``rnntrace._internal.engine.textgen.train_text`` (the compiled tape of one window, indexed by the
  characters) against a min-char-rnn-style numpy loop written here (column vectors, one
  ``np.dot`` per product, the gradients summed step by step): target at most 1.0x its time
  per window;
* the same model in PyTorch eager, float64, one thread (autograd over the window): target at
  least 5x ours.

All three must give the same losses over the first windows (to 1e-9) before anything is
timed. Runs are interleaved (ours, numpy, torch, ours, …), the median of each taken, and
the ratios are of CPU time of this process (all three run on one thread).

Then one pass over a 1 MB text (made here from a fixed random "language" of 65 characters,
or the file named by RNNTRACE_CORPUS, e.g. the King James text of docs/textgen.md): windows
per second, and the ratio to the numpy loop over the same windows.

Run alone with ``python benchmarks/bench_textgen.py``, or through ``make bench``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from rnntrace._internal.engine.textgen import (  # noqa: E402
    TextSettings,
    WindowTape,
    encode,
    new_state,
    train_text,
    vocabulary,
)
from rnntrace._internal.engine.textgen_file import model_text  # noqa: E402
from rnntrace._internal.scenario.load import parse_scenario  # noqa: E402

V, H, W = 65, 100, 25
LR, CLIP = 0.1, 5.0
WINDOWS = 400  # per timed run
REPEATS = 5
TARGET_NUMPY = 1.0  # ours / numpy: at most
TARGET_TORCH = 5.0  # torch / ours: at least
AGREE = 1e-9
CHECKED = 12  # windows over which the losses must agree (Adagrad's first steps of size η
# on every entry make this training chaotic soon after: rounding in the 16th digit grows)


def make_text(size: int, seed: int = 0) -> str:
    """A text of ``size`` characters over 65 symbols, with some structure (a random
    first-order Markov chain), so that the loss goes down."""
    rng = np.random.default_rng(seed)
    chars = [chr(c) for c in range(33, 33 + V - 1)] + [" "]
    table = rng.dirichlet(np.full(V, 0.1), size=V)
    out = np.empty(size, dtype=np.int64)
    out[0] = 0
    draws = rng.random(size)
    cumulative = np.cumsum(table, axis=1)
    for i in range(1, size):
        out[i] = min(int(np.searchsorted(cumulative[out[i - 1]], draws[i])), V - 1)
    return "".join(chars[i] for i in out)


def min_char_rnn(params: dict[str, np.ndarray], codes: np.ndarray, windows: int) -> list[float]:
    """min-char-rnn's loop (Karpathy's gist), with global-norm clipping: the losses."""
    Wxh, Whh, Why = (params[k].copy() for k in ("W_xh", "W_hh", "W_hy"))
    bh, by = params["b_h"].reshape(-1, 1).copy(), params["b_y"].reshape(-1, 1).copy()
    mem = [np.zeros_like(p) for p in (Wxh, Whh, Why, bh, by)]
    vocab_size = Wxh.shape[1]
    per_pass = (len(codes) - 1) // W
    hprev = np.zeros((Whh.shape[0], 1))
    losses = []
    for n in range(windows):
        p = (n % per_pass) * W
        if p == 0:
            hprev = np.zeros_like(hprev)
        inputs, targets = codes[p : p + W], codes[p + 1 : p + W + 1]
        xs, hs, ps = {}, {-1: hprev}, {}
        loss = 0.0
        for t in range(W):
            xs[t] = np.zeros((vocab_size, 1))
            xs[t][inputs[t]] = 1
            hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
            ys = np.dot(Why, hs[t]) + by
            e = np.exp(ys - np.max(ys))
            ps[t] = e / np.sum(e)
            loss += -np.log(ps[t][targets[t], 0])
        dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
        dbh, dby = np.zeros_like(bh), np.zeros_like(by)
        dhnext = np.zeros_like(hs[0])
        for t in reversed(range(W)):
            dy = np.copy(ps[t])
            dy[targets[t]] -= 1
            dWhy += np.dot(dy, hs[t].T)
            dby += dy
            dh = np.dot(Why.T, dy) + dhnext
            dhraw = (1 - hs[t] * hs[t]) * dh
            dbh += dhraw
            dWxh += np.dot(dhraw, xs[t].T)
            dWhh += np.dot(dhraw, hs[t - 1].T)
            dhnext = np.dot(Whh.T, dhraw)
        grads = [dWxh, dWhh, dWhy, dbh, dby]
        norm = np.sqrt(sum(np.sum(g * g) for g in grads))
        if norm > CLIP:
            grads = [g * (CLIP / norm) for g in grads]
        for param, dparam, m in zip([Wxh, Whh, Why, bh, by], grads, mem):
            m += dparam * dparam
            param += -LR * dparam / np.sqrt(m + 1e-8)
        hprev = hs[W - 1]
        losses.append(float(loss))
    return losses


def torch_loop(params: dict[str, np.ndarray], codes: np.ndarray, windows: int) -> list[float]:
    """The same training in PyTorch eager (float64, autograd over each window)."""
    import torch

    torch.set_num_threads(1)
    names = ("W_xh", "W_hh", "b_h", "W_hy", "b_y")
    ps = [torch.tensor(params[k], dtype=torch.float64, requires_grad=True) for k in names]
    mem = [torch.zeros_like(p) for p in ps]
    W_xh, W_hh, b_h, W_hy, b_y = ps
    per_pass = (len(codes) - 1) // W
    h = torch.zeros(W_hh.shape[0], dtype=torch.float64)
    data = torch.tensor(codes, dtype=torch.long)
    losses = []
    for n in range(windows):
        p = (n % per_pass) * W
        if p == 0:
            h = torch.zeros_like(h)
        loss = torch.zeros((), dtype=torch.float64)
        for t in range(W):
            h = torch.tanh(W_xh[:, data[p + t]] + W_hh @ h + b_h)
            loss = loss + torch.nn.functional.cross_entropy(
                (W_hy @ h + b_y)[None], data[p + t + 1 : p + t + 2]
            )
        for q in ps:
            q.grad = None
        loss.backward()
        with torch.no_grad():
            grads = [q.grad for q in ps]
            norm = torch.sqrt(sum((g * g).sum() for g in grads))
            if norm > CLIP:
                grads = [g * (CLIP / norm) for g in grads]
            for q, g, m in zip(ps, grads, mem):
                m += g * g
                q -= LR * g / torch.sqrt(m + 1e-8)
        h = h.detach()
        losses.append(float(loss.detach()))
    return losses


def ours_factory(
    text: str,
) -> tuple[Callable[[dict[str, np.ndarray], np.ndarray, int], list[float]], list[str]]:
    """rnntrace's training as a function like the references (the tape compiled once)."""
    vocab = vocabulary(text)
    settings = TextSettings(
        hidden=H, window=W, optimizer="adagrad", learning_rate=LR, clip=CLIP, every=10**9
    )
    state = new_state(len(vocab), settings)
    scenario = parse_scenario(model_text(vocab, text[: W + 1], state, settings, "bench", 0.0))
    tape = WindowTape(scenario)

    def ours(params: dict[str, np.ndarray], codes: np.ndarray, windows: int) -> list[float]:
        state = new_state(len(vocab), settings)
        state.params = {k: v.copy() for k, v in params.items()}
        losses: list[float] = []
        train_text(tape, codes, settings, state, windows, lambda s, loss: losses.append(loss))
        return losses

    return ours, vocab


def cpu(function: Callable[[], object]) -> float:
    start = time.process_time()
    function()
    return time.process_time() - start


def run() -> dict[str, float]:
    """Check agreement, time the three interleaved, then one pass over 1 MB."""
    text = make_text(60_000)
    ours, vocab = ours_factory(text)
    codes = encode(text, vocab)
    params = new_state(len(vocab), TextSettings(hidden=H, seed=1)).params
    a, b = ours(params, codes, CHECKED), min_char_rnn(params, codes, CHECKED)
    worst = max(abs(x - y) / abs(y) for x, y in zip(a, b))
    have_torch = True
    try:
        c = torch_loop(params, codes, CHECKED)
        worst = max(worst, max(abs(x - y) / abs(y) for x, y in zip(a, c)))
    except ImportError:
        have_torch = False
    assert worst < AGREE, f"the three disagree: {worst:.3g}"
    times: dict[str, list[float]] = {"ours": [], "numpy": [], "torch": []}
    for _ in range(REPEATS):
        times["ours"].append(cpu(lambda: ours(params, codes, WINDOWS)))
        times["numpy"].append(cpu(lambda: min_char_rnn(params, codes, WINDOWS)))
        if have_torch:
            times["torch"].append(cpu(lambda: torch_loop(params, codes, WINDOWS // 4) and None))
    med = {k: statistics.median(v) for k, v in times.items() if v}
    per = {"ours": med["ours"] / WINDOWS, "numpy": med["numpy"] / WINDOWS}
    if have_torch:
        per["torch"] = med["torch"] / (WINDOWS // 4)
    out = {
        "ms_per_window_ours": per["ours"] * 1e3,
        "ms_per_window_numpy": per["numpy"] * 1e3,
        "ours_over_numpy": per["ours"] / per["numpy"],
    }
    print(
        f"textgen at V={V}, H={H}, window {W} (Adagrad, clip {CLIP}); losses agree to {worst:.1e}"
    )
    print(
        f"  per window: ours {out['ms_per_window_ours']:.3f} ms, min-char-rnn numpy loop "
        f"{out['ms_per_window_numpy']:.3f} ms: ratio {out['ours_over_numpy']:.2f}x "
        f"(target <= {TARGET_NUMPY}x) {_ok(out['ours_over_numpy'] <= TARGET_NUMPY)}"
    )
    if have_torch:
        out["torch_over_ours"] = per["torch"] / per["ours"]
        print(
            f"  PyTorch eager (float64, 1 thread) {per['torch'] * 1e3:.3f} ms per window: "
            f"{out['torch_over_ours']:.1f}x ours (target >= {TARGET_TORCH}x) "
            f"{_ok(out['torch_over_ours'] >= TARGET_TORCH)}"
        )
    if os.environ.get("SKIP_PASS") is None:
        out.update(one_pass())
    return out


def one_pass() -> dict[str, float]:
    """Windows per second over one pass of a 1 MB text, and the numpy loop's on the same."""
    corpus = os.environ.get("RNNTRACE_CORPUS")
    text = Path(corpus).read_text(encoding="utf-8") if corpus else make_text(1_000_000, 1)
    ours, vocab = ours_factory(text)
    codes = encode(text, vocab)
    params = new_state(len(vocab), TextSettings(hidden=H, seed=2)).params
    windows = (len(codes) - 1) // W
    t_ours = cpu(lambda: ours(params, codes, windows))
    t_numpy = cpu(lambda: min_char_rnn(params, codes, windows))
    print(
        f"  one pass over {len(text) / 1e6:.2f} MB ({windows:,} windows, "
        f"{'RNNTRACE_CORPUS' if corpus else 'generated text'}): ours {windows / t_ours:,.0f} "
        f"windows/s, numpy loop {windows / t_numpy:,.0f} windows/s: ratio "
        f"{t_ours / t_numpy:.2f}x"
    )
    return {"pass_windows_per_s": windows / t_ours, "pass_ratio": t_ours / t_numpy}


def _ok(good: bool) -> str:
    return "OK" if good else "OVER"


if __name__ == "__main__":
    run()
