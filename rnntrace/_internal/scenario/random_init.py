"""The starter scenario of ``rnntrace init --random``: a small model whose weights
``params.init`` draws when the scenario is loaded (or, on request, the drawn numbers
written out).

With a vocabulary the model reads the tokens one-hot and predicts the next one at every
step (softmax and cross-entropy, the last token's target the first); with D input numbers
it reads ``steps`` input vectors and gives one sigmoid output with a binary cross-entropy
against the label 1. The input vectors are fixed numbers (sin(1 + tD + j) to one decimal),
so that the file depends only on the options.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import yaml

from rnntrace._internal import cells


@dataclass(frozen=True)
class RandomStart:
    """What ``init --random`` was asked for."""

    scheme: str  # xavier | orthogonal
    hidden: int
    cell: str = ""  # a name of ``cells`` ('': the default cell)
    vocab: tuple[str, ...] = ()  # one-hot tokens; empty: input vectors of ``inputs`` numbers
    inputs: int = 2
    steps: int = 3
    seed: int = 0
    gain: float = 1.0
    forget_bias: float | None = None


def random_scenario(start: RandomStart) -> str:
    """The scenario text (without the editor's schema line)."""
    data: dict = {"version": 1, "title": _title(start), "description": _description(start)}
    init: dict = {"scheme": start.scheme, "seed": start.seed, "hidden": start.hidden}
    if start.vocab:
        tokens = list(start.vocab)
        data["input"] = {"one_hot": list(tokens)}  # a copy: no YAML alias
        data["sequences"] = [{"tokens": tokens, "targets": tokens[1:] + tokens[:1]}]
        model = {"output": "every", "head": "softmax", "loss": "ce"}
        init["outputs"] = len(tokens)
    else:
        D = start.inputs
        vectors = [[round(math.sin(1 + t * D + j), 1) for j in range(D)]
                   for t in range(start.steps)]  # fmt: skip
        data["input"] = {"vectors": True}
        data["sequences"] = [{"inputs": vectors, "label": 1}]
        model = {"output": "last", "head": "sigmoid", "loss": "bce"}
        init["outputs"] = 1
    if start.gain != 1.0:
        init["gain"] = start.gain
    if start.forget_bias is not None:
        init["forget_bias"] = start.forget_bias
    data["model"] = {"cell": start.cell or cells.default_name(), **model}
    data["params"] = {"init": init}
    data["train"] = {"learning_rate": 0.1, "epochs": 100}
    data["numbers"] = {"decimals": 4}
    return _dump(data)


def with_numbers(text: str, params: dict[str, np.ndarray], given: frozenset[str]) -> str:
    """``text`` with ``params.init`` replaced by the parameters it drew (every given key; the
    floats written exactly, so that the file traces the same numbers)."""
    data = yaml.safe_load(text)
    data["params"] = {key: value.tolist() for key, value in params.items() if key in given}
    init = yaml.safe_load(text)["params"]["init"]
    data["description"] += (
        f" The parameters below were drawn by params.init {_flow(init)} and written out "
        "(init --random --write-numbers)."
    )
    return _dump(data)


def _title(start: RandomStart) -> str:
    kind = cells.get(start.cell or cells.default_name()).title
    return f"{kind[0].upper() + kind[1:]} with {start.scheme}-drawn weights (seed {start.seed})"


def _description(start: RandomStart) -> str:
    task = (
        "predicts the next token of the vocabulary at every step"
        if start.vocab
        else f"reads {start.steps} input vectors and gives one sigmoid output (label 1)"
    )
    return (
        f"Written by rnntrace init --random {start.scheme}. The model {task}; its weights "
        "are drawn when the scenario is loaded (params.init), and rnntrace run shows them "
        "and how they were drawn."
    )


def _flow(value: dict) -> str:
    return yaml.safe_dump(value, default_flow_style=True, sort_keys=False).strip()


def _dump(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=100,
                          allow_unicode=True)  # fmt: skip
