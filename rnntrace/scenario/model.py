"""The validated scenario: frozen dataclasses that the engine reads. Nothing here checks input."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

# Canonical parameter keys of the simple RNN, in display order, with what each one is.
RNN_PARAMS: dict[str, str] = {
    "W_xh": "input-to-hidden matrix, shape (H, D)",
    "W_hh": "hidden-to-hidden (recurrent) matrix, shape (H, H)",
    "b_h": "hidden bias, shape (H)",
    "W_hy": "hidden-to-output matrix, shape (K, H)",
    "b_y": "output bias, shape (K)",
    "h_0": "initial hidden state, shape (H)",
}


@dataclass(frozen=True)
class Target:
    """What one output is compared with: the target vector and how the user wrote it."""

    vector: np.ndarray  # (K,): one-hot for a class, 0/1 for bce, values for mse
    text: str  # as written: "1", "e", "[0.2, 0.5]"
    index: int | None = None  # the class index, for softmax + cross-entropy


@dataclass(frozen=True)
class Sequence:
    """One input sequence with its targets, keyed by time step (1-based)."""

    number: int  # 1-based position in the file
    tokens: tuple[str, ...]
    inputs: np.ndarray  # (T, D)
    targets: Mapping[int, Target] = field(default_factory=dict)

    @property
    def length(self) -> int:
        """T, the number of time steps."""
        return len(self.tokens)


@dataclass(frozen=True)
class ModelSpec:
    """Which network: cell, activation, where outputs are, head and loss."""

    cell: str = "rnn"
    activation: str = "tanh"
    output: str = "last"
    head: str = "identity"
    loss: str = "none"


@dataclass(frozen=True)
class NumberPolicy:
    """How numbers are carried (exact or rounded as by hand) and shown."""

    decimals: int = 4
    carry: str = "exact"  # exact | rounded
    round_terms: bool = False  # in rounded mode, also round each product before summing

    @property
    def rounded(self) -> bool:
        """True when every intermediate is rounded to ``decimals`` before it is reused."""
        return self.carry == "rounded"


@dataclass(frozen=True)
class TrainSpec:
    """Training settings; the learning rate is also used by the single update of ``run``."""

    learning_rate: float = 0.1
    epochs: int = 1
    bptt: int | None = None  # None = full
    clip: float | None = None


@dataclass(frozen=True)
class Scenario:
    """A whole validated scenario file."""

    file: str
    title: str
    description: str | None
    input_kind: str  # embeddings | one_hot | vectors
    vocabulary: Mapping[str, np.ndarray]  # token -> input vector (empty for vectors)
    sequences: tuple[Sequence, ...]
    model: ModelSpec
    params: Mapping[str, np.ndarray]  # every parameter, zeros for omitted biases / h_0
    given: frozenset[str]  # the parameter keys the file gave
    notation: Mapping[str, str]
    train: TrainSpec
    numbers: NumberPolicy

    @property
    def sizes(self) -> dict[str, int]:
        """D (input), H (hidden) and K (output, 0 when there is none)."""
        w_hy = self.params.get("W_hy")
        return {
            "D": int(self.params["W_xh"].shape[1]),
            "H": int(self.params["W_hh"].shape[0]),
            "K": 0 if w_hy is None else int(w_hy.shape[0]),
        }

    def output_steps(self, seq: Sequence) -> list[int]:
        """The time steps at which an output is computed."""
        if self.model.output == "every":
            return list(range(1, seq.length + 1))
        if self.model.output == "last":
            return [seq.length]
        return []
