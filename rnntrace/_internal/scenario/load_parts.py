"""Parameters of models made of several parts, each a mapping under `params`:

    layers: [ {...}, {...} ]            stacked layers (model.layers > 1), prefixes l1., l2.
    forward: {...}, backward: {...}     a bidirectional model, prefixes fw., bw.
    encoder: {...}, decoder: {...},     an encoder–decoder, prefixes enc., dec.; the decoder
    attention: {...}                    reads [previous output, context] and has no h_0
plus the output layer `W_hy`, `b_y` at the top of `params`, acting on the top part's hidden
state ([h→, h←] for a bidirectional model).
"""

from __future__ import annotations

import numpy as np
import yaml

from rnntrace._internal import cells
from rnntrace._internal.cells import ParamSpec
from rnntrace._internal.scenario.load_shapes import Part, PartReader
from rnntrace._internal.scenario.model import ModelSpec
from rnntrace._internal.scenario.yamldoc import suggest

ATTENTION_PARAMS = {
    "dot": [],
    "general": [ParamSpec("W_a", ("H", "E"), "attention matrix (scores h_dec · W_a h_enc)", True)],
    "additive": [
        ParamSpec("W_a", ("A", "H"), "attention: decoder-state matrix", True),
        ParamSpec("U_a", ("A", "E"), "attention: encoder-state matrix", True),
        ParamSpec("v_a", ("A",), "attention: score vector", True),
    ],
}
# model.attention.context: separate (seed 001): the decoder's own context matrix, beside W_hh
CONTEXT = ParamSpec("W_ch", ("H", "H"), "decoder: context matrix (W_ch c_t, seed 001)", True)


def decoder_specs(specs: dict[str, ParamSpec], model: ModelSpec) -> dict[str, ParamSpec]:
    """The decoder's parameters: the cell's without initial states, and W_ch after W_hh
    with a separate context."""
    out = {}
    for key, spec in specs.items():
        if key in ("h_0", "c_0"):
            continue
        out[key] = spec
        if key == "W_hh" and model.attention_context == "separate":
            out["W_ch"] = CONTEXT
    return out


LAYOUTS = {
    "bidirectional": {"forward": "fw.", "backward": "bw."},
    "encoder_decoder": {"encoder": "enc.", "decoder": "dec.", "attention": "att."},
}


def read_parts(
    reader: PartReader, node: yaml.Node, D: int, d_why: str, model: ModelSpec
) -> tuple[dict[str, np.ndarray], set[str], dict[str, int], str]:
    """Parameters, keys given, sizes and form of a model of several parts."""
    doc = reader.doc
    names = ["layers"] if model.topology == "standard" else list(LAYOUTS[model.topology])
    if model.topology == "encoder_decoder" and model.attention in ("none", "dot"):
        names.remove("attention")  # dot attention has no parameters
    fields = doc.mapping(node, "params")
    for key, (key_node, _) in fields.items():
        if key == "attention" and model.attention in ("none", "dot"):
            reader.fail(
                key_node,
                "params.attention",
                f"{model.attention} attention has no parameters; leave params.attention out"
                if model.attention == "dot"
                else "model.attention is none; leave params.attention out",
            )
        if key not in names + ["W_hy", "b_y"]:
            reader.fail(
                key_node,
                f"params.{key}",
                f"unknown key; {_a(_layout_words(model))} "
                f"model has params {', '.join(names)}, W_hy, b_y"
                + suggest(key, [*names, "W_hy", "b_y"]),
            )
    for name in names:
        if name not in fields:
            reader.fail(node, f"params.{name}", f"missing: {_a(_layout_words(model))} model "
                        f"gives its parts' parameters under {', '.join(names)}")  # fmt: skip
    specs = cells.get(model.cell).param_specs()
    specs = {k: v for k, v in specs.items() if k not in ("W_hy", "b_y")}
    out = _output_layer(reader, node, fields, model)
    parts: list[Part] = []
    if model.topology == "standard":
        parts = _layers(reader, fields["layers"][1], specs, D, d_why, model)
        width, why = parts[-1].H, f"the top layer has {parts[-1].H} hidden units"
    elif model.topology == "bidirectional":
        for name, prefix in LAYOUTS["bidirectional"].items():
            parts.append(reader.part(fields[name][1], f"params.{name}", prefix, specs, D, d_why,
                                     model))  # fmt: skip
        width = parts[0].H + parts[1].H
        why = f"[h→, h←] has {parts[0].H} + {parts[1].H} entries"
    else:
        parts = _encoder_decoder(reader, fields, specs, D, d_why, model, out.K)
        width, why = parts[1].H, f"the decoder has {parts[1].H} hidden units"
    _one_form(reader, fields, model, parts)
    found = out.arrays["W_hy"].shape
    if found != (out.K, width):
        k_why = f"b_y has {out.K} entr{'y' if out.K == 1 else 'ies'}"
        why = " and ".join([k_why] * (found[0] != out.K) + [why] * (found[1] != width))
        turned = "; it looks transposed" if found == (width, out.K) and width != out.K else ""
        must = f"must be shape ({out.K}, {width}) because {why}{turned}"
        reader.fail(fields["W_hy"][1], "params.W_hy", f"shape {found}, {must}")
    arrays: dict[str, np.ndarray] = {}
    given: set[str] = set(out.given)
    for part in parts:
        arrays.update(part.arrays)
        given |= part.given
    arrays.update(out.arrays)
    forms = {part.form for part in parts if part.arrays}
    dims = {"D": D, "H": width, "K": out.K}
    return arrays, given, dims, "concatenated" if "concatenated" in forms else "separate"


FORM_WORDS = {"concatenated": "concatenated (W_g acting on [h_(t-1), x_t])",
              "separate": "separately (W_gx and W_gh)"}  # fmt: skip


def _one_form(reader: PartReader, fields: dict, model: ModelSpec, parts: list[Part]) -> None:
    """Every part writes its gates in the same form (the trace follows one form)."""
    if model.topology == "standard":
        items = reader.doc.sequence(fields["layers"][1], "params.layers", "a list of layers")
        where = [(item, f"params.layers[{i}]") for i, item in enumerate(items)]
    else:
        where = [(fields[name][1], f"params.{name}") for name in list(LAYOUTS[model.topology])[:2]]
    first = parts[0].form
    for part, (node, path) in zip(parts, where):
        if part.form != first:
            reader.fail(node, path, f"gates written {FORM_WORDS[part.form]}, but "
                        f"{where[0][1]} writes them {FORM_WORDS[first]}; write every "
                        "part's gates in one form")  # fmt: skip


def _layout_words(model: ModelSpec) -> str:
    return {"standard": f"{model.layers}-layer", "bidirectional": "bidirectional",
            "encoder_decoder": "encoder-decoder"}[model.topology]  # fmt: skip


def _a(words: str) -> str:
    """'a' or 'an' before ``words``."""
    return ("an " if words[0] in "aeiou" else "a ") + words


def _output_layer(reader: PartReader, node: yaml.Node, fields: dict, model: ModelSpec) -> Part:
    """W_hy and b_y at the top of `params` (K from them)."""
    if "W_hy" not in fields:
        reader.fail(node, "params.W_hy", "missing: the hidden-to-output matrix, shape (K, H)")
    arrays = {"W_hy": reader.doc.matrix(fields["W_hy"][1], "params.W_hy")}
    if "b_y" in fields:
        arrays["b_y"] = reader.doc.vector(fields["b_y"][1], "params.b_y")
    K = len(arrays["b_y"]) if "b_y" in arrays else arrays["W_hy"].shape[0]  # b_y's K first
    given = set(arrays)
    arrays.setdefault("b_y", np.zeros(K))
    return Part(arrays, given, 0, K, "separate")


def _layers(reader: PartReader, node: yaml.Node, specs: dict, D: int, d_why: str,
            model: ModelSpec) -> list[Part]:  # fmt: skip
    """Stacked layers: layer l reads layer l−1's hidden states."""
    items = reader.doc.sequence(node, "params.layers", "a list of layers")
    if len(items) != model.layers:
        reader.fail(node, "params.layers", f"{len(items)} layers, but model.layers is "
                    f"{model.layers}")  # fmt: skip
    parts: list[Part] = []
    width, why = D, d_why
    for i, item in enumerate(items):
        part = reader.part(item, f"params.layers[{i}]", f"l{i + 1}.", specs, width, why, model)
        if model.residual and i and part.H != parts[-1].H:
            reader.fail(
                item,
                f"params.layers[{i}]",
                f"hidden size {part.H}, but a residual "
                f"connection adds layer {i}'s output, of {parts[-1].H} entries",
            )
        parts.append(part)
        width, why = part.H, f"layer {i + 1} has {part.H} hidden units"
    return parts


def _encoder_decoder(reader: PartReader, fields: dict, specs: dict, D: int, d_why: str,
                     model: ModelSpec, K: int) -> list[Part]:  # fmt: skip
    """The encoder, the decoder (no h_0: it starts from the encoder's last state) and the
    attention's parameters."""
    enc = reader.part(fields["encoder"][1], "params.encoder", "enc.", specs, D, d_why, model)
    dec_specs = decoder_specs(specs, model)
    for key, (key_node, _) in reader.doc.mapping(fields["decoder"][1], "params.decoder").items():
        if key in specs and key not in dec_specs:
            reader.fail(key_node, f"params.decoder.{key}", f"the decoder has no {key}: it "
                        f"starts from the encoder's last state (params.encoder.{key})")  # fmt: skip
    width, why = K, f"the decoder reads the previous output (K = {K})"
    if model.attention != "none" and model.attention_context != "separate":
        width, why = K + enc.H, f"the decoder reads [previous output, context] ({K} + {enc.H})"
    elif model.attention != "none":
        why += "; the context goes through W_ch"
    dec = reader.part(fields["decoder"][1], "params.decoder", "dec.", dec_specs, width, why,
                      model)  # fmt: skip
    if dec.H != enc.H:
        reader.fail(
            fields["decoder"][1],
            "params.decoder",
            f"hidden size {dec.H}, but the "
            f"decoder starts from the encoder's last state, of {enc.H} entries",
        )
    att = _attention(reader, fields, model, enc.H, dec.H)
    return [enc, dec, att]


def _attention(reader: PartReader, fields: dict, model: ModelSpec, E: int, H: int) -> Part:
    specs = {spec.key: spec for spec in ATTENTION_PARAMS.get(model.attention, [])}
    if "attention" not in fields:
        return Part({}, set(), 0, 0, "separate")
    node = fields["attention"][1]
    entries = reader.doc.mapping(node, "params.attention")
    for key, (key_node, _) in entries.items():
        if key not in specs:
            reader.fail(key_node, f"params.attention.{key}", f"unknown parameter for "
                        f"{model.attention} attention" + suggest(key, specs))  # fmt: skip
    A = None
    arrays = {}
    for key, spec in specs.items():
        if key not in entries:
            reader.fail(node, f"params.attention.{key}", f"missing: the {spec.text}")
        value = entries[key][1]
        arrays[key] = (reader.doc.matrix if key.startswith(("W", "U")) else reader.doc.vector)(
            value, f"params.attention.{key}"
        )
        A = A or (arrays[key].shape[0] if key != "v_a" else None)
        sizes = {"H": H, "E": E, "A": A or arrays[key].shape[0]}
        shape = tuple(sizes[letter] for letter in spec.shape)
        if arrays[key].shape != shape:
            reader.fail(
                value,
                f"params.attention.{key}",
                f"shape {arrays[key].shape}, must be "
                f"{shape} (H = {H} decoder units, E = {E} encoder units)",
            )
    return Part({f"att.{k}": v for k, v in arrays.items()}, {f"att.{k}" for k in arrays},
                0, 0, "separate")  # fmt: skip
