"""Reading `params`: every parameter's shape checked against the sizes the others state."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import NoReturn

import numpy as np
import yaml

from rnntrace.scenario.model import RNN_PARAMS, ModelSpec, Sequence
from rnntrace.scenario.schema import allowed_keys
from rnntrace.scenario.yamldoc import MAX_ARRAY_ENTRIES, YamlDoc, suggest

# Other names people give the parameters (textbook symbols); suggested when used as keys.
PARAM_ALIASES = {
    "U": "W_xh", "W_x": "W_xh", "W_ih": "W_xh", "W_xh_": "W_xh",
    "W": "W_hh", "W_h": "W_hh",
    "V": "W_hy", "W_y": "W_hy", "W_ho": "W_hy", "W_o": "W_hy",
    "b": "b_h", "B": "b_h", "c": "b_y", "C": "b_y", "b_o": "b_y",
    "h0": "h_0",
}  # fmt: skip


_SINGULAR = {"rows": "row", "columns": "column", "entries": "entry"}


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
        (key, f"{key} has {n} {unit if n != 1 else _SINGULAR[unit]}")
        for key, _, unit, n in stated
        if n == size
    ]

    def why(key: str) -> str:
        reasons = [(owner, text) for owner, text in agree if owner != key] or agree
        owners = [owner for owner, _ in reasons]
        texts = []
        for owner, text in reasons:
            if owners.count(owner) > 1:  # both sides of a square matrix agree
                text = f"{owner} is {size}×{size}"
            if text not in texts:
                texts.append(text)
        return " and ".join(texts[:2])

    return size, why


def _shape_words(shape: tuple[int, ...]) -> str:
    """'shape (3, 2)' for a matrix, '3 entries' or '1 entry' for a vector."""
    if len(shape) > 1:
        return f"shape {shape}"
    return f"{shape[0]} entr{'y' if shape[0] == 1 else 'ies'}"


class ParamsReader:
    """The parameters of a scenario."""

    doc: YamlDoc

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
