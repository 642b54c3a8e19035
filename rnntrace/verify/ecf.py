"""Error carried forward: what each step comes to when re-done from the student's own numbers.

The *own value* of a step is the step's op re-done (``engine.ops.evaluate``, with the op
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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from rnntrace.engine.ops import evaluate
from rnntrace.trace import Step, Trace
from rnntrace.verify.answers import Answer


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

    def sources(self, step: Step) -> tuple[str, ...]:
        """The roots of the step's operands, earliest first."""
        found = [root for key in step.operands for root in self.roots.get(key, ())]
        return tuple(sorted(set(found), key=self.order.__getitem__)) if found else ()

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
