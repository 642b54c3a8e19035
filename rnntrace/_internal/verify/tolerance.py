"""When a written number counts as equal to an expected one: one rule, stated in words.

Three modes, one at a time:

* ``decimals N``: |g − e| ≤ 0.51 units of the N-th decimal (0.00051 for N = 3);
* ``sigfigs N``: |g − e| ≤ 0.51 units of the N-th significant digit of e;
* ``relative``: |g − e| ≤ atol + rtol·|e|, with atol at least ``ATOL_FLOOR``.

0.51 rather than 0.5 units: a value rounded correctly is within 0.5 units, and the extra
hundredth forgives a student whose calculator rounded a 5 the other way. The comparison is
exact: the given number is the ``Decimal`` the student wrote, the expected one the exact
binary value of the float, so 0.50051 against 0.5 passes at 3 decimals and 0.50052 does not.
Floats decide every entry that is not within a hair of the boundary; ``Decimal`` decides
the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext

import numpy as np

from rnntrace._internal.errors import RnntraceError

HALF_UNIT = Decimal("0.51")
ATOL_FLOOR = Decimal("1e-12")  # relative mode: below this every difference passes
DEFAULT_ATOL = Decimal("1e-6")  # relative mode, when only rtol is given
SIGFIG_FLOOR = Decimal("1e-9")  # sigfigs mode: so that a zero is matched by a zero
_BOUNDARY = 1e-9  # relative width of the band in which floats defer to Decimal


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


@dataclass(frozen=True)
class Tolerance:
    """One tolerance rule: ``mode`` is decimals, sigfigs or relative."""

    mode: str
    digits: int = 3  # N of decimals and sigfigs
    rtol: Decimal = Decimal(0)
    atol: Decimal = ATOL_FLOOR

    @classmethod
    def decimals(cls, n: int) -> Tolerance:
        """Within 0.51 units of the n-th decimal."""
        return cls("decimals", digits=n)

    @classmethod
    def sigfigs(cls, n: int) -> Tolerance:
        """Within 0.51 units of the n-th significant digit of the expected value."""
        return cls("sigfigs", digits=n)

    @classmethod
    def relative(cls, rtol: Decimal, atol: Decimal) -> Tolerance:
        """|g − e| ≤ atol + rtol·|e|; ``atol`` is raised to ``ATOL_FLOOR`` when below it."""
        return cls("relative", rtol=rtol, atol=max(atol, ATOL_FLOOR))

    @classmethod
    def choose(
        cls,
        decimals: int | None,
        sigfigs: int | None,
        rtol: Decimal | None,
        atol: Decimal | None,
        default_decimals: int,
    ) -> Tolerance:
        """The one rule the options ask for (``atol`` alone means ``rtol`` 0; ``rtol`` alone
        means ``atol`` 1e-6), else ``default_decimals``. Raises RnntraceError for two."""
        modes = [decimals is not None, sigfigs is not None, rtol is not None or atol is not None]
        if sum(modes) > 1:
            raise RnntraceError("give one tolerance: --decimals, --sigfigs or --rtol/--atol")
        if sigfigs is not None:
            return cls.sigfigs(sigfigs)
        if rtol is not None or atol is not None:
            return cls.relative(rtol or Decimal(0), DEFAULT_ATOL if atol is None else atol)
        return cls.decimals(default_decimals if decimals is None else decimals)

    def as_data(self) -> dict[str, str | int]:
        """The rule as an assignment file records it (numbers as exact decimal text)."""
        if self.mode == "relative":
            return {"rule": "relative", "rtol": str(self.rtol), "atol": str(self.atol)}
        return {"rule": self.mode, "digits": self.digits}

    @classmethod
    def from_data(cls, data: Mapping[str, object]) -> Tolerance:
        """The rule an assignment file records (see ``as_data``)."""
        if data["rule"] == "relative":
            return cls.relative(Decimal(str(data["rtol"])), Decimal(str(data["atol"])))
        digits = data["digits"]
        assert isinstance(digits, int)
        return cls.decimals(digits) if data["rule"] == "decimals" else cls.sigfigs(digits)

    def rule(self) -> str:
        """The rule in words, as every report states it."""
        if self.mode == "decimals":
            bound = HALF_UNIT.scaleb(-self.digits)
            return (
                f"a number is right when it is within 0.51 units of the {ordinal(self.digits)} "
                f"decimal of the expected value (|given − expected| ≤ {bound:f})"
            )
        if self.mode == "sigfigs":
            return (
                f"a number is right when it is within 0.51 units of the "
                f"{ordinal(self.digits)} significant digit of the expected value "
                f"(differences up to {SIGFIG_FLOOR:g} always pass, so 0 matches 0)"
            )
        return (
            f"a number is right when |given − expected| ≤ {self.atol:g} + {self.rtol:g} × "
            f"|expected|"
        )

    # -- bounds -----------------------------------------------------------------------------
    def _bounds(self, expected: np.ndarray) -> np.ndarray:
        """The allowed difference for each expected value, in floats."""
        size = np.abs(expected)
        if self.mode == "decimals":
            return np.full(expected.shape, float(HALF_UNIT.scaleb(-self.digits)))
        if self.mode == "sigfigs":
            with np.errstate(divide="ignore"):
                top = np.floor(np.log10(np.where(size > 0, size, 1.0)))
            top -= 10.0**top > size  # log10 of floats may miss an exact power by one
            top += 10.0 ** (top + 1) <= size
            bound = 0.51 * 10.0 ** (top - self.digits + 1)
            return np.where(size > 0, np.maximum(bound, float(SIGFIG_FLOOR)), float(SIGFIG_FLOOR))
        return float(self.atol) + float(self.rtol) * size

    def bound(self, expected: float) -> Decimal:
        """The largest difference allowed from ``expected``, exactly."""
        return self._exact_bound(Decimal(expected))

    def _exact_bound(self, expected: Decimal) -> Decimal:
        if self.mode == "decimals":
            return HALF_UNIT.scaleb(-self.digits)
        if self.mode == "sigfigs":
            if expected == 0:
                return SIGFIG_FLOOR
            bound = HALF_UNIT.scaleb(expected.adjusted() - self.digits + 1)
            return max(bound, SIGFIG_FLOOR)
        return self.atol + self.rtol * abs(expected)

    def within(
        self,
        given: np.ndarray,
        written: Sequence[Decimal | None],
        expected: np.ndarray,
        slack: np.ndarray | None = None,
    ) -> np.ndarray:
        """Which entries of ``given`` (floats, with ``written`` the exact numbers as written,
        None where unreadable) are within the tolerance of ``expected``, widened by ``slack``;
        all flat, same length. NaN (unreadable) is never within."""
        with np.errstate(invalid="ignore"):
            diff = np.abs(given - expected)
            bound = self._bounds(expected)
            if slack is not None:
                bound = bound + slack
            ok = diff <= bound
            scale = np.maximum(np.maximum(np.abs(given), np.abs(expected)), bound)
            near = np.abs(diff - bound) <= _BOUNDARY * scale
        for i in np.flatnonzero(near).tolist():
            exact = written[i]
            if exact is not None:
                extra = 0.0 if slack is None else float(slack[i])
                ok[i] = self.exact_within(exact, float(expected[i]), extra)
        return ok

    def exact_within(self, given: Decimal, expected: float, slack: float = 0.0) -> bool:
        """The rule (widened by ``slack``) decided in exact decimal arithmetic."""
        with localcontext() as ctx:
            ctx.prec = 1200  # any float is exact in fewer digits: nothing here rounds
            target = Decimal(expected)
            return abs(given - target) <= self._exact_bound(target) + Decimal(slack)
