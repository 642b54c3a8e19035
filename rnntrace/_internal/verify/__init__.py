"""Grading students' answers against a trace: tolerance, error carried forward, reports."""

from rnntrace._internal.verify.answer_files import read_answers
from rnntrace._internal.verify.answers import Answer, AnswerSheet, parse_answers
from rnntrace._internal.verify.grade import Grade, ItemGrade
from rnntrace._internal.verify.judge import Grader
from rnntrace._internal.verify.tolerance import Tolerance

__all__ = [
    "Answer",
    "AnswerSheet",
    "Grade",
    "Grader",
    "ItemGrade",
    "Tolerance",
    "parse_answers",
    "read_answers",
]
