"""Rounding as a person does it: half away from zero, on the decimal digits they see."""

from __future__ import annotations

import math

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
_FEW = 32  # up to this many entries, rounding each as a Python float is the faster way


def round_array(values: np.ndarray, decimals: int) -> np.ndarray:
    """Round every entry like a hand calculation: half away from zero on the decimal a person
    sees, so 0.0005 -> 0.001 and 2.675 -> 2.68 although the float 2.675 is 2.67499999...
    Keeps the shape (a 0-d array stays 0-d); no negative zero."""
    x = np.asarray(values, dtype=float)
    if x.size <= _FEW:
        rounded = [round_half_up(v, decimals) for v in x.ravel().tolist()]
        return np.array(rounded, dtype=float).reshape(x.shape)
    return round_many(x, decimals)


def round_many(x: np.ndarray, decimals: int) -> np.ndarray:
    """:func:`round_array` with numpy's array operations (for arrays of many entries)."""
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
    """``round_array`` for one number: the operations of :func:`round_many` on a Python
    float (a printer rounds hundreds of single numbers; numpy takes ten times as long)."""
    x = float(value)
    scale = 10.0**decimals
    y = abs(x) * scale
    if y < _WHOLE:  # (not for inf and NaN, which pass through as in round_many)
        rounded = math.floor(y + 0.5 + min(_NOISE * max(1.0, y), _NOISE_CAP)) / scale
    else:
        rounded = abs(x)
    return math.copysign(rounded, x) + 0.0
