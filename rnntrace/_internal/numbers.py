"""Rounding as a person does it: half away from zero, on the decimal digits they see."""

from __future__ import annotations

import numpy as np

# How far below a half a product may fall through float noise and still count as a half:
# 0.015 * 0.7 is stored as 0.010499999999999999, but by hand it is 0.0105, which rounds up.
# Float noise lives far below the 12th significant digit.
_NOISE = 1e-12
# ... but never more than a millionth of the last decimal: a number of 10^11 such units
# (4999694.9 at 5 decimals) would otherwise be pushed over the next half by the allowance.
_NOISE_CAP = 1e-6
# From 2^52 on, consecutive floats are at least 1 apart: nothing after the point to round.
_WHOLE = 2.0**52


def round_array(values: np.ndarray, decimals: int) -> np.ndarray:
    """Round every entry like a hand calculation: half away from zero on the decimal a person
    sees, so 0.0005 -> 0.001 and 2.675 -> 2.68 although the float 2.675 is 2.67499999...
    Keeps the shape (a 0-d array stays 0-d); no negative zero."""
    x = np.asarray(values, dtype=float)
    scale = 10.0**decimals
    with np.errstate(over="ignore", invalid="ignore"):
        y = np.abs(x) * scale
        rounded = np.floor(y + 0.5 + np.minimum(_NOISE * np.maximum(1.0, y), _NOISE_CAP)) / scale
    # A number of 2^52 units of the last decimal or more has no digit beyond it to round
    # (and |x| × 10^decimals may overflow to inf although x is finite): it stays as it is.
    whole = ~(y < _WHOLE)
    rounded = np.where(whole, np.abs(x), rounded)
    # (infinities and NaN pass through unchanged); + 0.0 turns a negative zero into zero
    out = np.copysign(rounded, x) + 0.0
    return np.asarray(out, dtype=float).reshape(x.shape)


def round_half_up(value: float, decimals: int) -> float:
    """``round_array`` for one number."""
    return float(round_array(np.asarray(float(value)), decimals))
