"""The terminal report: a rich table of verdicts for one file, a summary table for many."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.table import Table
from rich.text import Text

from rnntrace._internal.symbol.label import label_text
from rnntrace._internal.verify.answers import Unknown
from rnntrace._internal.verify.batch import FileResult
from rnntrace._internal.verify.grade import CARRIED, CORRECT, ENTRY_NAMES, WRONG, Grade, ItemGrade
from rnntrace._internal.verify.judge import Grader
from rnntrace._internal.verify.template import fixed

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
WIDE = 110  # narrower than this, expected and given share a column
MAX_NOTES = 5  # unknown keys listed under a report; the rest counted
# ANSI escape sequences, then control characters (C0, DEL, C1) and bidirectional overrides
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """Text from a student's file, fit to print: escape sequences, control characters and
    bidirectional overrides removed, line breaks and tabs made spaces."""
    text = _ANSI.sub("", text)
    return _CONTROL.sub(lambda m: " " if m.group() in "\t\n\r\x0b\x0c" else "", text)


def notes_text(unknown: Sequence[Unknown], limit: int = MAX_NOTES) -> str:
    """The keys that are not quantities to answer, in one line: ``line 2:1: s1.h_22: unknown
    key (did you mean 's1.h_2'?)``, the first ``limit`` of them, then how many more."""
    told = [clean(str(note)) for note in unknown[:limit]]
    if len(unknown) > limit:
        told.append(f"and {len(unknown) - limit} more")
    return "; ".join(told)


def number(value: float, digits: int) -> str:
    """``value`` with ``digits`` decimals and a real minus sign."""
    return fixed(value, digits, MINUS)


def _short(text: str, most: int = 24) -> str:
    """A given entry as the table shows it: at most ``most`` characters (a hostile file may
    write a number of thousands of digits; the message under the table says what it is)."""
    return text if len(text) <= most else text[: most - 1] + "\u2026"


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
    """The verdict of a quantity, naming the entries when they differ, the sources of a
    carried error and why it earns nothing when it does: ``carried error [1, 3] ← s1.h_2;
    wrong [2]``, ``wrong; no carried-error credit: s1.h_1 was all zeros``."""
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
    if item.no_credit:
        parts.append(f"no carried-error credit: {item.no_credit}")
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


def grade_table(
    grade: Grade, grader: Grader, *, carried_credit: str, unknown: Sequence[Unknown] = ()
) -> RenderableType:
    """One file's report: the table (laid out for the width it is printed at), the scores,
    the tolerance rule and the keys that are not quantities to answer."""
    lines = summary_lines(grade, grader, carried_credit=carried_credit)
    notes = [Text(f"Not graded: {clean(str(note))}", style="yellow") for note in unknown]
    return Group(_GradeTable(grade, grader.decimals + 1), *lines, *notes)


class _GradeTable:
    """The verdict table: five columns when wide, else expected over given in one column and
    the difference under the verdict, so that vectors stay on one line at 80 columns."""

    def __init__(self, grade: Grade, digits: int) -> None:
        self.grade, self.digits = grade, digits

    def __rich_console__(
        self, console: Console, options: ConsoleOptions
    ) -> Iterator[RenderableType]:
        wide = options.max_width >= WIDE
        problems = []  # narrow: what is wrong with a value, under the table at full width
        grade, digits = self.grade, self.digits
        first = grade.first_mistake
        title = Text(f"{clean(grade.name)}: {_quantities(len(grade.items))}")
        table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        columns = ("key", "verdict", "expected", "given", "difference") if wide else None
        for column in columns or ("key", "verdict", "expected / given"):
            table.add_column(column, overflow="fold")
        for item in grade.items:
            expected = array_text(
                [number(float(v), digits) for v in item.expected], item.step.shape
            )
            given = [_short(clean(text)) for text in item.answer.texts] if item.answer else []
            shape = item.step.shape if item.answer is None or item.entries.size else ()
            given_text = array_text(given, shape) if item.entries.size else ", ".join(given)
            verdict = Text(verdict_text(item), style=STYLES[item.verdict])
            difference = clean(difference_text(item, digits))
            if not wide and item.message and difference == clean(item.message):
                problems.append(Text(f"{item.key}: {difference}", style=STYLES[item.verdict]))
                difference = ""
            key = ("\u25b6 " if item is first else "") + item.key
            if wide:
                cells: list[str | Text] = [
                    key,
                    verdict,
                    expected,
                    Text(given_text),
                    Text(difference),
                ]
            else:
                verdict.append("\n" + difference if difference else "", style="default")
                values = Text(expected, style="dim")
                values.append("\n" + given_text if given_text else "", style="default")
                cells = [key, verdict, values]
            table.add_row(*cells, style="bold" if item is first else None)
        yield table
        yield from problems


def _quantities(count: int) -> str:
    return f"{count} quantit{'y' if count == 1 else 'ies'}"


def summary_lines(grade: Grade, grader: Grader, *, carried_credit: str) -> list[Text]:
    """The verdict counts, the first mistake, the scores and the tolerance rule."""
    from rnntrace._internal.verify.batch import scores

    counts = grade.counts()
    told = ", ".join(f"{counts[name]} {name}" for name in STYLES if counts[name])
    lines = [Text(f"{_quantities(len(grade.items))}: {told}")]
    first = grade.first_mistake
    if not grade.answered:
        lines.append(Text("Nothing answered: every value is empty.", style="bold red"))
    elif first is not None:
        lines.append(
            Text(f"First mistake: {first.key} ({label_text(first.step)})", style="bold red")
        )
    strict, credit = scores(grade, carried_credit)
    total = grade.max_score or 1
    line = f"Score: {strict:.2f} / {grade.max_score:g} strict ({strict / total:.1%})"
    if carried_credit != "none":
        line += (
            f"; {credit:.2f} / {grade.max_score:g} with {carried_credit} credit for carried "
            f"errors ({credit / total:.1%})"
        )
    lines.append(Text(line, style="bold"))
    lines.append(Text(f"Tolerance: {grader.rule}.", style="dim"))
    if grade.ignored:
        lines.append(Text(f"Not asked, ignored: {', '.join(grade.ignored)}", style="dim"))
    return lines


def status_words(result: FileResult, *, details: bool = True) -> str:
    """What a teacher should know about a file in one line: why it was not graded, or
    nothing answered, its first mistake or all correct, and (``details``) its unknown keys."""
    grade = result.grade
    if grade is None:
        return clean(result.error or "could not be graded") if details else "not graded"
    if not grade.answered:
        words = "nothing answered"
    elif grade.first_mistake is not None:
        words = f"first mistake: {grade.first_mistake.key}"
    else:
        words = "all correct" if grade.all_correct else "not all answered"
    if result.unknown:
        words += f"; not graded: {notes_text(result.unknown)}" if details else "; unknown keys"
    if result.flag:
        words += f"; check: {clean(result.flag)}" if details else "; check by hand"
    return words


def batch_table(results: Sequence[FileResult], grader: Grader, *, carried_credit: str) -> Group:
    """Many files: one row per file with its scores and counts; under it, why a file was
    not graded and the keys of a file that are not quantities to answer."""
    from rnntrace._internal.verify.batch import scores

    total = sum(grader.points.values()) if getattr(grader, "points", None) else len(grader.asked)
    title = f"{len(results)} answer files, scores out of {total:g}"
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("file", overflow="fold", ratio=3)
    table.add_column("student", overflow="fold", ratio=2)
    for column in ("score", "strict", "wrong", "carried", "missing"):
        table.add_column(column, no_wrap=True, justify="right")
    table.add_column("note", overflow="fold", ratio=3)
    names = [Path(result.file).name for result in results]
    if len(set(names)) < len(names):  # the same name in two folders: show the paths
        names = [result.file for result in results]
    details: list[Text] = []
    for name, result in zip(names, results):
        grade = result.grade
        note = Text(status_words(result, details=False), style="red" if grade is None else "")
        if grade is None or result.unknown or result.flag:
            why = status_words(result).removeprefix(clean(result.file) + ": ")
            details.append(Text(f"{clean(name)}: {why}", style="red" if grade is None else ""))
        if grade is None:
            table.add_row(Text(clean(name)), "", "", "", "", "", "", note)
            continue
        strict, credit = scores(grade, carried_credit)
        counts = grade.counts()
        table.add_row(
            Text(clean(name)),
            Text(clean(grade.student or Path(result.file).stem)),
            f"{credit:.2f}",
            f"{strict:.2f}",
            str(counts["wrong"] + counts["wrong shape"] + counts["unreadable"]),
            str(counts["carried error"]),
            str(counts["missing"]),
            note,
        )
    rule = Text(f"Tolerance: {grader.rule}.", style="dim")
    return Group(table, *details, rule)
