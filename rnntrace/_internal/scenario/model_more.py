"""The parts of a validated scenario that few scenarios have: model.dropout,
train.scheduled_sampling, how params.init drew the parameters, vary's grid and the places of
assignment's patterns. Their readers import them, so that loading a scenario without them
does not make their classes (each costs its import, issue 12). Nothing here checks input."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from rnntrace._internal.records import record


@record
class DropoutSpec:
    """``model.dropout``: the rates of input, output and recurrent dropout, whether one mask
    serves every step (variational), and the masks' source: drawn from ``seed`` (for
    ``epoch``: run traces epoch 1, train redraws every epoch) or given (``masks``: kind ->
    one 0/1 array per step, or one for all steps when variational)."""

    input: float = 0.0
    output: float = 0.0
    recurrent: float = 0.0
    variational: bool = False
    seed: int = 0
    masks: Mapping[str, tuple[np.ndarray, ...]] | None = None
    epoch: int = 1

    def rate(self, kind: str) -> float:
        """p of ``kind`` (input, output, recurrent)."""
        return float(getattr(self, kind))


@record
class SamplingSpec:
    """``train.scheduled_sampling``: at a fed step t the true y_(t−1) is fed when the coin
    ξ_t is 1 (probability ε_0 λ^t), else the one-hot argmax of ŷ_(t−1). The coins are drawn
    from ``seed`` (for ``epoch``: run traces epoch 1, train draws them again every epoch) or
    given (``coins``: one tuple of 0/1 per sequence, for its steps t = 2..T)."""

    epsilon0: float = 1.0
    decay: float = 1.0
    seed: int = 0
    coins: tuple[tuple[int, ...], ...] | None = None

    def probability(self, t: int) -> float:
        """ε_t = ε_0 λ^t, the probability of feeding the truth at step t."""
        return self.epsilon0 * self.decay**t


@record
class Place:
    """Where something was written: ``file:line:col``, for messages about it later."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@record
class Grid:
    """Numbers with ``decimals`` decimals from ``low`` to ``high`` (inclusive)."""

    decimals: int
    low: float
    high: float


@record
class Draw:
    """One matrix drawn by ``params.init``, in the order of the draws (see ``load_init``)."""

    key: str  # the full key ("W_hh", "l2.W_fh", "att.v_a"): a separate-form block
    shape: tuple[int, ...]
    rule: str  # normal: N(0, gain²/fan_in) | orthogonal: gain · Q
    fan_in: int  # the columns of the matrix (the size of the vector it multiplies)
    gain: float  # normal: the standard deviation is gain / sqrt(fan_in); orthogonal: radius
    replaced: bool = False  # an entry given beside params.init replaces the drawn values


@record
class InitRecord:
    """How ``params.init`` drew the parameters: enough to draw them again."""

    scheme: str  # xavier | orthogonal
    seed: int
    gain: float
    forget_bias: float
    form: str  # separate | concatenated (W_g = [W_gh, W_gx], the same draws)
    draws: tuple[Draw, ...]
    zeros: tuple[str, ...]  # the biases set to zero (trained)
    forget: tuple[str, ...]  # the forget-gate biases set to forget_bias
    given: tuple[str, ...]  # the entries given beside params.init (they win)
