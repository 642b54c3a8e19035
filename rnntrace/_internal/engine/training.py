"""Training over epochs: SGD over all sequences, epoch after epoch, on the compiled tape.

Epoch N's loss is the loss *before* the N-th update (epoch 1 is the untrained model). Each
epoch: the loss and the gradients (BPTT, truncated when ``bptt`` is set), then, in this
order as in PyTorch, clipping by the global norm (``clip``), the L2 weight decay λθ added to
each gradient (``l2``), and the step θ ← θ − η g. The same steps are recorded, visibly, in
the trace of any one epoch (``trace_epoch``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from rnntrace._internal.engine import dropout, grad_key, trace_scenario
from rnntrace._internal.engine.compiled import CompiledTape
from rnntrace._internal.errors import NumericError, RnntraceError
from rnntrace._internal.scenario.model import NumberPolicy, Scenario
from rnntrace._internal.trace import Step, Trace

MAX_EPOCHS = 10_000_000


@dataclass(frozen=True)
class Settings:
    """How to train: epochs, learning rate, clipping, L2, truncated BPTT."""

    epochs: int
    learning_rate: float
    clip: float | None = None
    l2: float = 0.0
    bptt: int | None = None

    def describe(self) -> str:
        """The settings in one line."""
        parts = [f"{self.epochs:,} epochs", f"learning rate {self.learning_rate:g}"]
        parts.append(f"clipping at global norm {self.clip:g}" if self.clip else "no clipping")
        parts.append(f"L2 weight decay {self.l2:g}" if self.l2 else "no weight decay")
        parts.append(f"truncated BPTT, k = {self.bptt}" if self.bptt else "full BPTT")
        return ", ".join(parts)


@dataclass(frozen=True)
class EpochFigures:
    """One reported epoch: its loss before its update, per sequence, and the gradients."""

    epoch: int
    loss: float
    sequence_losses: tuple[float, ...]
    grad_norm: float
    clipped: bool


@dataclass
class TrainResult:
    """The reported epochs, every epoch's loss, and the parameters after the last update."""

    settings: Settings
    reported: list[EpochFigures]
    losses: list[float]
    params: dict[str, np.ndarray]
    trained: list[str] = field(default_factory=list)


def with_settings(scenario: Scenario, settings: Settings) -> Scenario:
    """The scenario with these training settings, carried exactly (training is not by hand)."""
    train = replace(scenario.train, epochs=settings.epochs, learning_rate=settings.learning_rate,
                    clip=settings.clip, l2=settings.l2, bptt=settings.bptt)  # fmt: skip
    return replace(scenario, train=train, numbers=replace(scenario.numbers, carry="exact"))


def with_params(scenario: Scenario, params: dict[str, np.ndarray]) -> Scenario:
    """The scenario with some parameters replaced."""
    return replace(scenario, params={**scenario.params, **params})


def compile_scenario(
    scenario: Scenario, sgd: float | None = None
) -> tuple[CompiledTape, list[str], list[str]]:
    """The compiled tape of one epoch, the trained parameters, and the loss keys it returns
    (the total first, then each sequence's when there are several); with ``sgd``, it also
    returns the parameters after a plain SGD step of that learning rate."""
    tape, trained, losses, _ = _compiled(scenario, sgd, redraw=False)
    return tape, trained, losses


def _compiled(
    scenario: Scenario, sgd: float | None = None, redraw: bool = True
) -> tuple[CompiledTape, list[str], list[str], list[Step]]:
    """``compile_scenario`` (its drawn dropout masks constants of the tape), or with
    ``redraw`` its drawn dropout masks as the tape's arguments after the trained parameters
    (then with no SGD step in the tape: ``sgd`` is ignored), and those masks."""
    trace = trace_scenario(scenario, NumberPolicy(decimals=scenario.numbers.decimals))
    trained = list(trace.meta.trained)
    if not trained:
        raise _nothing_to_train(scenario)
    losses = ["L"] + [f"{info.prefix}L" for info in trace.meta.sequences if info.prefix]
    outputs = losses + [grad_key(param) for param in trained]
    masks = dropout.drawn_masks(trace) if redraw else []  # drawn again every epoch
    if masks:
        keys = trained + [step.key for step in masks]
        return CompiledTape(trace, outputs, keys), trained, losses, masks
    return CompiledTape(trace, outputs, trained, sgd), trained, losses, masks


def _nothing_to_train(scenario: Scenario) -> RnntraceError:
    return RnntraceError(
        f"{scenario.file}: nothing to train: the model needs outputs, a loss and targets"
    )


def train(
    scenario: Scenario,
    settings: Settings,
    report: list[int],
    progress: Callable[[int], None] | None = None,
) -> TrainResult:
    """Run ``settings.epochs`` epochs; figures for the epochs in ``report``."""
    # Overflow is detected (a loss or parameter that is not finite), not warned about: numpy's
    # RuntimeWarnings would turn the CLI's one-line error into many lines.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        return _train(scenario, settings, report, progress)


def _train(
    scenario: Scenario,
    settings: Settings,
    report: list[int],
    progress: Callable[[int], None] | None,
) -> TrainResult:
    scenario = with_settings(scenario, settings)
    lr, clip, l2 = settings.learning_rate, settings.clip, settings.l2
    tape, trained, loss_keys, masks = _compiled(scenario, lr if clip is None and not l2 else None)
    plain = clip is None and not l2 and not masks  # the step itself is then in the tape
    n_params = len(trained)
    values = [np.array(scenario.params[key], dtype=float) for key in trained]
    wanted = set(report)
    reported: list[EpochFigures] = []
    losses: list[float] = []
    n_losses = len(loss_keys)
    for epoch in range(1, settings.epochs + 1):
        out = tape.run_list(values + list(dropout.redrawn(masks, epoch)))
        loss = float(out[0])
        grads = list(out[n_losses : n_losses + n_params])
        if not math.isfinite(loss):
            raise NumericError(
                f"epoch {epoch}: the loss is not finite ({loss}); the learning rate "
                f"{lr:g} is probably too large (try --clip or a smaller --lr)"
            )
        losses.append(loss)
        norm = 0.0
        if clip is not None or epoch in wanted:  # the norm costs: only when it is used
            norm = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads)))
        clipped = clip is not None and norm > clip
        if epoch in wanted:
            per_sequence = tuple(float(v) for v in out[1:n_losses]) or (loss,)
            reported.append(EpochFigures(epoch, loss, per_sequence, norm, clipped))
        if plain:
            values = list(out[n_losses + n_params :])
        else:
            if clipped:
                assert clip is not None
                grads = [g * (clip / norm) for g in grads]
            if l2:
                grads = [g + l2 * v for g, v in zip(grads, values)]
            values = [v - lr * g for v, g in zip(values, grads)]
        if progress is not None:
            progress(epoch)
    if not all(np.all(np.isfinite(v)) for v in values):
        raise NumericError(
            f"epoch {settings.epochs}: the parameters after the last update are not finite; "
            f"the learning rate {lr:g} is probably too large (try --clip or a smaller --lr)"
        )
    return TrainResult(settings, reported, losses, dict(zip(trained, values)), trained)


def params_before(scenario: Scenario, settings: Settings, epoch: int) -> dict[str, np.ndarray]:
    """The parameters at the start of ``epoch`` (after epoch − 1 updates)."""
    if epoch == 1:
        return {}
    earlier = replace(settings, epochs=epoch - 1)
    return train(scenario, earlier, []).params


def trace_epoch(scenario: Scenario, settings: Settings, epoch: int) -> Trace:
    """The full hand calculation of one epoch: the trace of the model as it stands before
    that epoch's update, with the update (clipping, decay, SGD) it then makes."""
    if not 1 <= epoch <= settings.epochs:
        raise RnntraceError(f"--trace-epoch: expected 1 to {settings.epochs}, found {epoch}")
    start = with_params(with_settings(scenario, settings), params_before(scenario, settings, epoch))
    if start.model.dropout is not None:  # the masks of that epoch
        start = replace(
            start, model=replace(start.model, dropout=replace(start.model.dropout, epoch=epoch))
        )
    trace = trace_scenario(start, start.numbers)
    if not trace.meta.trained:
        raise _nothing_to_train(scenario)
    return trace


def default_report(epochs: int) -> list[int]:
    """1, 10, 100, ... up to ``epochs``, and the last epoch."""
    marks = [1]
    while marks[-1] * 10 <= epochs:
        marks.append(marks[-1] * 10)
    if marks[-1] != epochs:
        marks.append(epochs)
    return marks


def document(result: TrainResult, scenario: Scenario) -> dict[str, object]:
    """The result as JSON-ready data (the format of ``rnntrace train --format json``)."""
    s = result.settings
    return {
        "format": "rnntrace-training",
        "version": 1,
        "title": scenario.title,
        "note": "epoch N's loss is the loss before the N-th update (epoch 1: the untrained model)",
        "settings": {
            "epochs": s.epochs,
            "learning_rate": s.learning_rate,
            "clip": s.clip,
            "l2": s.l2,
            "bptt": s.bptt if s.bptt else "full",
        },  # fmt: skip
        "sequences": [" ".join(seq.tokens) for seq in scenario.sequences],
        "reported": [
            {
                "epoch": f.epoch,
                "loss": f.loss,
                "sequence_losses": list(f.sequence_losses),
                "grad_norm": f.grad_norm,
                "clipped": f.clipped,
            }  # fmt: skip
            for f in result.reported
        ],
        "losses": result.losses,
        "final_params": {key: value.tolist() for key, value in result.params.items()},
    }
