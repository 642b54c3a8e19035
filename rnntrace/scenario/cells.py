"""The parameters of each cell: canonical keys, shapes and meaning, in display order.

Shapes are written with the sizes' letters: D inputs, H hidden units, K outputs, and
``H+D`` for a matrix acting on the concatenation [h_{t-1}, x_t] (seed 001's form).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParamSpec:
    """One parameter: its key, shape (in size letters), meaning, and whether it is needed."""

    key: str
    shape: tuple[str, ...]
    text: str
    required: bool = False  # needed unless the other form of the same gate is given
    gate: str | None = None  # the gate it belongs to (for the concatenated form)


def _gate(letter: str, name: str, bias_text: str) -> list[ParamSpec]:
    return [
        ParamSpec(f"W_{letter}x", ("H", "D"), f"{name}: input matrix", True, letter),
        ParamSpec(f"W_{letter}h", ("H", "H"), f"{name}: recurrent matrix", True, letter),
        ParamSpec(f"b_{letter}", ("H",), bias_text),
    ]


def _concat(letter: str, name: str) -> ParamSpec:
    return ParamSpec(f"W_{letter}", ("H", "H+D"), f"{name}: matrix acting on [h_(t-1), x_t]",
                     True, letter)  # fmt: skip


OUTPUT = [
    ParamSpec("W_hy", ("K", "H"), "hidden-to-output matrix"),
    ParamSpec("b_y", ("K",), "output bias"),
]
H0 = ParamSpec("h_0", ("H",), "initial hidden state")

RNN = [
    ParamSpec("W_xh", ("H", "D"), "input-to-hidden matrix", True),
    ParamSpec("W_hh", ("H", "H"), "hidden-to-hidden (recurrent) matrix", True),
    ParamSpec("b_h", ("H",), "hidden bias"),
    *OUTPUT,
    H0,
]

LSTM = [
    *_gate("f", "forget gate", "forget-gate bias"),
    *_gate("i", "input gate", "input-gate bias"),
    *_gate("c", "candidate cell", "candidate-cell bias"),
    *_gate("o", "output gate", "output-gate bias"),
    *OUTPUT,
    H0,
    ParamSpec("c_0", ("H",), "initial cell state"),
]
LSTM_CONCAT = {s.gate: _concat(s.key[2], s.text.split(":")[0]) for s in LSTM if s.key[-1] == "x"}

GRU = [
    *_gate("z", "update gate", "update-gate bias"),
    *_gate("r", "reset gate", "reset-gate bias"),
    ParamSpec("W_hx", ("H", "D"), "candidate state: input matrix", True, "h"),
    ParamSpec("W_hh", ("H", "H"), "candidate state: recurrent matrix", True, "h"),
    ParamSpec("b_h", ("H",), "candidate-state bias"),
    ParamSpec("b_hh", ("H",), "candidate-state recurrent bias (inside the reset, reset_after)"),
    *OUTPUT,
    H0,
]
GRU_CONCAT = {s.gate: _concat(s.key[2], s.text.split(":")[0]) for s in GRU if s.key[-1] == "x"}

CELLS: dict[str, list[ParamSpec]] = {"rnn": RNN, "lstm": LSTM, "gru": GRU}
CONCAT: dict[str, dict[str | None, ParamSpec]] = {"rnn": {}, "lstm": LSTM_CONCAT, "gru": GRU_CONCAT}
CELL_NAMES = {"rnn": "simple RNN", "lstm": "LSTM", "gru": "GRU"}


def cell_params(cell: str) -> dict[str, ParamSpec]:
    """Every parameter key a cell accepts (both forms), in display order."""
    specs = {spec.key: spec for spec in CELLS[cell]}
    for gate, spec in CONCAT[cell].items():
        keys = list(specs)
        at = keys.index(f"W_{gate}x")  # the concatenated matrix stands before its split pair
        specs = (
            {k: specs[k] for k in keys[:at]} | {spec.key: spec} | {k: specs[k] for k in keys[at:]}
        )
    return specs


def all_param_keys() -> list[str]:
    """The keys of every cell, for the schema and for did-you-mean suggestions."""
    keys: list[str] = []
    for cell in CELLS:
        keys.extend(key for key in cell_params(cell) if key not in keys)
    return keys
