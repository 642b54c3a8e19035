"""The layout of a model whose parameters ``params.init`` draws (see ``load_init``): its
parts with their sizes (D, H) and the entries given beside init, K, and the attention's
shapes."""

from __future__ import annotations

import yaml

from rnntrace._internal import cells
from rnntrace._internal.cells import ParamSpec
from rnntrace._internal.scenario.load_parts import ATTENTION_PARAMS, LAYOUTS, decoder_specs
from rnntrace._internal.scenario.load_shapes import PartReader, outputs_of_targets
from rnntrace._internal.scenario.model import ModelSpec
from rnntrace._internal.scenario.yamldoc import suggest

MAX_SIZE = 1000  # the largest hidden size, output size or attention size init draws
Fields = dict[str, tuple[yaml.Node, yaml.Node]]


class InitPart:
    """One part being drawn: its prefix, where it is written, its input size D, H, specs."""

    def __init__(self, prefix: str, path: str, D: int, H: int, specs: dict[str, ParamSpec]):
        self.prefix, self.path, self.D, self.H, self.specs = prefix, path, D, H, specs
        self.node: yaml.Node | None = None  # its mapping of given entries, if any


def concat_keys(model: ModelSpec) -> set[str]:
    """The keys of the cell's concatenated gate matrices (W_f, W_i, ...)."""
    return {spec.key for spec in cells.get(model.cell).concat.values()}


def init_parts(
    reader: PartReader, node: yaml.Node, fields: Fields, settings: Fields, D: int,
    model: ModelSpec,
) -> tuple[list[InitPart], int]:  # fmt: skip
    """The parts to draw, each with its sizes and given entries, and K."""
    one_part = model.layers == 1 and model.topology in ("standard", "generate")
    specs = _checked_keys(reader, fields, model, one_part)
    K = _outputs(reader, fields, settings, D, model, outputs_of_targets(reader, model))
    cell_specs = {k: v for k, v in specs.items() if one_part or k not in ("W_hy", "b_y")}
    if one_part:
        part = InitPart("", "params", D, _sizes(reader, settings, model, 1)[0], cell_specs)
        part.node = node
        return [part], K
    if model.topology == "standard":
        return _layers(reader, fields, settings, D, model, cell_specs), K
    H = _sizes(reader, settings, model, 1)[0]
    if model.topology == "bidirectional":
        parts = [InitPart("fw.", "params.forward", D, H, cell_specs),
                 InitPart("bw.", "params.backward", D, H, cell_specs)]  # fmt: skip
    else:
        dec_specs = decoder_specs(cell_specs, model)
        joined = model.attention != "none" and model.attention_context != "separate"
        dec_in = K + (H if joined else 0)
        parts = [InitPart("enc.", "params.encoder", D, H, cell_specs),
                 InitPart("dec.", "params.decoder", dec_in, H, dec_specs)]  # fmt: skip
    for part in parts:
        name = part.path.split(".")[1]
        part.node = fields[name][1] if name in fields else None
    return parts, K


def _checked_keys(
    reader: PartReader, fields: Fields, model: ModelSpec, one_part: bool
) -> dict[str, ParamSpec]:
    """The cell's parameter specs; every key of ``params`` beside init one of the model's."""
    specs = dict(cells.get(model.cell).param_specs())
    names = ["init", "W_hy", "b_y"]
    if model.layers > 1:
        names.append("layers")
    elif model.topology in LAYOUTS:
        names += [n for n in LAYOUTS[model.topology] if n != "attention" or model.attention
                  not in ("none", "dot")]  # fmt: skip
    if one_part:
        extra = cells.get(model.cell).topology_params.get(model.topology)
        if extra is not None:
            specs[extra.key] = extra
    for key, (key_node, _) in fields.items():
        if key not in names and not (one_part and key in specs):
            reader.fail(key_node, f"params.{key}", "unknown key beside params.init"
                        + suggest(key, names + (list(specs) if one_part else [])))  # fmt: skip
    return specs


def _layers(
    reader: PartReader, fields: Fields, settings: Fields, D: int, model: ModelSpec,
    specs: dict[str, ParamSpec],
) -> list[InitPart]:  # fmt: skip
    """Stacked layers: layer l reads layer l−1's hidden states."""
    sizes = _sizes(reader, settings, model, model.layers)
    inputs = [D, *sizes[:-1]]
    parts = [InitPart(f"l{i + 1}.", f"params.layers[{i}]", inputs[i], sizes[i], specs)
             for i in range(model.layers)]  # fmt: skip
    if "layers" in fields:
        items = reader.doc.sequence(fields["layers"][1], "params.layers", "a list of layers")
        if len(items) != model.layers:
            reader.fail(fields["layers"][1], "params.layers", f"{len(items)} layers, but "
                        f"model.layers is {model.layers}")  # fmt: skip
        for part, item in zip(parts, items):
            part.node = item
    return parts


def _sizes(reader: PartReader, settings: Fields, model: ModelSpec, count: int) -> list[int]:
    """The hidden size of each part (one number, or one per stacked layer)."""
    path = "params.init.hidden"
    if "hidden" not in settings:
        node = next(iter(settings.values()))[0] if settings else None
        reader.fail(node, path, "missing: the hidden size H (a number, or one per layer)")
    node = settings["hidden"][1]
    if isinstance(node, yaml.SequenceNode) and model.layers > 1:
        items = reader.doc.sequence(node, path)
        if len(items) != model.layers:
            reader.fail(node, path, f"{len(items)} sizes, but model.layers is {model.layers}")
        sizes = [reader.doc.integer(item, f"{path}[{i}]", 1, MAX_SIZE)
                 for i, item in enumerate(items)]  # fmt: skip
        if model.residual and len(set(sizes)) > 1:
            reader.fail(node, path, f"sizes {sizes}, but residual connections add each "
                        "layer's input to its output: give every layer the same size")  # fmt: skip
        return sizes
    return [reader.doc.integer(node, path, 1, MAX_SIZE)] * count


def _outputs(
    reader: PartReader, fields: Fields, settings: Fields, D: int, model: ModelSpec,
    of_targets: int | None,
) -> int:  # fmt: skip
    """K: params.init.outputs, else the rows of a given W_hy, else D for topology generate,
    else what the labels or targets say (see ``outputs_of_targets``)."""
    path = "params.init.outputs"
    if model.output == "none":
        if "outputs" in settings:
            reader.fail(settings["outputs"][1], path, "model.output is none: there is no output")
        return 0
    if "outputs" in settings:
        K = reader.doc.integer(settings["outputs"][1], path, 1, MAX_SIZE)
    elif "W_hy" in fields:
        K = reader.doc.matrix(fields["W_hy"][1], "params.W_hy").shape[0]
    elif model.topology == "generate":
        K = D
    elif of_targets is not None:
        K = of_targets
    else:
        node = next(iter(settings.values()))[0] if settings else None
        reader.fail(node, path, "missing: the number of outputs K (the rows of W_hy); the "
                    "labels or targets do not tell it")  # fmt: skip
    if model.topology == "generate" and K != D and "W_yh" not in fields:
        reader.fail(settings["outputs"][1] if "outputs" in settings else None, path,
                    f"a generated output (K = {K}) is fed back as the next input, so it must "
                    f"have D = {D} entries like the input")  # fmt: skip
    return K


def attention_shapes(
    reader: PartReader, settings: Fields, model: ModelSpec, parts: list[InitPart]
) -> dict[str, tuple[int, ...]]:
    """The shapes of the attention's parameters (``att.`` keys), in the order drawn."""
    path = "params.init.attention_size"
    if model.attention != "additive":
        if "attention_size" in settings:
            reader.fail(settings["attention_size"][1], path, "applies to additive attention")
        if model.attention != "general":
            return {}
    H = parts[0].H
    A = H
    if "attention_size" in settings:
        A = reader.doc.integer(settings["attention_size"][1], path, 1, MAX_SIZE)
    sizes = {"H": H, "E": H, "A": A}
    return {f"att.{spec.key}": tuple(sizes[letter] for letter in spec.shape)
            for spec in ATTENTION_PARAMS[model.attention]}  # fmt: skip


def output_width(parts: list[InitPart], model: ModelSpec) -> int:
    """What W_hy reads: the top layer's H, [h→, h←], or the decoder's H."""
    if model.topology == "bidirectional":
        return parts[0].H + parts[1].H
    return parts[-1].H
