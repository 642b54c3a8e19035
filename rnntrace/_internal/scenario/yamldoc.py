"""Safe YAML reading that keeps positions: every value can be traced to ``file:line:col``.

The file is *composed* (``yaml.compose`` with the safe loader), never constructed, so no
tag can build an object. Scalars are resolved by hand. Aliases are allowed, but every
visit of a node counts against a budget, so an alias bomb is refused instead of expanded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NoReturn

import numpy as np
import yaml

from rnntrace._internal.errors import ScenarioError

MAX_FILE_BYTES = 5_000_000
MAX_NODE_VISITS = 2_000_000
MAX_ARRAY_ENTRIES = 250_000

# libyaml's parser when it is there (much faster on long sequences); both keep positions.
_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Numbers YAML 1.1 reads as text but people mean as numbers: 1e-3 (no dot), -.5.
_PLAIN_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_ALLOWED_TAGS = {
    _STR, _INT, _FLOAT, _BOOL, _NULL,
    "tag:yaml.org,2002:timestamp",  # a date-like token is read as its text
    "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map", "tag:yaml.org,2002:merge",
}  # fmt: skip


def describe(node: yaml.Node) -> str:
    """What a node is, in the words of an error message: ``'abc' (a string)``."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return f"a list of {len(node.value)}"
    kind = {
        _INT: "a whole number",
        _FLOAT: "a number",
        _BOOL: "a boolean",
    }.get(node.tag, "a string")
    text = node.value if len(node.value) <= 40 else node.value[:37] + "..."
    if node.tag == _NULL:
        return "null (nothing)" if node.value else "nothing (empty)"
    return "nothing (empty)" if node.value == "" else f"{text!r} ({kind})"


def suggest(word: str, choices: Iterable[str], listed: bool = False) -> str:
    """`` (did you mean 'x'?)`` for a near miss, else a list of what is allowed (unless the
    message has ``listed`` the choices already)."""
    import difflib  # only when something is misspelt

    choices = sorted(choices)
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (allowed: {', '.join(choices)})" if len(choices) <= 16 and not listed else ""


def _plainer(problem: str, text: str, mark: yaml.Mark | None) -> str:
    """PyYAML's words for common slips, put the way a person would say them."""
    if mark is not None and "cannot start any token" in problem:
        lines = text.splitlines()
        if mark.line < len(lines) and lines[mark.line][mark.column : mark.column + 1] == "\t":
            return "a tab character; YAML indents with spaces"
    if "another document" in problem:
        return "expected one document, found a second ('---')"
    return problem


class YamlDoc:
    """A composed YAML document and the helpers that read typed values out of it."""

    def __init__(self, text: str, file: str) -> None:
        self.file = file
        self._visits = 0
        if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
            raise ScenarioError(
                f"file is larger than {MAX_FILE_BYTES // 1_000_000} MB; a scenario is small",
                file=file,
            )
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            before = text[: exc.start]
            raise ScenarioError(
                "the text holds a character that is not valid Unicode (a lone surrogate)",
                file=file,
                line=before.count("\n") + 1,
                col=len(before) - before.rfind("\n"),
            ) from None
        try:
            root = yaml.compose(text, Loader=_COMPOSER)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = " ".join((exc.problem or exc.context or "invalid YAML").split())
            problem = _plainer(problem, text, mark)
            raise ScenarioError(
                f"YAML syntax: {problem}",
                file=file,
                line=mark.line + 1 if mark else None,
                col=mark.column + 1 if mark else None,
            ) from None
        except yaml.YAMLError as exc:  # e.g. a control character, found by the reader
            first = str(exc).splitlines()[0] if str(exc) else "invalid YAML"
            offset = re.search(r"position (\d+)", str(exc))
            line = col = None
            if offset:
                before = text[: int(offset.group(1))]
                line, col = before.count("\n") + 1, len(before) - before.rfind("\n")
            raise ScenarioError(f"YAML: {first}", file=file, line=line, col=col) from None
        if root is None:
            raise ScenarioError(
                "the file is empty; expected a scenario mapping", file=file, line=1, col=1
            )
        self.root: yaml.Node = root
        self._constructor = yaml.SafeLoader("")

    # -- errors ---------------------------------------------------------------------------
    def fail(self, node: yaml.Node | None, path: str, message: str) -> NoReturn:
        """Raise a ScenarioError located at ``node``."""
        line = col = None
        if node is not None:
            line, col = node.start_mark.line + 1, node.start_mark.column + 1
        raise ScenarioError(message, file=self.file, line=line, col=col, path=path)

    def _visit(self, node: yaml.Node, path: str) -> None:
        self._visits += 1
        if self._visits > MAX_NODE_VISITS:
            self.fail(
                node,
                path,
                f"the document expands to more than {MAX_NODE_VISITS:,} values "
                "(aliases that repeat each other?); refused",
            )
        if node.tag not in _ALLOWED_TAGS:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self.fail(node, path, f"unsupported YAML tag {tag!r}; write plain values")

    # -- structure ------------------------------------------------------------------------
    def mapping(
        self, node: yaml.Node, path: str, allowed: Iterable[str] | None = None
    ) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """The entries of a mapping node, by key text; duplicate and unknown keys are errors."""
        self._visit(node, path)
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, path, f"expected a mapping (key: value lines), found {describe(node)}")
        allowed_set = set(allowed) if allowed is not None else None
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.fail(key_node, path, "expected a plain key, found " + describe(key_node))
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.fail(key_node, path, "merge keys ('<<') are not supported; write the keys out")
            key = key_node.value
            sub = f"{path}.{key}" if path else key
            if key in out:
                first = out[key][0].start_mark.line + 1
                self.fail(key_node, sub, f"duplicate key (first given on line {first})")
            if allowed_set is not None and key not in allowed_set:
                self.fail(key_node, sub, "unknown key" + suggest(key, allowed_set))
            out[key] = (key_node, value_node)
        return out

    def sequence(self, node: yaml.Node, path: str, what: str = "a list") -> list[yaml.Node]:
        """The items of a sequence node."""
        self._visit(node, path)
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, path, f"expected {what}, found {describe(node)}")
        if len(node.value) > MAX_ARRAY_ENTRIES:
            self.fail(
                node, path, f"list of {len(node.value):,} entries; at most {MAX_ARRAY_ENTRIES:,}"
            )
        return list(node.value)

    # -- scalars --------------------------------------------------------------------------
    def scalar(self, node: yaml.Node, path: str) -> Any:
        """The resolved value of a scalar (int, float, bool, None or str)."""
        self._visit(node, path)
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, path, f"expected a single value, found {describe(node)}")
        if node.tag in (_INT, _FLOAT, _BOOL, _NULL):
            try:
                return self._constructor.construct_object(node)
            except Exception:  # noqa: BLE001 - an explicit tag on text that is not of its kind
                want = "true or false" if node.tag == _BOOL else "a number"
                text = node.value if len(node.value) <= 40 else node.value[:37] + "..."
                self.fail(node, path, f"expected {want}, found {text!r} (not a valid {want})")
        return node.value

    def text(self, node: yaml.Node, path: str, what: str = "a string") -> str:
        """A scalar as the text the user wrote (so ``no`` stays ``'no'``, not False)."""
        self._visit(node, path)
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, path, f"expected {what}, found {describe(node)}")
        return str(node.value)

    def choice(self, node: yaml.Node, path: str, choices: Iterable[str]) -> str:
        """A scalar that must be one of ``choices``."""
        value = self.text(node, path, "one of " + ", ".join(choices))
        options = list(choices)
        if value not in options:
            self.fail(
                node,
                path,
                f"expected one of {', '.join(options)}, found {value!r}"
                + suggest(value, options, listed=True),
            )
        return value

    def number(self, node: yaml.Node, path: str) -> float:
        """A finite real number."""
        value = self.scalar(node, path)
        if (
            isinstance(value, str)
            and not getattr(node, "style", None)
            and _PLAIN_NUMBER.fullmatch(value)
        ):
            value = float(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(node, path, f"expected a number, found {describe(node)}")
        try:
            result = float(value)
        except OverflowError:
            result = float("inf")
        if not np.isfinite(result):
            self.fail(node, path, f"expected a finite number, found {describe(node)}")
        return result

    def integer(self, node: yaml.Node, path: str, low: int, high: int) -> int:
        """A whole number in ``[low, high]``."""
        value = self.scalar(node, path)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(node, path, f"expected a whole number, found {describe(node)}")
        if not low <= value <= high:
            self.fail(node, path, f"expected a whole number from {low} to {high}, found {value}")
        return int(value)

    def boolean(self, node: yaml.Node, path: str) -> bool:
        """true or false."""
        value = self.scalar(node, path)
        if not isinstance(value, bool):
            self.fail(node, path, f"expected true or false, found {describe(node)}")
        return value

    # -- arrays ---------------------------------------------------------------------------
    def vector(self, node: yaml.Node, path: str) -> np.ndarray:
        """A list of numbers, shape (n,). A lone number is a vector of one."""
        if isinstance(node, yaml.ScalarNode):
            return np.array([self.number(node, path)])
        items = self.sequence(node, path, "a list of numbers")
        if not items:
            self.fail(node, path, "expected a list of numbers, found an empty list")
        return np.array([self.number(item, f"{path}[{i}]") for i, item in enumerate(items)])

    def matrix(self, node: yaml.Node, path: str) -> np.ndarray:
        """A list of rows, shape (m, n). A flat list of numbers is one row."""
        rows = self.sequence(node, path, "a matrix (a list of rows)")
        if not rows:
            self.fail(node, path, "expected a matrix (a list of rows), found an empty list")
        if all(isinstance(r, yaml.ScalarNode) for r in rows):
            return self.vector(node, path)[None, :]
        for i, row_node in enumerate(rows):
            if not isinstance(row_node, yaml.SequenceNode):
                what = "a number" if isinstance(row_node, yaml.ScalarNode) else describe(row_node)
                self.fail(row_node, f"{path}[{i}]", f"expected a row (a list), found {what}")
        if len(rows) * max(len(r.value) for r in rows) > MAX_ARRAY_ENTRIES:
            self.fail(node, path, f"matrix of more than {MAX_ARRAY_ENTRIES:,} entries; refused")
        out = [self.vector(row, f"{path}[{i}]") for i, row in enumerate(rows)]
        for i, row in enumerate(out):
            if len(row) != len(out[0]):
                self.fail(
                    rows[i],
                    f"{path}[{i}]",
                    f"row of {len(row)} numbers, but row 0 has {len(out[0])}; "
                    "all rows must have the same length",
                )
        return np.array(out)
