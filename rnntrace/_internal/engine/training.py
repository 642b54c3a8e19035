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
from typing import Any

import numpy as np

from rnntrace._internal.engine import dropout, grad_key, scheduled, trace_scenario
from rnntrace._internal.engine.compiled import CompiledTape
from rnntrace._internal.errors import NumericError, RnntraceError
from rnntrace._internal.scenario.model import LrSchedule, NumberPolicy, Scenario, TrainSpec
from rnntrace._internal.scenario.model_more import SamplingSpec
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
    # seed 001's techniques (issue 13): as the scenario's train section has them
    lr_schedule: LrSchedule | None = None
    l2_penalty: float = 0.0
    recurrent_decay: float = 0.0
    clip_eps: float = 0.0
    bptt_window: int | None = None
    scheduled_sampling: SamplingSpec | None = None  # its coins drawn again every epoch

    def describe(self) -> str:
        """The settings in one line."""
        parts = [f"{self.epochs:,} epochs", f"learning rate {self.learning_rate:g}"]
        if self.lr_schedule is not None:
            parts[-1] += f" ({self.lr_schedule.kind} decay, r = {self.lr_schedule.decay:g})"
        parts.append(f"clipping at global norm {self.clip:g}" if self.clip else "no clipping")
        if self.clip and self.clip_eps:
            parts[-1] += f" (+ {self.clip_eps:g})"
        parts.append(f"L2 weight decay {self.l2:g}" if self.l2 else "no weight decay")
        if self.l2_penalty:
            parts.append(f"L2 penalty {self.l2_penalty:g}")
        if self.recurrent_decay:
            parts.append(f"recurrent weight decay {self.recurrent_decay:g}")
        if self.bptt_window:
            parts.append(f"BPTT window k = {self.bptt_window}")
        else:
            parts.append(f"truncated BPTT, k = {self.bptt}" if self.bptt else "full BPTT")
        sampling = self.scheduled_sampling
        if sampling is not None:
            parts.append("scheduled sampling (the given coins every epoch)"
                         if sampling.coins is not None else
                         f"scheduled sampling (epsilon_0 = {sampling.epsilon0:g}, lambda = "
                         f"{sampling.decay:g}; coins drawn again every epoch from seed "
                         f"{sampling.seed})")  # fmt: skip
        return ", ".join(parts)

    @property
    def plain(self) -> bool:
        """True for plain SGD (no clipping, decay, penalty or schedule)."""
        return (self.clip is None and not self.l2 and not self.l2_penalty
                and not self.recurrent_decay and self.lr_schedule is None)  # fmt: skip


def techniques(spec: TrainSpec) -> dict[str, Any]:
    """The Settings fields of seed 001's techniques, from a scenario's train section."""
    return {"lr_schedule": spec.lr_schedule, "l2_penalty": spec.l2_penalty,
            "recurrent_decay": spec.recurrent_decay, "clip_eps": spec.clip_eps,
            "bptt_window": spec.bptt_window,
            "scheduled_sampling": spec.scheduled_sampling}  # fmt: skip


@dataclass(frozen=True)
class EpochFigures:
    """One reported epoch: its loss before its update, per sequence, and the gradients."""

    epoch: int
    loss: float
    sequence_losses: tuple[float, ...]
    grad_norm: float
    clipped: bool
    learning_rate: float = 0.0  # η of the epoch's update
    penalty: float = 0.0  # the L2 penalty (train.l2_penalty), beside the data loss ``loss``


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
    if settings.bptt and settings.bptt_window:
        raise RnntraceError(f"{scenario.file}: train.bptt_window {settings.bptt_window} and "
                            f"--bptt {settings.bptt}: expected one of the two, "
                            "found both")  # fmt: skip
    train = replace(scenario.train, epochs=settings.epochs, learning_rate=settings.learning_rate,
                    clip=settings.clip, l2=settings.l2, bptt=settings.bptt,
                    lr_schedule=settings.lr_schedule, l2_penalty=settings.l2_penalty,
                    recurrent_decay=settings.recurrent_decay, clip_eps=settings.clip_eps,
                    bptt_window=settings.bptt_window,
                    scheduled_sampling=settings.scheduled_sampling)  # fmt: skip
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
    masks = _drawn(trace) if redraw else []  # drawn again every epoch
    if masks:
        keys = trained + [step.key for step in masks]
        return CompiledTape(trace, outputs, keys), trained, losses, masks
    return CompiledTape(trace, outputs, trained, sgd), trained, losses, masks


def _drawn(trace: Trace) -> list[Step]:
    """The drawn dropout masks, then the drawn scheduled-sampling coins, of a trace."""
    return dropout.drawn_masks(trace) + scheduled.drawn_coins(trace)


def _redrawn(steps: list[Step], epoch: int) -> list[np.ndarray]:
    """The masks and coins of ``steps`` (as ``_drawn`` lists them) drawn for ``epoch``."""
    masks = [step for step in steps if "coin_draw" not in step.info]
    coins = [step for step in steps if "coin_draw" in step.info]
    return list(dropout.redrawn(masks, epoch)) + list(scheduled.redrawn(coins, epoch))


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
    if not settings.plain:
        return _train_traced_update(scenario, settings, report, progress)
    lr = settings.learning_rate
    tape, trained, loss_keys, masks = _compiled(scenario, lr)  # the step in it, without masks
    n_params = len(trained)
    values = [np.array(scenario.params[key], dtype=float) for key in trained]
    wanted = set(report)
    reported: list[EpochFigures] = []
    losses: list[float] = []
    n_losses = len(loss_keys)
    for epoch in range(1, settings.epochs + 1):
        out = tape.run_list(values + _redrawn(masks, epoch))
        loss = _finite(float(out[0]), epoch, lr)
        losses.append(loss)
        grads = list(out[n_losses : n_losses + n_params])
        if epoch in wanted:
            norm = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads)))
            per_sequence = tuple(float(v) for v in out[1:n_losses]) or (loss,)
            reported.append(EpochFigures(epoch, loss, per_sequence, norm, False, lr))
        if masks:  # the masks are the tape's arguments: the step is taken here
            values = [v - lr * g for v, g in zip(values, grads)]
        else:
            values = list(out[n_losses + n_params :])
        if progress is not None:
            progress(epoch)
    return _result(settings, reported, losses, trained, values)


def _train_traced_update(
    scenario: Scenario,
    settings: Settings,
    report: list[int],
    progress: Callable[[int], None] | None,
) -> TrainResult:
    """Training whose update is the trace's own update steps (clipping, decay, the L2
    penalty, the schedule, recurrent decay), compiled into the tape with the epoch as an
    argument: each epoch computes exactly what ``--trace-epoch`` shows."""
    from rnntrace._internal.engine.update import pre_clip_keys

    trace = trace_scenario(scenario, NumberPolicy(decimals=scenario.numbers.decimals))
    trained = list(trace.meta.trained)
    if not trained:
        raise _nothing_to_train(scenario)
    loss_keys = ["L"] + [f"{info.prefix}L" for info in trace.meta.sequences if info.prefix]
    extra = [key for key in ("L_penalty", "clip_factor", "eta") if key in trace]
    outputs = loss_keys + pre_clip_keys(scenario, trained) + extra
    outputs += [f"{param}_new" for param in trained]
    inputs = ("epoch",) if "eta" in trace else ()
    masks = _drawn(trace)  # drawn again every epoch, the tape's arguments
    tape = CompiledTape(trace, outputs, trained + [step.key for step in masks], inputs=inputs)
    n_losses, n_params = len(loss_keys), len(trained)
    at = {key: n_losses + n_params + i for i, key in enumerate(extra)}
    values = [np.array(scenario.params[key], dtype=float) for key in trained]
    wanted = set(report)
    reported: list[EpochFigures] = []
    losses: list[float] = []
    lr = settings.learning_rate
    for epoch in range(1, settings.epochs + 1):
        drawn = _redrawn(masks, epoch)
        out = tape.run_list(values + drawn, *([epoch] if inputs else []))
        loss = _finite(float(out[0]), epoch, lr)
        losses.append(loss)
        if epoch in wanted:
            grads = out[n_losses : n_losses + n_params]
            norm = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads)))
            clipped = "clip_factor" in at and float(out[at["clip_factor"]]) < 1.0
            per_sequence = tuple(float(v) for v in out[1:n_losses]) or (loss,)
            eta = float(out[at["eta"]]) if "eta" in at else lr
            penalty = float(out[at["L_penalty"]]) if "L_penalty" in at else 0.0
            reported.append(EpochFigures(epoch, loss, per_sequence, norm, clipped, eta, penalty))
        values = list(out[len(out) - n_params :])
        if progress is not None:
            progress(epoch)
    return _result(settings, reported, losses, trained, values)


def _finite(loss: float, epoch: int, lr: float) -> float:
    if not math.isfinite(loss):
        raise NumericError(
            f"epoch {epoch}: the loss is not finite ({loss}); the learning rate "
            f"{lr:g} is probably too large (try --clip or a smaller --lr)"
        )
    return loss


def _result(settings: Settings, reported: list[EpochFigures], losses: list[float],
            trained: list[str], values: list[np.ndarray]) -> TrainResult:  # fmt: skip
    if not all(np.all(np.isfinite(v)) for v in values):
        raise NumericError(
            f"epoch {settings.epochs}: the parameters after the last update are not finite; "
            f"the learning rate {settings.learning_rate:g} is probably too large (try --clip "
            "or a smaller --lr)"
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
    start = replace(start, train=replace(start.train, epoch=epoch))
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
            **_technique_settings(s),
        },  # fmt: skip
        "sequences": [" ".join(seq.tokens) for seq in scenario.sequences],
        "reported": [
            {
                "epoch": f.epoch,
                "loss": f.loss,
                "sequence_losses": list(f.sequence_losses),
                "grad_norm": f.grad_norm,
                "clipped": f.clipped,
                **_technique_figures(f, s),
            }  # fmt: skip
            for f in result.reported
        ],
        "losses": result.losses,
        "final_params": {key: value.tolist() for key, value in result.params.items()},
    }


def _technique_settings(s: Settings) -> dict[str, Any]:
    """The settings of seed 001's techniques that are on (none: the document as before)."""
    out: dict[str, Any] = {}
    if s.lr_schedule is not None:
        out["lr_schedule"] = {"kind": s.lr_schedule.kind, "decay": s.lr_schedule.decay}
    if s.l2_penalty:
        out["l2_penalty"] = s.l2_penalty
    if s.recurrent_decay:
        out["recurrent_decay"] = s.recurrent_decay
    if s.clip_eps:
        out["clip_eps"] = s.clip_eps
    if s.bptt_window:
        out["bptt_window"] = s.bptt_window
    if s.scheduled_sampling is not None:
        sampling = s.scheduled_sampling
        out["scheduled_sampling"] = {
            "epsilon0": sampling.epsilon0, "decay": sampling.decay,
            **({"coins": [list(c) for c in sampling.coins]} if sampling.coins is not None
               else {"seed": sampling.seed, "coins": "drawn again every epoch"}),
        }  # fmt: skip
    return out


def _technique_figures(f: EpochFigures, s: Settings) -> dict[str, Any]:
    """A reported epoch's η (with a schedule) and penalty and total loss (with a penalty)."""
    out: dict[str, Any] = {}
    if s.lr_schedule is not None:
        out["learning_rate"] = f.learning_rate
    if s.l2_penalty:
        out["penalty"] = f.penalty
        out["total_loss"] = f.loss + f.penalty
    return out
