"""Which steps a report shows: ``--phase`` and ``--steps`` filters, shared by all printers."""

from __future__ import annotations

from rnntrace._internal.errors import RnntraceError
from rnntrace._internal.records import record
from rnntrace._internal.trace import Step

# A --phase name and the step phases it shows.
PHASE_GROUPS = {
    "forward": ("given", "forward", "loss"),
    "loss": ("loss",),
    "backward": ("backward", "gradient"),
    "gradient": ("gradient",),
    "update": ("update",),
}


@record
class Selection:
    """Phases to show (empty: all) and an inclusive range of time steps (None: all)."""

    phases: frozenset[str] = frozenset()
    first: int | None = None
    last: int | None = None

    def shows(self, step: Step) -> bool:
        """True when ``step`` passes the filters. Steps without a time step (parameters,
        sums, the update) pass the time filter."""
        if self.phases and not any(step.phase in PHASE_GROUPS[p] for p in self.phases):
            return False
        if step.time is None:
            return True
        if self.first is not None and step.time < self.first:
            return False
        return not (self.last is not None and step.time > self.last)


def parse_steps(text: str) -> tuple[int, int]:
    """``3`` -> (3, 3); ``1-3`` -> (1, 3); ``2-`` -> (2, a large number)."""
    cleaned = text.strip()
    try:
        if "-" in cleaned:
            low, high = cleaned.split("-", 1)
            first = int(low) if low.strip() else 1
            last = int(high) if high.strip() else 10**9
        else:
            first = last = int(cleaned)
    except ValueError:
        raise RnntraceError(f"--steps: expected N or N-M (e.g. 1-3), found {text!r}") from None
    if first < 1 or last < first:
        raise RnntraceError(f"--steps: expected 1 <= N <= M, found {text!r}")
    return first, last


def check_steps(text: str, first: int, last: int, times: list[int]) -> None:
    """Refuse a ``--steps`` range that holds none of the trace's time steps (``times``)."""
    if times and not any(first <= t <= last for t in times):
        have = (
            f"time step {min(times)}"
            if min(times) == max(times)
            else (f"time steps {min(times)} to {max(times)}")
        )
        raise RnntraceError(f"--steps {text}: this scenario has {have}; choose from those")
