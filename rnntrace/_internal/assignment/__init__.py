"""The assignment: the question list an instructor hands out, shared by the worksheet, its
key, the answers template, the fillable PDF and the grader.

``questions`` picks and numbers the questions (keys or patterns, display names too) and
gives them points; ``file`` writes and reads the assignment file that ``rnntrace export``
puts next to the worksheet, so that ``answers`` and ``verify`` use exactly its questions."""

from rnntrace._internal.assignment.file import (
    Assignment,
    is_assignment,
    read_assignment,
    write_assignment,
)
from rnntrace._internal.assignment.questions import (
    Question,
    field_name,
    parse_points,
    questions_for,
    select_steps,
)

__all__ = [
    "Assignment",
    "Question",
    "field_name",
    "is_assignment",
    "parse_points",
    "questions_for",
    "read_assignment",
    "select_steps",
    "write_assignment",
]
