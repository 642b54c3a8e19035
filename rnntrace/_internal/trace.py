"""The result of a run: an ordered list of plain-data steps. No rich, no LaTeX in here.

Every number a person might write down is a ``Step`` with a stable key (``h_2``,
``dW_hh``; ``s2.h_2`` when there are several sequences), a display symbol (a tree of
``rnntrace.symbol``, which each printer renders), the model part it belongs to, the time
step, the phase, the operation that made it, the keys of its operands and its value:
``value`` as computed from the carried operands at full precision, and ``carried``, the
value passed on to later steps (equal to ``value`` unless numbers are carried rounded, as
by hand).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import field
from fnmatch import fnmatchcase
from typing import Any

import numpy as np

from rnntrace._internal.records import record
from rnntrace._internal.symbol.label import Label, label_text
from rnntrace._internal.symbol.tree import Sentence, Symbol

PHASES = ("given", "forward", "loss", "backward", "gradient", "update")


@record
class Step:
    """One recorded quantity and how it was made."""

    key: str
    symbol: Symbol
    time: int | None
    sequence: int | None
    phase: str
    op: str
    operands: tuple[str, ...]
    value: np.ndarray
    carried: np.ndarray
    tag: Label  # what the step is, as data; `label` words it
    info: Mapping[str, Any] = field(default_factory=dict)
    part: str = ""  # the model part: "", "enc.", "dec.", "fw.", "bw.", "l2.", "att."
    given: bool = True  # False for data the scenario leaves out, taken as zero (h_0)

    @property
    def label(self) -> str:
        """The step's label in words."""
        return label_text(self.tag)

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of the value: () for a number, (n,) for a vector, (m, n) for a matrix."""
        return tuple(self.value.shape)


@record
class SequenceInfo:
    """What a renderer needs to know of one sequence."""

    number: int
    prefix: str  # "" with one sequence, "s2." with several
    tokens: tuple[str, ...]
    targets: Mapping[int, str]  # time -> target as written
    output_steps: tuple[int, ...]


@record
class TraceMeta:
    """Scenario facts the renderers show: title, sizes, conventions, number policy."""

    title: str
    description: str | None
    cell: str
    activation: str
    output: str
    head: str
    loss: str
    sizes: Mapping[str, int]
    input_kind: str
    decimals: int
    carry: str
    round_terms: bool
    learning_rate: float
    params: tuple[str, ...]  # parameter keys in display order
    trained: tuple[str, ...]  # those with a gradient and an update
    symbols: Mapping[str, Symbol]  # parameter key -> display symbol (notation applied)
    sequences: tuple[SequenceInfo, ...]
    conventions: tuple[Sentence, ...] = ()  # the cell and its conventions: text and formulas
    topology: str = "standard"  # standard | generate | encoder_decoder | bidirectional
    bptt: int | None = None  # k of truncated BPTT, None for full BPTT
    notation: Mapping[str, Symbol] = field(default_factory=dict)  # the scenario's, by key
    init: Mapping[str, Any] | None = None  # how params.init drew the parameters (plain data)
    index_style: str = "subscript"  # notation.index_style: subscript (x_t) | bracket (x[t])
    layout: str = "columns"  # model.layout: columns (W_xh x_t) | rows (x_t W_xh)
    head_steps: tuple[int, ...] = ()  # model.head_steps: the head at these steps only


@record(frozen=False)
class Trace:
    """All steps of a run, in the order a hand calculation does them."""

    meta: TraceMeta
    steps: list[Step] = field(default_factory=list)
    _index: dict[str, Step] = field(default_factory=dict, repr=False)

    def add(self, step: Step) -> None:
        """Append a step; its key must be new."""
        if step.key in self._index:
            raise ValueError(f"duplicate step key {step.key!r}")
        self.steps.append(step)
        self._index[step.key] = step

    def extend(self, steps: list[Step]) -> None:
        """Append steps (``add`` each, checked at once); their keys must be new."""
        index = self._index
        keys = {step.key: step for step in steps}
        if len(keys) != len(steps) or not index.keys().isdisjoint(keys):
            for step in steps:  # the first duplicate
                self.add(step)
        self.steps.extend(steps)
        index.update(keys)

    def __getitem__(self, key: str) -> Step:
        return self._index[key]

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def value(self, key: str) -> np.ndarray:
        """The carried value of a step (what later steps used)."""
        return self._index[key].carried

    def operand_values(self, step: Step) -> list[np.ndarray]:
        """The carried values of a step's operands, in order."""
        return [self._index[key].carried for key in step.operands]

    def base_key(self, step: Step) -> str:
        """The key without its sequence prefix: ``s2.h_3`` -> ``h_3``."""
        if step.sequence is not None and "." in step.key:
            return step.key.split(".", 1)[1]
        return step.key

    def select(self, patterns: Sequence[str]) -> list[Step]:
        """The steps whose key matches any of ``patterns`` (shell-style: ``h_*``, ``dW_??``),
        in trace order. A pattern that matches no full key matches keys without their
        sequence prefix (``h_2`` means ``s1.h_2`` and ``s2.h_2``; ``dW_hh`` the total only).
        Computed quantities come first: ``h_*`` means the hidden states, not the given h_0,
        which a pattern matches only when nothing computed does.
        Raises KeyError naming a pattern that matches nothing."""
        chosen: list[Step] = []
        for pattern in patterns:
            computed = [step for step in self.steps if step.op not in ("given", "input")]
            hits = [step for step in computed if fnmatchcase(step.key, pattern)]
            if not hits:  # h_2 means every sequence's h_2 when there are several
                hits = [step for step in computed if fnmatchcase(self.base_key(step), pattern)]
            if not hits:  # given data, asked for by name
                hits = [step for step in self.steps if fnmatchcase(step.key, pattern)]
            if not hits:
                raise KeyError(pattern)
            chosen.extend(step for step in hits if step not in chosen)
        order = {step.key: i for i, step in enumerate(self.steps)}
        return sorted(chosen, key=lambda step: order[step.key])

    def checkable(self) -> list[Step]:
        """Every step a student could be asked for: all but the given data and inputs."""
        return [step for step in self.steps if step.op not in ("given", "input")]

    def default_questions(self) -> list[Step]:
        """What a worksheet asks by default: the hidden states, the outputs, the losses, the
        gradients (sums over time and sequences) and the updated parameters."""

        def wanted(step: Step) -> bool:
            base = self.base_key(step)
            if base.startswith("h_") and step.time is not None:
                return True
            if base.startswith("y_") and step.phase == "forward":
                return True
            if step.phase == "loss":
                return True
            if step.phase == "gradient" and step.time is None:
                return step.sequence is None or len(self.meta.sequences) == 1
            return step.phase == "update"

        return [step for step in self.checkable() if wanted(step)]
