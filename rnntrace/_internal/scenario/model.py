"""The validated scenario: frozen dataclasses that the engine reads. Nothing here checks input.

The specs of the keys few scenarios have (dropout, scheduled sampling, params.init, vary's
grid, assignment places) are in ``model_more``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import TYPE_CHECKING

import numpy as np

from rnntrace._internal import cells
from rnntrace._internal.records import record
from rnntrace._internal.symbol.tree import Symbol

if TYPE_CHECKING:  # the specs of keys few scenarios have: their readers import them
    from rnntrace._internal.scenario.model_more import (
        DropoutSpec,
        Grid,
        InitRecord,
        Place,
        SamplingSpec,
    )


@record
class Target:
    """What one output is compared with: the target vector and how the user wrote it."""

    vector: np.ndarray  # (K,): one-hot for a class, 0/1 for bce, values for mse
    text: str  # as written: "1", "e", "[0.2, 0.5]"
    index: int | None = None  # the class index, for softmax + cross-entropy


@record
class Sequence:
    """One input sequence with its targets, keyed by time step (1-based)."""

    number: int  # 1-based position in the file
    tokens: tuple[str, ...]
    inputs: np.ndarray  # (T, D)
    targets: Mapping[int, Target] = field(default_factory=dict)
    out_length: int | None = None  # generate / encoder_decoder: the steps generated

    @property
    def length(self) -> int:
        """T, the number of time steps."""
        return len(self.tokens)


# ---------------------------------------------------------------------------------------------
@record
class ModelSpec:
    """Which network: cell, activation, where outputs are, head and loss."""

    cell: str = field(default_factory=cells.default_name)  # a name of ``cells``
    activation: str = "tanh"  # of the simple RNN's hidden state
    output: str = "last"
    head: str = "identity"
    loss: str = "none"
    gru_variant: str = "reset_before"  # reset_before (textbook) | reset_after (PyTorch, cuDNN)
    update_gate: str = "new"  # GRU: z weights the new candidate (textbook) | keep_old (PyTorch)
    topology: str = "standard"  # standard | generate | encoder_decoder | bidirectional
    layers: int = 1  # stacked layers (standard topology)
    residual: bool = False  # stacked layers: add each layer's input to its output
    attention: str = "none"  # none | self | dot | general | additive
    attention_gradient: str = "exact"  # exact | constant_weights
    teacher_forcing: bool = False  # generate / decoder: feed the targets, not the outputs
    # the losses' options (issue 13): mse as the mean or seed 001's ½‖ŷ − y‖²; the output
    # error of bce and ce as ŷ − y at once ("together") or through δŷ_t ("chain", seed 000)
    mse_scale: str = "mean"  # mean | half
    output_error: str = "together"  # together | chain
    # -- skip connections and dropout (issue 13) --
    skip: float = 0.0  # simple RNN: h_t = f(z_t) + skip * h_(t-1)
    layer_skip: tuple[bool, ...] = ()  # per layer: h_t^(l) = f(z_t^(l)) + h_t^(l-1)
    dropout: DropoutSpec | None = None
    layout: str = "columns"  # columns: W_xh x_t, W_xh (H, D) | rows: x_t W_xh, W_xh (D, H)
    # -- seed 001's decoder context and seed 000's head at chosen steps (issue 13) --
    attention_context: str = "concatenated"  # decoder input [y_(t-1), c_t] | separate: + W_ch c_t
    head_steps: tuple[int, ...] = ()  # the head (and loss) only at these steps; (): at every


@record
class NumberPolicy:
    """How numbers are carried (exact or rounded as by hand) and shown."""

    decimals: int = 4
    carry: str = "exact"  # exact | rounded
    round_terms: bool = False  # in rounded mode, also round each product before summing

    @property
    def rounded(self) -> bool:
        """True when every intermediate is rounded to ``decimals`` before it is reused."""
        return self.carry == "rounded"


@record
class LrSchedule:
    """``train.lr_schedule``: η of epoch N (N = 1, 2, ...) from η_0 = ``learning_rate``:
    ``time``: η_0 / (1 + r (N − 1)); ``exponential``: η_0 r^(N − 1)."""

    kind: str  # time | exponential
    decay: float  # r

    def rate(self, eta0: float, epoch: int) -> float:
        """η of ``epoch`` (the first epoch's is η_0)."""
        if self.kind == "time":
            return eta0 / (1.0 + self.decay * (epoch - 1))
        return eta0 * self.decay ** (epoch - 1)


@record
class TrainSpec:
    """Training settings; the learning rate is also used by the single update of ``run``."""

    learning_rate: float = 0.1
    epochs: int | None = None  # None: rnntrace train's default (DEFAULT_EPOCHS there)
    bptt: int | None = None  # None = full
    clip: float | None = None
    l2: float = 0.0  # L2 weight decay: λθ added to each gradient
    # -- seed 001's training techniques (issue 13) --
    lr_schedule: LrSchedule | None = None  # η of each epoch; None: η_0 throughout
    l2_penalty: float = 0.0  # λ Σ ‖W‖²_F over the weight matrices, added to the loss
    recurrent_decay: float = 0.0  # λ_r: W_hh ← (1 − λ_r) W_hh − η ∇W_hh
    clip_eps: float = 0.0  # ε of the clipping coefficient max_norm / (‖g‖ + ε)
    bptt_window: int | None = None  # each loss backpropagated through at most k steps
    scheduled_sampling: SamplingSpec | None = None  # truth or prediction fed, by a coin
    epoch: int = 1  # not a key: the epoch whose update a trace shows (train --trace-epoch)


@record
class AssignmentSpec:
    """The scenario's ``assignment`` section: what a worksheet asks and what it is worth.

    ``ask`` holds keys or shell patterns (empty: the default questions); ``points`` pattern ->
    points, the last matching entry winning (1 point a question otherwise)."""

    ask: tuple[tuple[str, Place], ...] = ()
    points: tuple[tuple[str, float, Place], ...] = ()
    carried_credit: str = "full"  # full | half | none


@record
class VarySpec:
    """The scenario's ``vary`` section: what differs between the students' variants.

    ``params`` None means every given weight matrix; ``grid`` None means each varied item's
    own grid (the decimals it is written with, between its smallest and largest entry)."""

    params: tuple[str, ...] | None = None
    embeddings: bool = True  # the embeddings, or the input vectors of input.vectors
    tokens: bool = False  # each sequence's tokens drawn from the vocabulary
    labels: bool = False  # each sequence's class label drawn
    grid: Grid | None = None
    fixed: tuple[str, ...] = ()  # parameters and embedding tokens kept as written
    saturation: float = 3.0  # |pre-activation| allowed into tanh and sigmoid
    max_draws: int = 1000


@record
class Scenario:
    """A whole validated scenario file."""

    file: str
    title: str
    description: str | None
    input_kind: str  # embeddings | one_hot | vectors
    vocabulary: Mapping[str, np.ndarray]  # token -> input vector (empty for vectors)
    sequences: tuple[Sequence, ...]
    model: ModelSpec
    params: Mapping[str, np.ndarray]  # as written, zeros for omitted biases / h_0 / c_0
    given: frozenset[str]  # the parameter keys the file gave
    dims: Mapping[str, int]  # D, H, K (K = 0 without an output)
    notation: Mapping[str, Symbol]
    train: TrainSpec
    numbers: NumberPolicy
    form: str = "separate"  # separate | concatenated (W_f acting on [h_(t-1), x_t])
    assignment: AssignmentSpec = AssignmentSpec()
    vary: VarySpec = VarySpec()
    init: InitRecord | None = None  # the parameters were drawn by params.init
    index_style: str = "subscript"  # notation.index_style: subscript (x_t) | bracket (x[t])

    @property
    def sizes(self) -> dict[str, int]:
        """D (input), H (hidden) and K (output, 0 when there is none)."""
        return dict(self.dims)

    def split_params(self) -> dict[str, np.ndarray]:
        """The parameters in the separate form: a concatenated W_f (acting on [h, x]) becomes
        W_fh (its first H columns) and W_fx (the rest)."""
        if self.form != "concatenated":
            return dict(self.params)
        H = self.dims["H"]
        out: dict[str, np.ndarray] = {}
        for key, value in self.params.items():
            if key.startswith("W_") and len(key) == 3:  # W_f, W_i, ..., W_z, W_r, W_h
                gate = key[2]
                out[f"W_{gate}x"] = value[:, H:]
                out[f"W_{gate}h"] = value[:, :H]
            else:
                out[key] = value
        return out

    def output_steps(self, seq: Sequence) -> list[int]:
        """The time steps at which an output is computed."""
        if seq.out_length is not None:
            return list(range(1, seq.out_length + 1))
        if self.model.output == "every":
            return list(range(1, seq.length + 1))
        if self.model.output == "last":
            return [seq.length]
        return []
