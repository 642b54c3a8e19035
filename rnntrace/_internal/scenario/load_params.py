"""Reading `params`: every parameter's shape checked against the sizes the others state."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import numpy as np
import yaml

from rnntrace._internal import cells
from rnntrace._internal.cells import ParamSpec
from rnntrace._internal.scenario.load_shapes import Part, outputs_of_targets, shape_words, vote
from rnntrace._internal.scenario.model import ModelSpec, Sequence
from rnntrace._internal.scenario.yamldoc import YamlDoc, suggest

if TYPE_CHECKING:
    from rnntrace._internal.scenario.model_more import InitRecord


class ParamsReader:
    """The parameters of a scenario."""

    doc: YamlDoc
    drawn: InitRecord | None = None  # how params.init drew the parameters, if it did

    def fail(self, node: yaml.Node | None, path: str, message: str) -> NoReturn:
        """Raise a ScenarioError located at ``node``."""
        self.doc.fail(node, path, message)

    def params(
        self,
        node: yaml.Node,
        kind: str,
        vocabulary: dict[str, np.ndarray],
        vocab_node: yaml.Node,
        sequences: list[Sequence],
        model: ModelSpec,
    ) -> tuple[dict[str, np.ndarray], set[str], dict[str, int], str]:
        """The parameters as written (zeros for omitted biases and initial states), the keys
        given, the sizes D, H, K, and the form (separate or concatenated). Parameters of a
        part (a stacked layer, a direction, the encoder, ...) have its prefix (``enc.W_xh``)."""
        D, d_why = self._input_size(kind, vocabulary, vocab_node, sequences)
        if isinstance(node, yaml.MappingNode) and any(k.value == "init" for k, _ in node.value):
            if model.layout == "rows":
                self.fail(node, "params.init", "draws the column layout's shapes; with "
                          "model.layout rows give the parameters")  # fmt: skip
            from rnntrace._internal.scenario.load_init import read_init

            arrays, given, dims, form, self.drawn = read_init(self, node, D, model)
            return arrays, given, dims, form
        if model.layers == 1 and model.topology in ("standard", "generate"):
            specs = cells.get(model.cell).param_specs()
            if model.layout == "rows":  # x_t W_xh: every matrix (D, H), (H, H), (H, K)
                specs = {key: _transposed(spec) for key, spec in specs.items()}
            extra = cells.get(model.cell).topology_params.get(model.topology)
            if extra is not None:  # the simple RNN's W_yh of a fed-back output
                specs[extra.key] = extra
            part = self.part(node, "params", "", specs, D, d_why, model)
            fed = model.topology == "generate" and part.K and part.K != D
            if fed and not (extra is not None and extra.key in part.given):
                self.fail(node, "params", f"a generated output (K = {part.K}) is fed back as the "
                          f"next input, so it must have D = {D} entries like the input"
                          + (f", or give {extra.key} ({', '.join(extra.shape)})"
                             if extra is not None else ""))  # fmt: skip
            return part.arrays, part.given, {"D": D, "H": part.H, "K": part.K}, part.form
        from rnntrace._internal.scenario.load_parts import read_parts  # stacked, two-part models

        return read_parts(self, node, D, d_why, model)

    def part(
        self, node: yaml.Node, path: str, prefix: str, specs: dict[str, ParamSpec], D: int,
        d_why: str, model: ModelSpec, K: int = 0, k_why: str = "",
    ) -> Part:  # fmt: skip
        """One part's parameters (for a one-part model, all of them), checked and completed."""
        fields = self._param_fields(node, model, specs, path)
        arrays: dict[str, np.ndarray] = {}
        for key, (_, value) in fields.items():
            reader = self.doc.matrix if key.startswith("W") else self.doc.vector
            arrays[key] = reader(value, f"{path}.{key}")
        form = self._form(node, model, specs, fields, path)
        claims = [(key, 0, "rows" if spec.key.startswith("W") else "entries")
                  for key, spec in specs.items() if spec.shape[0] == "H"]  # fmt: skip
        claims += [(key, 1, "columns") for key, spec in specs.items()
                   if len(spec.shape) > 1 and spec.shape[1] == "H"]  # fmt: skip
        if not any(key in arrays for key, _, _ in claims):
            self.fail(node, path, "no parameter states the hidden size H")
        H, _ = vote(arrays, claims)
        k_claims = [("b_y", 0, "entries")]  # b_y first, then the labels, then W_hy
        if "W_hy" in specs:
            k_at = specs["W_hy"].shape.index("K")  # K rows, or K columns in the row layout
            k_claims.append(("W_hy", k_at, ("rows", "columns")[k_at]))
        known = _known_outputs(self, model) if "W_hy" in arrays else (0, "")
        if "b_y" in arrays and "W_hy" not in arrays:
            self.fail(fields["b_y"][0], f"{path}.b_y", "given without W_hy")
        for key, array in arrays.items():
            h_size, h_why = vote(arrays, claims, without=key)
            k_size, k_why_of = K, lambda _: k_why
            if "W_hy" in arrays:
                k_size, k_why_of = vote(arrays, k_claims, key, known)
            sizes = {"D": D, "H": h_size, "K": k_size, "H+D": h_size + D}
            shape = tuple(sizes[letter] for letter in specs[key].shape)
            if array.shape != shape:
                reasons = {"H": [h_why(key)], "D": [d_why], "K": [k_why_of(key)],
                           "H+D": [h_why(key), d_why]}  # fmt: skip
                said = [r for letter in specs[key].shape for r in reasons[letter] if r]
                message = _wrong_shape(key, array.shape, shape, said, specs[key], model)
                self.fail(fields[key][1], f"{path}.{key}", message)
        given = set(arrays)
        for key, spec in specs.items():
            if spec.shape == ("H",) and key not in arrays and key != "b_hh":
                arrays[key] = np.zeros(H)  # omitted biases and initial states: zero, not trained
        if "W_hy" in arrays:
            K = vote(arrays, k_claims, known=known)[0]
            arrays.setdefault("b_y", np.zeros(K))
        ordered = {prefix + key: arrays[key] for key in specs if key in arrays}
        return Part(ordered, {prefix + key for key in given}, H, K, form)

    def _param_fields(
        self, node: yaml.Node, model: ModelSpec, specs: dict[str, ParamSpec], path: str
    ) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """The entries of a parameter mapping, each key checked against the part's ones."""
        fields: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, (key_node, value) in self.doc.mapping(node, path).items():
            if key not in specs:
                self.fail(key_node, f"{path}.{key}",
                          "unknown parameter" + _param_hint(key, model, specs, path))  # fmt: skip
            fields[key] = (key_node, value)
        return fields

    def _form(
        self,
        node: yaml.Node,
        model: ModelSpec,
        specs: dict[str, ParamSpec],
        fields: dict[str, tuple[yaml.Node, yaml.Node]],
        path: str,
    ) -> str:
        """separate or concatenated; every required matrix present in exactly one form."""
        concat_keys = {s.key for s in cells.get(model.cell).concat.values()}
        joined = [key for key in fields if key in concat_keys]
        split = [key for key in fields
                 if key not in concat_keys and specs[key].gate is not None]  # fmt: skip
        if joined and split:
            self.fail(fields[split[0]][0], f"{path}.{split[0]}",
                      f"{joined[0]} (acting on [h_(t-1), x_t]) and {split[0]} are two forms of "
                      "the same weights; write every gate in one form")  # fmt: skip
        form = "concatenated" if joined else "separate"
        if form == "concatenated" and model.gru_variant == "reset_after":
            self.fail(fields[joined[0]][0], f"{path}.{joined[0]}",
                      "the concatenated form goes with gru_variant reset_before; with "
                      "reset_after write W_hx and W_hh separately")  # fmt: skip
        needed = sorted(concat_keys) if joined else [
            key for key, spec in specs.items() if spec.required and key not in concat_keys
        ]  # fmt: skip
        needed += ["W_hy"] if model.output != "none" and "W_hy" in specs else []
        for key in needed:
            if key not in fields:
                self.fail(node, f"{path}.{key}", f"missing: the {specs[key].text}, shape "
                          f"({', '.join(specs[key].shape)})")  # fmt: skip
        return form

    def _input_size(
        self,
        kind: str,
        vocabulary: dict[str, np.ndarray],
        vocab_node: yaml.Node,
        sequences: list[Sequence],
    ) -> tuple[int, str]:
        """D and the reason for it, from the input."""
        if kind == "vectors":
            D = sequences[0].inputs.shape[1]
            for seq in sequences:
                if seq.inputs.shape[1] != D:
                    self.fail(vocab_node, f"sequences[{seq.number - 1}].inputs",
                              f"vectors of {seq.inputs.shape[1]} entries, but sequence 1's "
                              f"have {D}")  # fmt: skip
            return D, f"sequence 1's input vectors have {D} entries"
        if kind == "one_hot":
            return len(vocabulary), f"the one-hot vocabulary has {len(vocabulary)} tokens"
        D = len(next(iter(vocabulary.values())))
        return D, f"the embeddings have {D} entries"


def _transposed(spec: ParamSpec) -> ParamSpec:
    """A matrix's spec in the row layout: W_xh (D, H) for (H, D); vectors as they are."""
    if len(spec.shape) != 2:
        return spec
    return ParamSpec(spec.key, spec.shape[::-1], spec.text, spec.required, spec.gate)


def _wrong_shape(
    key: str, found: tuple[int, ...], shape: tuple[int, ...], said: list[str], spec: ParamSpec,
    model: ModelSpec,
) -> str:  # fmt: skip
    """'shape (1, 3), must be shape (3, 1) because ...', saying when it looks transposed."""
    why = " and ".join(dict.fromkeys(said))
    if model.layout == "rows":
        why += f" (model.layout rows: {key} is ({', '.join(spec.shape)}))"
    if len(shape) == 2 and shape[0] != shape[1] and found == shape[::-1]:
        why += "; it looks transposed"
    return f"{shape_words(found)}, must be {shape_words(shape)} because {why}"


def _known_outputs(reader: ParamsReader, model: ModelSpec) -> tuple[int, str]:
    """K as bce or mse labels or targets state it (0 when they do not), and why in words. A
    list under cross-entropy may be a mistaken class index, which the labels' check reports."""
    K = outputs_of_targets(reader, model) if model.loss != "ce" else None
    if K is None:
        return 0, ""
    said = "label" if model.output == "last" else "target"
    return K, f"each {said} has {K} entr{'y' if K == 1 else 'ies'}"


def _param_hint(key: str, model: ModelSpec, specs: dict[str, ParamSpec], path: str) -> str:
    """Why a parameter key is unknown: the decoder's W_ch without a separate context,
    another cell's, a textbook alias, or a typo."""
    from rnntrace._internal.scenario.load_parts import CONTEXT  # only on this error's path

    if key == CONTEXT.key and path == "params.decoder":
        scoring = model.attention if model.attention != "none" else "dot"
        return (f" (W_ch is the decoder's context matrix of `model.attention: {{kind: {scoring}, "
                "context: separate}`, W_hh h_(t-1) + W_ch c_t + W_xh y_(t-1); with context "
                "concatenated, the decoder's W_xh reads [y_(t-1), c_t])")  # fmt: skip
    aliases = cells.get(model.cell).aliases
    alias = aliases.get(key) or aliases.get(key.replace("{", "").replace("}", ""))
    if alias and alias in specs:
        return (f" (the canonical name is {alias!r}; to display it as {key!r}, "
                f"add `notation: {{{alias}: {key}}}`)")  # fmt: skip
    for kind in cells.kinds():
        if kind.name != model.cell and key in kind.param_specs():
            return f" for model.cell {model.cell!r} (it is a parameter of {kind.name!r})" + (
                suggest(key, specs)
            )
    return suggest(key, specs)
