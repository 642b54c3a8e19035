"""Grading many answer files: a malformed file is one row with its error, not a stop."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rnntrace.errors import RnntraceError
from rnntrace.verify.grade import CREDIT, Grade
from rnntrace.verify.judge import Grader

ANSWER_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class FileResult:
    """One answers file: its grade, or the one-line error that kept it from being graded."""

    file: str
    grade: Grade | None = None
    error: str | None = None


def answer_files(paths: Iterable[Path]) -> list[Path]:
    """The answer files named: files as given, folders as their ``*.yaml``/``*.yml`` files
    (not recursive), sorted by name. Raises RnntraceError for a folder with none."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in ANSWER_SUFFIXES and p.is_file())
            if not found:
                raise RnntraceError(f"{path}: folder has no .yaml or .yml answer files")
            out.extend(found)
        else:
            out.append(path)
    return out


def grade_files(
    grader: Grader, paths: Sequence[Path], advance: Callable[[], None] | None = None
) -> list[FileResult]:
    """Grade each file; ``advance`` is called after each (for a progress bar).

    The cyclic garbage collector is paused meanwhile: grades hold many small objects and
    none of them in cycles, so its passes would only rescan them (half the time of a large
    batch); plain reference counting still frees everything that is dropped."""
    results = []
    paused = gc.isenabled()
    gc.disable()
    try:
        for path in paths:
            try:
                results.append(FileResult(str(path), grader.grade(grader.read(path))))
            except RnntraceError as exc:
                results.append(FileResult(str(path), error=str(exc)))
            if advance is not None:
                advance()
    finally:
        if paused:
            gc.enable()
    return results


def scores(grade: Grade, carried_credit: str) -> tuple[float, float]:
    """The strict score (no credit for carried errors) and the score with
    ``carried_credit`` (full, half or none) credit for them."""
    return grade.score(0.0), grade.score(CREDIT[carried_credit])
