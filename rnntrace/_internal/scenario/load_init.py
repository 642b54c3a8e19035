"""`params.init`: parameters drawn when the scenario is loaded, instead of written out.

    params:
      init: {scheme: xavier, seed: 7, hidden: 3, outputs: 2}
      W_hy: [[0.1, 0.2, 0.3], [0.0, -0.1, 0.2]]   # an entry beside init wins over its draw

The draws come from one generator, ``numpy.random.default_rng(seed)``, one call of
``standard_normal(shape)`` a matrix, in this order: each part of the model (the only one;
layers 1 to N; forward, backward; encoder, decoder), the cell's weight matrices in the order
of its parameter specs in the separate form (the simple RNN's W_xh, W_hh; the LSTM's W_fx,
W_fh, W_ix, W_ih, W_cx, W_ch, W_ox, W_oh; ...); then the attention's W_a, U_a, v_a; then W_hy.

* ``xavier``: a matrix with n columns (its fan-in, the size of the vector it multiplies) is
  A · gain/√n, entries N(0, gain²/n): W_hh ~ N(0, 1/H) (seed 001's σ² = 1/n_h), W_xh ~
  N(0, 1/D), W_hy ~ N(0, 1/H), a gate's W_gx ~ N(0, 1/D) and W_gh ~ N(0, 1/H).
* ``orthogonal``: each recurrent matrix (H×H, acting on h_(t-1): W_hh, W_fh, ...) is gain · Q
  with A = QR (numpy.linalg.qr) and Q's columns multiplied by the signs of diag(R), so that
  QᵀQ = I and every eigenvalue of gain · Q has modulus gain (spectral radius gain); the
  other matrices are drawn as by ``xavier`` with gain 1.

Every draw is made, then the entries given beside ``init`` replace theirs (the other draws do
not change). The concatenated form W_g = [W_gh, W_gx] holds the same draws. Biases are zero
and trained, the forget-gate bias b_f = ``forget_bias`` (LSTM, MGU); h_0 and c_0 are zero
and not trained unless given.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import yaml

from rnntrace._internal import cells
from rnntrace._internal.cells import ParamSpec
from rnntrace._internal.scenario.load_init_parts import (
    Fields,
    InitPart,
    attention_shapes,
    concat_keys,
    init_parts,
    output_width,
)
from rnntrace._internal.scenario.load_shapes import PartReader, shape_words
from rnntrace._internal.scenario.model import ModelSpec
from rnntrace._internal.scenario.model_more import Draw, InitRecord
from rnntrace._internal.scenario.yamldoc import suggest


def draw(rng: np.random.Generator, rule: str, shape: tuple[int, ...], gain: float) -> np.ndarray:
    """One matrix (or vector) of the draws: ``normal`` N(0, gain²/n) with n its columns, or
    ``orthogonal`` gain · Q (Q of the QR decomposition, signs fixed by diag R)."""
    values = rng.standard_normal(shape)
    if rule == "orthogonal":
        q, r = np.linalg.qr(values)
        return gain * (q * np.sign(np.diag(r)))
    return values * (gain / np.sqrt(shape[-1]))


def read_init(
    reader: PartReader, node: yaml.Node, D: int, model: ModelSpec
) -> tuple[dict[str, np.ndarray], set[str], dict[str, int], str, InitRecord]:
    """Parameters, keys given (trained), sizes, form, and how they were drawn."""
    doc = reader.doc
    fields = doc.mapping(node, "params")
    settings = doc.mapping(fields["init"][1], "params.init", choices_of_init())
    scheme = _setting(reader, settings, "scheme", model)
    seed = int(_setting(reader, settings, "seed", model))
    gain = float(_setting(reader, settings, "gain", model))
    forget_bias = float(_setting(reader, settings, "forget_bias", model))
    form = str(_setting(reader, settings, "form", model))
    parts, K = init_parts(reader, node, fields, settings, D, model)
    blocks = _blocks(parts, model, K) + list(
        attention_shapes(reader, settings, model, parts).items()
    )
    width = output_width(parts, model)
    blocks += [("W_hy", (K, width))] if K else []
    rng = np.random.default_rng(seed)
    arrays: dict[str, np.ndarray] = {}
    draws: list[Draw] = []
    for key, shape in blocks:
        recurrent = len(shape) == 2 and key.rsplit(".", 1)[-1] in _recurrent(model)
        rule = "orthogonal" if scheme == "orthogonal" and recurrent else "normal"
        g = gain if scheme == "xavier" or rule == "orthogonal" else 1.0
        arrays[key] = draw(rng, rule, shape, g)
        draws.append(Draw(key, shape, rule, shape[-1], g))
    record = _complete(reader, fields, parts, arrays, model, form, K, width, forget_bias)
    given, zeros, forget, written = record
    replaced = {d.key for d in draws if _replaced(d.key, written)}
    info = InitRecord(
        scheme=scheme, seed=seed, gain=gain, forget_bias=forget_bias, form=form,
        draws=tuple(Draw(d.key, d.shape, d.rule, d.fan_in, d.gain, d.key in replaced)
                    for d in draws),
        zeros=tuple(zeros), forget=tuple(forget), given=tuple(written),
    )  # fmt: skip
    return arrays, given, {"D": D, "H": width, "K": K}, form, info


def _blocks(parts: list[InitPart], model: ModelSpec, K: int) -> list[tuple[str, tuple[int, ...]]]:
    """The cell's weight matrices of every part, in the separate form, in the order drawn."""
    out = []
    for part in parts:
        sizes = {"H": part.H, "D": part.D, "K": K, "H+D": part.H + part.D}
        for key, spec in part.specs.items():
            if key.startswith("W") and key not in ("W_hy", "W_yh", *concat_keys(model)):
                out.append((part.prefix + key, tuple(sizes[letter] for letter in spec.shape)))
    return out


def _recurrent(model: ModelSpec) -> set[str]:
    """The cell's recurrent matrices (H × H, acting on h_(t-1)): W_hh, W_fh, ..."""
    specs = cells.get(model.cell).param_specs()
    return {key for key, spec in specs.items() if key.startswith("W") and spec.shape == ("H", "H")}


def choices_of_init() -> list[str]:
    """The keys of ``params.init`` (from the schema)."""
    from rnntrace._internal.scenario.schema import INIT

    return list(INIT["properties"])


def _setting(reader: PartReader, settings: Fields, key: str, model: ModelSpec) -> Any:
    """One setting of params.init, checked, or its default."""
    from rnntrace._internal.scenario.schema import INIT

    spec = INIT["properties"][key]
    path = f"params.init.{key}"
    if key not in settings:
        if key == "scheme":
            reader.fail(None if not settings else next(iter(settings.values()))[0], path,
                        "missing: xavier or orthogonal")  # fmt: skip
        return spec["default"]
    node = settings[key][1]
    doc = reader.doc
    if "enum" in spec:
        value: object = doc.choice(node, path, spec["enum"])
        if key == "form" and value == "concatenated" and not cells.get(model.cell).concat:
            reader.fail(node, path, f"model.cell {model.cell!r} has no gates to concatenate")
        if key == "form" and value == "concatenated" and model.gru_variant == "reset_after":
            reader.fail(node, path, "the concatenated form goes with gru_variant reset_before")
        return value
    if key == "seed":
        return doc.integer(node, path, 0, 2**63 - 1)
    value = doc.number(node, path)
    if key == "gain" and value <= 0:
        reader.fail(node, path, f"expected a positive number, found {value:g}")
    if key == "forget_bias" and "b_f" not in cells.get(model.cell).param_specs():
        reader.fail(node, path, f"model.cell {model.cell!r} has no forget gate (b_f); "
                    "forget_bias applies to lstm and mgu")  # fmt: skip
    return value


def _complete(
    reader: PartReader, fields: Fields, parts: list[InitPart], arrays: dict[str, np.ndarray],
    model: ModelSpec, form: str, K: int, width: int, forget_bias: float,
) -> tuple[set[str], list[str], list[str], list[str]]:  # fmt: skip
    """The parameters in the scenario's form and order, the entries given beside init
    replacing theirs: (keys trained, biases set to zero, forget biases, keys given)."""
    drawn = dict(arrays)
    arrays.clear()
    given: set[str] = set()
    zeros: list[str] = []
    forget: list[str] = []
    written: list[str] = []
    out_part = InitPart("", "params", width, 0, {spec.key: spec for spec in cells.OUTPUT})
    layers = [(part, _entries(reader, part, model, form)) for part in parts]
    if parts[0].prefix:  # W_hy and b_y at the top of params
        out_entries: Fields = {k: fields[k] for k in ("W_hy", "b_y") if k in fields}
        layers.append((out_part, out_entries))
    for part, entries in layers:
        for key, spec in part.specs.items():
            full = part.prefix + key
            value = _value(part, key, spec, drawn, model, form, K, key in entries, forget_bias)
            if value is None:
                continue
            if key in entries:
                value = _given(reader, entries[key], f"{part.path}.{key}", value.shape)
                written.append(full)
            elif key == "b_f" and forget_bias:
                forget.append(full)
            elif not key.startswith("W") and key not in ("h_0", "c_0"):
                zeros.append(full)
            arrays[full] = value
            if key not in ("h_0", "c_0") or key in entries:
                given.add(full)
        if part is parts[-1]:
            for key in [key for key in drawn if key.startswith("att.")]:
                arrays[key] = drawn[key]
                given.add(key)
    return given, zeros, forget, written


def _value(
    part: InitPart, key: str, spec: ParamSpec, drawn: dict[str, np.ndarray], model: ModelSpec,
    form: str, K: int, is_given: bool, forget_bias: float,
) -> np.ndarray | None:  # fmt: skip
    """The drawn (or zero) value of one parameter of a part; None when the model has none."""
    concat = concat_keys(model)
    if spec.gate is not None and (key in concat) != (form == "concatenated"):
        return None  # the other form
    if key in concat:
        return np.hstack([drawn[f"{part.prefix}W_{spec.gate}h"],
                          drawn[f"{part.prefix}W_{spec.gate}x"]])  # fmt: skip
    if key == "W_hy":
        return drawn["W_hy"] if K else None
    if key == "b_y":
        return np.zeros(K) if K else None
    if key.startswith("W"):
        if part.prefix + key in drawn:
            return drawn[part.prefix + key]
        return np.zeros((part.H, K)) if is_given else None  # W_yh: only when given
    if key == "b_hh" and model.gru_variant != "reset_after":
        return None
    if key == "b_f" and forget_bias:
        return np.full(part.H, forget_bias)
    return np.zeros(part.H)


def _entries(reader: PartReader, part: InitPart, model: ModelSpec, form: str) -> Fields:
    """The entries given beside init in one part, each a key of the part in the init's form."""
    if part.node is None:
        return {}
    entries = {k: v for k, v in reader.doc.mapping(part.node, part.path).items() if k != "init"}
    concat = concat_keys(model)
    for key, (key_node, _) in entries.items():
        if key not in part.specs:
            reader.fail(key_node, f"{part.path}.{key}", "unknown parameter"
                        + suggest(key, part.specs))  # fmt: skip
        gated = part.specs[key].gate is not None
        if gated and (key in concat) != (form == "concatenated"):
            reader.fail(key_node, f"{part.path}.{key}", f"params.init draws the {form} form"
                        f"{'' if form == 'concatenated' else ' (the default)'}; write {key} in "
                        "that form, or set params.init.form")  # fmt: skip
    return {k: (v[0], v[1]) for k, v in entries.items()}


def _given(
    reader: PartReader, entry: tuple[yaml.Node, yaml.Node] | yaml.Node, path: str,
    shape: tuple[int, ...],
) -> np.ndarray:  # fmt: skip
    """An entry given beside init, of the shape its draw (or zero) has."""
    node = entry[1] if isinstance(entry, tuple) else entry
    read = reader.doc.matrix if len(shape) > 1 else reader.doc.vector
    value = read(node, path)
    if value.shape != shape:
        reader.fail(node, path, f"{shape_words(value.shape)}, must be {shape_words(shape)}, "
                    "the shape params.init gives it (from hidden and outputs)")  # fmt: skip
    return value


def _replaced(key: str, written: list[str]) -> bool:
    """Whether a drawn block's values were replaced by a given entry (W_fh by W_f too)."""
    if key in written:
        return True
    part, dot, base = key.rpartition(".")
    whole = f"{part}{dot}{base[:3]}" if base.startswith("W_") and len(base) == 4 else None
    return whole is not None and whole in written
