"""The model keys of skip connections and dropout (issue 13), read and checked:

model.skip: α                  h_t = f(z_t) + α h_(t-1)            (simple RNN)
model.layers: [{skip: true}]   h_t^(l) = f(z_t^(l)) + h_t^(l-1)    (simple RNN, standard)
model.dropout: {input, output, recurrent: p, variational, seed | masks}   (standard)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import NoReturn

import numpy as np
import yaml

from rnntrace._internal import cells
from rnntrace._internal.scenario.model import ModelSpec
from rnntrace._internal.scenario.model_more import DropoutSpec
from rnntrace._internal.scenario.schema import allowed_keys_of
from rnntrace._internal.scenario.yamldoc import YamlDoc

KINDS = ("input", "recurrent", "output")
MAX_SEED = 2**32 - 1
Fields = Mapping[str, tuple[yaml.Node, yaml.Node]]


class SkipDropReader:
    """Reads model.skip, model.layers and model.dropout (for the loader, when a file has one)."""

    doc: YamlDoc

    def __init__(self, doc: YamlDoc) -> None:
        self.doc = doc

    def fail(self, node: yaml.Node | None, path: str, message: str) -> NoReturn:
        """Raise a ScenarioError located at ``node``."""
        self.doc.fail(node, path, message)

    def layers_value(self, node: yaml.Node) -> tuple[int, tuple[bool, ...]]:
        """model.layers: a count, or a list of layers (``{skip: true}``): (count, skips)."""
        doc = self.doc
        if not isinstance(node, yaml.SequenceNode):
            return doc.integer(node, "model.layers", 1, 8), ()
        items = doc.sequence(node, "model.layers", "a count or a list of layers")
        if not 1 <= len(items) <= 8:
            self.fail(node, "model.layers", f"expected 1 to 8 layers, found {len(items)}")
        skips = []
        for i, item in enumerate(items):
            path = f"model.layers[{i}]"
            fields = doc.mapping(item, path, allowed_keys_of("model", "layers"))
            skips.append(doc.boolean(fields["skip"][1], f"{path}.skip") if "skip" in fields
                         else False)  # fmt: skip
        return len(items), tuple(skips)

    def skip_value(self, node: yaml.Node) -> float:
        """model.skip: the weight α of h_(t-1) added to the new state."""
        return self.doc.number(node, "model.skip")

    def dropout_value(self, node: yaml.Node) -> DropoutSpec:
        """model.dropout: rates in [0, 1), variational, and a seed or explicit masks."""
        doc = self.doc
        fields = doc.mapping(node, "model.dropout", allowed_keys_of("model", "dropout"))
        rates: dict[str, float] = {}
        for kind in KINDS:
            if kind in fields:
                value_node = fields[kind][1]
                p = doc.number(value_node, f"model.dropout.{kind}")
                if not 0.0 <= p < 1.0:
                    self.fail(value_node, f"model.dropout.{kind}",
                              f"expected a rate p with 0 <= p < 1, found {p:g}")  # fmt: skip
                rates[kind] = p
        variational = False
        if "variational" in fields:
            variational = doc.boolean(fields["variational"][1], "model.dropout.variational")
        seed = 0
        if "seed" in fields:
            seed = doc.integer(fields["seed"][1], "model.dropout.seed", 0, MAX_SEED)
        masks = None
        if "masks" in fields:
            if "seed" in fields:
                self.fail(fields["seed"][0], "model.dropout.seed",
                          "expected a seed or masks, found both (masks are not drawn)")  # fmt: skip
            masks = self._masks(fields["masks"][1], rates, variational)
        return DropoutSpec(input=rates.get("input", 0.0), output=rates.get("output", 0.0),
                           recurrent=rates.get("recurrent", 0.0), variational=variational,
                           seed=seed, masks=masks)  # fmt: skip

    def _masks(self, node: yaml.Node, rates: dict[str, float],
               variational: bool) -> dict[str, tuple[np.ndarray, ...]]:  # fmt: skip
        doc = self.doc
        fields = doc.mapping(node, "model.dropout.masks", KINDS)
        out: dict[str, tuple[np.ndarray, ...]] = {}
        for kind in KINDS:
            path = f"model.dropout.masks.{kind}"
            if kind in fields and not rates.get(kind):
                self.fail(
                    fields[kind][0],
                    path,
                    f"a mask needs a rate (model.dropout.{kind}: p) for its 1/(1 - p)",
                )
            if kind not in fields:
                if rates.get(kind):
                    self.fail(
                        node,
                        path,
                        f"missing: model.dropout.{kind} is "
                        f"{rates[kind]:g}; give its masks too, or a seed to draw all",
                    )
                continue
            value = fields[kind][1]
            if variational:
                out[kind] = (self._mask(doc.vector(value, path), value, path),)
            else:
                items = doc.sequence(value, path, "a list of masks, one per time step")
                out[kind] = tuple(
                    self._mask(doc.vector(item, f"{path}[{i}]"), item, f"{path}[{i}]")
                    for i, item in enumerate(items)
                )
        return out

    def _mask(self, mask: np.ndarray, node: yaml.Node, path: str) -> np.ndarray:
        if not np.all((mask == 0.0) | (mask == 1.0)):
            bad = next(v for v in mask if v not in (0.0, 1.0))
            self.fail(node, path, f"expected a mask of 0s and 1s, found {bad:g}")
        return mask

    def check_skipdrop(self, spec: ModelSpec, fields: Fields) -> None:
        """The skip and dropout keys fit the cell and the topology."""
        simple = cells.default_name()
        if spec.skip and spec.cell != simple:
            self.fail(fields["skip"][1], "model.skip", f"applies to model.cell {simple!r} "
                      f"(the simple RNN) only; this model is {spec.cell!r}")  # fmt: skip
        if any(spec.layer_skip):
            where = fields["layers"][1]
            if spec.cell != simple:
                self.fail(
                    where,
                    "model.layers",
                    f"a layer's skip applies to model.cell "
                    f"{simple!r} (the simple RNN) only; this model is {spec.cell!r}",
                )
            if spec.topology != "standard":
                self.fail(where, "model.layers", "a layer's skip goes with topology "
                          f"'standard', not {spec.topology!r}")  # fmt: skip
            if spec.residual and any(spec.layer_skip[1:]):
                self.fail(fields["residual"][1], "model.residual",
                          "expected false with a layer's skip: the skip already adds the "
                          "layer's input to its state, a residual would add it again")  # fmt: skip
        drop = spec.dropout
        if drop is None:
            return
        where = fields["dropout"][1]
        if spec.topology != "standard":
            self.fail(where, "model.dropout",
                      f"dropout goes with topology 'standard', not {spec.topology!r}")  # fmt: skip
        if drop.masks and "recurrent" in drop.masks and spec.layers > 1:
            self.fail(where, "model.dropout.masks.recurrent",
                      "expected one layer for given recurrent masks; with stacked layers "
                      "draw them (model.dropout.seed)")  # fmt: skip

    def check_skipdrop_sizes(self, model_node: yaml.Node | None, model: ModelSpec,
                             params: Mapping[str, np.ndarray], D: int,
                             lengths: list[int]) -> None:  # fmt: skip
        """A layer's skip adds states of equal size; given masks fit the sizes and steps."""
        if model_node is None:
            return
        fields = self.doc.mapping(model_node, "model")
        for i, skip in enumerate(model.layer_skip):
            if not skip:
                continue
            part = f"l{i + 1}." if model.layers > 1 else ""
            H = params[f"{part}W_hh"].shape[0]
            below = D if i == 0 else params[f"l{i}.W_hh"].shape[0]
            if below != H:
                what = "the input x_t" if i == 0 else f"layer {i}'s state"
                self.fail(fields["layers"][1], f"model.layers[{i}].skip",
                          f"expected equal sizes: the layer's state has {H} entries, "
                          f"{what} {below}")  # fmt: skip
        drop = model.dropout
        if drop is None or not drop.masks:
            return
        top = f"l{model.layers}." if model.layers > 1 else ""
        sizes = {"input": D, "recurrent": params[f"{top}W_hh"].shape[0],
                 "output": params[f"{top}W_hh"].shape[0]}  # fmt: skip
        node = fields["dropout"][1]
        for kind, masks in drop.masks.items():
            path = f"model.dropout.masks.{kind}"
            wrong = next((i for i, m in enumerate(masks) if m.size != sizes[kind]), None)
            if wrong is not None:
                self.fail(node, path, f"expected masks of {sizes[kind]} entries, found "
                          f"{masks[wrong].size} (mask {wrong})")  # fmt: skip
            if not drop.variational and len(masks) < max(lengths):
                self.fail(node, path, f"expected a mask for each of {max(lengths)} time steps, "
                          f"found {len(masks)}")  # fmt: skip


def evaluation(model: ModelSpec) -> ModelSpec:
    """The model at evaluation (``--eval``): dropout off; skip connections stay."""
    return replace(model, dropout=None)
