"""Random LSTM and GRU scenarios for the cell tests (oracles, finite differences, CLI).

A ``CellConfig`` holds every number of a scenario; ``to_yaml`` writes it with ``repr``
floats (``oracles.num``), so the file the engine parses holds exactly the float64 numbers
the references use. Parameters are kept in the form the scenario writes them (separate
``W_fx``/``W_fh`` or concatenated ``W_f`` = [W_fh  W_fx]); ``separate()`` gives the split
form, which the references work from.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from oracles import (
    FORWARD_ONLY,
    HEAD_LOSS,
    SeqSpec,
    mat,
    num,
    random_target,
    scenario_head,
    vec,
)

GATES = {"lstm": ("f", "i", "c", "o"), "gru": ("z", "r", "h")}
GATE_BIASES = {"lstm": ["b_f", "b_i", "b_c", "b_o"], "gru": ["b_z", "b_r", "b_h", "b_hh"]}
STATES = {"lstm": ["h_0", "c_0"], "gru": ["h_0"]}
ALL_HEAD_LOSS = HEAD_LOSS + FORWARD_ONLY
# (gru_variant, update_gate, form): every combination the loader accepts
GRU_VARIANTS = [
    ("reset_after", "keep_old", "separate"),
    ("reset_after", "new", "separate"),
    ("reset_before", "new", "separate"),
    ("reset_before", "keep_old", "separate"),
    ("reset_before", "new", "concatenated"),
    ("reset_before", "keep_old", "concatenated"),
]


@dataclass
class CellConfig:
    """Everything a cell scenario file says, as numbers; ``params`` holds only given keys."""

    cell: str  # lstm | gru
    form: str  # separate | concatenated
    output: str  # last | every
    head: str
    loss: str
    params: dict[str, np.ndarray]
    sequences: list[SeqSpec]
    variant: str = "reset_before"  # GRU only
    update: str = "new"  # GRU only
    learning_rate: float | None = None  # None: left out (default 0.1)
    explicit_defaults: bool = False  # write gru_variant/update_gate even when default

    @property
    def sizes(self) -> tuple[int, int, int]:
        """D, H, K."""
        H = self.params["W_hy"].shape[1]
        first = GATES[self.cell][0]
        if self.form == "concatenated":
            D = self.params[f"W_{first}"].shape[1] - H
        else:
            D = self.params[f"W_{first}x"].shape[1]
        return D, H, self.params["W_hy"].shape[0]

    @property
    def lr(self) -> float:
        return 0.1 if self.learning_rate is None else self.learning_rate

    @property
    def trains(self) -> bool:
        return self.loss != "none"

    def trained(self) -> list[str]:
        """Parameter keys with a gradient and an update."""
        return list(self.params) if self.trains else []

    def output_steps(self, seq: SeqSpec) -> list[int]:
        return list(range(1, seq.length + 1)) if self.output == "every" else [seq.length]

    def prefix(self, number: int) -> str:
        return f"s{number}." if len(self.sequences) > 1 else ""

    def separate(self) -> dict[str, np.ndarray]:
        """The given parameters in the separate form (W_g split into W_gh | W_gx)."""
        if self.form == "separate":
            return dict(self.params)
        H = self.sizes[1]
        out: dict[str, np.ndarray] = {}
        for key, value in self.params.items():
            if key.startswith("W_") and len(key) == 3 and key != "W_hy":
                out[f"W_{key[2]}h"] = value[:, :H]
                out[f"W_{key[2]}x"] = value[:, H:]
            else:
                out[key] = value
        return out

    def split(self) -> CellConfig:
        """The same scenario written in the separate form."""
        return replace(self, form="separate", params=self.separate())

    def with_value(self, where: tuple, value: float) -> CellConfig:
        """A copy with one number changed: ``("param", key, index)`` or
        ``("input", sequence_index, t_index, d)``."""
        params = {k: v.copy() for k, v in self.params.items()}
        sequences = [SeqSpec(s.inputs.copy(), dict(s.targets)) for s in self.sequences]
        if where[0] == "param":
            params[where[1]][where[2]] = value
        else:
            _, s, t, d = where
            sequences[s].inputs[t, d] = value
        return replace(self, params=params, sequences=sequences)


def _target_text(cfg: CellConfig, target: Any) -> str:
    if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        return str(int(target))
    return vec(target)


def model_line(cfg: CellConfig) -> str:
    parts = [f"cell: {cfg.cell}"]
    if cfg.cell == "gru":
        if cfg.explicit_defaults or cfg.variant != "reset_before":
            parts.append(f"gru_variant: {cfg.variant}")
        if cfg.explicit_defaults or cfg.update != "new":
            parts.append(f"update_gate: {cfg.update}")
    parts += [f"output: {cfg.output}", f"head: {cfg.head}", f"loss: {cfg.loss}"]
    return "model: {" + ", ".join(parts) + "}"


def to_yaml(cfg: CellConfig, numbers: str = "{decimals: 4, carry: exact}") -> str:
    """The scenario file of ``cfg``."""
    lines = scenario_head(f"random {cfg.cell} scenario", cfg.sequences, cfg.output,
                          lambda target: _target_text(cfg, target))  # fmt: skip
    lines.append(model_line(cfg))
    lines.append("params:")
    for key, value in cfg.params.items():
        lines.append(f"  {key}: {mat(value) if key.startswith('W') else vec(value)}")
    if cfg.learning_rate is not None:
        lines.append(f"train: {{learning_rate: {num(cfg.learning_rate)}}}")
    lines.append(f"numbers: {numbers}")
    return "\n".join(lines) + "\n"


def random_cell_config(
    rng: np.random.Generator,
    cell: str,
    *,
    form: str | None = None,
    variant: str | None = None,
    update: str | None = None,
    output: str | None = None,
    head_loss: tuple[str, str] | None = None,
    bias: bool | None = None,
    h0: bool | None = None,
    c0: bool | None = None,
    max_size: int = 4,
    max_T: int = 5,
    max_sequences: int = 3,
    scale: float = 1.0,
) -> CellConfig:
    """A random LSTM or GRU scenario; every choice not fixed by an argument is drawn."""
    if cell == "gru":
        variant = variant or str(rng.choice(["reset_before", "reset_after"]))
        update = update or str(rng.choice(["new", "keep_old"]))
    else:
        variant, update = "reset_before", "new"
    if form is None:
        form = (
            "separate"
            if variant == "reset_after"
            else str(rng.choice(["separate", "concatenated"]))
        )
    output = output or str(rng.choice(["last", "every"]))
    head, loss = head_loss or ALL_HEAD_LOSS[rng.integers(len(ALL_HEAD_LOSS))]
    D, H, K = (int(rng.integers(1, max_size + 1)) for _ in range(3))
    if loss == "ce" and K == 1 and rng.random() < 0.7:
        K = int(rng.integers(2, max(3, max_size + 1)))

    def draw(*shape: int) -> np.ndarray:
        return rng.uniform(-scale, scale, size=shape)

    def given(flag: bool | None) -> bool:
        return bool(rng.integers(2)) if flag is None else flag

    params: dict[str, np.ndarray] = {}
    for g in GATES[cell]:
        if form == "concatenated":
            params[f"W_{g}"] = draw(H, H + D)
        else:
            params[f"W_{g}x"] = draw(H, D)
            params[f"W_{g}h"] = draw(H, H)
        if given(bias):
            params[f"b_{g}"] = draw(H)
    if cell == "gru" and given(bias):
        params["b_hh"] = draw(H)
    params["W_hy"] = draw(K, H)
    if given(bias):
        params["b_y"] = draw(K)
    if given(h0):
        params["h_0"] = draw(H)
    if cell == "lstm" and given(c0):
        params["c_0"] = draw(H)
    sequences = []
    for _ in range(int(rng.integers(1, max_sequences + 1))):
        T = int(rng.integers(1, max_T + 1))
        seq = SeqSpec(rng.uniform(-1.5, 1.5, size=(T, D)))
        if loss != "none":
            for t in range(1, T + 1) if output == "every" else [T]:
                seq.targets[t] = random_target(rng, loss, K)
        sequences.append(seq)
    lr = None if rng.random() < 0.3 else float(rng.choice([0.05, 0.1, 0.37, 1.0]))
    return CellConfig(
        cell,
        form,
        output,
        head,
        loss,
        params,
        sequences,
        variant,
        update,
        lr,
        explicit_defaults=bool(rng.integers(2)),
    )


def parse_config(cfg: CellConfig):
    from rnntrace._internal.scenario import parse_scenario

    return parse_scenario(to_yaml(cfg), "cell-oracle.yaml")


def trace_config(cfg: CellConfig, numbers=None):
    """Parse ``cfg``'s YAML with rnntrace and trace it."""
    from rnntrace._internal.engine import trace_scenario

    return trace_scenario(parse_config(cfg), numbers)


def describe(cfg: CellConfig) -> str:
    D, H, K = cfg.sizes
    lengths = [s.length for s in cfg.sequences]
    what = f"{cfg.cell}/{cfg.form}"
    if cfg.cell == "gru":
        what += f"/{cfg.variant}/{cfg.update}"
    return (
        f"{what} {cfg.output}/{cfg.head}+{cfg.loss} D={D} H={H} K={K} T={lengths} "
        f"given={list(cfg.params)} lr={cfg.learning_rate}"
    )
