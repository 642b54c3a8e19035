"""Tolerance rules at their boundaries: decided exactly on the digits the student wrote."""

from __future__ import annotations

from decimal import Decimal, localcontext

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnntrace._internal.verify.tolerance import Tolerance, ordinal


def accepts(tolerance: Tolerance, written: str, expected: float) -> bool:
    number = Decimal(written)
    result = tolerance.within(np.array([float(number)]), [number], np.array([expected]))
    return bool(result[0])


@pytest.mark.parametrize(
    "written, expected, ok",
    [
        ("0.50051", 0.5, True),  # exactly 0.51 units of the 3rd decimal: in (floats say no)
        ("0.50052", 0.5, False),
        ("0.49949", 0.5, True),
        ("0.49948", 0.5, False),
        ("-0.50051", -0.5, True),  # negative numbers
        ("-0.50052", -0.5, False),
        ("-0.49949", -0.5, True),
        ("0.00051", 0.0, True),  # zero expected
        ("-0.00051", 0.0, True),
        ("0.00052", 0.0, False),
        ("1.0000", 1.0, True),  # trailing zeros
        ("1", 1.0, True),
        ("0.402", 0.40197303950059, True),
    ],
)
def test_decimals_accepts_up_to_051_units_of_the_last_place(written, expected, ok):
    assert accepts(Tolerance.decimals(3), written, expected) is ok


def test_the_float_difference_alone_would_get_the_decimals_boundary_wrong():
    # why the comparison is exact: in floats 0.50051 - 0.5 exceeds 0.00051
    assert abs(0.50051 - 0.5) > 0.00051
    assert accepts(Tolerance.decimals(3), "0.50051", 0.5)


@pytest.mark.parametrize(
    "written, expected, ok",
    [
        ("0.40251", 0.402, True),  # 3 significant figures of 0.402: 0.51 units of 0.001
        ("0.40252", 0.402, False),
        ("12.351", 12.3, True),  # of 12.3: 0.51 units of 0.1
        ("12.352", 12.3, False),
        ("-0.0009770725", -(2.0**-10), True),  # of −0.000977 (exact in binary): of 1e-6
        ("-0.0009770726", -(2.0**-10), False),
        ("0", 0.0, True),  # zero matches zero
        ("0.000", 0.0, True),
        ("0.0001", 0.0, False),
        ("1.0000", 1.0, True),
        ("1.0051", 1.0, True),  # of 1.00: 0.51 units of 0.01
        ("1.0052", 1.0, False),
        ("100.51", 100.0, True),  # 100 is 1.00e2: the exponent of a power of ten is exact
        ("100.52", 100.0, False),
    ],
)
def test_sigfigs_accepts_up_to_051_units_of_the_nth_significant_digit(written, expected, ok):
    assert accepts(Tolerance.sigfigs(3), written, expected) is ok


@pytest.mark.parametrize(
    "written, expected, ok",
    [
        ("1.0101", 1.0, True),  # atol 0.0001 + rtol 0.01 x 1
        ("1.0102", 1.0, False),
        ("-2.0201", -2.0, True),
        ("-2.0202", -2.0, False),
        ("0.0001", 0.0, True),  # zero: the atol alone
        ("0.00011", 0.0, False),
        ("1.0000", 1.0, True),
    ],
)
def test_relative_accepts_atol_plus_rtol_times_expected(written, expected, ok):
    tolerance = Tolerance.relative(Decimal("0.01"), Decimal("0.0001"))
    assert accepts(tolerance, written, expected) is ok


def test_relative_atol_has_a_floor_so_that_zero_matches_float_noise():
    tolerance = Tolerance.relative(Decimal("0.01"), Decimal(0))
    assert tolerance.atol > 0
    assert accepts(tolerance, "0", 1e-17)  # 0.1 + 0.2 - 0.3 style noise in an exact zero


def test_an_unreadable_entry_is_never_within():
    tolerance = Tolerance.decimals(3)
    result = tolerance.within(np.array([np.nan]), [None], np.array([0.5]))
    assert not result[0]


def test_slack_widens_the_bound():
    tolerance = Tolerance.decimals(3)
    given_ = np.array([0.502])
    assert not tolerance.within(given_, [Decimal("0.502")], np.array([0.5]))[0]
    assert tolerance.within(given_, [Decimal("0.502")], np.array([0.5]), np.array([0.0015]))[0]


@pytest.mark.parametrize(
    "tolerance, words",
    [
        (Tolerance.decimals(3), "within 0.51 units of the 3rd decimal"),
        (Tolerance.decimals(3), "≤ 0.00051"),
        (Tolerance.sigfigs(2), "0.51 units of the 2nd significant digit"),
        (Tolerance.relative(Decimal("0.01"), Decimal("1e-6")), "≤ 0.000001 + 0.01 × |expected|"),
    ],
)
def test_every_rule_is_stated_in_words(tolerance, words):
    assert words in tolerance.rule()


@pytest.mark.parametrize("n, text", [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th")])
def test_ordinals(n, text):
    assert ordinal(n) == text


@given(
    st.integers(min_value=-(10**6), max_value=10**6),
    st.integers(min_value=0, max_value=6),
    st.integers(min_value=-60, max_value=60),
)
def test_decimals_boundary_is_exact_for_any_value(units, decimals, offset):
    # the float fast path and its boundary hand-off agree with the rule in exact decimals
    exact = Decimal(units).scaleb(-decimals)
    expected = float(exact)
    written = exact + Decimal(offset).scaleb(-decimals - 2)  # offset hundredths of a unit
    ok = accepts(Tolerance.decimals(decimals), str(written), expected)
    with localcontext() as ctx:
        ctx.prec = 200
        assert ok is (abs(written - Decimal(expected)) <= Decimal("0.51").scaleb(-decimals))
