"""Making one student's variant: draw the varied numbers (and tokens, labels) on their grid,
write the scenario, trace it, and accept it only when it follows the nice-number rules;
else draw again from the same stream, so the variant stays a pure function of the seed and
the student's id."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.errors import NumericError, RnntraceError, ScenarioError
from rnntrace._internal.scenario.load import parse_scenario
from rnntrace._internal.scenario.model import Scenario
from rnntrace._internal.scenario.model_more import Grid
from rnntrace._internal.scenario.write import dump_kept, kept_data, put_params
from rnntrace._internal.trace import Trace
from rnntrace._internal.variants.draw import draw, generator, own_grid
from rnntrace._internal.variants.nice import NiceRules, first_problem

Setter = Callable[[object, np.ndarray], None]


@dataclass(frozen=True)
class Item:
    """One varied thing: its name (for the manifest), shape, grid and where it is written."""

    name: str
    shape: tuple[int, ...]
    grid: Grid
    put: Setter


@dataclass(frozen=True)
class Variant:
    """An accepted variant: its scenario text, how many draws it took, its trace."""

    student_id: str
    text: str
    draws: int
    scenario: Scenario
    trace: Trace  # with the scenario's own number policy: the numbers of its sheet
    rejected: tuple[str, ...]  # why each rejected draw was rejected


def _texts(value: object) -> list[str]:
    """The numbers of a (nested) list as written."""
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return [str(value)]


def _clean(values: np.ndarray, decimals: int) -> list:
    return np.vectorize(lambda v: float(f"{v:.{decimals}f}"))(values).tolist()


class VariantMaker:
    """Draws variants of one scenario file (its ``vary`` section says what varies)."""

    def __init__(self, text: str, file: str, seed: int) -> None:
        self.text = text
        self.file = file
        self.seed = seed
        self.scenario = parse_scenario(text, file)
        self._data = kept_data(text)  # read once: every draw starts from a copy of it
        self.spec = self.scenario.vary
        self.items = self._param_items() + self._input_items()
        if not (self.items or self.spec.tokens or self.spec.labels):
            raise RnntraceError(f"{file}: vary: nothing to vary (no weights or inputs given)")
        self.rules = NiceRules(self.spec.saturation, self.scenario.numbers.decimals)

    @property
    def varied(self) -> list[str]:
        """What differs between variants, in words for the manifest."""
        names = [item.name for item in self.items]
        return (
            names
            + (["tokens"] if self.spec.tokens else [])
            + (["labels"] if self.spec.labels else [])
        )

    def _grid(self, written: list[str], values: np.ndarray) -> Grid:
        return self.spec.grid or own_grid(written, values)

    def _param_items(self) -> list[Item]:
        data, scenario = self._data, self.scenario
        keys = self.spec.params
        if keys is None:
            keys = tuple(k for k in scenario.given if k.rsplit(".", 1)[-1].startswith("W"))
        items = []
        for key in (k for k in keys if k not in self.spec.fixed):
            value = scenario.params[key]
            written = _texts(_located(data["params"], key))
            grid = self._grid(written, value)

            def put(doc: object, drawn: np.ndarray, key: str = key, d: int = grid.decimals):
                put_params(doc, {key: np.array(_clean(drawn, d))})

            items.append(Item(key, value.shape, grid, put))
        return items

    def _input_items(self) -> list[Item]:
        if not self.spec.embeddings:
            return []
        scenario, data = self.scenario, self._data
        if scenario.input_kind == "embeddings":
            tokens = [t for t in scenario.vocabulary if t not in self.spec.fixed]
            if not tokens:
                return []
            values = np.array([scenario.vocabulary[t] for t in tokens])
            table = data["input"]["embeddings"]
            written = [text for t in tokens for text in _texts(table[t])]
            grid = self._grid(written, values)

            def put(doc: object, drawn: np.ndarray) -> None:
                section = doc["input"]["embeddings"]  # type: ignore[index]
                for token, row in zip(tokens, _clean(drawn, grid.decimals)):
                    section[token] = row

            return [Item("embeddings", values.shape, grid, put)]
        if scenario.input_kind == "vectors":
            items = []
            for n, seq in enumerate(scenario.sequences):
                written = _texts(data["sequences"][n]["inputs"])
                grid = self._grid(written, seq.inputs)

                def put_inputs(doc: object, drawn: np.ndarray, n: int = n, d: int = grid.decimals):
                    doc["sequences"][n]["inputs"] = _clean(drawn, d)  # type: ignore[index]

                items.append(Item(f"sequences[{n}].inputs", seq.inputs.shape, grid, put_inputs))
            return items
        return []

    def _draw_text(self, rng: np.random.Generator, student_id: str) -> str:
        data = copy.deepcopy(self._data)  # faster than reading the YAML again
        for item in self.items:
            item.put(data, draw(rng, item.grid, item.shape))
        vocabulary = list(self.scenario.vocabulary)
        for n, seq in enumerate(self.scenario.sequences):
            entry = data["sequences"][n]
            if self.spec.tokens:
                entry["tokens"] = [
                    vocabulary[i] for i in rng.integers(len(vocabulary), size=seq.length)
                ]
            if self.spec.labels:
                classes = 2 if self.scenario.model.loss == "bce" else self.scenario.dims["K"]
                entry["label"] = int(rng.integers(classes))
        data.pop("vary", None)
        data["title"] = f"{self.scenario.title} (variant {student_id})"
        header = (
            f"Variant {student_id} of {self.file}, drawn with seed {self.seed} "
            "(rnntrace vary). The numbers are this student's own."
        )
        return dump_kept(data, header)

    def make(self, student_id: str) -> Variant:
        """The variant of ``student_id``: the first draw of its stream that is nice."""
        rng = generator(self.seed, student_id)
        rejected: list[str] = []
        for attempt in range(1, self.spec.max_draws + 1):
            text = self._draw_text(rng, student_id)
            try:
                scenario = parse_scenario(text, f"variant {student_id}")
                traces = [trace_scenario(scenario)]
                if scenario.numbers.carry == "rounded":
                    traces.append(
                        trace_scenario(scenario, replace(scenario.numbers, carry="exact"))
                    )
            except (NumericError, ScenarioError) as exc:  # e.g. a loss made infinite
                rejected.append(str(exc))
                continue
            problem = first_problem(traces, self.rules)
            if problem is None:
                return Variant(student_id, text, attempt, scenario, traces[0], tuple(rejected))
            rejected.append(problem)
        raise RnntraceError(
            f"{self.file}: no nice variant for {student_id!r} in {self.spec.max_draws} draws "
            f"(last: {rejected[-1]}); widen vary.grid or raise vary.saturation"
        )


def _located(section: object, key: str) -> object:
    """Where a parameter is written in the params section (parts nested as the file has
    them)."""
    from rnntrace._internal.scenario.write import PART_SECTIONS

    part, dot, base = key.rpartition(".")
    if dot and part.startswith("l") and part[1:].isdigit():
        return section["layers"][int(part[1:]) - 1][base]  # type: ignore[index]
    if dot:
        return section[PART_SECTIONS[part]][base]  # type: ignore[index]
    return section[base]  # type: ignore[index]
