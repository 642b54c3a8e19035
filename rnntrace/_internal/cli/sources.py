"""What `export`, `answers` and `verify` share: a scenario or an assignment file as the
source of the questions, and the tolerance options that grading uses."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from rnntrace._internal.errors import RnntraceError

if TYPE_CHECKING:
    from rnntrace._internal.assignment import Assignment
    from rnntrace._internal.scenario.model import Scenario

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Source:
    """A scenario, and the assignment file it was named by (None for a scenario file)."""

    scenario: Scenario
    assignment: Assignment | None
    scenario_file: Path  # the scenario's path (for an assignment: the one it names)
    scenario_text: str  # its text, as read and loaded

    def refuse(self, **given: object) -> None:
        """With an assignment file, options that would change its questions or grading are
        refused: it fixes them."""
        if self.assignment is None:
            return
        for option, value in given.items():
            if value not in (None, (), False):
                name = "--" + option.replace("_", "-")
                raise RnntraceError(
                    f"{name}: the assignment file {self.assignment.file} fixes the questions, "
                    "points, tolerance and grading; export it again to change them"
                )


def ask_patterns(values: Iterable[str]) -> list[str]:
    """The --ask patterns: each value split at commas and spaces."""
    return [part for value in values for part in value.replace(",", " ").split()]


def load_source(path: Path) -> Source:
    """Read a scenario file, or an assignment file and the scenario it names."""
    from rnntrace._internal.assignment import is_assignment, read_assignment
    from rnntrace._internal.scenario.load import parse_scenario, read_text

    text = read_text(path)
    if is_assignment(text):
        assignment, scenario_text = read_assignment(text, str(path))
        scenario = parse_scenario(scenario_text, str(assignment.scenario_file()))
        return Source(scenario, assignment, assignment.scenario_file(), scenario_text)
    return Source(parse_scenario(text, str(path)), None, path, text)


def _amount(ctx: click.Context, param: click.Parameter, value: str | None) -> Decimal | None:
    """A non-negative finite number, read exactly (for --rtol and --atol)."""
    if value is None:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise click.BadParameter(f"expected a number, found {value!r}") from None
    if not number.is_finite() or number < 0:
        raise click.BadParameter(f"expected a number of 0 or more, found {value!r}")
    return number


def tolerance_options(func: F) -> F:
    """--decimals, --sigfigs, --rtol and --atol: when a given number counts as right."""
    options = [
        click.option(
            "--decimals",
            type=click.IntRange(0, 12),
            metavar="N",
            help="Accept |given − expected| ≤ 0.51 units of the N-th decimal "
            "(default: the scenario's numbers.decimals).",
        ),
        click.option(
            "--sigfigs",
            type=click.IntRange(1, 15),
            metavar="N",
            help="Accept |given − expected| ≤ 0.51 units of the N-th significant digit.",
        ),
        click.option(
            "--rtol",
            callback=_amount,
            metavar="R",
            help="Accept |given − expected| ≤ atol + rtol·|expected|.",
        ),
        click.option(
            "--atol",
            callback=_amount,
            metavar="A",
            help="With --rtol (default 1e-6; at least 1e-12).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def points_option(func: F) -> F:
    """--points KEY=N,...: what questions are worth."""
    return click.option(
        "--points",
        metavar="KEY=N,...",
        help="Points per question by key or pattern ('dW_*=2,L=3'; the last match wins; "
        "default 1 a question, or the scenario's assignment.points).",
    )(func)
