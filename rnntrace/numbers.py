"""Rounding as a person does it: half away from zero, on the decimal digits they see."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np


def round_half_up(value: float, decimals: int) -> float:
    """Round like a hand calculation: 0.0005 -> 0.001 and 2.675 -> 2.68 (the shortest decimal
    that reads back as the float is what a person sees, so that is what is rounded)."""
    if not np.isfinite(value):
        return float(value)
    quantum = Decimal(1).scaleb(-decimals)
    rounded = float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))
    return rounded + 0.0  # no negative zero


def round_array(values: np.ndarray, decimals: int) -> np.ndarray:
    """``round_half_up`` on every entry; keeps the shape (a 0-d array stays 0-d)."""
    flat = [round_half_up(v, decimals) for v in np.asarray(values, dtype=float).ravel()]
    return np.array(flat, dtype=float).reshape(np.shape(values))
