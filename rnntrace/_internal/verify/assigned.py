"""Graders of assignment files: exactly the assignment's questions, points, tolerance and
number policy, whoever builds them (``rnntrace verify``, a variant's grading, the Gradescope
autograder)."""

from __future__ import annotations

from dataclasses import replace

from rnntrace._internal.assignment import Assignment
from rnntrace._internal.scenario.model import Scenario
from rnntrace._internal.verify.judge import Grader
from rnntrace._internal.verify.tolerance import Tolerance


def assignment_grader(
    assignment: Assignment, scenario: Scenario, carry: str | None = None
) -> Grader:
    """A grader of ``assignment`` (made from ``scenario``); ``carry`` overrides the chain
    answers are judged against (default: the sheet's)."""
    numbers = replace(
        scenario.numbers, decimals=assignment.decimals, round_terms=assignment.round_terms
    )
    grader = Grader(
        replace(scenario, numbers=numbers),
        Tolerance.from_data(assignment.tolerance),
        carry=carry or assignment.carry,
        questions=assignment.questions,
    )
    assignment.check(grader.expected)
    return grader
