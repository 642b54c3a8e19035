"""Helpers of the grading tests: grade answers text with a grader, pick one quantity."""

from __future__ import annotations

from rnntrace._internal.verify import Grader, parse_answers
from rnntrace._internal.verify.grade import Grade, ItemGrade


def grade(grader: Grader, text: str) -> Grade:
    """Grade answers written as YAML text (named a.yaml in messages)."""
    return grader.grade(parse_answers(text, "a.yaml", grader.checkable, grader._order))


def item(result: Grade, key: str) -> ItemGrade:
    """The verdict on one quantity."""
    return next(i for i in result.items if i.key == key)
