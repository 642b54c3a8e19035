"""The scenario's ``vary`` section: what ``rnntrace vary`` draws anew for each student."""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import yaml

from rnntrace._internal.scenario.model import ModelSpec, VarySpec
from rnntrace._internal.scenario.model_more import Grid
from rnntrace._internal.scenario.schema import allowed_keys
from rnntrace._internal.scenario.yamldoc import YamlDoc, suggest


class VaryReader:
    """Reads and checks the ``vary`` section (for the loader, when a file has one)."""

    doc: YamlDoc

    def __init__(self, doc: YamlDoc) -> None:
        self.doc = doc

    def vary(
        self,
        entry: tuple[yaml.Node, yaml.Node],
        params: Mapping[str, np.ndarray],
        given: Collection[str],
        kind: str,
        vocabulary: Mapping[str, np.ndarray],
        model: ModelSpec,
    ) -> VarySpec:
        """The validated section (its keys checked against this scenario's parameters,
        input and model)."""
        doc = self.doc
        fields = doc.mapping(entry[1], "vary", allowed_keys("vary"))
        values: dict[str, object] = {}
        for key in ("embeddings", "tokens", "labels"):
            if key in fields:
                values[key] = doc.boolean(fields[key][1], f"vary.{key}")
        if "params" in fields:
            values["params"] = self._keys(fields["params"][1], "vary.params", given)
        if "fixed" in fields:
            allowed = set(given) | set(vocabulary)
            values["fixed"] = self._keys(fields["fixed"][1], "vary.fixed", allowed)
        if "grid" in fields:
            values["grid"] = self._grid(fields["grid"][1])
        if "saturation" in fields:
            node = fields["saturation"][1]
            bound = doc.number(node, "vary.saturation")
            if bound <= 0:
                doc.fail(node, "vary.saturation", f"expected a positive number, found {bound}")
            values["saturation"] = bound
        if "max_draws" in fields:
            values["max_draws"] = doc.integer(fields["max_draws"][1], "vary.max_draws", 1, 100_000)
        spec = VarySpec(**values)  # type: ignore[arg-type]
        if spec.tokens and kind == "vectors":
            doc.fail(fields["tokens"][0], "vary.tokens", "needs a vocabulary (input.embeddings "
                     "or input.one_hot); this scenario gives input vectors")  # fmt: skip
        if spec.labels and (model.output != "last" or model.loss not in ("bce", "ce")):
            doc.fail(fields["labels"][0], "vary.labels", "only class labels can be drawn: "
                     "model.output last with loss bce or ce")  # fmt: skip
        return spec

    def _keys(self, node: yaml.Node, path: str, allowed: Collection[str]) -> tuple[str, ...]:
        doc = self.doc
        out = []
        for i, item in enumerate(doc.sequence(node, path, "a list of keys")):
            key = doc.text(item, f"{path}[{i}]", "a key")
            if key not in allowed:
                doc.fail(item, f"{path}[{i}]", f"{key!r} is not given in this scenario"
                         + suggest(key, allowed))  # fmt: skip
            out.append(key)
        return tuple(out)

    def _grid(self, node: yaml.Node) -> Grid:
        doc = self.doc
        fields = doc.mapping(node, "vary.grid", ["decimals", "min", "max"])
        for need in ("decimals", "min", "max"):
            if need not in fields:
                doc.fail(node, f"vary.grid.{need}", "missing: a grid is decimals, min and max")
        decimals = doc.integer(fields["decimals"][1], "vary.grid.decimals", 0, 6)
        low = doc.number(fields["min"][1], "vary.grid.min")
        high = doc.number(fields["max"][1], "vary.grid.max")
        if np.ceil(low * 10**decimals - 1e-9) > np.floor(high * 10**decimals + 1e-9):
            doc.fail(node, "vary.grid", f"no number with {decimals} decimals lies from {low} "
                     f"to {high}")  # fmt: skip
        return Grid(decimals, low, high)
