"""How numbers are written: the displayed rounding is the answer key's (half away from
zero, on the decimal digits), and sums never write '+ −x'."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from click.testing import CliRunner
from hypothesis import example, given
from hypothesis import strategies as st

from rnntrace.cli import cli
from rnntrace.numbers import round_half_up
from rnntrace.render import numfmt

ROOT = Path(__file__).resolve().parent.parent


@given(st.integers(-(10**9), 10**9), st.integers(1, 6), st.integers(0, 5))
@example(units=49996949, places=1, shown=5)  # the allowance for float noise was too wide
def test_fixed_rounds_halves_away_from_zero_like_the_key(units: int, places: int, shown: int):
    text = str(Decimal(units).scaleb(-places))  # e.g. 0.125: a number as written
    expected = Decimal(text).quantize(Decimal(1).scaleb(-shown), rounding=ROUND_HALF_UP)
    written = numfmt.fixed(float(text), shown, minus="-")
    assert Decimal(written) == expected, (text, shown, written)
    assert float(written) == round_half_up(float(text), shown)  # the same rule as the key


def test_a_half_shows_as_the_key_has_it() -> None:
    assert numfmt.fixed(0.125, 2) == "0.13" and numfmt.fixed(-0.125, 2) == "\u22120.13"
    assert numfmt.fixed(2.675, 2) == "2.68"


def test_join_signed_writes_negative_terms_with_a_minus() -> None:
    m = numfmt.MINUS
    assert numfmt.join_signed(["0.2", f"{m}0.0459", "0"]) == f"0.2 {m} 0.0459 + 0"
    assert numfmt.join_signed(["[0.1, 0.2]", f"[{m}0.3, 0.4]"]) == f"[0.1, 0.2] + [{m}0.3, 0.4]"


def test_no_bundled_worked_solution_writes_plus_minus() -> None:
    runner = CliRunner()
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        for fmt in ("text", "latex"):
            out = runner.invoke(cli, ["run", str(path), "--format", fmt]).stdout
            assert not re.search(r"\+ [\u2212-]\d", out), (path.name, fmt)
