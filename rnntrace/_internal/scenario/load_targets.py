"""Reading labels and per-step targets, as the model's loss needs them."""

from __future__ import annotations

import numpy as np
import yaml

from rnntrace._internal.scenario.load_input import InputReader
from rnntrace._internal.scenario.model import ModelSpec, Sequence, Target
from rnntrace._internal.scenario.yamldoc import describe, suggest

SOFT_TARGET_TOLERANCE = 1e-9  # |Σ_k y_k − 1| allowed in a target distribution (loss ce)


def _one_hot(size: int, index: int) -> np.ndarray:
    """The unit vector e_index of length ``size``."""
    vector = np.zeros(size)
    vector[index] = 1.0
    return vector


def seq_len(sequences: list[Sequence], i: int) -> int:
    """The number of inputs of sequence i."""
    return sequences[i].length


class TargetsReader(InputReader):
    """Labels and targets of the sequences (string targets are split like tokens)."""

    def check_targets(
        self, node: yaml.Node, sequences: list[Sequence], model: ModelSpec, K: int
    ) -> None:
        doc = self.doc
        for i, item in enumerate(doc.sequence(node, "sequences")):
            fields = doc.mapping(item, f"sequences[{i}]")
            path = f"sequences[{i}]"
            if model.output == "every" and "label" in fields:
                self.fail(
                    fields["label"][0],
                    f"{path}.label",
                    "model.output is 'every': give per-step `targets`, not one `label`",
                )
            if model.output != "every" and "targets" in fields:
                self.fail(
                    fields["targets"][0],
                    f"{path}.targets",
                    f"per-step targets need model.output: every (it is {model.output!r}); "
                    "a many-to-one model takes one `label`",
                )
            generating = model.topology in ("generate", "encoder_decoder")
            if "steps" in fields and not generating:
                self.fail(
                    fields["steps"][0],
                    f"{path}.steps",
                    "applies to topologies generate "
                    "and encoder_decoder (the number of steps they generate)",
                )
            if generating and model.teacher_forcing and "targets" not in fields:
                self.fail(item, f"{path}.targets", "missing: teacher forcing feeds the targets "
                          "as the next inputs, so each step needs its target")  # fmt: skip
            if generating and "targets" not in fields and "steps" not in fields:
                self.fail(item, f"{path}.targets", "missing: give the targets of the steps to "
                          "generate, or their number as `steps`")  # fmt: skip
            if model.topology == "generate" and seq_len(sequences, i) != 1:
                self.fail(item, f"{path}.tokens", f"topology 'generate' reads one input, found "
                          f"{seq_len(sequences, i)}; the rest is generated")  # fmt: skip
            if model.loss != "none":
                want = "label" if model.output == "last" else "targets"
                if want not in fields:
                    self.fail(
                        item,
                        f"{path}.{want}",
                        f"missing: model.loss is {model.loss!r}, so "
                        f"sequence {i + 1} needs its {want}",
                    )

    def resolve_targets(
        self, seq: Sequence, model: ModelSpec, K: int, vocabulary: dict[str, np.ndarray], kind: str
    ) -> Sequence:
        doc = self.doc
        path = f"sequences[{seq.number - 1}]"
        seq_node = doc.sequence(doc.mapping(doc.root, "")["sequences"][1], "sequences")[
            seq.number - 1
        ]
        fields = doc.mapping(seq_node, path)
        targets: dict[int, Target] = {}
        if "label" in fields and model.output == "last":
            targets[seq.length] = self.target(
                fields["label"][1], f"{path}.label", model, K, vocabulary, kind
            )
        elif "targets" in fields:
            node = fields["targets"][1]
            if isinstance(node, yaml.ScalarNode):
                split = "words"
                if "split" in fields:
                    split = doc.text(fields["split"][1], f"{path}.split")
                words = self.tokens(node, f"{path}.targets", split)
                items: list[yaml.Node] = [
                    yaml.ScalarNode("tag:yaml.org,2002:str", w, node.start_mark, node.end_mark)
                    for w in words
                ]
            else:
                items = doc.sequence(node, f"{path}.targets")
            if len(items) != seq.length and model.topology not in ("generate", "encoder_decoder"):
                self.fail(
                    node,
                    f"{path}.targets",
                    f"{len(items)} targets for {seq.length} time steps; give one per step",
                )
            for t, item in enumerate(items, start=1):
                targets[t] = self.target(
                    item, f"{path}.targets[{t - 1}]", model, K, vocabulary, kind
                )
        steps = None
        if model.topology in ("generate", "encoder_decoder"):
            steps = len(targets) if targets else None
            if "steps" in fields:
                given = doc.integer(fields["steps"][1], f"{path}.steps", 1, 100_000)
                if steps is not None and given != steps:
                    self.fail(fields["steps"][1], f"{path}.steps",
                              f"{given} steps, but {steps} targets are given")  # fmt: skip
                steps = given
        return Sequence(number=seq.number, tokens=seq.tokens, inputs=seq.inputs, targets=targets,
                        out_length=steps)  # fmt: skip

    def _distribution(self, node: yaml.Node, path: str, K: int) -> Target:
        """A soft target of cross-entropy: K numbers, none negative, summing to 1 (within
        SOFT_TARGET_TOLERANCE)."""
        vector = self.doc.vector(node, path)
        written = "[" + ", ".join(f"{v:g}" for v in vector) + "]"
        if len(vector) != K:
            self.fail(node, path, f"expected a class index (0 to {K - 1}) or a target "
                      f"distribution of K = {K} numbers, found a list of "
                      f"{len(vector)}")  # fmt: skip
        if np.any(vector < 0):
            self.fail(node, path, f"a target distribution has no negative entries, found {written}")
        total = float(np.sum(vector))
        if abs(total - 1.0) > SOFT_TARGET_TOLERANCE:
            self.fail(node, path, "a target distribution sums to 1 (within "
                      f"{SOFT_TARGET_TOLERANCE:g}), found {written}, which sums to "
                      f"{total:.12g}")  # fmt: skip
        return Target(vector=vector, text=written)

    def target(
        self,
        node: yaml.Node,
        path: str,
        model: ModelSpec,
        K: int,
        vocabulary: dict[str, np.ndarray],
        kind: str,
    ) -> Target:
        doc = self.doc
        if model.loss == "ce":
            if isinstance(node, yaml.ScalarNode):
                value = doc.scalar(node, path)
                if isinstance(value, str) and value.isdigit() and value not in vocabulary:
                    value = int(value)  # `targets: 1 0 1`, split like tokens
                if isinstance(value, int) and not isinstance(value, bool):
                    if not 0 <= value < K:
                        self.fail(
                            node,
                            path,
                            f"class index {value} out of range; "
                            f"the output has {K} class{'es' if K > 1 else ''} (0 to {K - 1})",
                        )
                    return Target(vector=_one_hot(K, value), text=str(value), index=value)
                token = node.value
                if kind == "one_hot" and token in vocabulary:
                    index = list(vocabulary).index(token)
                    if len(vocabulary) != K:
                        self.fail(
                            node,
                            path,
                            f"token {token!r} as a class needs an output of "
                            f"{len(vocabulary)} classes (the vocabulary), but it has {K}",
                        )
                    return Target(vector=_one_hot(K, index), text=token, index=index)
                hint = suggest(token, vocabulary) if kind == "one_hot" else ""
                self.fail(
                    node,
                    path,
                    f"expected a class index (0 to {K - 1})"
                    + (" or a token of the one-hot vocabulary" if kind == "one_hot" else "")
                    + f", found {describe(node)}"
                    + hint,
                )
            if isinstance(node, yaml.SequenceNode):
                return self._distribution(node, path, K)
            self.fail(node, path, f"expected a class index, found {describe(node)}")
        if model.loss in ("bce", "mse"):
            vector = doc.vector(node, path)
            if len(vector) != K:
                self.fail(node, path, f"{len(vector)} numbers, but the output has K = {K}")
            if model.loss == "bce" and not np.all((vector >= 0) & (vector <= 1)):
                self.fail(
                    node,
                    path,
                    "binary cross-entropy needs targets between 0 and 1, found "
                    + (node.value if isinstance(node, yaml.ScalarNode) else str(vector.tolist())),
                )
            text = (
                node.value
                if isinstance(node, yaml.ScalarNode)
                else "[" + ", ".join(f"{v:g}" for v in vector) + "]"
            )
            return Target(vector=vector, text=str(text))
        # loss none: kept for display only
        if isinstance(node, yaml.ScalarNode):
            return Target(vector=np.zeros(0), text=node.value)
        return Target(vector=doc.vector(node, path), text="vector")
