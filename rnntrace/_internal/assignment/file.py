"""The assignment file: the question list of one worksheet, written by ``rnntrace export``
beside the worksheet and its key, and read by ``rnntrace answers`` and ``rnntrace verify``
in place of the scenario.

It names the scenario it was made from (its path, relative to the assignment file, and the
SHA-256 of its bytes: a scenario changed since is refused), the number policy of the sheet,
the tolerance rule and carried-error credit of the grading, and the questions in sheet
order with their numbers, keys, display symbols, shapes, points and labels. Format
``rnntrace-assignment``, version 1 (docs/assignment.md); fields may be added, never
renamed or changed in meaning."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from rnntrace._internal.assignment.questions import Question
from rnntrace._internal.errors import RnntraceError, ScenarioError
from rnntrace._internal.scenario.yamldoc import YamlDoc
from rnntrace._internal.trace import Trace

FORMAT = "rnntrace-assignment"
VERSION = 1
_TOLERANCE_RULES = ("decimals", "sigfigs", "relative")
_CREDIT = ("full", "half", "none")


@dataclass(frozen=True)
class Assignment:
    """An assignment file's contents. ``tolerance`` is ``{"rule": "decimals", "digits": 3}``,
    ``{"rule": "sigfigs", "digits": n}`` or ``{"rule": "relative", "rtol": "…", "atol":
    "…"}`` (exact decimal text)."""

    file: str
    title: str
    scenario_path: str  # as written: relative to the assignment file's folder
    scenario_sha256: str
    decimals: int
    carry: str  # the sheet's chain: exact | rounded; also what answers are judged against
    round_terms: bool
    tolerance: dict[str, Any]
    carried_credit: str
    questions: tuple[Question, ...]

    @property
    def total_points(self) -> float:
        """The points of all questions."""
        return sum(q.points for q in self.questions)

    def scenario_file(self) -> Path:
        """Where the scenario is: its path, relative to the assignment file's folder."""
        path = Path(self.scenario_path)
        return path if path.is_absolute() else Path(self.file).parent / path

    def check(self, trace: Trace) -> None:
        """Every question is still a quantity of ``trace``, of the same shape."""
        for q in self.questions:
            if q.key not in trace or trace[q.key].shape != q.shape:
                raise RnntraceError(
                    f"{self.file}: question {q.number} ({q.key}) is not a quantity of "
                    f"{self.scenario_path} as it is now; export the assignment again"
                )


def sha256(data: bytes) -> str:
    """The hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def format_line(name: str) -> re.Pattern[str]:
    """The ``format: NAME`` line that tells an rnntrace file's kind from its text."""
    return re.compile(rf"^format:\s*[\"']?{re.escape(name)}[\"']?\s*$", re.MULTILINE)


_HEAD = format_line(FORMAT)


def is_assignment(text: str) -> bool:
    """True when ``text`` is an assignment file (its ``format:`` line says so)."""
    return _HEAD.search(text) is not None


def yaml_string(text: str) -> str:
    """``text`` as a YAML double-quoted string (a JSON string is one)."""
    return json.dumps(text, ensure_ascii=False)


def write_assignment(a: Assignment) -> Iterator[str]:
    """The lines of the assignment file."""
    yield "# An rnntrace assignment: the questions of one worksheet, their points and how\n"
    yield "# they are graded. Give it to `rnntrace answers` and `rnntrace verify` in place of\n"
    yield "# the scenario. Written by `rnntrace export`: export again rather than edit it.\n"
    yield f"format: {FORMAT}\nversion: {VERSION}\ntitle: {yaml_string(a.title)}\n"
    yield f"scenario:\n  path: {yaml_string(a.scenario_path)}\n  sha256: {a.scenario_sha256}\n"
    yield (
        f"numbers: {{decimals: {a.decimals}, carry: {a.carry}, "
        f"round_terms: {str(a.round_terms).lower()}}}\n"
    )
    rule = ", ".join(
        f"{k}: {yaml_string(v) if isinstance(v, str) else v}" for k, v in a.tolerance.items()
    )
    yield f"tolerance: {{{rule}}}\ncarried_credit: {a.carried_credit}\n"
    yield f"total_points: {a.total_points:g}\nquestions:\n"
    for q in a.questions:
        shape = "[" + ", ".join(map(str, q.shape)) + "]"
        number, key, symbol = yaml_string(q.number), yaml_string(q.key), yaml_string(q.symbol)
        sequence = "null" if q.sequence is None else q.sequence
        yield (
            f"  - {{number: {number}, key: {key}, points: {q.points:g}, shape: {shape}, "
            f"symbol: {symbol}, phase: {q.phase}, sequence: {sequence}, "
            f"label: {yaml_string(q.label)}}}\n"
        )


class _Reader:
    """Validates an assignment file, with file:line:col in every message."""

    def __init__(self, text: str, file: str) -> None:
        self.doc = YamlDoc(text, file)
        self.file = file

    def read(self) -> Assignment:
        doc = self.doc
        allowed = [
            "format",
            "version",
            "title",
            "scenario",
            "numbers",
            "tolerance",
            "carried_credit",
            "total_points",
            "questions",
        ]
        top = doc.mapping(doc.root, "", allowed)
        for need in ("format", "version", "scenario", "numbers", "tolerance", "questions"):
            if need not in top:
                doc.fail(doc.root, need, "missing: is this an assignment file?")
        if doc.text(top["format"][1], "format") != FORMAT:
            doc.fail(top["format"][1], "format", f"expected {FORMAT}")
        if doc.scalar(top["version"][1], "version") != VERSION:
            doc.fail(top["version"][1], "version", f"expected {VERSION}; a newer rnntrace?")
        scenario = doc.mapping(top["scenario"][1], "scenario", ["path", "sha256"])
        numbers = doc.mapping(top["numbers"][1], "numbers", ["decimals", "carry", "round_terms"])
        return Assignment(
            file=self.file,
            title=doc.text(top["title"][1], "title") if "title" in top else "",
            scenario_path=self._text(scenario, "scenario", "path"),
            scenario_sha256=self._hash(scenario),
            decimals=self._int(numbers, "numbers.decimals", 0, 12),
            carry=self._choice(numbers, "numbers", "carry", ("exact", "rounded")),
            round_terms=doc.boolean(numbers["round_terms"][1], "numbers.round_terms")
            if "round_terms" in numbers
            else False,
            tolerance=self._tolerance(top["tolerance"][1]),
            carried_credit=self._choice(top, "", "carried_credit", _CREDIT)
            if "carried_credit" in top
            else "full",
            questions=self._questions(top["questions"][1]),
        )

    def _text(self, fields: dict[str, Any], section: str, key: str) -> str:
        if key not in fields:
            self.doc.fail(None, f"{section}.{key}", "missing")
        return self.doc.text(fields[key][1], f"{section}.{key}")

    def _hash(self, fields: dict[str, Any]) -> str:
        value = self._text(fields, "scenario", "sha256")
        if not re.fullmatch(r"[0-9a-f]{64}", value):
            self.doc.fail(fields["sha256"][1], "scenario.sha256", "expected 64 hex digits")
        return value

    def _int(self, fields: dict[str, Any], path: str, low: int, high: int) -> int:
        key = path.rsplit(".", 1)[-1]
        if key not in fields:
            self.doc.fail(None, path, "missing")
        return self.doc.integer(fields[key][1], path, low, high)

    def _choice(self, fields: dict[str, Any], section: str, key: str, options: Any) -> str:
        path = f"{section}.{key}" if section else key
        if key not in fields:
            self.doc.fail(None, path, "missing")
        return self.doc.choice(fields[key][1], path, options)

    def _tolerance(self, node: yaml.Node) -> dict[str, Any]:
        fields = self.doc.mapping(node, "tolerance", ["rule", "digits", "rtol", "atol"])
        rule = self._choice(fields, "tolerance", "rule", _TOLERANCE_RULES)
        if rule == "relative":
            return {
                "rule": rule,
                "rtol": self._amount(fields, "rtol"),
                "atol": self._amount(fields, "atol"),
            }
        return {"rule": rule, "digits": self._int(fields, "tolerance.digits", 0, 15)}

    def _amount(self, fields: dict[str, Any], key: str) -> str:
        text = self._text(fields, "tolerance", key)
        try:
            ok = Decimal(text).is_finite() and Decimal(text) >= 0
        except InvalidOperation:
            ok = False
        if not ok:
            self.doc.fail(fields[key][1], f"tolerance.{key}", "expected a number of 0 or more")
        return text

    def _questions(self, node: yaml.Node) -> tuple[Question, ...]:
        doc = self.doc
        out = []
        allowed = ["number", "key", "points", "shape", "symbol", "phase", "sequence", "label"]
        for i, item in enumerate(doc.sequence(node, "questions")):
            path = f"questions[{i}]"
            fields = doc.mapping(item, path, allowed)
            points = doc.number(fields["points"][1], f"{path}.points") if "points" in fields else 1
            if not 0 <= points <= 1000:
                doc.fail(fields["points"][1], f"{path}.points", "expected 0 to 1000 points")
            shape = tuple(
                doc.integer(n, f"{path}.shape", 1, 1_000_000)
                for n in doc.sequence(fields["shape"][1], f"{path}.shape")
            )
            sequence = fields.get("sequence")
            out.append(
                Question(
                    number=self._text(fields, path, "number"),
                    key=self._text(fields, path, "key"),
                    symbol=self._text(fields, path, "symbol") if "symbol" in fields else "",
                    label=self._text(fields, path, "label") if "label" in fields else "",
                    shape=shape,
                    points=float(points),
                    phase=self._text(fields, path, "phase") if "phase" in fields else "",
                    sequence=None
                    if sequence is None or doc.scalar(sequence[1], f"{path}.sequence") is None
                    else doc.integer(sequence[1], f"{path}.sequence", 1, 1_000_000),
                )
            )
        if not out:
            doc.fail(node, "questions", "expected at least one question")
        return tuple(out)


def read_assignment(text: str, file: str) -> tuple[Assignment, str]:
    """The assignment in ``text`` and the text of the scenario it names, whose bytes must
    still have the recorded SHA-256. Raises ScenarioError."""
    from rnntrace._internal.scenario.load import read_text

    assignment = _Reader(text, file).read()
    path = assignment.scenario_file()
    scenario_text = read_text(path)
    if sha256(scenario_text.encode("utf-8")) != assignment.scenario_sha256:
        raise ScenarioError(
            f"the scenario {str(path)!r} has changed since this assignment was exported "
            "(its SHA-256 differs): export the assignment again, or restore the scenario",
            file=file,
        )
    return assignment, scenario_text
