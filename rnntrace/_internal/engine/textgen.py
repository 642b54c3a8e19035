"""A character-level text generator, trained the way min-char-rnn trains it, on the engine's
own compiled tape.

The text is cut into consecutive windows of ``window`` characters; each window's inputs are
its characters and its targets the characters one further on. Training is truncated BPTT
over each window with the hidden state carried from one window to the next (reset to zero
at the start of every pass over the text), the loss of a window being the sum of its
cross-entropies. After each window: the gradients are clipped by their global norm (when
``clip`` is set), then SGD (θ ← θ − η g) or Adagrad (m ← m + g², θ ← θ − η g / √(m + 10⁻⁸)).

The model is an ordinary scenario (``rnntrace._internal.engine.textgen_file``): the tape is compiled
once from the trace of one window of it, with the characters as data (an indexed tape), so
every window runs the very calculation ``rnntrace run`` shows by hand.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.engine.compiled import CompiledTape
from rnntrace._internal.errors import NumericError, RnntraceError
from rnntrace._internal.scenario.model import NumberPolicy, Scenario

PARAMS = ("W_xh", "W_hh", "b_h", "W_hy", "b_y")
ADAGRAD_EPS = 1e-8


@dataclass(frozen=True)
class TextSettings:
    """How to train: sizes, optimizer, learning rate, clipping, initialisation."""

    hidden: int = 100
    window: int = 25
    optimizer: str = "adagrad"  # sgd | adagrad
    learning_rate: float = 0.1
    clip: float | None = None  # global-norm clipping threshold
    init: str = "xavier"  # xavier | orthogonal
    seed: int = 0
    every: int = 100  # windows per point of the loss curve

    def describe(self) -> str:
        """The settings in one line."""
        clip = f"clipping at global norm {self.clip:g}" if self.clip else "no clipping"
        return (f"hidden size {self.hidden}, windows of {self.window} characters, "
                f"{self.optimizer} with learning rate {self.learning_rate:g}, {clip}, "
                f"{self.init} initialisation (seed {self.seed})")  # fmt: skip


@dataclass
class TextState:
    """Everything training needs to go on: the parameters, Adagrad's memory, the hidden
    state carried into the next window, how far it has got, and the loss curve."""

    params: dict[str, np.ndarray]
    memory: dict[str, np.ndarray]
    hidden: np.ndarray
    windows: int = 0  # windows trained in all
    smooth_loss: float | None = None  # per character, as min-char-rnn smooths it
    curve: list[tuple[int, float]] = field(default_factory=list)  # (windows, mean loss/char)
    pending: list[float] = field(default_factory=list)  # losses since the last curve point


def vocabulary(text: str, given: str | None = None) -> list[str]:
    """The characters of the model: those of ``given`` in its order, else the text's own,
    sorted; every character of the text must be in it."""
    if given is None:
        return sorted(set(text))
    chars = list(dict.fromkeys(given))
    missing = sorted(set(text) - set(chars))
    if missing:
        raise RnntraceError(f"--vocab: the text has characters not in it: {''.join(missing)!r}")
    return chars


def encode(text: str, vocab: list[str]) -> np.ndarray:
    """The text as indices into ``vocab`` (int32), one per character."""
    index = {ch: i for i, ch in enumerate(vocab)}
    unknown = sorted(set(text) - set(index))
    if unknown:
        raise RnntraceError(f"characters not in the model's vocabulary: {''.join(unknown)!r}")
    return np.array([index[ch] for ch in text], dtype=np.int32)


def windows_per_pass(length: int, window: int) -> int:
    """Full windows in one pass over a text of ``length`` characters (each needs the
    character after it as its last target)."""
    return max(0, (length - 1) // window)


def initial_params(vocab_size: int, settings: TextSettings) -> dict[str, np.ndarray]:
    """Xavier (Glorot uniform) weights, or an orthogonal W_hh with Xavier for the others;
    zero biases."""
    rng = np.random.default_rng(settings.seed)
    H, V = settings.hidden, vocab_size

    def xavier(rows: int, cols: int) -> np.ndarray:
        bound = math.sqrt(6.0 / (rows + cols))
        return rng.uniform(-bound, bound, size=(rows, cols))

    W_xh, W_hh, W_hy = xavier(H, V), xavier(H, H), xavier(V, H)
    if settings.init == "orthogonal":
        q, r = np.linalg.qr(rng.standard_normal((H, H)))
        W_hh = q * np.sign(np.diag(r))  # a uniformly drawn orthogonal matrix
    return {"W_xh": W_xh, "W_hh": W_hh, "b_h": np.zeros(H), "W_hy": W_hy, "b_y": np.zeros(V)}


def new_state(vocab_size: int, settings: TextSettings) -> TextState:
    """The untrained model."""
    params = initial_params(vocab_size, settings)
    memory = {key: np.zeros_like(value) for key, value in params.items()}
    return TextState(params, memory, np.zeros(settings.hidden))


class WindowTape:
    """The compiled tape of one window: (parameters, h_0, input and target indices) →
    (loss, h_T, the gradients of W_xh, W_hh, b_h, W_hy, b_y)."""

    def __init__(self, scenario: Scenario) -> None:
        trace = trace_scenario(scenario, NumberPolicy(decimals=scenario.numbers.decimals))
        self.window = scenario.sequences[0].length
        trained = list(trace.meta.trained)
        if trained != list(PARAMS):
            raise RnntraceError(f"{scenario.file}: not a text model (it trains {trained})")
        outputs = ["L", f"h_{self.window}", *(f"d{key}" for key in PARAMS)]
        self.tape = CompiledTape(trace, outputs, [*PARAMS, "h_0"], indexed=True)

    def run(
        self, params: list[np.ndarray], h0: np.ndarray, xi: list[int], yi: list[int]
    ) -> tuple[float, np.ndarray, list[np.ndarray]]:
        """The window's loss, its last hidden state and the gradients."""
        out = self.tape.run_list([*params, h0], xi, yi)
        return float(out[0]), out[1], list(out[2:])


def train_text(
    tape: WindowTape,
    codes: np.ndarray,
    settings: TextSettings,
    state: TextState,
    windows: int,
    on_window: Callable[[TextState, float], None] | None = None,
) -> TextState:
    """Train ``windows`` more windows, going on from ``state`` (changed in place and
    returned). ``on_window(state, loss)`` is called after each; a KeyboardInterrupt leaves
    the state at the last finished window."""
    w = tape.window
    per_pass = windows_per_pass(len(codes), w)
    if per_pass == 0:
        raise RnntraceError(
            f"the text has {len(codes)} characters; a window of {w} needs at least {w + 1}"
        )
    keys = list(PARAMS)
    values = [state.params[key] for key in keys]
    memory = [state.memory[key] for key in keys]
    lr, clip, adagrad = settings.learning_rate, settings.clip, settings.optimizer == "adagrad"
    h = state.hidden
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for _ in range(windows):
            at = state.windows % per_pass
            if at == 0:
                h = np.zeros_like(h)  # a new pass starts from the zero state
            start = at * w
            chunk = codes[start : start + w + 1].tolist()
            loss, h_last, grads = tape.run(values, h, chunk[:-1], chunk[1:])
            if not math.isfinite(loss):
                raise NumericError(
                    f"window {state.windows + 1}: the loss is not finite ({loss}); the learning "
                    f"rate {lr:g} is probably too large (try --clip or a smaller --lr)"
                )
            if clip is not None:
                norm = math.sqrt(sum(float(np.dot(g.ravel(), g.ravel())) for g in grads))
                if norm > clip:
                    grads = [g * (clip / norm) for g in grads]
            for value, g, m in zip(values, grads, memory):
                if adagrad:
                    m += g * g
                    value -= lr * g / np.sqrt(m + ADAGRAD_EPS)
                else:
                    value -= lr * g
            h = h_last
            state.hidden = h
            state.windows += 1
            _record(state, loss / w, settings.every)
            if on_window is not None:
                on_window(state, loss)
    return state


def _record(state: TextState, per_char: float, every: int) -> None:
    """The smoothed loss (0.999 old + 0.001 new, as min-char-rnn) and the loss curve."""
    smooth = state.smooth_loss
    state.smooth_loss = per_char if smooth is None else 0.999 * smooth + 0.001 * per_char
    state.pending.append(per_char)
    if len(state.pending) >= every:
        state.curve.append((state.windows, sum(state.pending) / len(state.pending)))
        state.pending.clear()
