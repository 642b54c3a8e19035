"""Reading a student's answers file: YAML, one stable key per quantity, numbers as written.

The file is a mapping ``key: value``. A value is a number, a list of numbers or a list of
rows; empty means not answered. Numbers are read from the text the student wrote with
``decimal.Decimal`` (``0.10`` stays 0.10, ``1.0000`` stays exact), and the Unicode minus that
rnntrace prints (``−0.315``) reads as a minus. The optional key ``student`` names the
student in a gradebook.

A problem with the file as a whole (not YAML, not a mapping, an unknown or duplicate key)
raises a located ScenarioError: it is bad input. A problem with one value (a word where a
number should be, rows of different lengths) is kept on that answer, with its line and
column, and judged as ``unreadable`` or ``wrong shape``: the other answers are still graded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path

import numpy as np
import yaml

from rnntrace.errors import ScenarioError
from rnntrace.scenario.load import read_text
from rnntrace.scenario.yamldoc import MAX_ARRAY_ENTRIES, YamlDoc, describe, suggest

STUDENT = "student"
_NUMBER_TEXT = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_NUMBER = re.compile(_NUMBER_TEXT)
_NUMBERS = re.compile(f"(?:{_NUMBER_TEXT}\n)*{_NUMBER_TEXT}")  # several, one a line
_NULL = "tag:yaml.org,2002:null"
_NUMBER_TAGS = {"tag:yaml.org,2002:float", "tag:yaml.org,2002:int", "tag:yaml.org,2002:str"}
MAX_FILE_ENTRIES = 2_000_000  # numbers in one answers file (aliases can repeat a list)


@dataclass(frozen=True)
class Answer:
    """One answered quantity: its numbers flat in row-major order, and where they are."""

    key: str
    line: int
    col: int
    shape: tuple[int, ...] | None  # as written; None when the structure is not an array
    written: tuple[Decimal | None, ...]  # exact numbers as written, None where unreadable
    texts: tuple[str, ...]  # the text of each entry, as written
    numbers: np.ndarray  # floats, NaN where unreadable
    problems: dict[int, str] = field(default_factory=dict)  # entry -> "line:col: what"
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


@dataclass(frozen=True)
class AnswerSheet:
    """A student's answers file: the answers by key, in file order."""

    file: str
    student: str | None
    answers: dict[str, Answer]
    blank: tuple[str, ...]  # keys present with no value


def read_answers(
    path: str | Path, checkable: Collection[str], known: Collection[str]
) -> AnswerSheet:
    """Read an answers file; ``checkable`` keys may be answered, ``known`` are all the trace's
    keys (a known key that is not checkable is given data). Raises ScenarioError."""
    text = read_text(path, "an answers file")
    return parse_answers(text, str(path), checkable, known)


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
    entries = doc.mapping(doc.root, "")
    student = None
    answers: dict[str, Answer] = {}
    blank: list[str] = []
    count = 0
    for key, (key_node, value_node) in entries.items():
        if key == STUDENT:
            student = None if value_node.tag == _NULL else doc.text(value_node, key).strip()
            continue
        if key not in checkable:
            if key in known:
                doc.fail(key_node, key, "is given in the scenario, not a quantity to compute")
            prefixed = [k for k in checkable if k.endswith("." + key)]
            if prefixed:
                doc.fail(
                    key_node,
                    key,
                    "unknown key; with several sequences a key starts with its sequence: "
                    + ", ".join(prefixed),
                )
            doc.fail(key_node, key, "unknown key" + suggest(key, checkable))
        if isinstance(value_node, yaml.ScalarNode) and value_node.tag == _NULL:
            blank.append(key)
            continue
        answers[key] = _answer(doc, key, value_node)
        count += answers[key].numbers.size
        if count > MAX_FILE_ENTRIES:
            doc.fail(value_node, key, f"the file holds more than {MAX_FILE_ENTRIES:,} numbers")
    return AnswerSheet(file, student or None, answers, tuple(blank))


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
    plain = text.strip().replace("\u2212", "-")
    if node.tag == _NULL:
        return None, "", f"{_where(node)}: expected a number, found nothing (empty)"
    if not _NUMBER.fullmatch(plain):
        hint = " (write decimals with a point: 0.5)" if re.fullmatch(r"-?\d+,\d+", plain) else ""
        return None, text, f"{_where(node)}: expected a number, found {describe(node)}{hint}"
    number = Decimal(plain)
    if not np.isfinite(float(number)):
        return None, text, f"{_where(node)}: expected a finite number, found {text!r}"
    return number, text, None


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
    joined = "\n".join(texts)
    if (
        len(texts) == len(cells)
        and all(cell.tag in _NUMBER_TAGS for cell in cells)
        and joined.count("\n") == len(texts) - 1
        and _NUMBERS.fullmatch(joined)
    ):  # the common case: plain numbers, read in one go
        floats = list(map(float, texts))
        if all(map(math.isfinite, floats)):
            exact = tuple(map(Decimal, texts))
            numbers = np.array(floats)
            return Answer(key, line, col, shape, exact, tuple(texts), numbers, {}, shape_problem)
    entries = [_number(doc, cell, key) for cell in cells]
    problems = {i: problem for i, (_, _, problem) in enumerate(entries) if problem}
    written = tuple(number for number, _, _ in entries)
    numbers = np.array([np.nan if w is None else float(w) for w in written], dtype=float)
    texts = [text for _, text, _ in entries]
    return Answer(key, line, col, shape, written, tuple(texts), numbers, problems, shape_problem)
