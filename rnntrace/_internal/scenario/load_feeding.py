"""Three keys of issue 13, read and checked (docs/scenario-format.md):

model.attention: {kind, context}       context separate: h_t = f(W_hh h_(t-1) + W_ch c_t
                                        + W_xh y_(t-1) + b_h) (seed 001; simple RNN decoder)
model.head_steps: [t, ...]             the head only at these steps (seed 000, "I love AI")
train.scheduled_sampling: {epsilon0, decay, seed | coins}   generate / encoder_decoder
"""

from __future__ import annotations

from typing import NoReturn

import yaml

from rnntrace._internal import cells
from rnntrace._internal.scenario.model import ModelSpec, Sequence
from rnntrace._internal.scenario.model_more import SamplingSpec
from rnntrace._internal.scenario.schema import allowed_keys_of, schema_of
from rnntrace._internal.scenario.yamldoc import YamlDoc

MAX_SEED = 2**32 - 1
_ATTENTION = schema_of("model")["properties"]["attention"]["oneOf"]
_MAPPING, _NAMES = _ATTENTION[1]["properties"], _ATTENTION[0]["enum"]
Fields = dict[str, tuple[yaml.Node, yaml.Node]]


class FeedingReader:
    """Reads model.attention's mapping form, model.head_steps and train.scheduled_sampling
    (for the loader, when a file has one); ``check_feeding`` checks them against the sequences."""

    doc: YamlDoc
    _head_node: yaml.Node | None = None
    _coins_node: yaml.Node | None = None
    _no_coins = False  # coins: [] (see _coins)

    def __init__(self, doc: YamlDoc) -> None:
        self.doc = doc

    def fail(self, node: yaml.Node | None, path: str, message: str) -> NoReturn:
        """Raise a ScenarioError located at ``node``."""
        self.doc.fail(node, path, message)

    def attention_value(self, node: yaml.Node) -> tuple[str, str]:
        """model.attention: a name (as before), or {kind, context}: (kind, context)."""
        doc = self.doc
        if not isinstance(node, yaml.MappingNode):
            return doc.choice(node, "model.attention", _NAMES), "concatenated"
        fields = doc.mapping(node, "model.attention", allowed_keys_of("model", "attention"))
        if "kind" not in fields:
            self.fail(node, "model.attention.kind", "missing: expected kind (dot, general or "
                      "additive) beside context")  # fmt: skip
        kind = doc.choice(fields["kind"][1], "model.attention.kind", _MAPPING["kind"]["enum"])
        context = "concatenated"
        if "context" in fields:
            context = doc.choice(fields["context"][1], "model.attention.context",
                                 _MAPPING["context"]["enum"])  # fmt: skip
        return kind, context

    def head_steps_value(self, node: yaml.Node) -> tuple[int, ...]:
        """model.head_steps: distinct steps, 1 or more (checked against the sequences later)."""
        doc = self.doc
        items = doc.sequence(node, "model.head_steps", "a list of time steps")
        if not items:
            self.fail(node, "model.head_steps", "expected at least one time step, found none")
        steps = [doc.integer(item, f"model.head_steps[{i}]", 1, 100_000)
                 for i, item in enumerate(items)]  # fmt: skip
        if len(set(steps)) != len(steps):
            self.fail(node, "model.head_steps", f"expected distinct steps, found {steps}")
        self._head_node = node
        return tuple(sorted(steps))

    def check_feeding_model(self, spec: ModelSpec, fields: Fields) -> None:
        """The context form and the head's steps fit the rest of the model."""
        simple = cells.default_name()  # the simple RNN, whose tracer adds W_ch c_t
        if spec.attention_context == "separate" and spec.cell != simple:
            self.fail(fields["attention"][1], "model.attention.context",
                      f"expected a simple RNN decoder (model.cell {simple}) for context "
                      f"separate (W_ch c_t), found model.cell {spec.cell}")  # fmt: skip
        if not spec.head_steps:
            return
        node = fields["head_steps"][1]
        if spec.topology != "standard" or spec.output != "every":
            self.fail(node, "model.head_steps", "expected topology standard with output every, "
                      f"found topology {spec.topology}, output {spec.output}")  # fmt: skip
        if spec.head not in ("sigmoid", "softmax"):
            self.fail(node, "model.head_steps", "expected model.head sigmoid or softmax (the "
                      f"head applied at these steps), found {spec.head}")  # fmt: skip

    def sampling_value(self, node: yaml.Node, model: ModelSpec) -> SamplingSpec | None:
        """train.scheduled_sampling: ε_0 and λ in [0, 1], and a seed or given coins."""
        doc, path = self.doc, "train.scheduled_sampling"
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return None
        fields = doc.mapping(node, path, allowed_keys_of("train", "scheduled_sampling"))
        if model.topology not in ("generate", "encoder_decoder") or model.loss == "none":
            self.fail(node, path, "expected topology generate or encoder_decoder with a loss "
                      f"(the targets are what is fed), found topology {model.topology}, "
                      f"loss {model.loss}")  # fmt: skip
        if model.teacher_forcing:
            self.fail(node, path, "expected one of model.teacher_forcing (the truth at every "
                      "step) and train.scheduled_sampling, found both")  # fmt: skip
        values: dict[str, float] = {}
        for key in ("epsilon0", "decay"):
            if key in fields:
                values[key] = doc.number(fields[key][1], f"{path}.{key}")
                if not 0 <= values[key] <= 1:
                    self.fail(fields[key][1], f"{path}.{key}", "expected a number from 0 to 1, "
                              f"found {values[key]:g}")  # fmt: skip
        seed = doc.integer(fields["seed"][1], f"{path}.seed", 0, MAX_SEED) if "seed" in fields \
            else 0  # fmt: skip
        coins = None
        if "coins" in fields:
            if "seed" in fields:
                self.fail(
                    fields["coins"][0],
                    f"{path}.coins",
                    "expected one of seed (drawn coins) and coins (given), found both",
                )
            drawn = [key for key in ("epsilon0", "decay") if key in fields]
            if drawn:  # the probability ε_0 λ^t only draws coins: given ones never use it
                self.fail(fields["coins"][0], f"{path}.coins",
                          "expected given coins without epsilon0 and decay (the probability "
                          f"of drawn coins), found {' and '.join(drawn)}")  # fmt: skip
            coins = self._coins(fields["coins"][1], f"{path}.coins")
        return SamplingSpec(epsilon0=values.get("epsilon0", 1.0), decay=values.get("decay", 1.0),
                            seed=seed, coins=coins)  # fmt: skip

    def _coins(self, node: yaml.Node, path: str) -> tuple[tuple[int, ...], ...]:
        """One 0/1 list per sequence (or one flat list: a single sequence's)."""
        doc = self.doc
        items = doc.sequence(node, path, "a list of 0/1 coins, or one such list per sequence")
        nested = bool(items) and isinstance(items[0], yaml.SequenceNode)
        self._no_coins = not items  # [] is one sequence's list of no coins, or no lists
        lists = [doc.sequence(item, f"{path}[{i}]", "a list of 0/1 coins")
                 for i, item in enumerate(items)] if nested else [items]  # fmt: skip
        out = []
        for i, entries in enumerate(lists):
            coins = []
            for j, entry in enumerate(entries):
                at = f"{path}[{i}][{j}]" if nested else f"{path}[{j}]"
                coins.append(doc.integer(entry, at, 0, 1))
            out.append(tuple(coins))
        self._coins_node = node
        return tuple(out)

    def check_feeding(self, sequences: tuple[Sequence, ...] | list[Sequence], model: ModelSpec,
                      sampling: SamplingSpec | None) -> None:  # fmt: skip
        """Each head step is a step of every sequence; one coin per fed step."""
        if model.head_steps:
            shortest = min(seq.length for seq in sequences)
            late = [t for t in model.head_steps if t > shortest]
            if late:
                self.fail(self._head_node, "model.head_steps",
                          f"expected steps from 1 to {shortest} (the shortest sequence's "
                          f"length), found {late[0]}")  # fmt: skip
        if sampling is None or sampling.coins is None:
            return
        if len(sampling.coins) != len(sequences):
            found = "none" if self._no_coins else len(sampling.coins)
            self.fail(self._coins_node, "train.scheduled_sampling.coins",
                      f"expected one list of coins per sequence ({len(sequences)}), "
                      f"found {found}")  # fmt: skip
        for seq, coins in zip(sequences, sampling.coins):
            fed = (seq.out_length or 1) - 1
            if len(coins) != fed:
                self.fail(self._coins_node, "train.scheduled_sampling.coins",
                          f"expected {fed} coins for sequence {seq.number} (one per fed step "
                          f"t = 2..{fed + 1}), found {len(coins)}")  # fmt: skip
