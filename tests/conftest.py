"""Shared test set-up.

Optional oracles: a test that needs PyTorch, pdflatex, pdftotext, ... calls
``require_torch()`` / ``require_executable(name)`` from ``tests/oracles.py`` (or uses the
``torch`` fixture below). When the oracle is missing the test is skipped with the reason;
with ``RNNTRACE_REQUIRE_ORACLES=1`` in the environment it fails instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:  # `import oracles` works whatever the import mode
    sys.path.insert(0, str(TESTS))

from oracles import REQUIRE_ENV, oracles_required, require_torch  # noqa: E402


def pytest_report_header(config: pytest.Config) -> str:
    mode = "required: missing ones FAIL" if oracles_required() else "optional: missing ones skip"
    return f"rnntrace oracles ({REQUIRE_ENV}): {mode}"


@pytest.fixture
def torch():
    """The torch module (skips, or fails under RNNTRACE_REQUIRE_ORACLES=1, when missing).

    A failure here is reported as a test *error*, which fails the run just the same."""
    return require_torch()


@pytest.fixture(scope="module")
def grader():
    """A grader of the sentiment scenario for every quantity, to 3 decimals."""
    from rnntrace._internal.scenario import load_scenario
    from rnntrace._internal.verify import Grader, Tolerance

    return Grader(load_scenario(TESTS.parent / "scenarios" / "sentiment.yaml"),
                  Tolerance.decimals(3), ask=["*"])  # fmt: skip


@pytest.fixture(scope="module")
def exact():
    """Every quantity of the sentiment scenario from the independent numpy reference."""
    from verify_reference import student_values

    return student_values()
