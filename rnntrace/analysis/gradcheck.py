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

from rnntrace.engine import grad_key, trace_scenario
from rnntrace.errors import RnntraceError
from rnntrace.scenario.model import Scenario
from rnntrace.trace import Trace

EPS = 1e-6
TOLERANCE = 1e-6


@dataclass(frozen=True)
class ParamCheck:
    """One parameter: its BPTT gradient, the finite differences and how far apart they are."""

    key: str
    symbol: str
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
) -> GradCheck:
    """Check every trained parameter (or those matching ``patterns``, shell-style: W_*).
    ``progress`` is called with the number of entries done so far."""
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
    for key in chosen:
        bptt = trace[grad_key(key)].value
        fd = np.zeros_like(bptt)
        for index in np.ndindex(bptt.shape):
            fd[index] = _difference(scenario, key, index, eps)
            done += 1
            if progress:
                progress(done)
        rel = relative_error(fd, bptt)
        checks.append(
            ParamCheck(
                key=key,
                symbol=trace.meta.symbols.get(key, key),
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
        notes=tuple(_notes(scenario, trace)),
    )


def entries(scenario: Scenario, patterns: Sequence[str] = ()) -> int:
    """How many parameter entries ``gradcheck`` will perturb (each traced twice)."""
    trained = [k for k in scenario.params if k in scenario.given]
    return sum(
        scenario.params[k].size
        for k in trained
        if not patterns or any(fnmatchcase(k, p) for p in patterns)
    )


def _difference(scenario: Scenario, key: str, index: tuple[int, ...], eps: float) -> float:
    """(L(θ + ε) − L(θ − ε)) / 2ε for one entry of one parameter."""
    losses = []
    for sign in (1.0, -1.0):
        value = np.array(scenario.params[key], dtype=float, copy=True)
        value[index] += sign * eps
        params = dict(scenario.params)
        params[key] = value
        losses.append(_loss(trace_scenario(replace(scenario, params=params))))
    return (losses[0] - losses[1]) / (2.0 * eps)


def _loss(trace: Trace) -> float:
    return float(trace["L"].value)


def _notes(scenario: Scenario, trace: Trace) -> list[str]:
    model = scenario.model
    out = []
    if model.attention != "none" and model.attention_gradient == "constant_weights":
        out.append(
            "attention_gradient is constant_weights: the traced gradients leave out the "
            "path through the attention weights on purpose, so they differ from the exact "
            "gradient"
        )
    if model.cell == "rnn" and model.activation == "relu":
        out.append("relu has a kink at 0: a pre-activation within eps of 0 can fail honestly")
    return out
