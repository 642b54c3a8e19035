"""Judging answers: against the expected value, then error carried forward, then rounding.

Each entry of each asked quantity is judged in this order; the first rule that accepts it
gives its verdict:

1. **correct**: within the tolerance of the expected value (the exact float64 trace, or the
   rounded-by-hand chain with ``carry="rounded"``).
2. **carried error** / **rounding drift**: within the tolerance of *own*, the step's op
   re-done on the student's own earlier values (``ecf.OwnChain``: what the student wrote
   for its operands, or re-done from what they wrote before that) — first as it is, then
   widened by the *slack* that the rounding of those numbers allows, then with each product
   rounded as some do by hand. It is a carried error when own follows from an earlier wrong
   number of the student's (its *sources*, named in the report) and own itself differs
   from the expected value beyond tolerance and slack; otherwise the student's earlier
   numbers differ from the expected ones only by rounding, and it is rounding drift.
3. **rounding drift**: within the tolerance of the same step in another chain of rounding:
   the rounded-by-hand chain at the tolerance's decimals (every intermediate rounded; with
   and without rounding each product), or the exact chain when judging against a rounded
   one.
4. **wrong**; **unreadable** for an entry that is not a number.

A quantity's verdict is the worst of its entries' (or missing, wrong shape)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from functools import cached_property
from pathlib import Path

import numpy as np

from rnntrace._internal.assignment.questions import Question, display_aliases, questions_for
from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.errors import NumericError, RnntraceError
from rnntrace._internal.scenario.model import NumberPolicy, Scenario
from rnntrace._internal.trace import Step, Trace
from rnntrace._internal.verify.answer_files import read_answers
from rnntrace._internal.verify.answers import Answer, AnswerSheet, parse_answers
from rnntrace._internal.verify.ecf import Copyable, OwnChain, copyable, trivial
from rnntrace._internal.verify.grade import (
    CARRIED,
    CORRECT,
    DRIFT,
    ENTRY_NAMES,
    MISSING,
    UNREADABLE,
    WRONG,
    WRONG_SHAPE,
    Grade,
    ItemGrade,
    quantity_verdict,
)
from rnntrace._internal.verify.tolerance import Tolerance


def _squeezed(shape: Sequence[int]) -> tuple[int, ...]:
    return tuple(n for n in shape if n != 1)


def shape_words(shape: Sequence[int]) -> str:
    """How many numbers a shape is: ``1 number``, ``3 numbers``, ``a 3×3 matrix (3 rows of
    3 numbers)``."""
    if len(shape) == 2:
        rows, cols = shape
        return (
            f"a {rows}×{cols} matrix ({rows} row{'s' if rows != 1 else ''} of {cols} "
            f"number{'s' if cols != 1 else ''})"
        )
    size = int(np.prod(shape)) if shape else 1
    return f"{size} number{'s' if size != 1 else ''}"


def _found_words(answer: Answer) -> str:
    if answer.shape_problem:
        return answer.shape_problem
    shape = answer.shape or ()
    if not shape:
        return "a single number"
    if len(shape) == 1:
        return f"a list of {shape[0]}"
    return f"{shape[0]} rows of {shape[1]}"


class Grader:
    """Grades answer sheets against one scenario under one tolerance. Build it once and
    grade many files with it: the traces are computed once."""

    def __init__(
        self,
        scenario: Scenario,
        tolerance: Tolerance,
        *,
        carry: str = "exact",
        ask: Sequence[str] | None = None,
        points: Sequence[tuple[str, float]] = (),
        questions: Sequence[Question] | None = None,
    ) -> None:
        """``questions`` (an assignment's) are graded as they are; else the questions are
        ``ask`` (keys or patterns), or the scenario's question list (its assignment.ask, or
        the default questions of a worksheet), with the scenario's points and ``points``."""
        self.tolerance = tolerance
        self.carry = carry
        digits = scenario.numbers.decimals
        self.decimals = tolerance.digits if tolerance.mode == "decimals" else digits
        terms = scenario.numbers.round_terms
        policy = NumberPolicy(self.decimals, "exact", terms)
        exact = trace_scenario(scenario, policy)
        hand = self._chain(scenario, replace(policy, carry="rounded"))
        other = self._chain(scenario, NumberPolicy(self.decimals, "rounded", not terms))
        if carry == "rounded":
            if hand is None:  # a rounded value overflowed: say so, as `run --carry rounded` does
                trace_scenario(scenario, replace(policy, carry="rounded"))
            assert hand is not None
            self.expected = hand
        else:
            self.expected = exact
        self.hand = hand or exact
        self.chains = [t for t in (exact, hand, other) if t is not None and t is not self.expected]
        self.checkable = [step.key for step in self.expected.checkable()]
        if questions is None:
            questions = questions_for(self.expected, scenario.assignment, ask or (), points)
        for question in questions:  # an assignment file asks for what the scenario has
            if question.key not in self.expected:
                raise RnntraceError(
                    f"question {question.number} ({question.key}) is not a quantity of "
                    f"{scenario.file} as it is now; export the assignment again"
                )
        self.questions = list(questions)
        self.asked = [self.expected[q.key] for q in self.questions]
        self.points = {q.key: q.points for q in self.questions}
        # the keys an answers file may use: the keys, and the sheet's display names for them
        self._names = {k: k for k in self.checkable} | {
            alias: key for alias, key in display_aliases(self.expected).items()
            if alias not in self.expected
        }  # fmt: skip
        self._asked_keys = {step.key for step in self.asked}
        self._half_unit = 0.5 * 10.0**-self.decimals
        self._hand_steps = {step.key: step for step in self.hand}
        self._squeezed = {step.key: _squeezed(step.shape) for step in self.asked}
        self._order = {step.key: i for i, step in enumerate(self.expected.steps)}

    @staticmethod
    def _chain(scenario: Scenario, policy: NumberPolicy) -> Trace | None:
        try:
            return trace_scenario(scenario, policy)
        except NumericError:  # rounding made a loss infinite: no such chain to compare with
            return None

    @property
    def rule(self) -> str:
        """The tolerance rule and what the expected values are, in words."""
        if self.carry == "rounded":
            against = (
                f"expected values are the rounded-by-hand chain (every intermediate rounded "
                f"to {self.decimals} decimals)"
            )
        else:
            against = "expected values are exact (float64)"
        return f"{self.tolerance.rule()}; {against}"

    def read(self, path: str | Path) -> AnswerSheet:
        """Read an answers file for this scenario (raises ScenarioError)."""
        return read_answers(path, self._names, self._order)

    def parse(self, text: str, file: str = "<answers>") -> AnswerSheet:
        """Read answers given as YAML text; ``file`` names it in messages."""
        return parse_answers(text, file, self._names, self._order)

    # -- grading ----------------------------------------------------------------------------
    def grade(self, sheet: AnswerSheet) -> Grade:
        """Judge every asked quantity of ``sheet``, in the order of the calculation."""
        answers = sheet.answers
        first = self._first_pass(answers)
        chain = OwnChain(self.expected, self._hand_steps, self._order, self._half_unit)
        items: list[ItemGrade] = []
        for step in self.expected.steps:
            if step.op in ("given", "input"):
                continue
            key = step.key
            sources = chain.sources(step)
            answer = answers.get(key) if key in self._asked_keys else None
            wrong = False
            if key in self._asked_keys:
                item = self._judge(step, answer, first.get(key), chain, sources)
                wrong = bool((item.entries == WRONG).any())
                if chain.trivial and item.sources:  # follows from a trivial answer
                    item = self._without_credit(item, chain)
                items.append(item)
                if wrong and answer is not None and answer.readable:
                    why = trivial(answer, step, self._givens, self.tolerance, 2 * self._half_unit)
                    if why is not None:
                        chain.trivial[key] = why
            chain.note_roots(key, ((key,) if wrong else ()) + sources)
            if answer is not None and key in first and answer.readable:
                chain.take_answer(step, answer)
            else:
                chain.take_implied(step)
        ignored = tuple(k for k in answers if k not in self._asked_keys)
        return Grade(sheet.file, sheet.student, tuple(items), ignored, self.points)

    @cached_property
    def _givens(self) -> list[Copyable]:
        """The given data a trivial answer may be a copy of (worked out when first needed)."""
        return copyable(self.expected)

    @staticmethod
    def _without_credit(item: ItemGrade, chain: OwnChain) -> ItemGrade:
        """A carried error that follows from a trivial earlier answer (``ecf.trivial``) earns
        nothing: its carried entries are wrong, and ``no_credit`` says why."""
        why = chain.no_credit(item.sources)
        if why is None:
            return item
        entries = np.where(item.entries == CARRIED, WRONG, item.entries).astype(np.int8)
        return replace(item, verdict=quantity_verdict(entries), entries=entries, no_credit=why)

    def agreement(self, sheet: AnswerSheet) -> int:
        """How many answered entries of ``sheet`` are right for this grader's numbers (to
        tell which variant a sheet was worked on)."""
        codes = self._first_pass(sheet.answers)
        return sum(int(np.count_nonzero(c == CORRECT)) for c in codes.values())

    def _first_pass(self, answers: dict[str, Answer]) -> dict[str, np.ndarray]:
        """Every usable answer against its expected value at once (the common case, fast):
        key -> entry codes, CORRECT or WRONG (UNREADABLE for entries that are not numbers)."""
        steps = [
            step
            for step in self.asked
            if step.key in answers and self._fits(answers[step.key], step)
        ]
        if not steps:
            return {}
        given = np.concatenate([answers[step.key].numbers for step in steps])
        expected = np.concatenate([step.value.ravel() for step in steps])
        written = [w for step in steps for w in answers[step.key].written]
        ok = self.tolerance.within(given, written, expected)
        codes = np.where(ok, CORRECT, WRONG).astype(np.int8)
        codes[np.isnan(given)] = UNREADABLE
        out, start = {}, 0
        for step in steps:
            out[step.key] = codes[start : start + step.value.size]
            start += step.value.size
        return out

    def _fits(self, answer: Answer, step: Step) -> bool:
        """The answer has the step's shape, up to dimensions of length 1."""
        return answer.shape is not None and _squeezed(answer.shape) == self._squeezed[step.key]

    def _judge(
        self,
        step: Step,
        answer: Answer | None,
        codes: np.ndarray | None,
        chain: OwnChain,
        sources: tuple[str, ...],
    ) -> ItemGrade:
        if answer is None:
            return ItemGrade(step, MISSING, None, np.zeros(0, np.int8))
        if codes is None:
            if answer.shape == () and answer.problems:  # a word where numbers were asked
                return ItemGrade(
                    step, "unreadable", answer, np.zeros(0, np.int8), message=answer.problems[0]
                )
            return ItemGrade(
                step,
                WRONG_SHAPE,
                answer,
                np.zeros(0, np.int8),
                message=f"expected {shape_words(step.shape)}, found {_found_words(answer)}",
            )
        if not codes.any():
            return ItemGrade(step, ENTRY_NAMES[CORRECT], answer, codes)
        codes = codes.copy()
        todo = np.flatnonzero(codes == WRONG)
        own = chain.own(step) if todo.size else None
        if own is not None:
            todo = self._by_own(step, answer, own.ravel(), None, codes, todo, sources)
        if own is not None and todo.size:  # right up to the rounding of the student's numbers
            slack = chain.slack(step, own)
            todo = self._by_own(step, answer, own.ravel(), slack, codes, todo, sources)
            terms = chain.own(step, self.decimals)  # each product rounded, as some do by hand
            if todo.size and terms is not None:
                todo = self._by_own(step, answer, terms.ravel(), slack, codes, todo, sources)
        for other in self.chains:
            if todo.size and step.key in other:
                target = other[step.key].value.ravel()
                written = [answer.written[i] for i in todo]
                hit = self.tolerance.within(answer.numbers[todo], written, target[todo])
                codes[todo[hit]] = DRIFT
                todo = todo[~hit]
        return ItemGrade(
            step,
            quantity_verdict(codes),
            answer,
            codes,
            own=own,
            sources=sources if (codes == CARRIED).any() else (),
            message=next(iter(answer.problems.values()), None),
        )

    def _by_own(
        self,
        step: Step,
        answer: Answer,
        own: np.ndarray,
        slack: np.ndarray | None,
        codes: np.ndarray,
        todo: np.ndarray,
        sources: tuple[str, ...],
    ) -> np.ndarray:
        """Entries right (up to ``slack``) from the student's own earlier values: carried
        errors where own moved away from the expected value (beyond tolerance and slack) and
        follows an earlier wrong number, else rounding drift. Returns the entries still
        undecided."""
        written = [answer.written[i] for i in todo]
        part = None if slack is None else slack[todo]
        hit = self.tolerance.within(answer.numbers[todo], written, own[todo], part)
        matched = todo[hit]
        if sources and matched.size:
            none: list[Decimal | None] = [None] * matched.size
            near = None if slack is None else slack[matched]
            expected = step.value.ravel()[matched]
            stays = self.tolerance.within(own[matched], none, expected, near)
            codes[matched] = np.where(stays, DRIFT, CARRIED)
        else:
            codes[matched] = DRIFT
        return todo[~hit]
