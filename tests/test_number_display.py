"""How numbers are written: the displayed rounding is the answer key's (half away from
zero, on the decimal digits), and sums never write '+ −x'."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from click.testing import CliRunner
from hypothesis import example, given
from hypothesis import strategies as st

from rnntrace._internal.cli import cli
from rnntrace._internal.numbers import round_half_up
from rnntrace._internal.render import numfmt

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


TINY = str(ROOT / "tests" / "golden" / "tiny.yaml")  # carried rounded to 3 decimals


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, ["run", TINY, *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_carried_values_are_written_with_every_carried_decimal_in_every_printer() -> None:
    text = _run("--phase", "forward")
    # the products are not carried (written as they are), their sums are (0.170, not 0.17)
    assert "row 1: 0.3×0.5 + (−0.1)×(−0.2) = 0.15 + 0.02 = 0.170" in text
    assert "row 2: 0.2×0.1 + 0.4×0.4 = 0.02 + 0.16 = 0.180" in text
    assert "= [0.170, 0.020] + [0.000, 0.000] + [0.1, 0.0]" in text  # b as written
    assert "tanh(0.270) ≈ 0.264, tanh(0.020) ≈ 0.020" in text
    latex = _run("--phase", "forward", "--format", "latex")
    assert r"\begin{bmatrix} 0.15 + 0.02 \\ 0.1 - 0.08 \end{bmatrix} = " in latex
    assert r"= \begin{bmatrix} 0.170 \\ 0.020 \end{bmatrix}" in latex
    assert r"o_{2} &= V h_{2} + c = 0.030 + 0.05 = 0.080" in latex  # c = 0.05 as written
    assert r"\frac{1}{1 + e^{-0.080}}" in latex
    markdown = _run("--phase", "forward", "--format", "markdown")
    assert r"\tanh(0.270)" in markdown and r"\tanh(0.27)" not in markdown


def test_exact_carrying_keeps_the_short_form_and_the_given_data_as_written() -> None:
    text = _run("--phase", "forward", "--carry", "exact")
    assert "z_1 = U x_1 + W h_0 + b = [0.17, 0.02] + [0, 0] + [0.1, 0.0] = [0.27, 0.02]" in text
    latex = _run("--phase", "forward", "--carry", "exact", "--format", "latex")
    assert r"\tanh(0.27)" in latex and r"0.170" not in latex
