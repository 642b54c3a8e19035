"""Grading students' answers against a trace: tolerance, error carried forward, reports."""

from rnntrace.verify.answer_files import read_answers
from rnntrace.verify.answers import Answer, AnswerSheet, parse_answers
from rnntrace.verify.grade import Grade, ItemGrade
from rnntrace.verify.judge import Grader
from rnntrace.verify.tolerance import Tolerance

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
