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
    arrays: dict[str, np.ndarray], claims: list[tuple[str, int, str]]
) -> tuple[int, Callable[[str], str]]:
    """A size several parameters state (H, or K): the one most of them agree on, ties to the
    earlier claim; and, for a parameter, the reason in words, from the others that agree."""
    stated = [
        (key, axis, unit, arrays[key].shape[axis])
        for key, axis, unit in claims
        if key in arrays and arrays[key].ndim > axis
    ]
    counts = Counter(size for *_, size in stated)
    size = max(counts, key=lambda n: (counts[n], -[s for *_, s in stated].index(n)))
    agree = [
        (key, f"{key} has {n} {unit if n != 1 else _SINGULAR[unit]}")
        for key, _, unit, n in stated
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
