"""Grading many answer files: each file in isolation, a file that cannot be graded is one
row with its reason, never a stop."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from rnntrace._internal.errors import RnntraceError
from rnntrace._internal.verify.answers import Unknown
from rnntrace._internal.verify.grade import CREDIT, Grade
from rnntrace._internal.verify.judge import Grader

ANSWER_SUFFIXES = (".yaml", ".yml", ".pdf")


@dataclass(frozen=True)
class FileResult:
    """One answers file: its grade and the keys it gives that are not quantities to answer,
    or the one-line reason it could not be graded."""

    file: str
    grade: Grade | None = None
    error: str | None = None
    unknown: tuple[Unknown, ...] = ()
    flag: str | None = None  # something to check by hand (a variant that fits better)


class FileGrader(Protocol):
    """Grades one file its own way (each student against their variant)."""

    def grade_file(self, path: Path) -> FileResult:
        """Read and grade ``path``; raises for a file that cannot be graded."""


def answer_files(paths: Iterable[Path]) -> list[Path]:
    """The answer files named: files as given, folders (not links to them) as their
    ``*.yaml``/``*.yml``/``*.pdf`` entries of any kind (not recursive), sorted by name; an
    entry that is not a regular file is refused when it is read, in its own row. Raises
    RnntraceError for a folder with none."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            with os.scandir(path) as entries:  # never follows a link, never opens an entry
                names = [e.name for e in entries if e.name.lower().endswith(ANSWER_SUFFIXES)]
            if not names:
                raise RnntraceError(f"{path}: folder has no .yaml or .yml answer files, nor .pdf")
            out.extend(path / name for name in sorted(names))
        else:
            out.append(path)
    return out


def grade_one(grader: Grader | FileGrader, path: Path) -> FileResult:
    """Read and grade one file; any failure, even an unforeseen one, is its one-line reason."""
    try:
        if not isinstance(grader, Grader):
            return grader.grade_file(path)
        sheet = grader.read(path)
        return FileResult(str(path), grader.grade(sheet), unknown=sheet.unknown)
    except RnntraceError as exc:
        return FileResult(str(path), error=str(exc))
    except RecursionError:
        return FileResult(str(path), error=f"{path}: nested too deeply to read; refused")
    except MemoryError:
        return FileResult(str(path), error=f"{path}: too large to read in memory; refused")
    except Exception as exc:  # noqa: BLE001 - one file must never stop the others
        what = " ".join(str(exc).split())[:200]
        return FileResult(
            str(path), error=f"{path}: could not be graded ({type(exc).__name__}: {what})"
        )


def grade_files(
    grader: Grader | FileGrader,
    paths: Sequence[Path],
    advance: Callable[[], None] | None = None,
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
            results.append(grade_one(grader, path))
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
