"""Reading `input` and `sequences`: vocabularies, tokens and input vectors."""

from __future__ import annotations

import re
from typing import NoReturn

import numpy as np
import yaml

from rnntrace._internal.errors import ScenarioError
from rnntrace._internal.scenario.model import ModelSpec, Sequence
from rnntrace._internal.scenario.schema import allowed_keys, choices
from rnntrace._internal.scenario.yamldoc import YamlDoc, describe, suggest

MAX_TIME_STEPS = 100_000
MAX_ONE_HOT = 2_000


def _excerpt(tokens: list[str], token: str, split: str, room: int = 6) -> str:
    """The sequence as written, or a stretch of it around ``token`` when it is long."""
    at = tokens.index(token)
    start, end = max(0, at - room), min(len(tokens), at + room + 1)
    glue = "" if split == "chars" else " "
    text = glue.join(tokens[start:end])
    return ("…" if start else "") + text + ("…" if end < len(tokens) else "")


class InputReader:
    """The input section and the sequences of a scenario."""

    doc: YamlDoc

    def fail(self, node: yaml.Node | None, path: str, message: str) -> NoReturn:
        """Raise a ScenarioError located at ``node``."""
        self.doc.fail(node, path, message)

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
            if len(items) > MAX_ONE_HOT:
                self.fail(
                    value,
                    path,
                    f"a one-hot vocabulary of {len(items):,} tokens; at most "
                    f"{MAX_ONE_HOT:,} (each token is a vector of that length)",
                )
            vocab = [doc.text(item, f"{path}[{i}]", "a token") for i, item in enumerate(items)]
            if not vocab:
                self.fail(
                    value, path, "expected a vocabulary of at least one token, found an empty list"
                )
            seen: dict[str, int] = {}
            for i, token in enumerate(vocab):
                if token in seen:
                    self.fail(
                        items[i],
                        f"{path}[{i}]",
                        f"token {token!r} is listed twice (first as entry {seen[token]})",
                    )
                seen[token] = i
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
                    f"unknown token {token!r} in sequence {index + 1} "
                    f"({_excerpt(tokens, token, split)!r})" + suggest(token, vocabulary),
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
