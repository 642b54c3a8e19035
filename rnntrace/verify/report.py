"""The terminal report: a rich table of verdicts for one file, a summary table for many."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from rnntrace.verify.batch import FileResult
from rnntrace.verify.grade import CARRIED, CORRECT, ENTRY_NAMES, WRONG, Grade, ItemGrade
from rnntrace.verify.judge import Grader
from rnntrace.verify.template import fixed

MINUS = "\u2212"
STYLES = {
    "correct": "green",
    "rounding drift": "green",
    "carried error": "yellow",
    "wrong": "red",
    "unreadable": "red",
    "wrong shape": "red",
    "missing": "dim",
}


def number(value: float, digits: int) -> str:
    """``value`` with ``digits`` decimals and a real minus sign."""
    return fixed(value, digits, MINUS)


def array_text(flat: Sequence[str], shape: tuple[int, ...]) -> str:
    """Entries as a bracketed vector, or matrix rows one per line."""
    if not shape:
        return flat[0] if flat else ""
    if len(shape) == 1 or len(flat) != int(np.prod(shape)):
        return "[" + ", ".join(flat) + "]"
    cols = shape[1]
    return "\n".join(
        "[" + ", ".join(flat[r * cols : (r + 1) * cols]) + "]" for r in range(shape[0])
    )


def verdict_text(item: ItemGrade) -> str:
    """The verdict of a quantity, naming the entries when they differ and the sources of a
    carried error: ``carried error [1, 3] ← s1.h_2; wrong [2]``."""
    if not item.entries.size:
        return item.verdict
    parts: list[str] = []
    for code in sorted(set(item.entries.tolist()), reverse=True):
        if code == CORRECT and parts:
            continue
        where = item.indices(code)
        part = ENTRY_NAMES[code]
        if len(where) < item.entries.size:
            part += f" [{'; '.join(where)}]"
        if code == CARRIED and item.sources:
            part += " \u2190 " + ", ".join(item.sources)
        parts.append(part)
    return "; ".join(parts)


def difference_words(item: ItemGrade, flat: int, digits: int) -> str:
    """given − expected of one entry, with the relative difference: ``+0.0996 (+16.3%)``."""
    assert item.answer is not None
    expected = float(item.expected[flat])
    diff = float(item.answer.numbers[flat]) - expected
    text = ("+" if diff >= 0 else "") + number(diff, digits)
    if expected != 0:
        text += f" ({diff / abs(expected):+.1%})".replace("-", MINUS)
    return text


def difference_text(item: ItemGrade, digits: int) -> str:
    """The difference of each wrong entry; or the message of a wrong shape or an unreadable
    entry. (A carried error or rounding drift is explained by its verdict.)"""
    if not item.entries.size or item.verdict == "unreadable":
        return item.message or ""
    lines = []
    for i in np.flatnonzero(item.entries == WRONG).tolist():
        where = f"[{item.position(i)}] " if item.entries.size > 1 else ""
        lines.append(where + difference_words(item, i, digits))
    return "\n".join(lines)


def grade_table(grade: Grade, grader: Grader, *, carried_credit: str) -> RenderableType:
    """One file's report: the table, the tolerance rule and the scores."""
    digits = grader.decimals + 1
    first = grade.first_mistake
    table = Table(
        title=f"{grade.name}: {len(grade.items)} quantities",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for column in ("key", "verdict", "expected", "given", "difference"):
        table.add_column(column, overflow="fold")
    for item in grade.items:
        expected = [number(float(v), digits) for v in item.expected]
        given = list(item.answer.texts) if item.answer else []
        shape = item.step.shape if item.answer is None or item.entries.size else ()
        marker = "\u25b6 " if item is first else ""
        table.add_row(
            marker + item.key,
            Text(verdict_text(item), style=STYLES[item.verdict]),
            array_text(expected, item.step.shape),
            array_text(given, shape) if item.entries.size else ", ".join(given),
            difference_text(item, digits),
            style="bold" if item is first else None,
        )
    return Group(table, *summary_lines(grade, grader, carried_credit=carried_credit))


def summary_lines(grade: Grade, grader: Grader, *, carried_credit: str) -> list[Text]:
    """The verdict counts, the first mistake, the scores and the tolerance rule."""
    from rnntrace.verify.batch import scores

    counts = grade.counts()
    told = ", ".join(f"{counts[name]} {name}" for name in STYLES if counts[name])
    lines = [Text(f"{grade.max_score} quantities: {told}")]
    first = grade.first_mistake
    if first is not None:
        lines.append(Text(f"First mistake: {first.key} ({first.step.label})", style="bold red"))
    strict, credit = scores(grade, carried_credit)
    total = grade.max_score or 1
    line = f"Score: {strict:.2f} / {grade.max_score} strict ({strict / total:.1%})"
    if carried_credit != "none":
        line += (
            f"; {credit:.2f} / {grade.max_score} with {carried_credit} credit for carried "
            f"errors ({credit / total:.1%})"
        )
    lines.append(Text(line, style="bold"))
    lines.append(Text(f"Tolerance: {grader.rule}.", style="dim"))
    if grade.ignored:
        lines.append(Text(f"Not asked, ignored: {', '.join(grade.ignored)}", style="dim"))
    return lines


def batch_table(results: Sequence[FileResult], grader: Grader, *, carried_credit: str) -> Group:
    """Many files: one row per file with its scores and counts, or its error."""
    from rnntrace.verify.batch import scores

    table = Table(title=f"{len(results)} answer files", title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("file", "student", "score", "strict", "wrong", "carried", "missing", "note"):
        table.add_column(column, overflow="fold")
    names = [Path(result.file).name for result in results]
    if len(set(names)) < len(names):  # the same name in two folders: show the paths
        names = [result.file for result in results]
    for name, result in zip(names, results):
        if result.grade is None:
            table.add_row(name, "", "", "", "", "", "", Text(result.error or "", "red"))
            continue
        grade = result.grade
        strict, credit = scores(grade, carried_credit)
        counts = grade.counts()
        first = grade.first_mistake
        table.add_row(
            name,
            grade.student or "",
            f"{credit:.2f} / {grade.max_score}",
            f"{strict:.2f}",
            str(counts["wrong"] + counts["wrong shape"] + counts["unreadable"]),
            str(counts["carried error"]),
            str(counts["missing"]),
            f"first mistake: {first.key}" if first else "all correct",
        )
    rule = Text(f"Tolerance: {grader.rule}.", style="dim")
    return Group(table, rule)
