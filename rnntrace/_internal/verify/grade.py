"""The result of grading one answers file: a verdict per quantity and per entry, and scores."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from rnntrace._internal.trace import Step
from rnntrace._internal.verify.answers import Answer

# Entry verdicts, as small codes in arrays; the names are what reports show.
CORRECT, DRIFT, CARRIED, WRONG, UNREADABLE = range(5)
ENTRY_NAMES = ("correct", "rounding drift", "carried error", "wrong", "unreadable")
# Quantity verdicts: the worst entry verdict, or one of these for the whole quantity.
MISSING = "missing"
WRONG_SHAPE = "wrong shape"
VERDICTS = (*ENTRY_NAMES, MISSING, WRONG_SHAPE)
CREDIT = {"full": 1.0, "half": 0.5, "none": 0.0}  # --carried-credit


@dataclass(frozen=True)
class ItemGrade:
    """The verdict on one quantity.

    ``entries`` holds one code per entry (row-major) when the answer could be compared,
    else it is empty and ``verdict`` is missing or wrong shape. ``own`` is the value re-done
    from the student's own earlier numbers, when it was needed; ``sources`` are the earlier
    wrong values a carried error follows from, earliest first."""

    step: Step
    verdict: str
    answer: Answer | None
    entries: np.ndarray
    own: np.ndarray | None = None
    sources: tuple[str, ...] = ()
    message: str | None = None  # what is wrong with the shape, or the first unreadable entry
    no_credit: str | None = None  # why carried errors earn nothing: "s1.h_1 was all zeros"

    @property
    def key(self) -> str:
        """The stable key of the quantity."""
        return self.step.key

    @property
    def expected(self) -> np.ndarray:
        """The expected values, flat."""
        return self.step.value.ravel()

    @cached_property
    def _tally(self) -> tuple[int, int, int]:
        """(entries correct or rounding drift, carried errors, all entries)."""
        good = int(np.count_nonzero(self.entries <= DRIFT))
        return good, int(np.count_nonzero(self.entries == CARRIED)), int(self.entries.size)

    def credit(self, carried: float) -> float:
        """Points out of 1: the share of entries that are correct or rounding drift, with
        ``carried`` points for each carried error."""
        good, passed, size = self._tally
        return (good + carried * passed) / size if size else 0.0

    def position(self, flat: int) -> str:
        """An entry's position as people count it: ``2`` in a vector, ``1,3`` (row 1,
        column 3) in a matrix."""
        shape = self.step.shape
        if len(shape) == 2:
            return f"{flat // shape[1] + 1},{flat % shape[1] + 1}"
        return str(flat + 1)

    def indices(self, code: int) -> list[str]:
        """The positions of the entries with verdict ``code``."""
        return [self.position(int(flat)) for flat in np.flatnonzero(self.entries == code)]


def quantity_verdict(entries: np.ndarray) -> str:
    """The worst entry verdict of a quantity."""
    return ENTRY_NAMES[int(entries.max())] if entries.size else MISSING


@dataclass(frozen=True)
class Grade:
    """Every judged quantity of one answers file, in trace order."""

    file: str
    student: str | None
    items: tuple[ItemGrade, ...]
    ignored: tuple[str, ...] = ()  # keys answered but not asked
    points: Mapping[str, float] = field(default_factory=dict)  # by key; 1 when not given

    @property
    def name(self) -> str:
        """The student's name if the file gives one, else the file name."""
        return self.student or self.file

    def points_of(self, item: ItemGrade, carried: float) -> float:
        """The points one quantity earns: its worth times its share of right entries, with
        ``carried`` of a point's share for each carried error."""
        return self.points.get(item.key, 1.0) * item.credit(carried)

    def score(self, carried: float) -> float:
        """Points earned, ``carried`` credit for carried errors."""
        return sum(self.points_of(item, carried) for item in self.items)

    @property
    def max_score(self) -> float:
        """The points of the judged quantities (one each unless the assignment says)."""
        return sum(self.points.get(item.key, 1.0) for item in self.items)

    @property
    def all_correct(self) -> bool:
        """True when every quantity is correct or off only by rounding drift."""
        return all(item.verdict in ENTRY_NAMES[: DRIFT + 1] for item in self.items)

    @property
    def first_mistake(self) -> ItemGrade | None:
        """The first quantity, in the order of the calculation, where the student went wrong
        (a wrong number, an unreadable one or a wrong shape; not a carried error)."""
        for item in self.items:
            if item.verdict in ("wrong", "unreadable", WRONG_SHAPE):
                return item
        return None

    def counts(self) -> Counter[str]:
        """How many quantities got each verdict."""
        return Counter(item.verdict for item in self.items)

    @property
    def answered(self) -> int:
        """How many judged quantities the file gives a value for (0: nothing answered)."""
        return sum(item.answer is not None for item in self.items)
