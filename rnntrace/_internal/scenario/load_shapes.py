"""What the parameter readers share: a part's checked parameters, the size most of them
state, and shapes in words (``load_params`` reads a one-part model, ``load_parts`` the
parts of a larger one)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import NoReturn, Protocol

import numpy as np
import yaml

from rnntrace._internal.cells import ParamSpec
from rnntrace._internal.records import record
from rnntrace._internal.scenario.model import ModelSpec
from rnntrace._internal.scenario.yamldoc import YamlDoc

_SINGULAR = {"rows": "row", "columns": "column", "entries": "entry"}


def vote(
    arrays: dict[str, np.ndarray],
    claims: list[tuple[str, int, str]],
    without: str = "",
    known: tuple[int, str] = (0, ""),
) -> tuple[int, Callable[[str], str]]:
    """A size several parameters state (H, or K): the one most of them agree on, each
    parameter voting once (a square matrix too). A tie goes to a size another parameter than
    ``without`` (the one being checked) states, then to the earlier claim; ``known`` (the size
    the labels or targets state, and why) comes after the first claim. For a parameter, the
    reason in words, from the others that agree."""
    stated = [
        (key, arrays[key].shape[axis], unit)
        for key, axis, unit in claims
        if key in arrays and arrays[key].ndim > axis
    ]
    if known[0]:
        stated.insert(min(1, len(stated)), ("", known[0], known[1]))
    order = [n for _, n, _ in stated]
    counts = Counter(n for _, n in dict.fromkeys((key, n) for key, n, _ in stated))
    others = {n for key, n, _ in stated if key != without}
    size = max(counts, key=lambda n: (counts[n], n in others, -order.index(n)))
    agree = [
        (key, unit if not key else f"{key} has {n} {unit if n != 1 else _SINGULAR[unit]}")
        for key, n, unit in stated
        if n == size
    ]

    def why(key: str) -> str:
        reasons = [(owner, text) for owner, text in agree if owner != key] or agree
        owners = [owner for owner, _ in reasons]
        texts = []
        for owner, text in reasons:
            if owners.count(owner) > 1:  # both sides of a square matrix agree
                text = f"{owner} is {size}×{size}"
            if text not in texts:
                texts.append(text)
        return " and ".join(texts[:2])

    return size, why


def shape_words(shape: tuple[int, ...]) -> str:
    """'shape (3, 2)' for a matrix, '3 entries' or '1 entry' for a vector."""
    if len(shape) > 1:
        return f"shape {shape}"
    return f"{shape[0]} entr{'y' if shape[0] == 1 else 'ies'}"


@record
class Part:
    """One part's parameters (keys with the part's prefix), the keys given, H, K and form."""

    arrays: dict[str, np.ndarray]
    given: set[str]
    H: int
    K: int
    form: str


class PartReader(Protocol):
    """What reading the parts of a model needs of the parameter reader."""

    doc: YamlDoc

    def fail(self, node: yaml.Node | None, path: str, message: str) -> NoReturn: ...

    def part(
        self, node: yaml.Node, path: str, prefix: str, specs: dict[str, ParamSpec], D: int,
        d_why: str, model: ModelSpec, K: int = 0, k_why: str = "",
    ) -> Part: ...  # fmt: skip


def outputs_of_targets(reader: PartReader, model: ModelSpec) -> int | None:
    """K as the labels or targets tell it, or None when they do not: a list of numbers has K
    entries (mse targets, soft targets, bce over several outputs); one number is K = 1 for
    bce and mse. Class indices and tokens do not tell how many classes there are. Every
    label must agree; a malformed one is left for the targets' own checks to report."""
    if model.loss not in ("bce", "mse", "ce"):
        return None
    doc = reader.doc
    root = doc.root
    if not isinstance(root, yaml.MappingNode):
        return None
    sequences = next((v for k, v in root.value if k.value == "sequences"), None)
    if not isinstance(sequences, yaml.SequenceNode):
        return None
    want = "label" if model.output == "last" else "targets"
    found: set[int] = set()
    for item in sequences.value:
        if not isinstance(item, yaml.MappingNode):
            return None
        node = next((v for k, v in item.value if k.value == want), None)
        if node is None:
            continue
        labels = node.value if want == "targets" and isinstance(node, yaml.SequenceNode) else [node]
        for label in labels:
            if isinstance(label, yaml.SequenceNode):
                found.add(len(label.value))
            elif isinstance(label, yaml.ScalarNode) and model.loss != "ce":
                found.add(1)
            else:
                return None
    return found.pop() if len(found) == 1 else None
