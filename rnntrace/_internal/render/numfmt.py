"""Number formatting shared by every printer: short decimals stay exact, others are rounded."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from rnntrace._internal.numbers import round_half_up
from rnntrace._internal.trace import Step, Trace

MINUS = "\u2212"
# ops whose values are data as written (or zero by definition), never rounded by carrying
AS_WRITTEN_OPS = frozenset({"given", "input", "zeros", "cut"})


@lru_cache(maxsize=8192)  # a trace prints the same numbers many times
def is_short(value: float, decimals: int) -> int | None:
    """The number of decimals that write ``value`` exactly, if at most ``decimals + 2``."""
    text = f"{value:.{decimals + 2}f}"
    if abs(value - float(text)) > 1e-12 * max(1.0, abs(value)):
        return None
    digits = text.partition(".")[2].rstrip("0")
    return len(digits)


@lru_cache(maxsize=8192)
def _round_half_away(value: float, decimals: int) -> float:
    """The rounding of rnntrace._internal.numbers (half away from zero), for one float."""
    return round_half_up(value, decimals) if math.isfinite(value) else value


@lru_cache(maxsize=8192)
def _number(value: float, decimals: int, minus: str) -> str:
    """:func:`number` for a Python float (cached)."""
    places = is_short(value, decimals)
    if places is None:
        value = _round_half_away(value, decimals)
    text = f"{value:.{places}f}" if places is not None else f"{value:.{decimals}f}"
    if text.startswith("-"):
        stripped = text[1:].strip("0.")
        text = minus + text[1:] if stripped else text[1:]
    return text


def number(value: float, decimals: int, minus: str = MINUS) -> str:
    """``value`` as a person writes it: exact when it has few decimals (0.31, 0.0678),
    else rounded to ``decimals`` places (0.310). Negative zero prints as 0."""
    return _number(float(value), decimals, minus)


def carried_places(carry: str, carry_decimals: int, shown: int) -> int | None:
    """How many decimals a carried value is written with: all ``carry_decimals`` of a value
    carried rounded (0.310, not 0.31), or ``shown`` when fewer are shown; None when numbers
    are carried exact (they are written short, as :func:`number` does)."""
    return min(carry_decimals, shown) if carry == "rounded" else None


def fixed(value: float, decimals: int, minus: str = MINUS) -> str:
    """``value`` rounded to exactly ``decimals`` places: 0.310. Halves are rounded away from
    zero, as the answer key and a person do (0.125 -> 0.13), not as the float's binary
    value would be (0.12)."""
    return _fixed(float(value), decimals, minus)


@lru_cache(maxsize=8192)
def _fixed(value: float, decimals: int, minus: str) -> str:
    """:func:`fixed` for a Python float (cached: a matrix is written again and again)."""
    text = f"{_round_half_away(value, decimals):.{decimals}f}"
    if text.startswith("-"):
        text = minus + text[1:] if text[1:].strip("0.") else text[1:]
    return text


def same(full: np.ndarray, kept: np.ndarray) -> bool:
    """True when carrying did not change the value (beyond float noise such as
    0.02 + 0.08 + 0.03 = 0.13000000000000003)."""
    full, kept = np.asarray(full, dtype=float), np.asarray(kept, dtype=float)
    if full.shape == kept.shape and full.size <= 64:  # plain floats: faster when small
        return all(
            abs(f - k) <= 1e-12 * max(1.0, abs(f))
            for f, k in zip(full.ravel().tolist(), kept.ravel().tolist())
        )
    return bool((np.abs(full - kept) <= 1e-12 * np.maximum(1.0, np.abs(full))).all())


def exact(values: np.ndarray, decimals: int) -> bool:
    """True when every entry prints exactly (so '=' is right, not '≈')."""
    return all(is_short(v, decimals) is not None for v in np.ravel(values).tolist())


def relation(values: np.ndarray, decimals: int) -> str:
    """'=' when the printed numbers are exact, '≈' when they are rounded."""
    return "=" if exact(values, decimals) else "\u2248"


def factor(value: float, decimals: int, minus: str = MINUS) -> str:
    """A number as a factor in a product: negatives in parentheses, (−0.3)."""
    text = number(value, decimals, minus)
    return f"({text})" if text.startswith(minus) else text


def places(values: np.ndarray, decimals: int) -> int:
    """One number of decimals for a whole vector or matrix, so that its entries line up:
    the most any entry needs to be exact, or ``decimals`` when some entry is not short."""
    needed = [is_short(v, decimals) for v in np.ravel(values).tolist()]
    if any(n is None for n in needed):
        return decimals
    return max([n for n in needed if n is not None], default=0)


def vector(values: np.ndarray, decimals: int) -> str:
    """[0.226, 0.310, 0.264]; a single number prints bare."""
    flat = np.ravel(values)
    if np.ndim(values) == 0:
        return number(float(flat[0]), decimals)
    width = places(flat, decimals)
    return "[" + ", ".join(fixed(float(v), width) for v in flat) + "]"


def matrix_lines(values: np.ndarray, decimals: int, fixed: bool = False) -> list[str]:
    """A matrix as bracketed rows with aligned columns (``fixed``: every entry to
    ``decimals`` places)."""
    width = decimals if fixed else places(values, decimals)
    cells = [[globals()["fixed"](float(v), width) for v in row] for row in np.atleast_2d(values)]
    widths = [max(len(row[j]) for row in cells) for j in range(len(cells[0]))]
    return ["[ " + "  ".join(c.rjust(w) for c, w in zip(row, widths)) + " ]" for row in cells]


def signed_terms(
    values: list[float], decimals: int, minus: str = MINUS, width: int | None = None
) -> list[str]:
    """['0.4', '− 0.09', '+ 0.03']: the terms of a sum, each after the first with its sign
    (each with exactly ``width`` decimals when it is given: carried values)."""
    texts = [
        number(value, decimals, minus) if width is None else fixed(value, width, minus)
        for value in values
    ]
    return with_signs(texts, minus)


def with_signs(texts: list[str], minus: str = MINUS) -> list[str]:
    """Written numbers as the terms of a sum: ['0.4', '− 0.09', '+ 0.03']."""
    parts = texts[:1]
    for text in texts[1:]:
        parts.append(f"{minus} {text[len(minus) :]}" if text.startswith(minus) else f"+ {text}")
    return parts


def join_signed(texts: list[str], minus: str = MINUS) -> str:
    """Written numbers (or bracketed vectors) joined into a sum, a negative one after the
    first with its sign as the operator: '0.2 − 0.0459 + 0', never '0.2 + −0.0459'."""
    out = texts[0] if texts else ""
    for text in texts[1:]:
        out += f" {minus} {text[len(minus) :]}" if text.startswith(minus) else f" + {text}"
    return out


def signed_sum(
    values: list[float], decimals: int, minus: str = MINUS, width: int | None = None
) -> str:
    """0.4 − 0.09 + 0.03: a sum written with its signs."""
    return " ".join(signed_terms(values, decimals, minus, width))


def rounded(full: np.ndarray, kept: np.ndarray, decimals: int) -> bool:
    """True when what is written (``kept`` at ``decimals`` places) is not exactly the value:
    carrying rounded it, or it has more decimals than are shown ('≈', not '=')."""
    return not same(full, kept) or not exact(kept, decimals)


def rounded_number(full: float, kept: float, decimals: int) -> bool:
    """:func:`rounded` of one number (the entries of a worked line: no arrays made)."""
    full, kept = float(full), float(kept)
    if not abs(full - kept) <= 1e-12 * max(1.0, abs(full)):
        return True
    return is_short(kept, decimals) is None


class CarriedPlaces:
    """For a printer (``trace``, ``cw`` = :func:`carried_places`): which numbers are written
    with all the carried decimals."""

    trace: Trace
    cw: int | None

    def carried(self, key_or_step: str | Step) -> bool:
        """True when a step's value is carried rounded (so it is written with all the carried
        decimals); given data is written as it is written."""
        step = self.trace[key_or_step] if isinstance(key_or_step, str) else key_or_step
        return self.cw is not None and step.op not in AS_WRITTEN_OPS

    def width_of(self, carried: bool) -> int | None:
        """The decimals every number of a carried sum is written with (None: as short as
        exact)."""
        return self.cw if carried else None
