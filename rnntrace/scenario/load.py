"""Read and validate a scenario file. Every user error is raised here, located and explained."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import yaml

from rnntrace.errors import ScenarioError
from rnntrace.scenario.model import (
    RNN_PARAMS,
    ModelSpec,
    NumberPolicy,
    Scenario,
    Sequence,
    Target,
    TrainSpec,
)
from rnntrace.scenario.notation import check_notation
from rnntrace.scenario.schema import allowed_keys, choices
from rnntrace.scenario.yamldoc import MAX_ARRAY_ENTRIES, YamlDoc, describe, suggest

# Other names people give the parameters (textbook symbols); suggested when used as keys.
PARAM_ALIASES = {
    "U": "W_xh", "W_x": "W_xh", "W_ih": "W_xh", "W_xh_": "W_xh",
    "W": "W_hh", "W_h": "W_hh",
    "V": "W_hy", "W_y": "W_hy", "W_ho": "W_hy", "W_o": "W_hy",
    "b": "b_h", "B": "b_h", "c": "b_y", "C": "b_y", "b_o": "b_y",
    "h0": "h_0",
}  # fmt: skip
MAX_TIME_STEPS = 100_000


def load_scenario(path: str | Path) -> Scenario:
    """Read ``path`` and return the validated scenario; raises ScenarioError."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError("no such file", file=file) from None
    except IsADirectoryError:
        raise ScenarioError("is a folder, not a scenario file", file=file) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"not UTF-8 text (byte {exc.start})", file=file) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read: {exc.strerror}", file=file) from None
    return parse_scenario(text, file)


def parse_scenario(text: str, file: str = "<scenario>") -> Scenario:
    """Validate scenario text; ``file`` names it in messages."""
    return _Loader(YamlDoc(text, file)).scenario()


def _vote(
    arrays: dict[str, np.ndarray], claims: list[tuple[str, int, str]]
) -> tuple[int, Callable[[str], str]]:
    """A size several parameters state (H, or K): the one most of them agree on, ties to the
    earlier claim; and, for a parameter, the reason in words, from the others that agree."""
    stated = [
        (key, axis, unit, arrays[key].shape[axis])
        for key, axis, unit in claims
        if key in arrays and arrays[key].ndim > axis
    ]
    counts = Counter(size for *_, size in stated)
    size = max(counts, key=lambda n: (counts[n], -[s for *_, s in stated].index(n)))
    agree = [
        (key, f"{key} has {n} {unit if n != 1 else unit.rstrip('s')}")
        for key, _, unit, n in stated
        if n == size
    ]

    def why(key: str) -> str:
        others = [text for owner, text in agree if owner != key] or [t for _, t in agree]
        return " and ".join(dict.fromkeys(others[:2]))

    return size, why


def _shape_words(shape: tuple[int, ...]) -> str:
    """'shape (3, 2)' for a matrix, '3 entries' or '1 entry' for a vector."""
    if len(shape) > 1:
        return f"shape {shape}"
    return f"{shape[0]} entr{'y' if shape[0] == 1 else 'ies'}"


class _Loader:
    def __init__(self, doc: YamlDoc) -> None:
        self.doc = doc
        self.fail = doc.fail

    def scenario(self) -> Scenario:
        doc = self.doc
        top = doc.mapping(doc.root, "", allowed_keys(""))
        for required in ("input", "sequences", "params"):
            if required not in top:
                self.fail(doc.root, required, "missing (see `rnntrace init` for a starter file)")
        if "version" in top:
            node = top["version"][1]
            if doc.scalar(node, "version") != 1:
                self.fail(node, "version", f"expected 1, found {describe(node)}")
        title = Path(doc.file).name
        if "title" in top:
            title = doc.text(top["title"][1], "title")
        description = (
            doc.text(top["description"][1], "description") if "description" in top else None
        )

        model = self.model(top.get("model"))
        numbers = self.numbers(top.get("numbers"))
        train = self.train(top.get("train"))
        kind, vocabulary, vocab_node = self.input(top["input"][1])
        sequences = self.sequences(top["sequences"][1], kind, vocabulary, model)
        params, given = self.params(
            top["params"][1], kind, vocabulary, vocab_node, sequences, model
        )
        K = params["W_hy"].shape[0] if "W_hy" in params else 0
        self.check_targets(top["sequences"][1], sequences, model, K)
        resolved = tuple(self.resolve_targets(seq, model, K, vocabulary, kind) for seq in sequences)
        notation = self.notation(top.get("notation"))
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
            notation=notation,
            train=train,
            numbers=numbers,
        )

    # -- sections ---------------------------------------------------------------------------
    def model(self, entry: tuple[yaml.Node, yaml.Node] | None) -> ModelSpec:
        if entry is None:
            return ModelSpec()
        doc = self.doc
        fields = doc.mapping(entry[1], "model", allowed_keys("model"))
        values = {
            key: doc.choice(node, f"model.{key}", choices("model", key))
            for key, (_, node) in fields.items()
        }
        spec = ModelSpec(**values)
        if spec.cell != "rnn":
            node = fields["cell"][1]
            self.fail(
                node, "model.cell", f"{spec.cell!r} is not available yet in this version; use rnn"
            )
        if spec.output == "none" and spec.loss != "none":
            self.fail(
                fields["loss"][1],
                "model.loss",
                f"{spec.loss!r} needs outputs, but model.output is 'none'; set output to "
                "last or every, or loss to none",
            )
        needs = {"bce": "sigmoid", "ce": "softmax"}.get(spec.loss)
        if needs and spec.head != needs:
            node = fields["head"][1] if "head" in fields else fields["loss"][1]
            self.fail(
                node,
                "model.head",
                f"loss {spec.loss!r} needs head {needs!r}, found {spec.head!r}",
            )
        return spec

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

    def train(self, entry: tuple[yaml.Node, yaml.Node] | None) -> TrainSpec:
        if entry is None:
            return TrainSpec()
        doc = self.doc
        fields = doc.mapping(entry[1], "train", allowed_keys("train"))
        lr, epochs, bptt, clip = 0.1, 1, None, None
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
        return TrainSpec(learning_rate=lr, epochs=epochs, bptt=bptt, clip=clip)

    def input(self, node: yaml.Node) -> tuple[str, dict[str, np.ndarray], yaml.Node]:
        doc = self.doc
        fields = doc.mapping(node, "input", allowed_keys("input"))
        if len(fields) != 1:
            found = ", ".join(fields) or "none"
            self.fail(
                node,
                "input",
                f"expected exactly one of embeddings, one_hot, vectors; found {found}",
            )
        kind, (_, value) = next(iter(fields.items()))
        path = f"input.{kind}"
        if kind == "vectors":
            if doc.scalar(value, path) is not True:
                self.fail(value, path, f"expected true, found {describe(value)}")
            return kind, {}, value
        if kind == "one_hot":
            items = doc.sequence(value, path, "a list of tokens (the vocabulary)")
            vocab = [doc.text(item, f"{path}[{i}]", "a token") for i, item in enumerate(items)]
            if not vocab:
                self.fail(
                    value, path, "expected a vocabulary of at least one token, found an empty list"
                )
            for i, token in enumerate(vocab):
                if token in vocab[:i]:
                    self.fail(items[i], f"{path}[{i}]", f"token {token!r} is listed twice")
            eye = np.eye(len(vocab))
            return kind, {token: eye[i] for i, token in enumerate(vocab)}, value
        entries = doc.mapping(value, path)
        if not entries:
            self.fail(value, path, "expected token: [vector] lines, found an empty mapping")
        vectors: dict[str, np.ndarray] = {}
        first: str | None = None
        for token, (_, vec_node) in entries.items():
            vec = doc.vector(vec_node, f"{path}.{token}")
            if first is not None and len(vec) != len(vectors[first]):
                self.fail(
                    vec_node,
                    f"{path}.{token}",
                    f"{len(vec)} numbers, but {first!r} has {len(vectors[first])}; "
                    "all embeddings must have one length D",
                )
            first = first or token
            vectors[token] = vec
        return kind, vectors, value

    def sequences(
        self, node: yaml.Node, kind: str, vocabulary: dict[str, np.ndarray], model: ModelSpec
    ) -> list[Sequence]:
        doc = self.doc
        items = doc.sequence(node, "sequences", "a list of sequences")
        if not items:
            self.fail(node, "sequences", "expected at least one sequence, found an empty list")
        out = []
        total = 0
        for i, item in enumerate(items):
            seq = self.sequence(item, i, kind, vocabulary)
            total += seq.length
            if total > MAX_TIME_STEPS:
                self.fail(
                    item, f"sequences[{i}]", f"more than {MAX_TIME_STEPS:,} time steps in all"
                )
            out.append(seq)
        return out

    def sequence(
        self, node: yaml.Node, index: int, kind: str, vocabulary: dict[str, np.ndarray]
    ) -> Sequence:
        doc = self.doc
        path = f"sequences[{index}]"
        fields = doc.mapping(node, path, allowed_keys("sequences"))
        split = "words"
        if "split" in fields:
            split = doc.choice(fields["split"][1], f"{path}.split", choices("sequences", "split"))
        tokens: list[str] | None = None
        if "tokens" in fields:
            tokens = self.tokens(fields["tokens"][1], f"{path}.tokens", split)
        if kind == "vectors":
            if "inputs" not in fields:
                self.fail(
                    node,
                    f"{path}.inputs",
                    "missing: with input.vectors each sequence gives its input vectors",
                )
            inputs = doc.matrix(fields["inputs"][1], f"{path}.inputs")
            if fields["inputs"][1].value and all(
                isinstance(r, yaml.ScalarNode) for r in fields["inputs"][1].value
            ):
                self.fail(
                    fields["inputs"][1],
                    f"{path}.inputs",
                    "expected a list of vectors (one per time step), found a list of numbers",
                )
            if tokens is None:
                tokens = [f"x{t}" for t in range(1, len(inputs) + 1)]
            elif len(tokens) != len(inputs):
                self.fail(
                    fields["tokens"][1],
                    f"{path}.tokens",
                    f"{len(tokens)} tokens but {len(inputs)} input vectors; "
                    "give one token per vector",
                )
            return Sequence(number=index + 1, tokens=tuple(tokens), inputs=inputs)
        if "inputs" in fields:
            self.fail(
                fields["inputs"][0],
                f"{path}.inputs",
                f"only with input.vectors; this scenario uses input.{kind}",
            )
        if tokens is None:
            self.fail(node, f"{path}.tokens", "missing: each sequence needs its tokens")
        for token in tokens:
            if token not in vocabulary:
                tnode = fields["tokens"][1]
                line, col = self.token_position(tnode, tokens, token)
                raise ScenarioError(
                    f"unknown token {token!r} in sequence {index + 1} ({' '.join(tokens)!r})"
                    + suggest(token, vocabulary),
                    file=doc.file,
                    line=line,
                    col=col,
                    path=f"{path}.tokens",
                )
        inputs = np.array([vocabulary[t] for t in tokens])
        return Sequence(number=index + 1, tokens=tuple(tokens), inputs=inputs)

    def tokens(self, node: yaml.Node, path: str, split: str) -> list[str]:
        doc = self.doc
        if isinstance(node, yaml.ScalarNode):
            text = doc.text(node, path)
            tokens = list(text) if split == "chars" else text.split()
        else:
            items = doc.sequence(node, path, "a string or a list of tokens")
            tokens = [doc.text(item, f"{path}[{i}]", "a token") for i, item in enumerate(items)]
        if not tokens:
            self.fail(node, path, "expected at least one token, found none")
        if len(tokens) > MAX_TIME_STEPS:
            self.fail(node, path, f"{len(tokens):,} tokens; at most {MAX_TIME_STEPS:,}")
        return tokens

    @staticmethod
    def token_position(node: yaml.Node, tokens: list[str], token: str) -> tuple[int, int]:
        """Line and column of ``token`` inside a one-line string, else of the node."""
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        if isinstance(node, yaml.SequenceNode):
            for item in node.value:
                if item.value == token:
                    return item.start_mark.line + 1, item.start_mark.column + 1
        elif node.start_mark.line == node.end_mark.line:
            quote = 1 if getattr(node, "style", None) in ("'", '"') else 0
            found = re.search(rf"(?<!\S){re.escape(token)}(?!\S)", node.value) or re.search(
                re.escape(token), node.value
            )
            if found:
                return line, col + quote + found.start()
        return line, col

    def params(
        self,
        node: yaml.Node,
        kind: str,
        vocabulary: dict[str, np.ndarray],
        vocab_node: yaml.Node,
        sequences: list[Sequence],
        model: ModelSpec,
    ) -> tuple[dict[str, np.ndarray], set[str]]:
        doc = self.doc
        allowed = allowed_keys("params")
        fields: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, (key_node, value) in doc.mapping(node, "params").items():
            if key not in allowed:
                alias = PARAM_ALIASES.get(key) or PARAM_ALIASES.get(
                    key.replace("{", "").replace("}", "")
                )
                hint = (
                    f" (the canonical name is {alias!r}; to display it as {key!r}, "
                    f"add `notation: {{{alias}: {key}}}`)"
                    if alias
                    else suggest(key, allowed)
                )
                self.fail(key_node, f"params.{key}", "unknown parameter" + hint)
            fields[key] = (key_node, value)
        arrays: dict[str, np.ndarray] = {}
        for key, (_, value) in fields.items():
            reader = doc.matrix if key.startswith("W") else doc.vector
            arrays[key] = reader(value, f"params.{key}")
        for key in ("W_xh", "W_hh") + (("W_hy",) if model.output != "none" else ()):
            if key not in arrays:
                self.fail(node, f"params.{key}", f"missing: the {RNN_PARAMS[key]}")

        # D: from the input; H: from b_h, else W_xh, else W_hh; K: from b_y, else W_hy.
        if kind == "vectors":
            D = sequences[0].inputs.shape[1]
            d_why = f"sequence 1's input vectors have {D} entries"
            for seq in sequences:
                if seq.inputs.shape[1] != D:
                    self.fail(
                        vocab_node,
                        f"sequences[{seq.number - 1}].inputs",
                        f"vectors of {seq.inputs.shape[1]} entries, but sequence 1's have {D}",
                    )
        elif kind == "one_hot":
            D = len(vocabulary)
            d_why = f"the one-hot vocabulary has {D} tokens"
        else:
            D = len(next(iter(vocabulary.values())))
            d_why = f"the embeddings have {D} entries"
        H, h_why = _vote(
            arrays,
            [("W_hh", 0, "rows"), ("W_xh", 0, "rows"), ("b_h", 0, "entries"),
             ("W_hh", 1, "columns"), ("W_hy", 1, "columns"), ("h_0", 0, "entries")],
        )  # fmt: skip
        expected: dict[str, tuple[tuple[int, ...], str]] = {
            "W_xh": ((H, D), f"{h_why('W_xh')} and {d_why}"),
            "W_hh": ((H, H), h_why("W_hh")),
            "b_h": ((H,), h_why("b_h")),
            "h_0": ((H,), h_why("h_0")),
        }
        if "W_hy" in arrays:
            K, k_why = _vote(arrays, [("W_hy", 0, "rows"), ("b_y", 0, "entries")])
            expected["W_hy"] = ((K, H), f"{k_why('W_hy')} and {h_why('W_hy')}")
            expected["b_y"] = ((K,), k_why("b_y"))
        elif "b_y" in arrays:
            self.fail(fields["b_y"][0], "params.b_y", "given without W_hy")
        for key, array in arrays.items():
            shape, why = expected[key]
            if array.shape != shape:
                found = _shape_words(tuple(array.shape))
                must = _shape_words(shape)
                self.fail(fields[key][1], f"params.{key}", f"{found}, must be {must} because {why}")
        if arrays["W_hh"].size * 3 > MAX_ARRAY_ENTRIES * 3:
            self.fail(fields["W_hh"][1], "params.W_hh", "too large; refused")
        given = set(arrays)
        arrays.setdefault("b_h", np.zeros(H))
        arrays.setdefault("h_0", np.zeros(H))
        if "W_hy" in arrays:
            arrays.setdefault("b_y", np.zeros(arrays["W_hy"].shape[0]))
        ordered = {key: arrays[key] for key in RNN_PARAMS if key in arrays}
        return ordered, given

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
            if len(items) != seq.length:
                self.fail(
                    node,
                    f"{path}.targets",
                    f"{len(items)} targets for {seq.length} time steps; give one per step",
                )
            for t, item in enumerate(items, start=1):
                targets[t] = self.target(
                    item, f"{path}.targets[{t - 1}]", model, K, vocabulary, kind
                )
        return Sequence(number=seq.number, tokens=seq.tokens, inputs=seq.inputs, targets=targets)

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
                if isinstance(value, int) and not isinstance(value, bool):
                    if not 0 <= value < K:
                        self.fail(
                            node,
                            path,
                            f"class index {value} out of range; "
                            f"the output has {K} classes (0 to {K - 1})",
                        )
                    return Target(vector=np.eye(K)[value], text=str(value), index=value)
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
                    return Target(vector=np.eye(K)[index], text=token, index=index)
                hint = suggest(token, vocabulary) if kind == "one_hot" else ""
                self.fail(
                    node,
                    path,
                    f"expected a class index (0 to {K - 1})"
                    + (" or a token of the one-hot vocabulary" if kind == "one_hot" else "")
                    + f", found {describe(node)}"
                    + hint,
                )
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

    def notation(self, entry: tuple[yaml.Node, yaml.Node] | None) -> dict[str, str]:
        if entry is None:
            return {}
        doc = self.doc
        out = {}
        for key, (_, node) in doc.mapping(entry[1], "notation", allowed_keys("notation")).items():
            symbol = doc.text(node, f"notation.{key}", "a symbol (LaTeX)")
            problem = check_notation(symbol)
            if problem:
                self.fail(node, f"notation.{key}", problem)
            out[key] = symbol
        return out
