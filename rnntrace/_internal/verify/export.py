"""Machine-readable reports: Gradescope's ``results.json`` shape, and a CSV gradebook."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from rnntrace._internal.symbol.label import label_text
from rnntrace._internal.verify.answers import Unknown
from rnntrace._internal.verify.batch import FileResult, scores
from rnntrace._internal.verify.grade import CORRECT, CREDIT, ENTRY_NAMES, WRONG, Grade, ItemGrade
from rnntrace._internal.verify.judge import Grader
from rnntrace._internal.verify.report import clean, difference_words, status_words, verdict_text
from rnntrace._internal.verify.template import fixed

FORMAT = "rnntrace-verify"
VERSION = 1
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may run as a formula


def safe_cell(text: str) -> str:
    """Text from a student's file (or its name) as a CSV cell a spreadsheet shows as text:
    control characters removed, and a quote before a leading ``= + - @``, tab or CR
    (OWASP's advice against CSV injection)."""
    text = clean(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _entries(item: ItemGrade) -> list[dict[str, Any]]:
    if not item.entries.size or item.answer is None:
        return []
    shape = item.step.shape
    own = item.own.ravel() if item.own is not None else None
    out = []
    for i, code in enumerate(item.entries.tolist()):
        index = list(np.unravel_index(i, shape)) if shape else []
        expected = float(item.expected[i])
        given = item.answer.written[i]
        entry: dict[str, Any] = {
            "index": [int(n) + 1 for n in index],
            "verdict": ENTRY_NAMES[code],
            "expected": expected,
            "given": item.answer.texts[i],
        }
        if given is not None:
            diff = float(given) - expected
            entry["difference"] = diff
            entry["relative_difference"] = diff / abs(expected) if expected else None
        if own is not None and code != CORRECT:
            entry["from_own_values"] = float(own[i])
        out.append(entry)
    return out


def item_data(item: ItemGrade, carried_credit: str) -> dict[str, Any]:
    """One quantity's verdict as plain data."""
    return {
        "key": item.key,
        "label": label_text(item.step),
        "shape": list(item.step.shape),
        "verdict": item.verdict,
        "summary": verdict_text(item),
        "sources": list(item.sources),
        "message": item.message,
        "no_credit": item.no_credit,
        "score": item.credit(CREDIT[carried_credit]),
        "entries": _entries(item),
    }


def _test_output(item: ItemGrade, summary: str, digits: int) -> str:
    """What a student reads under a test: the verdict, then each wrong entry's expected and
    given values and their difference, or what is wrong with the shape or a number."""
    parts = [summary]
    if item.message:
        parts.append(item.message)
    if item.answer is not None and item.entries.size:
        for i in np.flatnonzero(item.entries == WRONG).tolist():
            where = f"[{item.position(i)}] " if item.entries.size > 1 else ""
            parts.append(
                f"{where}expected {fixed(float(item.expected[i]), digits)}, "
                f"given {item.answer.texts[i]}, difference {difference_words(item, i, digits)}"
            )
    return "; ".join(parts)


def gradescope_result(
    grade: Grade, grader: Grader, carried_credit: str, unknown: Sequence[Unknown] = ()
) -> dict[str, Any]:
    """One file as Gradescope's ``results.json``: ``score``, ``output`` and one test per
    quantity (its points), with every entry's verdict under ``extra_data.rnntrace``;
    ``unknown`` are the keys of the file that are not quantities to answer."""
    strict, credit = scores(grade, carried_credit)
    counts = grade.counts()
    first = grade.first_mistake
    told = ", ".join(f"{n} {name}" for name, n in counts.items())
    output = (
        f"{len(grade.items)} quantities: {told}. Score {strict:.2f} strict, {credit:.2f} with "
        f"{carried_credit} credit for carried errors, of {grade.max_score:g}. "
        f"Tolerance: {grader.rule}."
    )
    if not grade.answered:
        output += " Nothing answered."
    elif first is not None:
        output += f" First mistake: {first.key}."
    if unknown:
        output += f" Not graded: {'; '.join(map(str, unknown))}."
    items = [item_data(item, carried_credit) for item in grade.items]
    tests = [
        {
            "name": f"{item.key}: {label_text(item.step)}",
            "score": grade.points_of(item, CREDIT[carried_credit]),
            "max_score": grade.points.get(item.key, 1.0),
            "status": "passed" if data["score"] == 1 else "failed",
            "output": _test_output(item, data["summary"], grader.decimals + 1),
            "visibility": "visible",
        }
        for item, data in zip(grade.items, items)
    ]
    return {
        "score": credit,
        "output": output,
        "tests": tests,
        "extra_data": {
            "rnntrace": {
                "format": FORMAT,
                "version": VERSION,
                "file": grade.file,
                "student": grade.student,
                "tolerance": grader.rule,
                "carried_credit": carried_credit,
                "score": credit,
                "strict_score": strict,
                "max_score": grade.max_score,
                "counts": dict(counts),
                "first_mistake": first.key if first else None,
                "ignored": list(grade.ignored),
                "unknown": [note._asdict() for note in unknown],
                "items": items,
            }
        },
    }


def json_report(
    results: Sequence[FileResult], grader: Grader, carried_credit: str, batch: bool
) -> str:
    """One file: its Gradescope result. Several: ``{"format", "version", "files": [...]}``
    with each file's result, or its error."""
    if not batch:
        grade = results[0].grade
        assert grade is not None
        result = gradescope_result(grade, grader, carried_credit, results[0].unknown)
        return json.dumps(result, indent=1) + "\n"
    files = [
        {"file": r.file, "error": r.error}
        if r.grade is None
        else {
            "file": r.file,
            "result": gradescope_result(r.grade, grader, carried_credit, r.unknown),
        }
        for r in results
    ]
    doc = {"format": FORMAT + "-batch", "version": VERSION, "files": files}
    return json.dumps(doc, indent=1) + "\n"


@lru_cache(maxsize=4096)  # a gradebook repeats the same few values (1, 0, 0.6667) a lot
def _points(value: float) -> str:
    """Points with at most 4 decimals, no trailing zeros: 1, 0.6667, 144.6667."""
    return f"{value:.4f}".rstrip("0").rstrip(".")


def csv_gradebook(
    results: Sequence[FileResult], grader: Grader, carried_credit: str
) -> Iterator[str]:
    """A gradebook: one row per file, one column per quantity (the points it earned, with
    ``carried_credit`` credit for carried errors), after the totals. The ``error`` column
    says why a file was not graded (its scores are empty) or what to look at in a graded one
    (nothing answered, unknown keys); the student is the file's name when it gives none.
    Text cells are made safe for spreadsheets (``safe_cell``)."""
    keys = [step.key for step in grader.asked]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["file", "student", "score", "strict_score", "max_score", "error", *keys])
    for result in results:
        grade = result.grade
        file = safe_cell(result.file)
        if grade is None:
            error = safe_cell(result.error or "")
            total = sum(q.points for q in grader.questions)
            writer.writerow([file, "", "", "", _points(total), error, *[""] * len(keys)])
            continue
        strict, credit = scores(grade, carried_credit)
        points = {item.key: grade.points_of(item, CREDIT[carried_credit]) for item in grade.items}
        flagged = result.unknown or result.flag or not grade.answered
        notes = status_words(result) if flagged else ""
        writer.writerow(
            [
                file,
                safe_cell(grade.student or Path(result.file).stem),
                _points(credit),
                _points(strict),
                _points(grade.max_score),
                safe_cell(notes),
                *[_points(points[k]) for k in keys],
            ]
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
