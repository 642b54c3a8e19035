"""The scenario's ``train`` section: SGD settings, and seed 001's training techniques
(a learning-rate schedule, the L2 penalty, recurrent weight decay, the clipping ε and a
BPTT window)."""

from __future__ import annotations

from typing import NoReturn

import yaml

from rnntrace._internal.scenario.load_input import MAX_TIME_STEPS
from rnntrace._internal.scenario.model import LrSchedule, ModelSpec, TrainSpec
from rnntrace._internal.scenario.schema import allowed_keys, schema_of
from rnntrace._internal.scenario.yamldoc import YamlDoc

Fields = dict[str, tuple[yaml.Node, yaml.Node]]
_SCHEDULE = schema_of("train")["properties"]["lr_schedule"]
_SCHEDULE_KINDS: list[str] = list(_SCHEDULE["properties"]["kind"]["enum"])


class TrainReader:
    """Mixin for the scenario loader: reads the ``train`` section."""

    doc: YamlDoc

    def fail(self, node: yaml.Node | None, path: str, message: str) -> NoReturn:
        """Raise a ScenarioError located at ``node``."""
        self.doc.fail(node, path, message)

    def train(self, entry: tuple[yaml.Node, yaml.Node] | None, model: ModelSpec) -> TrainSpec:
        """The validated section, or the defaults when the file has none."""
        if entry is None:
            return TrainSpec()
        doc = self.doc
        fields = doc.mapping(entry[1], "train", allowed_keys("train"))
        lr, epochs, bptt, clip, l2 = 0.1, None, None, None, 0.0
        if "learning_rate" in fields:
            node = fields["learning_rate"][1]
            lr = doc.number(node, "train.learning_rate")
            if lr <= 0:
                self.fail(node, "train.learning_rate", f"expected a positive number, found {lr}")
        if "epochs" in fields:
            epochs = doc.integer(fields["epochs"][1], "train.epochs", 1, 10_000_000)
        if "bptt" in fields:
            node = fields["bptt"][1]
            if doc.scalar(node, "train.bptt") != "full":
                bptt = doc.integer(node, "train.bptt", 1, MAX_TIME_STEPS)
        if "clip" in fields:
            node = fields["clip"][1]
            if doc.scalar(node, "train.clip") is not None:
                clip = doc.number(node, "train.clip")
                if clip <= 0:
                    self.fail(node, "train.clip", f"expected a positive number, found {clip}")
        if "l2" in fields:
            l2 = self._at_least_zero(fields, "l2")
        spec = TrainSpec(learning_rate=lr, epochs=epochs, bptt=bptt, clip=clip, l2=l2)
        return self._techniques(fields, spec, model)

    # -- seed 001's techniques (issue 13) -------------------------------------------------
    def _techniques(self, fields: Fields, spec: TrainSpec, model: ModelSpec) -> TrainSpec:
        doc = self.doc
        schedule = None
        if "lr_schedule" in fields and not self._null(fields["lr_schedule"][1]):
            schedule = self._schedule(fields["lr_schedule"][1])
        decay = 0.0
        if "recurrent_decay" in fields:
            node = fields["recurrent_decay"][1]
            decay = doc.number(node, "train.recurrent_decay")
            if not 0 <= decay < 1:
                self.fail(node, "train.recurrent_decay",
                          "expected a number from 0 up to (not including) 1, "
                          f"found {decay:g}")  # fmt: skip
        window = None
        if "bptt_window" in fields and not self._null(fields["bptt_window"][1]):
            node = fields["bptt_window"][1]
            window = doc.integer(node, "train.bptt_window", 1, MAX_TIME_STEPS)
            if spec.bptt is not None:
                self.fail(node, "train.bptt_window",
                          "expected either train.bptt (cuts every k steps) or train.bptt_window "
                          "(each loss's own k steps), found both")  # fmt: skip
            if model.topology != "standard" or model.attention != "none":
                self.fail(node, "train.bptt_window",
                          "expected a model of topology standard without attention (the window "
                          f"is traced for those), found topology {model.topology}"
                          + (f" with attention {model.attention}" if model.attention != "none"
                             else ""))  # fmt: skip
        return TrainSpec(
            learning_rate=spec.learning_rate, epochs=spec.epochs, bptt=spec.bptt, clip=spec.clip,
            l2=spec.l2, lr_schedule=schedule,
            l2_penalty=self._at_least_zero(fields, "l2_penalty") if "l2_penalty" in fields else 0.0,
            recurrent_decay=decay,
            clip_eps=self._at_least_zero(fields, "clip_eps") if "clip_eps" in fields else 0.0,
            bptt_window=window,
        )  # fmt: skip

    def _null(self, node: yaml.Node) -> bool:
        """True for ``null`` (``~`` or nothing): the key's default."""
        return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"

    def _at_least_zero(self, fields: Fields, key: str) -> float:
        node = fields[key][1]
        value = self.doc.number(node, f"train.{key}")
        if value < 0:
            self.fail(node, f"train.{key}", f"expected a number of 0 or more, found {value:g}")
        return value

    def _schedule(self, node: yaml.Node) -> LrSchedule:
        doc, path = self.doc, "train.lr_schedule"
        fields = doc.mapping(node, path, ["kind", "decay"])
        for key in ("kind", "decay"):
            if key not in fields:
                self.fail(node, f"{path}.{key}", "missing: expected kind (time or exponential) "
                          "and decay (r)")  # fmt: skip
        kind = doc.choice(fields["kind"][1], f"{path}.kind", _SCHEDULE_KINDS)
        where = fields["decay"][1]
        decay = doc.number(where, f"{path}.decay")
        if kind == "time" and decay < 0:
            self.fail(where, f"{path}.decay",
                      "expected a number of 0 or more (time: eta_0 / (1 + r epoch)), "
                      f"found {decay:g}")  # fmt: skip
        if kind == "exponential" and not 0 < decay <= 1:
            self.fail(where, f"{path}.decay",
                      f"expected a number above 0 and at most 1 (exponential: eta_0 r^epoch), "
                      f"found {decay:g}")  # fmt: skip
        return LrSchedule(kind, decay)
