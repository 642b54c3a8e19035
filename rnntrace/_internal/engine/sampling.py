"""Writing text with a character model, one character at a time, as min-char-rnn samples:

    z_t = W_xh x_t + W_hh h_(t−1) + b_h     h_t = tanh(z_t)     o_t = W_hy h_t + b_y
    p_t = softmax(o_t / τ)                  c_(t+1) ~ p_t       x_(t+1) = one-hot(c_(t+1))

The start text is read first (h_0 = 0); the distribution after its last character gives the
first new one. The draw is by the inverse of the cumulative distribution: u uniform in
[0, 1) from the seeded generator, the first character whose cumulative probability exceeds
u — so one seed gives one text, and a hand trace can show why that character came out.
Temperature 0 takes the most likely character (argmax; the first when several tie).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from rnntrace._internal.errors import RnntraceError


@dataclass(frozen=True)
class SampleStep:
    """One step: the character read, the state, the distribution and what was drawn."""

    t: int
    read: str  # the input character
    fed_back: bool  # True when it was drawn at the step before (not the start text)
    z: np.ndarray  # (H)
    h: np.ndarray  # (H)
    logits: np.ndarray  # (K) o_t
    probs: np.ndarray  # (K) softmax(o_t / τ)
    u: float | None  # the uniform draw (None with temperature 0 or while reading the start)
    drawn: int | None  # the index of the next character (None while reading the start)


@dataclass(frozen=True)
class Sample:
    """The text written (the start text, then the new characters) and every step."""

    start: str
    text: str
    temperature: float
    steps: tuple[SampleStep, ...]


def distribution(logits: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(o / τ), shifted by the largest logit; for τ = 0 the one-hot of the argmax."""
    if temperature == 0:
        out = np.zeros_like(logits)
        out[int(np.argmax(logits))] = 1.0
        return out
    scaled = logits / temperature
    e = np.exp(scaled - scaled.max())
    return e / e.sum()


def draw(probs: np.ndarray, u: float) -> int:
    """The first index whose cumulative probability exceeds ``u``."""
    index = int(np.searchsorted(np.cumsum(probs), u, side="right"))
    return min(index, probs.size - 1)


def sample(
    params: Mapping[str, np.ndarray],
    vocab: list[str],
    start: str,
    length: int,
    temperature: float = 1.0,
    seed: int = 0,
    keep: int = 0,
) -> Sample:
    """Read ``start``, then write ``length`` characters; the first ``keep`` sampling steps
    (and the steps reading the start) are kept for a hand trace."""
    if not start:
        raise RnntraceError("--start: give at least one character to start from")
    if temperature < 0:
        raise RnntraceError(f"--temperature {temperature:g}: must be 0 or more")
    index = {ch: i for i, ch in enumerate(vocab)}
    unknown = sorted(set(start) - set(index))
    if unknown:
        raise RnntraceError(f"--start: {''.join(unknown)!r} not in the model's vocabulary")
    W_xh, W_hh, b_h = params["W_xh"], params["W_hh"], params["b_h"]
    W_hy, b_y = params["W_hy"], params["b_y"]
    rng = np.random.default_rng(seed)
    h = np.zeros(W_hh.shape[0])
    written: list[str] = []
    steps: list[SampleStep] = []
    reading = list(start)
    t = 0
    with np.errstate(over="ignore", under="ignore"):
        while len(written) < length:
            t += 1
            fed_back = not reading
            char = reading.pop(0) if reading else written[-1]
            z = W_xh[:, index[char]] + W_hh @ h + b_h
            h = np.tanh(z)
            if reading:  # still reading the start: no draw yet
                if keep:
                    steps.append(SampleStep(t, char, fed_back, z, h, W_hy @ h + b_y,
                                            np.zeros(0), None, None))  # fmt: skip
                continue
            logits = W_hy @ h + b_y
            probs = distribution(logits, temperature)
            u = None if temperature == 0 else float(rng.random())
            drawn = int(np.argmax(logits)) if u is None else draw(probs, u)
            written.append(vocab[drawn])
            if len(written) <= keep:
                steps.append(SampleStep(t, char, fed_back, z, h, logits, probs, u, drawn))
    return Sample(start, start + "".join(written), temperature, tuple(steps))
