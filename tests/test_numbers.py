"""Rounding as a person does it, against hand-written expectations."""

from __future__ import annotations

import numpy as np
import pytest

from rnntrace._internal.numbers import round_array, round_half_up, round_many
from rnntrace._internal.render import numfmt


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (0.0005, 3, 0.001),  # half rounds away from zero
        (-0.0005, 3, -0.001),
        (2.675, 2, 2.68),  # the float is 2.67499999..., but a person sees 2.675
        (0.30950700, 3, 0.310),
        (0.2636, 3, 0.264),
        (-0.0004, 3, 0.0),  # no negative zero
        (1.0, 0, 1.0),
        (123.4565, 3, 123.457),
        (0.015 * 0.7, 3, 0.011),  # stored as 0.010499999999999999; by hand 0.0105
        (-0.7 * 0.845, 3, -0.592),
    ],
)
def test_round_half_up(value, decimals, expected):
    result = round_half_up(value, decimals)
    assert result == expected
    assert str(result) != "-0.0"


def test_one_number_rounds_exactly_as_a_long_array_of_them():
    rng = np.random.default_rng(12)
    values = np.concatenate([
        rng.normal(scale=10.0, size=2000),
        np.round(rng.normal(size=2000), 4) + 0.00005,  # ties at the 4th decimal
        np.arange(-3000, 3000) / 2000,  # ties at the 3rd decimal
        [0.0, -0.0, 1e300, -1e300, 2.0**52, 4999694.9, 1e-320, np.inf, -np.inf, np.nan],
    ])  # fmt: skip
    for decimals in (0, 1, 2, 3, 4, 5, 12):
        rounded = round_many(values, decimals)
        np.testing.assert_array_equal(round_array(values, decimals), rounded)
        one_by_one = np.array([round_half_up(v, decimals) for v in values.tolist()])
        np.testing.assert_array_equal(one_by_one, rounded)
        assert not np.signbit(one_by_one[one_by_one == 0]).any()  # no negative zero


def test_round_array_keeps_shape():
    assert round_array(np.array(0.12345), 2).shape == ()
    np.testing.assert_array_equal(round_array(np.array([[0.125, -0.125]]), 2), [[0.13, -0.13]])


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (0.31, 3, "0.31"),
        (0.0678, 3, "0.0678"),
        (0.309507, 3, "0.310"),
        (-0.09, 3, "−0.09"),
        (-0.0000123, 3, "0.000"),
        (1.0, 3, "1"),
        (-1.5, 2, "−1.5"),
    ],
)
def test_numbers_print_exact_when_short_else_rounded(value, decimals, text):
    assert numfmt.number(value, decimals) == text


def test_signed_sum_writes_subtractions():
    assert numfmt.signed_sum([0.4, -0.09, 0.03], 3) == "0.4 − 0.09 + 0.03"
