"""Read and validate a scenario file. Every user error is raised here, located and explained."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import yaml

from rnntrace._internal import cells
from rnntrace._internal.errors import ScenarioError
from rnntrace._internal.scenario.load_notation import read_notation
from rnntrace._internal.scenario.load_params import ParamsReader
from rnntrace._internal.scenario.load_targets import TargetsReader
from rnntrace._internal.scenario.load_train import TrainReader
from rnntrace._internal.scenario.model import (
    AssignmentSpec,
    ModelSpec,
    NumberPolicy,
    Scenario,
    VarySpec,
)
from rnntrace._internal.scenario.schema import CELL_OPTIONS, allowed_keys, choices
from rnntrace._internal.scenario.yamldoc import YamlDoc, describe
from rnntrace._internal.symbol.tree import Symbol

if TYPE_CHECKING:
    from rnntrace._internal.scenario.load_feeding import FeedingReader
    from rnntrace._internal.scenario.load_skipdrop import SkipDropReader


def read_text(path: str | Path, kind: str = "a scenario file") -> str:
    """The UTF-8 text of ``path``; a missing, unreadable or non-text file is a one-line
    ScenarioError naming it (``kind`` says what it should have been)."""
    file = str(path)
    try:
        data = read_regular_file(Path(path), kind)
    except FileNotFoundError:
        raise ScenarioError("no such file", file=file) from None
    except IsADirectoryError:
        raise ScenarioError(f"is a folder, not {kind}", file=file) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read: {exc.strerror}", file=file) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        raise ScenarioError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} here); save the file as UTF-8",
            file=file, line=line, col=col,
        ) from None  # fmt: skip


def read_regular_file(path: Path, kind: str) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES; a pipe, a device (``/dev/zero``)
    or a larger file is refused before anything is read."""
    import os
    import stat

    from rnntrace._internal.scenario.yamldoc import MAX_FILE_BYTES

    with open(path, "rb") as handle:
        info = os.fstat(handle.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError(f"not a regular file (a pipe or a device?); expected {kind}",
                                file=str(path))  # fmt: skip
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(
            f"file is larger than {MAX_FILE_BYTES // 1_000_000} MB; expected {kind}",
            file=str(path),
        )
    return data


def load_scenario(path: str | Path) -> Scenario:
    """Read ``path`` and return the validated scenario; raises ScenarioError."""
    return parse_scenario(read_text(path), str(path))


def parse_scenario(text: str, file: str = "<scenario>") -> Scenario:
    """Validate scenario text; ``file`` names it in messages."""
    return _Loader(YamlDoc(text, file)).scenario()


class _Loader(ParamsReader, TargetsReader, TrainReader):
    """Reads a scenario. The readers of the keys few scenarios have (issue 13's skip
    connections, dropout, attention forms, head steps and scheduled sampling; assignment;
    vary) are imported when a file has them."""

    def __init__(self, doc: YamlDoc) -> None:
        self.doc = doc
        self._skipdrop: SkipDropReader | None = None
        self._feeding: FeedingReader | None = None

    def skipdrop(self) -> SkipDropReader:
        """The reader of model.skip, model.layers and model.dropout, made when first used."""
        if self._skipdrop is None:
            from rnntrace._internal.scenario.load_skipdrop import SkipDropReader

            self._skipdrop = SkipDropReader(self.doc)
        return self._skipdrop

    def feeding(self) -> FeedingReader:
        """The reader of model.attention, model.head_steps and train.scheduled_sampling, made
        when first used."""
        if self._feeding is None:
            from rnntrace._internal.scenario.load_feeding import FeedingReader

            self._feeding = FeedingReader(self.doc)
        return self._feeding

    def scenario(self) -> Scenario:
        doc = self.doc
        top = doc.mapping(doc.root, "", allowed_keys(""))
        for required in ("input", "sequences", "params"):
            if required not in top:
                self.fail(doc.root, required, "missing (see `rnntrace init` for a starter file)")
        if "version" in top:
            node = top["version"][1]
            version = doc.scalar(node, "version")
            if isinstance(version, bool) or version != 1:
                self.fail(node, "version", f"expected 1, found {describe(node)}")
        title = Path(doc.file).name
        if "title" in top:
            title = doc.text(top["title"][1], "title")
        description = (
            doc.text(top["description"][1], "description") if "description" in top else None
        )

        model = self.model(top.get("model"))
        train = self.train(top.get("train"), model)
        if "train" in top:  # issue 13: scheduled sampling (load_feeding)
            section = self.doc.mapping(top["train"][1], "train")
            if "scheduled_sampling" in section:
                sampling = self.feeding().sampling_value(section["scheduled_sampling"][1], model)
                train = replace(train, scheduled_sampling=sampling)
        numbers = self.numbers(top.get("numbers"))
        kind, vocabulary, vocab_node = self.input(top["input"][1])
        sequences = self.sequences(top["sequences"][1], kind, vocabulary, model)
        params, given, dims, form = self.params(
            top["params"][1], kind, vocabulary, vocab_node, sequences, model
        )
        K = dims["K"]
        if self._skipdrop is not None:
            self._skipdrop.check_skipdrop_sizes(top["model"][1], model, params, dims["D"],
                                                [seq.length for seq in sequences])  # fmt: skip
        self.check_targets(top["sequences"][1], sequences, model, K)
        resolved = tuple(self.resolve_targets(seq, model, K, vocabulary, kind) for seq in sequences)
        if self._feeding is not None:
            self._feeding.check_feeding(resolved, model, train.scheduled_sampling)
        notation, index_style = self.notation(top.get("notation"), params, model)
        assignment = self.assignment(top.get("assignment"))
        vary = self.vary(top.get("vary"), params, given, kind, vocabulary, model)
        return Scenario(
            file=doc.file,
            title=title,
            description=description,
            input_kind=kind,
            vocabulary=vocabulary,
            sequences=resolved,
            model=model,
            params=params,
            given=frozenset(given),
            dims=dims,
            form=form,
            notation=notation,
            train=train,
            numbers=numbers,
            assignment=assignment,
            vary=vary,
            init=self.drawn,
            index_style=index_style,
        )

    # -- sections ---------------------------------------------------------------------------
    def assignment(self, entry: tuple[yaml.Node, yaml.Node] | None) -> AssignmentSpec:
        """The ``assignment`` section (its reader imported when there is one), or defaults."""
        if entry is None:
            return AssignmentSpec()
        from rnntrace._internal.scenario.load_assignment import AssignmentReader

        return AssignmentReader(self.doc).assignment(entry)

    def vary(
        self, entry: tuple[yaml.Node, yaml.Node] | None, params: dict[str, np.ndarray],
        given: set[str], kind: str, vocabulary: dict[str, np.ndarray], model: ModelSpec,
    ) -> VarySpec:  # fmt: skip
        """The ``vary`` section (its reader imported when there is one), or defaults."""
        if entry is None:
            return VarySpec()
        from rnntrace._internal.scenario.load_vary import VaryReader

        return VaryReader(self.doc).vary(entry, params, given, kind, vocabulary, model)

    def model(self, entry: tuple[yaml.Node, yaml.Node] | None) -> ModelSpec:
        if entry is None:
            return ModelSpec()
        doc = self.doc
        fields = doc.mapping(entry[1], "model", allowed_keys("model"))
        values: dict[str, object] = {}
        for key, (_, node) in fields.items():
            if key == "layers":
                values[key], values["layer_skip"] = self.skipdrop().layers_value(node)
            elif key == "skip":
                values[key] = self.skipdrop().skip_value(node)
            elif key == "dropout":
                values[key] = self.skipdrop().dropout_value(node)
            elif key == "attention":
                values[key], values["attention_context"] = self.feeding().attention_value(node)
            elif key == "head_steps":
                values[key] = self.feeding().head_steps_value(node)
            elif key in ("residual", "teacher_forcing"):
                values[key] = doc.boolean(node, f"model.{key}")
            else:
                values[key] = doc.choice(node, f"model.{key}", choices("model", key))
        if values.get("topology") in ("generate", "encoder_decoder") and "output" not in values:
            values["output"] = "every"  # one output per generated step
        spec = ModelSpec(**values)  # type: ignore[arg-type]
        self._check_topology(spec, fields)
        if self._skipdrop is not None:
            self._skipdrop.check_skipdrop(spec, fields)
        if self._feeding is not None:
            self._feeding.check_feeding_model(spec, fields)
        own = cells.get(spec.cell).options  # a cell's own options (activation, gru_variant, ...)
        if any(key in CELL_OPTIONS and key not in own for key in fields):
            self._refuse_options(spec, fields)
        if spec.output == "none" and spec.loss != "none":
            self.fail(
                fields["loss"][1],
                "model.loss",
                f"{spec.loss!r} needs outputs, but model.output is 'none'; set output to "
                "last or every, or loss to none",
            )
        self._check_loss_options(spec, fields)
        self._check_layout(spec, fields)
        needs = {"bce": "sigmoid", "ce": "softmax"}.get(spec.loss)
        if needs and spec.head != needs:
            node = fields["head"][1] if "head" in fields else fields["loss"][1]
            self.fail(
                node,
                "model.head",
                f"loss {spec.loss!r} needs head {needs!r}, found {spec.head!r}",
            )
        return spec

    def _refuse_options(
        self, spec: ModelSpec, fields: dict[str, tuple[yaml.Node, yaml.Node]]
    ) -> None:
        """A key of another cell's options (every cell imported, to name its cell)."""
        for kind in cells.kinds():
            for key in kind.options:
                if key in fields and key not in cells.get(spec.cell).options:
                    self.fail(
                        fields[key][0],
                        f"model.{key}",
                        f"applies to model.cell {kind.name!r} only; this model is {spec.cell!r}",
                    )

    def _check_loss_options(
        self, spec: ModelSpec, fields: dict[str, tuple[yaml.Node, yaml.Node]]
    ) -> None:
        """``mse_scale`` goes with loss mse, ``output_error: chain`` with bce or ce."""
        if "mse_scale" in fields and spec.loss != "mse":
            self.fail(fields["mse_scale"][1], "model.mse_scale",
                      f"applies to loss 'mse', but model.loss is {spec.loss!r}")  # fmt: skip
        if spec.output_error == "chain" and spec.loss not in ("bce", "ce"):
            self.fail(fields["output_error"][1], "model.output_error", "chain applies to "
                      f"loss 'bce' or 'ce', but model.loss is {spec.loss!r}")  # fmt: skip

    def _check_layout(
        self, spec: ModelSpec, fields: dict[str, tuple[yaml.Node, yaml.Node]]
    ) -> None:
        """``layout: rows`` goes with the simple RNN of one layer, topology standard."""
        if spec.layout != "rows":
            return
        other = (
            f"model.cell {spec.cell!r}" if "rows" not in cells.get(spec.cell).layouts
            else f"topology {spec.topology!r}" if spec.topology != "standard"
            else f"{spec.layers} stacked layers" if spec.layers > 1
            else f"{spec.attention!r} attention" if spec.attention != "none"
            else ""
        )  # fmt: skip
        if other:
            self.fail(fields["layout"][1], "model.layout", "rows goes with the simple "
                      "RNN of one layer, topology standard, without attention; found "
                      f"{other}")  # fmt: skip

    def _check_topology(
        self, spec: ModelSpec, fields: dict[str, tuple[yaml.Node, yaml.Node]]
    ) -> None:
        """The topology keys fit together (each message names the key that does not)."""

        def refuse(key: str, message: str) -> None:
            node = fields[key][1] if key in fields else None
            self.fail(node, f"model.{key}", message)

        top = spec.topology
        if spec.layers > 1 and top != "standard":
            refuse("layers", f"stacked layers go with topology 'standard', not {top!r}")
        if spec.residual and spec.layers == 1:
            refuse("residual", "a residual connection needs model.layers of 2 or more")
        if spec.attention == "self" and top != "standard":
            refuse("attention", f"self-attention goes with topology 'standard', not {top!r}")
        if spec.attention in ("dot", "general", "additive") and top != "encoder_decoder":
            refuse(
                "attention",
                f"{spec.attention!r} attention goes with topology "
                f"'encoder_decoder' (for attention over one sequence use 'self')",
            )
        if spec.attention_gradient != "exact" and spec.attention == "none":
            refuse("attention_gradient", "applies to a model with attention")
        if spec.teacher_forcing and top not in ("generate", "encoder_decoder"):
            refuse("teacher_forcing", "applies to topologies generate and encoder_decoder")
        if spec.teacher_forcing and spec.loss == "none":
            refuse(
                "teacher_forcing",
                "feeds the targets of the loss as the next inputs; set "
                "model.loss (the targets are then read as the loss's targets)",
            )
        if top in ("generate", "encoder_decoder") and spec.output != "every":
            refuse(
                "output",
                f"topology {top!r} has an output at every step it generates; "
                "write output: every or leave it out",
            )

    def numbers(self, entry: tuple[yaml.Node, yaml.Node] | None) -> NumberPolicy:
        if entry is None:
            return NumberPolicy()
        doc = self.doc
        fields = doc.mapping(entry[1], "numbers", allowed_keys("numbers"))
        policy = NumberPolicy()
        if "decimals" in fields:
            policy = NumberPolicy(
                decimals=doc.integer(fields["decimals"][1], "numbers.decimals", 0, 12)
            )
        carry = policy.carry
        if "carry" in fields:
            carry = doc.choice(fields["carry"][1], "numbers.carry", choices("numbers", "carry"))
        round_terms = False
        if "round_terms" in fields:
            round_terms = doc.boolean(fields["round_terms"][1], "numbers.round_terms")
        return NumberPolicy(decimals=policy.decimals, carry=carry, round_terms=round_terms)

    def notation(
        self,
        entry: tuple[yaml.Node, yaml.Node] | None,
        params: dict[str, np.ndarray],
        model: ModelSpec,
    ) -> tuple[dict[str, Symbol], str]:
        """Display symbols (of parameters and quantities) parsed once, and the index style."""
        if entry is None:
            return {}, "subscript"
        return read_notation(self.doc, entry[1], params, model)
