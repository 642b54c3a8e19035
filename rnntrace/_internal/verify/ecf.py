"""Error carried forward: what each step comes to when re-done from the student's own numbers.

The *own value* of a step is the step's op re-done (``ops.evaluate``, with the op
settings of the rounded-by-hand trace) on its operands' own values. An operand's own value
is the number the student wrote for it, if they wrote a readable one of the right shape;
else its own value in turn (re-done from *its* operands), when one of those has one; else
the expected value. Operands are the steps a step was computed from, always earlier in the
calculation (``dh_5`` is computed from ``dz_6``, later in time but earlier in the
calculation).

A written number stands for any number that rounds to it: half a unit in its last written
place, at most half a unit of the decimal the tolerance asks for (so ``0.7`` written for
``0.71039`` is taken as 0.700, not as anything from 0.65 to 0.75). How far that can move a
step's own value is its *slack*: the sum over the operand entries of |change of the result
when the entry moves by its half unit|, a first-order bound that works for any op. Own
values re-done from other own values inherit their slack the same way.

The *roots* of a step are the earlier wrong numbers the student's own value of it depends
on: a step the student got wrong is a root of everything computed from it.

A root is *trivial* when it could be written without working the step out (``trivial``):
zeros where the true value is not near 0, all equal numbers where it is not flat, or a copy
of given data (a parameter, an input, ``h_0``, or a row or column of a given matrix) that
the true value is not. What follows from a trivial root earns no carried-error credit:
steps re-done on zeros or on a parameter show little of the work they ask for. A copy of a
computed operand (``h_1`` written as ``z_1``, the activation skipped) is a real mistake, not
a trivial answer: what follows from it is worked out on numbers the student computed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from rnntrace._internal.ops import evaluate
from rnntrace._internal.trace import Step, Trace
from rnntrace._internal.verify.answers import Answer
from rnntrace._internal.verify.tolerance import Tolerance

COARSER = 10  # units of the last decimal in one unit of the decimal before it


@dataclass(frozen=True)
class Copyable:
    """Numbers a student can copy without computing anything, flat."""

    name: str  # "the parameter b_h", "row 2 of the parameter W_hh", "the input s1.x_1"
    sequence: int | None
    values: np.ndarray
    whole: bool = True  # False for a row or column of a matrix


def copyable(trace: Trace) -> list[Copyable]:
    """The given data of a trace (parameters, inputs, initial states), each whole and, for a
    matrix, each of its rows and columns."""
    out: list[Copyable] = []
    for step in trace:
        if step.op not in ("given", "input"):
            continue
        kind = "parameter" if step.key in trace.meta.params else step.op
        name, value = f"the {kind} {step.key}", step.value
        out.append(Copyable(name, step.sequence, value.ravel()))
        if value.ndim == 2:
            out += [
                Copyable(f"row {r + 1} of {name}", None, row, False) for r, row in enumerate(value)
            ]
            out += [
                Copyable(f"column {c + 1} of {name}", None, col, False)
                for c, col in enumerate(value.T)
            ]
    return out


def trivial(
    answer: Answer, step: Step, givens: Sequence[Copyable], tolerance: Tolerance, unit: float
) -> str | None:
    """Why the student's readable, wrong ``answer`` to ``step`` is trivial (``all zeros``,
    ``0``, ``all equal (0.5)``, ``a copy of the parameter b_h``), or None.

    ``unit`` is one unit of the last decimal. Zeros are trivial unless the true value rounds
    to zeros one decimal coarser (every entry under 5 units); equal numbers, unless the true
    entries span at most one unit of that coarser decimal: a student working a decimal short
    could write those honestly."""
    given, expected = answer.numbers, step.value.ravel()
    coarse = COARSER * unit
    if not given.any():
        if float(np.abs(expected).max()) < coarse / 2:
            return None
        return "all zeros" if given.size > 1 else "0"
    if given.size > 1 and np.all(given == given[0]):
        if float(expected.max() - expected.min()) <= coarse:
            return None
        return _copy_of(answer, step, givens, tolerance) or f"all equal ({answer.texts[0]})"
    return _copy_of(answer, step, givens, tolerance)


def _copy_of(
    answer: Answer, step: Step, givens: Sequence[Copyable], tolerance: Tolerance
) -> str | None:
    """``a copy of ...`` when the answer is (within the tolerance) given data that the true
    value is not; a single number is compared with whole one-number data only. Data of the
    step's own sequence is named first."""
    given, size = answer.numbers, answer.numbers.size
    fits = [g for g in givens if g.values.size == size and (g.whole or size > 1)]
    if not fits:
        return None
    fits.sort(key=lambda g: g.sequence not in (None, step.sequence))
    table = np.concatenate([g.values for g in fits])  # all candidates at once: (k·size,)
    count = len(fits)
    within = tolerance.within(np.tile(given, count), answer.written * count, table)
    copied = within.reshape(count, size).all(axis=1)
    if not copied.any():
        return None
    truth = np.tile(step.value.ravel(), count)
    true_copy = tolerance.within(truth, [None] * truth.size, table)
    hits = np.flatnonzero(copied & ~true_copy.reshape(count, size).all(axis=1))
    return f"a copy of {fits[hits[0]].name}" if hits.size else None


class OwnChain:
    """The student's own values, their slack and their roots, filled in calculation order."""

    def __init__(
        self,
        expected: Trace,
        hand: Mapping[str, Step],
        order: Mapping[str, int],
        half_unit: float,
    ) -> None:
        self.expected = expected
        self.hand = hand  # the op and settings a step is re-done with, by key
        self.order = order
        self.half_unit = half_unit  # half a unit of the decimal the tolerance asks for
        self.values: dict[str, np.ndarray] = {}
        self.units: dict[str, np.ndarray] = {}
        self.written: dict[str, Answer] = {}  # half units of these are worked out when needed
        self.roots: dict[str, tuple[str, ...]] = {}
        self.trivial: dict[str, str] = {}  # root key -> why it earns nothing carried forward

    def sources(self, step: Step) -> tuple[str, ...]:
        """The roots of the step's operands, earliest first."""
        found = [root for key in step.operands for root in self.roots.get(key, ())]
        return tuple(sorted(set(found), key=self.order.__getitem__)) if found else ()

    def no_credit(self, sources: Sequence[str]) -> str | None:
        """Why what follows from ``sources`` earns no carried-error credit
        (``s1.h_1 was all zeros``), or None when no source is trivial."""
        why = [f"{key} was {self.trivial[key]}" for key in sources if key in self.trivial]
        return ", ".join(why) or None

    def note_roots(self, key: str, roots: Sequence[str]) -> None:
        """Record what the own value of ``key`` follows from."""
        if roots:
            self.roots[key] = tuple(sorted(set(roots), key=self.order.__getitem__))

    def take_answer(self, step: Step, answer: Answer) -> None:
        """The student wrote a readable value: it is their own value of the step."""
        value = answer.numbers.reshape(step.shape)
        if not np.array_equal(value, step.carried):
            self.values[step.key] = value
            self.written[step.key] = answer

    def take_implied(self, step: Step) -> None:
        """The student wrote nothing usable: re-do the step from their own values, if any."""
        own = self.own(step)
        if own is not None:
            self.values[step.key] = own
            if any(self._units(key) is not None for key in step.operands):
                self.units[step.key] = self.slack(step, own).reshape(step.shape)

    def _units(self, key: str) -> np.ndarray | None:
        answer = self.written.pop(key, None)
        if answer is not None:
            units = np.minimum(answer.half_units, self.half_unit)
            self.units[key] = units.reshape(self.values[key].shape)
        return self.units.get(key)

    def _args(self, step: Step) -> list[np.ndarray]:
        return [self.values.get(key, self.expected[key].carried) for key in step.operands]

    def _evaluate(
        self, step: Step, args: list[np.ndarray], term_decimals: int | None
    ) -> np.ndarray | None:
        hand = self.hand.get(step.key, step)
        try:
            with np.errstate(all="ignore"):
                value = evaluate(hand.op, args, hand.info, term_decimals)
        except (ArithmeticError, ValueError, IndexError):  # an op undefined on these numbers
            return None
        if value.shape != step.value.shape or not np.all(np.isfinite(value)):
            return None
        return value

    def own(self, step: Step, term_decimals: int | None = None) -> np.ndarray | None:
        """The step re-done from the student's own values (each product rounded to
        ``term_decimals`` when given); None when no operand has an own value (it would be
        the expected value) or the op is undefined on them."""
        if not any(key in self.values for key in step.operands):
            return None
        return self._evaluate(step, self._args(step), term_decimals)

    def slack(self, step: Step, own: np.ndarray) -> np.ndarray:
        """How far rounding of the student's numbers can move ``own`` (flat)."""
        total = np.zeros(own.size)
        args = self._args(step)
        for position, key in enumerate(step.operands):
            units = self._units(key)
            if units is None:
                continue
            base = args[position]
            for j in np.flatnonzero(units.ravel() > 0):
                bumped = base.copy()
                bumped.flat[j] += units.flat[j]
                args[position] = bumped
                moved = self._evaluate(step, args, None)
                if moved is not None:
                    total += np.abs(moved - own).ravel()
            args[position] = base
        return total
