"""Reading a student's answers file: YAML, one stable key per quantity, numbers as written.

The file is a mapping ``key: value``. A value is a number, a list of numbers or a list of
rows; empty means not answered. Numbers are read from the text the student wrote with
``decimal.Decimal`` (``0.10`` stays 0.10, ``1.0000`` stays exact), and the Unicode minus that
rnntrace prints (``−0.315``) reads as a minus. The optional key ``student`` names the
student in a gradebook.

A file is read only when it is a regular file (never through a link) within the size
limits; a filled PDF form is read by ``pdfform`` into the same AnswerSheet. A problem with
the file as a whole (not YAML, not a mapping, a duplicate key) raises a located
ScenarioError. A key that is not a quantity to answer is kept on the sheet (``unknown``)
and reported; a problem with one value (a word where a number should be, rows of different
lengths) is kept on that answer, with its line and column, and judged as ``unreadable`` or
``wrong shape``: the other answers are still graded.
"""

from __future__ import annotations

import math
import os
import re
import stat
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import numpy as np
import yaml

from rnntrace._internal.errors import ScenarioError
from rnntrace._internal.scenario.yamldoc import MAX_ARRAY_ENTRIES, YamlDoc, describe, suggest

STUDENT = "student"
# no exponent (so short ones are finite); one way to match a number (no backtracking)
_PLAIN_TEXT = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
_NUMBER = re.compile(_PLAIN_TEXT + r"(?:[eE][-+]?\d+)?")
_PLAINS = re.compile(f"(?:{_PLAIN_TEXT}\n)*{_PLAIN_TEXT}")  # several, one a line
_NULL = "tag:yaml.org,2002:null"
_NUMBER_TAGS = {"tag:yaml.org,2002:float", "tag:yaml.org,2002:int", "tag:yaml.org,2002:str"}
MAX_FILE_ENTRIES = 2_000_000  # numbers in one answers file (aliases can repeat a list)
MAX_YAML_BYTES = 2_000_000  # an answers file of the biggest scenario is a few hundred KB
MAX_PDF_BYTES = 20_000_000  # a filled worksheet is well under 1 MB
MAX_NUMBER_CHARS = 64  # a number as written; longer ones are unreadable
MAX_EXPONENT = 300  # 0.5e-300 to 9e300 as written (0e400 would overflow its half unit)
MAX_UNKNOWN_KEYS = 100  # more, and the file is not an answers file for this scenario
MAX_NAME_CHARS = 200


@dataclass(frozen=True)
class Answer:
    """One answered quantity: its numbers flat in row-major order, and where they are."""

    key: str
    line: int  # the page, for a PDF form
    col: int
    shape: tuple[int, ...] | None  # as written; None when the structure is not an array
    written: tuple[Decimal | None, ...]  # exact numbers as written, None where unreadable
    texts: tuple[str, ...]  # the text of each entry, as written
    numbers: np.ndarray  # floats, NaN where unreadable
    problems: dict[int, str] = field(default_factory=dict)  # entry -> "where: what"
    shape_problem: str | None = None  # what the structure is, when it is not an array

    @cached_property
    def half_units(self) -> np.ndarray:
        """Half a unit in the last place each entry was written to (0.0005 for 0.402,
        0.00005 for 1.0000): how far the number the student had may be from the one they
        wrote. NaN where unreadable."""
        return np.array(
            [
                np.nan if w is None else 0.5 * 10.0 ** int(w.as_tuple().exponent)
                for w in self.written
            ]
        )

    @property
    def readable(self) -> bool:
        """True when every entry is a number and the whole is an array."""
        return self.shape_problem is None and not self.problems


class Unknown(NamedTuple):
    """A key (or PDF field) that is not a quantity to answer: reported, not graded."""

    key: str
    where: str  # "line 2:1", or "field 's1:h_22/1' on page 2"
    reason: str  # "unknown key (did you mean 's1.h_2'?)"

    def __str__(self) -> str:
        return f"{self.where}: {self.key}: {self.reason}"


@dataclass(frozen=True)
class AnswerSheet:
    """A student's answers file: the answers by key, in file order."""

    file: str
    student: str | None
    answers: dict[str, Answer]
    blank: tuple[str, ...]  # keys present with no value
    unknown: tuple[Unknown, ...] = ()  # keys that are not quantities to answer


def read_number(text: str, found: str) -> tuple[Decimal | None, str | None]:
    """The number ``text`` is, as written (the Unicode minus reads as a minus), or None and
    what is wrong with it (``found`` describes the text in that message)."""
    plain = text.strip().replace("\u2212", "-")
    if len(plain) > MAX_NUMBER_CHARS:
        return None, f"expected a number, found {len(plain):,} characters"
    if not _NUMBER.fullmatch(plain):
        hint = " (write decimals with a point: 0.5)" if re.fullmatch(r"-?\d+,\d+", plain) else ""
        return None, f"expected a number, found {found}{hint}"
    number = Decimal(plain)
    if not math.isfinite(float(number)):
        return None, f"expected a finite number, found {plain!r}"
    if abs(int(number.as_tuple().exponent)) > MAX_EXPONENT:
        return None, f"expected a number with an exponent from -300 to 300, found {plain!r}"
    return number, None


def plain_numbers(texts: list[str]) -> tuple[tuple[Decimal, ...], np.ndarray] | None:
    """Numbers written plainly (``0.402``, ``-3``: no exponent, not too long), read in one
    go, exactly and as floats; None when any is not (``read_number`` says why)."""
    joined = "\n".join(texts)
    if (
        max(map(len, texts), default=0) > MAX_NUMBER_CHARS
        or joined.count("\n") != len(texts) - 1
        or not _PLAINS.fullmatch(joined)
    ):
        return None
    return tuple(map(Decimal, texts)), np.array(list(map(float, texts)))


def unknown_reason(key: str, checkable: Collection[str], known: Collection[str]) -> str:
    """Why ``key`` is not a quantity to answer, with a did-you-mean."""
    if key in known:
        return "is given in the scenario, not a quantity to compute"
    prefixed = sorted(k for k in checkable if k.endswith("." + key))  # checkable: a set
    if prefixed:
        starts = ", ".join(prefixed)
        return f"unknown key; with several sequences a key starts with its sequence: {starts}"
    return "unknown key" + suggest(key, checkable)


def read_submission(path: str | Path) -> bytes:
    """The bytes of a submitted file, which must be a regular file, not a link (never
    followed), of at most MAX_PDF_BYTES; raises ScenarioError saying why it was refused."""
    file = str(path)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        if os.path.islink(path):  # O_NOFOLLOW says the same (ELOOP); this is for its words
            raise ScenarioError("is a symbolic link; refused (submit the file itself)", file=file)
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ScenarioError("no such file", file=file) from None
    except OSError as exc:
        raise ScenarioError(f"cannot open: {exc.strerror}; refused", file=file) from None
    try:
        kind = os.fstat(fd).st_mode  # of the file opened: no race with a swapped path
        if not stat.S_ISREG(kind):
            raise ScenarioError(f"is {_kind(kind)}, not a regular file; refused", file=file)
        with os.fdopen(os.dup(fd), "rb") as stream:
            data = stream.read(MAX_PDF_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(f"cannot read: {exc.strerror}", file=file) from None
    finally:
        os.close(fd)
    if len(data) > MAX_PDF_BYTES or (len(data) > MAX_YAML_BYTES and not data.startswith(b"%PDF-")):
        limit = "20 MB for a PDF" if data.startswith(b"%PDF-") else "2 MB for YAML"
        raise ScenarioError(f"is larger than the limit of {limit}; refused", file=file)
    return data


def _kind(mode: int) -> str:
    for test, words in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
    ):
        if test(mode):
            return words
    return "not a regular file"


def parse_answers(
    text: str, file: str, checkable: Collection[str], known: Collection[str]
) -> AnswerSheet:
    """Read answers from ``text``; ``file`` names it in messages."""
    if all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
        raise ScenarioError(
            "the file is empty; expected answers as 'key: value' lines "
            "(rnntrace answers SCENARIO writes a template)",
            file=file,
            line=1,
            col=1,
        )
    doc = YamlDoc(text, file)
    student = None
    answers: dict[str, Answer] = {}
    blank: list[str] = []
    unknown: list[Unknown] = []
    count = 0
    if not isinstance(checkable, (set, frozenset, dict)):
        checkable = set(checkable)  # looked up once a key
    for key, (key_node, value_node) in doc.mapping(doc.root, "").items():
        if key == STUDENT:
            student = _name(doc, value_node)
        elif key not in checkable:
            unknown.append(Unknown(key, _where(key_node), unknown_reason(key, checkable, known)))
            if len(unknown) > MAX_UNKNOWN_KEYS:
                why = f"more than {MAX_UNKNOWN_KEYS} unknown keys: not answers to this scenario"
                doc.fail(key_node, key, why)
        elif isinstance(value_node, yaml.ScalarNode) and value_node.tag == _NULL:
            blank.append(canonical(checkable, key))
        else:
            key = canonical(checkable, key)
            answers[key] = _answer(doc, key, value_node)
            count += answers[key].numbers.size
            if count > MAX_FILE_ENTRIES:
                doc.fail(value_node, key, f"the file holds more than {MAX_FILE_ENTRIES:,} numbers")
    return AnswerSheet(file, student, answers, tuple(blank), tuple(unknown))


def canonical(checkable: Collection[str], key: str) -> str:
    """The key a name stands for: itself, or what a mapping of names says (``dW_ho`` is
    ``dW_hy`` when the sheet writes W_hy as W_ho)."""
    return checkable[key] if isinstance(checkable, Mapping) else key


def student_name(text: str) -> str | None:
    """A student's name as given, on one line and at most MAX_NAME_CHARS long; None if empty."""
    name = " ".join(text.split())
    return (name[: MAX_NAME_CHARS - 1] + "\u2026" if len(name) > MAX_NAME_CHARS else name) or None


def _name(doc: YamlDoc, node: yaml.Node) -> str | None:
    """The ``student:`` value: a name, or several (a group) as a list of names."""
    if isinstance(node, yaml.ScalarNode):
        return None if node.tag == _NULL else student_name(doc.text(node, STUDENT))
    names = doc.sequence(node, STUDENT, "a name or a list of names")
    return student_name(", ".join(doc.text(item, STUDENT, "a name") for item in names[:20]))


def _where(node: yaml.Node) -> str:
    return f"line {node.start_mark.line + 1}:{node.start_mark.column + 1}"


def _number(doc: YamlDoc, node: yaml.Node, path: str) -> tuple[Decimal | None, str, str | None]:
    """An entry: (the number or None, its text, the problem if it is not a number)."""
    if isinstance(node, yaml.ScalarNode) and node.tag in _NUMBER_TAGS:
        text = node.value  # the common case, checked quickly
    elif not isinstance(node, yaml.ScalarNode):
        what = "a mapping" if isinstance(node, yaml.MappingNode) else describe(node)
        return None, "?", f"{_where(node)}: expected a number, found {what}"
    else:
        text = doc.text(node, path)  # refuses tags that are not plain YAML
    if node.tag == _NULL:
        return None, "", f"{_where(node)}: expected a number, found nothing (empty)"
    number, problem = read_number(text, describe(node))
    return number, text, None if problem is None else f"{_where(node)}: {problem}"


def _cells(
    doc: YamlDoc, key: str, node: yaml.Node
) -> tuple[list[yaml.Node], tuple[int, ...] | None, str | None]:
    """The entry nodes of an answer in row-major order, its shape as written, and what is
    wrong with its structure (then the shape is None)."""
    if not isinstance(node, yaml.SequenceNode):  # a number, or a mapping: unreadable
        return [node], (), None
    items = doc.sequence(node, key)
    rows = [item for item in items if isinstance(item, yaml.SequenceNode)]
    if not items:
        return [], None, "an empty list"
    if not rows:
        return items, (len(items),), None
    if len(rows) < len(items):
        return [], None, "a list that mixes numbers and rows"
    lengths = [len(doc.sequence(row, key)) for row in rows]
    if sum(lengths) > MAX_ARRAY_ENTRIES:
        return [], None, f"more than {MAX_ARRAY_ENTRIES:,} numbers"
    cells = [cell for row in rows for cell in row.value]
    if any(isinstance(cell, yaml.SequenceNode) for cell in cells):
        return [], None, "lists nested three deep"
    if len(set(lengths)) > 1:
        return [], None, f"rows of different lengths ({', '.join(map(str, lengths))})"
    return cells, (len(rows), lengths[0]), None


def _answer(doc: YamlDoc, key: str, node: yaml.Node) -> Answer:
    """The numbers of one answer, its shape, and any problems, without raising."""
    cells, shape, shape_problem = _cells(doc, key, node)
    line, col = node.start_mark.line + 1, node.start_mark.column + 1
    texts = [cell.value for cell in cells if isinstance(cell, yaml.ScalarNode)]
    plain = (
        plain_numbers(texts)
        if len(texts) == len(cells) and all(cell.tag in _NUMBER_TAGS for cell in cells)
        else None
    )
    if plain is not None:  # the common case: plain numbers, read in one go
        exact, numbers = plain
        return Answer(key, line, col, shape, exact, tuple(texts), numbers, {}, shape_problem)
    entries = [_number(doc, cell, key) for cell in cells]
    problems = {i: problem for i, (_, _, problem) in enumerate(entries) if problem}
    written = tuple(number for number, _, _ in entries)
    numbers = np.array([np.nan if w is None else float(w) for w in written], dtype=float)
    texts = [text for _, text, _ in entries]
    return Answer(key, line, col, shape, written, tuple(texts), numbers, problems, shape_problem)
