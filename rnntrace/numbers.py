"""Rounding as a person does it: half away from zero, on the decimal digits they see."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np


def round_half_up(value: float, decimals: int) -> float:
    """Round like a hand calculation: half away from zero on the decimal a person sees, so
    0.0005 -> 0.001 and 2.675 -> 2.68 although the float 2.675 is 2.67499999..."""
    if not np.isfinite(value):
        return float(value)
    quantum = Decimal(1).scaleb(-decimals)
    # 12 significant digits: 0.015 * 0.7 is stored as 0.010499999999999999, but by hand it
    # is 0.0105, which rounds up; float noise lives far below the 12th digit.
    rounded = float(Decimal(f"{float(value):.12g}").quantize(quantum, rounding=ROUND_HALF_UP))
    return rounded + 0.0  # no negative zero


def round_array(values: np.ndarray, decimals: int) -> np.ndarray:
    """``round_half_up`` on every entry; keeps the shape (a 0-d array stays 0-d)."""
    flat = [round_half_up(v, decimals) for v in np.asarray(values, dtype=float).ravel()]
    return np.array(flat, dtype=float).reshape(np.shape(values))
