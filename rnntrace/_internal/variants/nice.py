"""The rules a variant's numbers must follow before it is handed out, so that every student
gets a calculation as pleasant and as unambiguous as the original:

* no pre-activation deep in saturation: |z| ≤ the bound (``vary.saturation``, 3 by default)
  for every input of tanh and sigmoid (their slopes there are below 0.01 and 0.05);
* no prediction that is a tie (two largest softmax outputs equal, or a sigmoid output of
  exactly one half);
* no loss of exactly zero;
* no entry of a gradient (∂L/∂θ, summed over time) that rounds to −0.000 (a number a
  student would write with a sign the key does not show);
* no intermediate value within 1e-9 of a rounding tie (…5 in the first dropped decimal) at
  the carried precision, so a calculator can never round it the other way from the key. A
  value exactly on a tie (0.0805 from 0.2 × 0.4025) is fine: the sheet states its rule,
  halves away from zero, and a calculator shows it exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from rnntrace._internal.trace import Step, Trace

TIE = 1e-9
NOISE = 1e-12  # float noise around a tie, as numbers.round_array allows it
SATURATING = ("tanh", "sigmoid")


@dataclass(frozen=True)
class NiceRules:
    """The bounds of the rules: ``saturation`` for |z|, ``decimals`` the carried precision."""

    saturation: float
    decimals: int


def _saturated(trace: Trace, step: Step, bound: float) -> str | None:
    nonlinearity = step.info.get("activation") if step.op == "activation" else step.op
    if nonlinearity not in SATURATING:
        return None
    for key in step.operands:
        z = np.abs(trace[key].value)
        if z.size and float(z.max()) > bound:
            return f"{key} = {float(z.max()):.3g} is deep in saturation (|z| > {bound:g})"
    return None


def _tied(trace: Trace, step: Step) -> str | None:
    if trace.base_key(step).startswith("y_") and step.phase == "forward":
        y = np.ravel(step.value)
        if trace.meta.head == "softmax" and y.size > 1:
            top = np.sort(y)[-2:]
            if top[1] - top[0] < TIE:
                return f"{step.key}: the two largest outputs are equal"
        if trace.meta.head == "sigmoid" and np.any(np.abs(y - 0.5) < TIE):
            return f"{step.key}: an output is exactly one half"
    return None


def _near_tie(step: Step, decimals: int) -> str | None:
    """A value within 1e-9 of a tie but not on it: a calculator showing ten digits would
    show the tie, and the student round it the other way from the key. A value on a tie
    (up to float noise, as ``numbers.round_array`` counts it) is rounded by the sheet's
    stated rule, halves away from zero, and is fine."""
    scaled = np.ravel(np.abs(step.value)) * 10.0**decimals
    off = np.abs(scaled - np.floor(scaled) - 0.5)
    noise = NOISE * np.maximum(1.0, scaled)
    near = (off > noise) & (off * 10.0**-decimals < TIE)
    if near.any():
        return f"{step.key}: a value lies within 1e-9 of a rounding tie at {decimals} decimals"
    return None


def problems(trace: Trace, rules: NiceRules) -> Iterable[str]:
    """Every broken rule of one trace, as a short reason."""
    half = 0.5 * 10.0**-rules.decimals
    for step in trace.checkable():
        found = [
            _saturated(trace, step, rules.saturation),
            _tied(trace, step),
            _near_tie(step, rules.decimals),
        ]
        if step.phase == "loss" and np.all(np.abs(step.value) < 1e-12):
            found.append(f"{step.key}: the loss is zero")
        if step.phase == "gradient" and step.time is None:  # a gradient, not a contribution
            value = np.ravel(step.value)
            if np.any((value < 0) & (value > -half)):
                found.append(f"{step.key}: an entry rounds to −0.{'0' * rules.decimals}")
        yield from (reason for reason in found if reason)


def first_problem(traces: Iterable[Trace], rules: NiceRules) -> str | None:
    """The first broken rule in any of ``traces`` (the exact and the rounded chain), or
    None when the variant is nice."""
    for trace in traces:
        for reason in problems(trace, rules):
            return reason
    return None
