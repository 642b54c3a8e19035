"""The traced BPTT gradients beside central finite differences of the total loss.

For every entry θ_i of every trained parameter (those the scenario gives, when it has a
loss), with the scenario traced again in exact float64 for each perturbation:

    g_fd,i = (L(θ + ε e_i) − L(θ − ε e_i)) / (2ε)

and per parameter the largest |g_fd − g| and the relative error
‖g_fd − g‖ / max(‖g_fd‖ + ‖g‖, 1e-12) (Frobenius norms), which passes when it is at most
the tolerance. The error of a central difference is about ε² |L'''| (truncation) plus
1e-16 |L| / ε (rounding), so ε = 1e-6 leaves errors near 1e-10 for smooth losses; a relu
whose pre-activation is within ε of 0 (a kink) can fail honestly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase

import numpy as np

from rnntrace._internal import cells
from rnntrace._internal.analysis.gradcheck_window import NOTE, WindowLosses
from rnntrace._internal.analysis.letters import Letters
from rnntrace._internal.engine import grad_key, trace_scenario
from rnntrace._internal.errors import RnntraceError
from rnntrace._internal.scenario.model import Scenario
from rnntrace._internal.symbol import Symbol
from rnntrace._internal.trace import Trace

EPS = 1e-6
TOLERANCE = 1e-6
SAMPLE_ABOVE = 2000  # a model with more trained entries than this has a sample checked
SAMPLE = 20  # entries checked per parameter then (--all: every one)


@dataclass(frozen=True)
class ParamCheck:
    """One parameter: its BPTT gradient, the finite differences and how far apart they are."""

    key: str
    symbol: Symbol
    bptt: np.ndarray
    fd: np.ndarray
    max_abs: float  # max |g_fd − g|
    rel_error: float  # ‖g_fd − g‖ / max(‖g_fd‖ + ‖g‖, 1e-12)
    passed: bool


@dataclass(frozen=True)
class GradCheck:
    """Every trained parameter checked, with the settings used."""

    title: str
    loss: float
    eps: float
    tolerance: float
    params: tuple[ParamCheck, ...]
    notes: tuple[str, ...]
    windowed: int | None = None  # train.bptt_window k: the differences are of L^win
    loss_symbol: str = "L"  # the loss L in the scenario's notation (Unicode)

    @property
    def passed(self) -> bool:
        """True when every parameter's relative error is within the tolerance."""
        return all(p.passed for p in self.params)

    @property
    def worst(self) -> ParamCheck:
        """The parameter with the largest relative error."""
        return max(self.params, key=lambda p: p.rel_error)


def exact(scenario: Scenario) -> Scenario:
    """The scenario with its numbers carried exactly (no rounding of intermediates)."""
    return replace(scenario, numbers=replace(scenario.numbers, carry="exact", round_terms=False))


def relative_error(fd: np.ndarray, g: np.ndarray) -> float:
    """‖g_fd − g‖ / max(‖g_fd‖ + ‖g‖, 1e-12)."""
    diff = float(np.linalg.norm(fd - g))
    return diff / max(float(np.linalg.norm(fd) + np.linalg.norm(g)), 1e-12)


def gradcheck(
    scenario: Scenario,
    eps: float = EPS,
    tolerance: float = TOLERANCE,
    patterns: Sequence[str] = (),
    progress: Callable[[int], None] | None = None,
    every: bool = False,
) -> GradCheck:
    """Check every trained parameter (or those matching ``patterns``, shell-style: W_*).
    ``progress`` is called with the number of entries done so far; a large model has a
    random sample of its entries checked (``sampled``) unless ``every``."""
    if not eps > 0:
        raise RnntraceError(f"--eps {eps}: must be positive")
    scenario = exact(scenario)
    trace = trace_scenario(scenario)
    trained = list(trace.meta.trained)
    if not trained or "L" not in trace:
        raise RnntraceError(
            f"{scenario.file}: the scenario has no loss (model.loss or model.output is "
            "none), so there are no gradients to check"
        )
    chosen = [k for k in trained if not patterns or any(fnmatchcase(k, p) for p in patterns)]
    if not chosen:
        raise RnntraceError(
            f"--param {', '.join(patterns)}: matches no trained parameter; they are "
            + ", ".join(trained)
        )
    done = 0
    checks = []
    loss_of: _Losses | WindowLosses = _Losses(trace, trained, scenario)
    if scenario.train.bptt_window:
        loss_of = WindowLosses(trace, trained, scenario)  # the objective the window differentiates
    picks = sampled(scenario, chosen, every)
    for key in chosen:
        bptt = trace[grad_key(key)].value
        fd = np.array(bptt, dtype=float, copy=True)  # unchecked entries: the BPTT value
        for index in picks[key]:
            fd[index] = _difference(loss_of, key, index, eps)
            done += 1
            if progress:
                progress(done)
        rel = relative_error(fd, bptt)
        checks.append(
            ParamCheck(
                key=key,
                symbol=trace.meta.symbols[key],
                bptt=bptt,
                fd=fd,
                max_abs=float(np.max(np.abs(fd - bptt))) if fd.size else 0.0,
                rel_error=rel,
                passed=rel <= tolerance,
            )
        )
    return GradCheck(
        title=scenario.title,
        loss=float(trace["L"].value),
        eps=eps,
        tolerance=tolerance,
        params=tuple(checks),
        notes=tuple(_notes(scenario, trace)) + _sample_note(picks, scenario),
        windowed=scenario.train.bptt_window if isinstance(loss_of, WindowLosses) else None,
        loss_symbol=Letters(trace.meta.notation, trace.meta.index_style).bare("L"),
    )


def entries(scenario: Scenario, patterns: Sequence[str] = (), every: bool = False) -> int:
    """How many parameter entries ``gradcheck`` will perturb (each run twice)."""
    trained = [k for k in scenario.params if k in scenario.given]
    chosen = [k for k in trained if not patterns or any(fnmatchcase(k, p) for p in patterns)]
    return sum(len(v) for v in sampled(scenario, chosen, every).values())


def sampled(
    scenario: Scenario, chosen: Sequence[str], every: bool = False
) -> dict[str, list[tuple[int, ...]]]:
    """The entries checked per parameter: all of them for a small model (at most
    SAMPLE_ABOVE entries in all) or with ``every``; else SAMPLE entries of each parameter
    drawn at random (seed 0), always with its first and last entry."""
    shapes = {key: np.shape(scenario.params[key]) for key in chosen}
    total = sum(int(np.prod(shape)) for shape in shapes.values())
    rng = np.random.default_rng(0)
    out: dict[str, list[tuple[int, ...]]] = {}
    for key, shape in shapes.items():
        every_index = list(np.ndindex(shape))
        if every or total <= SAMPLE_ABOVE or len(every_index) <= SAMPLE:
            out[key] = every_index
            continue
        middle = rng.choice(np.arange(1, len(every_index) - 1), SAMPLE - 2, replace=False)
        picked = [0, *sorted(int(i) for i in middle), len(every_index) - 1]
        out[key] = [every_index[i] for i in picked]
    return out


class _Losses:
    """L for other parameter values: the trace's forward pass compiled (no recording)."""

    def __init__(self, trace: Trace, trained: list[str], scenario: Scenario) -> None:
        from rnntrace._internal.engine.compiled import CompiledTape

        self.tape = CompiledTape(trace, ["L"], trained)
        self.base = {key: np.array(scenario.params[key], dtype=float) for key in trained}

    def __call__(self, changed: dict[str, np.ndarray]) -> float:
        return float(self.tape.run({**self.base, **changed})["L"])


def _difference(
    loss_of: _Losses | WindowLosses,
    key: str,
    index: tuple[int, ...],
    eps: float,
) -> float:
    """(L(θ + ε) − L(θ − ε)) / 2ε for one entry of one parameter."""
    losses = []
    for sign in (1.0, -1.0):
        value = np.array(loss_of.base[key], copy=True)
        value[index] += sign * eps
        losses.append(loss_of({key: value}))
    return (losses[0] - losses[1]) / (2.0 * eps)


def _sample_note(picks: dict[str, list[tuple[int, ...]]], scenario: Scenario) -> tuple[str, ...]:
    checked = sum(len(v) for v in picks.values())
    total = sum(int(np.size(scenario.params[key])) for key in picks)
    if checked == total:
        return ()
    return (f"checked {checked:,} of the {total:,} entries: {SAMPLE} per parameter drawn at "
            "random (seed 0), with its first and last; the others show the BPTT value in both "
            "columns (--all checks every entry)",)  # fmt: skip


def _notes(scenario: Scenario, trace: Trace) -> list[str]:
    model = scenario.model
    out = []
    q = Letters(trace.meta.notation, trace.meta.index_style)  # (h_(s-k) as it has been written)
    L, L_s, h_sk = q.bare("L"), q.at("L", "s"), q.at("h", "s-k").replace("−", "-")
    if model.attention != "none" and model.attention_gradient == "constant_weights":
        out.append(
            "attention_gradient is constant_weights: the traced gradients leave out the "
            "path through the attention weights on purpose, so they differ from the exact "
            "gradient"
        )
    k = scenario.train.bptt_window
    if k:
        out.append(NOTE.format(k=k, L=L, L_s=L_s, h_sk=h_sk))
    if scenario.train.bptt:
        out.append(
            f"train.bptt k = {scenario.train.bptt}: the BPTT gradients are truncated "
            "(the chain cut every k steps), the central differences are of the total "
            f"loss {L}, so they differ by the cut paths: a FAIL here is expected"
        )
    if cells.get(model.cell).has_activation and model.activation == "relu":
        out.append("relu has a kink at 0: a pre-activation within eps of 0 can fail honestly")
    return out
