"""Grading each submission against its student's own variant (``rnntrace verify
MANIFEST``).

The student id is, in this order: the ``student`` field of the answers file or the PDF's
name field, else the file's name without its suffix (``s123.pdf`` is ``s123``). A
submission whose id is not in the manifest is not graded (its row says so); one whose
answers fit another student's variant better than its own is graded against its own and
flagged, naming the other, for a look by hand."""

from __future__ import annotations

from dataclasses import replace
from functools import cached_property
from pathlib import Path

from rnntrace._internal.errors import RnntraceError
from rnntrace._internal.variants.manifest import Manifest
from rnntrace._internal.verify.answers import AnswerSheet
from rnntrace._internal.verify.assigned import assignment_grader
from rnntrace._internal.verify.batch import FileResult
from rnntrace._internal.verify.judge import Grader


def student_of(sheet: AnswerSheet, path: Path) -> str:
    """The id a submission gives: its student field, else its file name's stem."""
    return (sheet.student or "").strip() or path.stem


def student_of_result(result: FileResult) -> str:
    """The id a graded submission gave."""
    assert result.grade is not None
    return (result.grade.student or "").strip() or Path(result.file).stem


class VariantGraders:
    """A grader for every variant of a manifest, made when first needed."""

    def __init__(self, manifest: Manifest, carry: str | None = None) -> None:
        self.manifest = manifest
        self.carry = carry
        self.entries = manifest.by_student()
        self._graders: dict[str, Grader] = {}
        self.claims: dict[str, list[str]] = {}  # student -> the files that claim them
        if not self.entries:
            raise RnntraceError(f"{manifest.file}: the manifest lists no variants")

    def grader(self, student: str) -> Grader:
        """The grader of ``student``'s variant."""
        if student not in self._graders:
            assignment, scenario = self.manifest.open(self.entries[student])
            self._graders[student] = assignment_grader(assignment, scenario, self.carry)
            self._credit = assignment.carried_credit
        return self._graders[student]

    @property
    def credit(self) -> str:
        """The carried-error credit the variants state (the same in all of them)."""
        self.grader(next(iter(self.entries)))  # made once; it reads the credit
        return self._credit

    @cached_property
    def first(self) -> Grader:
        """Any variant's grader: they share questions, keys and tolerance (for reports)."""
        return self.grader(next(iter(self.entries)))

    def grade_file(self, path: Path) -> FileResult:
        """Read ``path``, find its student's variant, grade it, and flag it when another
        variant fits it better."""
        sheet = self.first.read(path)
        student = student_of(sheet, path)
        if student not in self.entries:
            raise RnntraceError(
                f"{path}: student id {student!r} is not in the manifest (give it in the "
                "student field, or name the file after it)"
            )
        own = self.grader(student)
        flags = [self.better_fit(sheet, student)]
        if path.stem in self.entries and path.stem != student:  # the file says otherwise
            flags.append(f"its student field says {student!r}, its file name {path.stem!r}")
        self.claims.setdefault(student, []).append(path.name)
        flag = "; ".join(f for f in flags if f) or None
        return FileResult(str(path), own.grade(sheet), unknown=sheet.unknown, flag=flag)

    def flag_shared(self, results: list[FileResult]) -> list[FileResult]:
        """Flag every file whose student another file of the batch also claims (a student
        may write someone else's id to be graded against their variant)."""
        shared = {s: files for s, files in self.claims.items() if len(files) > 1}
        out = []
        for result in results:
            grade = result.grade
            student = student_of_result(result) if grade is not None else None
            if student in shared:
                note = f"{len(shared[student])} files claim student {student!r}"
                result = replace(result, flag="; ".join(f for f in (result.flag, note) if f))
            out.append(result)
        return out

    def better_fit(self, sheet: AnswerSheet, student: str) -> str | None:
        """Another student whose variant the answers fit better than their own, in words."""
        own = self.grader(student).agreement(sheet)
        best, fits = student, own
        for other in self.entries:
            if other != student:
                agreement = self.grader(other).agreement(sheet)
                if agreement > fits:
                    best, fits = other, agreement
        if best == student:
            return None
        return f"the answers fit the variant of {best!r} better than their own ({fits} vs {own})"
