"""Helpers for the oracle tests: optional-dependency guards and random scenario builders.

Oracles (PyTorch, pdflatex, pdftotext, ...) are optional: a test that needs a missing one
is *skipped* with a clear reason, unless the environment variable
``RNNTRACE_REQUIRE_ORACLES=1`` is set (as in CI), in which case it *fails*, so that a
broken environment can never pass silently.

The scenario builder writes every float with ``repr`` (the shortest text that reads back
as the same float64), so the YAML the engine parses holds exactly the numbers the
independent reference uses.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, NoReturn

import numpy as np
import pytest

REQUIRE_ENV = "RNNTRACE_REQUIRE_ORACLES"

# -- optional oracles ---------------------------------------------------------------------


def oracles_required() -> bool:
    """True when RNNTRACE_REQUIRE_ORACLES asks for every oracle to be present."""
    return os.environ.get(REQUIRE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def _missing(what: str, why: str) -> NoReturn:
    if oracles_required():
        pytest.fail(
            f"{what} is required but not available ({why}); "
            f"{REQUIRE_ENV}=1 turns a missing oracle into a failure",
            pytrace=False,
        )
    pytest.skip(f"{what} not available ({why}); set {REQUIRE_ENV}=1 to make this a failure")


def require_module(name: str, install_hint: str = "") -> ModuleType:
    """Import and return module ``name``; skip (or fail, when oracles are required) if absent."""
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as exc:
        hint = f"; {install_hint}" if install_hint else ""
        _missing(f"Python module {name!r}", f"import failed: {exc}{hint}")


def require_torch() -> ModuleType:
    """The ``torch`` module; skip (or fail, when oracles are required) if it is missing."""
    return require_module("torch", "pip install torch")


def require_executable(name: str) -> str:
    """The full path of program ``name`` (pdflatex, pdftotext, ...) on PATH; skip (or fail,
    when oracles are required) if it is not installed."""
    path = shutil.which(name)
    if path is None:
        _missing(f"program {name!r}", "not found on PATH")
    return path


# -- exact YAML numbers -------------------------------------------------------------------


def num(x: float) -> str:
    """A float as YAML text that reads back as exactly the same float64.

    ``repr`` is exact; but YAML 1.1 (PyYAML) reads ``1e-05`` as a *string* (its float
    pattern needs a dot), so a mantissa without a dot gets ``.0``.
    """
    x = float(x)
    if not np.isfinite(x):
        raise ValueError(f"not a finite number: {x!r}")
    text = repr(x)
    if "e" in text:
        mantissa, exponent = text.split("e")
        if "." not in mantissa:
            mantissa += ".0"
        text = f"{mantissa}e{exponent}"
    return text


def vec(values: Any) -> str:
    return "[" + ", ".join(num(v) for v in np.asarray(values, dtype=float).ravel()) + "]"


def mat(values: Any) -> str:
    values = np.asarray(values, dtype=float)
    return "[" + ", ".join(vec(row) for row in values) + "]"


# -- random scenarios ---------------------------------------------------------------------

HEAD_LOSS = [
    ("sigmoid", "bce"),
    ("softmax", "ce"),
    ("identity", "mse"),
    ("sigmoid", "mse"),
    ("softmax", "mse"),
]
FORWARD_ONLY = [("identity", "none"), ("sigmoid", "none"), ("softmax", "none")]
ACTIVATIONS = ["tanh", "relu", "sigmoid"]
PARAM_ORDER = ["W_xh", "W_hh", "b_h", "W_hy", "b_y", "h_0"]


@dataclass
class SeqSpec:
    inputs: np.ndarray  # (T, D)
    targets: dict[int, Any] = field(default_factory=dict)  # time -> target (engine form)
    # target as written: int class index (ce), float (K = 1) or list of floats

    @property
    def length(self) -> int:
        return int(self.inputs.shape[0])


@dataclass
class Config:
    """Everything a scenario file says, as numbers; ``params`` holds only given keys."""

    activation: str
    output: str
    head: str
    loss: str
    params: dict[str, np.ndarray]
    sequences: list[SeqSpec]
    learning_rate: float | None = None  # None: left out (default 0.1)
    scalar_targets: bool = True  # write a K = 1 target as a number instead of [x]

    @property
    def sizes(self) -> tuple[int, int, int]:
        H, D = self.params["W_xh"].shape
        K = self.params["W_hy"].shape[0] if "W_hy" in self.params else 0
        return D, H, K

    @property
    def lr(self) -> float:
        return 0.1 if self.learning_rate is None else self.learning_rate

    def output_steps(self, seq: SeqSpec) -> list[int]:
        if self.output == "every":
            return list(range(1, seq.length + 1))
        if self.output == "last":
            return [seq.length]
        return []

    @property
    def trains(self) -> bool:
        return self.output != "none" and self.loss != "none"

    def trained(self) -> list[str]:
        """Parameter keys with a gradient and an update."""
        return [key for key in PARAM_ORDER if key in self.params] if self.trains else []

    def prefix(self, number: int) -> str:
        return f"s{number}." if len(self.sequences) > 1 else ""

    def with_value(self, where: tuple, value: float) -> Config:
        """A copy with one number changed: ``("param", key, index)`` or
        ``("input", sequence_index, t_index, d)``."""
        params = {k: v.copy() for k, v in self.params.items()}
        sequences = [SeqSpec(s.inputs.copy(), dict(s.targets)) for s in self.sequences]
        if where[0] == "param":
            params[where[1]][where[2]] = value
        else:
            _, s, t, d = where
            sequences[s].inputs[t, d] = value
        return Config(
            self.activation,
            self.output,
            self.head,
            self.loss,
            params,
            sequences,
            self.learning_rate,
            self.scalar_targets,
        )


def _target_text(cfg: Config, target: Any) -> str:
    if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        return str(int(target))
    values = np.asarray(target, dtype=float).ravel()
    if values.size == 1 and cfg.scalar_targets:
        return num(values[0])
    return vec(values)


def scenario_head(
    title: str, sequences: Any, output: str, target_text: Callable[[Any], str]
) -> list[str]:
    """The first lines of a random scenario file: its title and its input sequences with
    their targets (one per step when ``output`` is 'every', else a label)."""
    lines = ["version: 1", f'title: "{title}"', "input: {vectors: true}", "sequences:"]
    for seq in sequences:
        lines.append(f"  - inputs: {mat(seq.inputs)}")
        if seq.targets:
            if output == "every":
                items = [target_text(seq.targets[t]) for t in range(1, seq.length + 1)]
                lines.append(f"    targets: [{', '.join(items)}]")
            else:
                lines.append(f"    label: {target_text(seq.targets[seq.length])}")
    return lines


def to_yaml(cfg: Config) -> str:
    """The scenario file of ``cfg``."""
    lines = scenario_head("random oracle scenario", cfg.sequences, cfg.output,
                          lambda target: _target_text(cfg, target))  # fmt: skip
    lines.append(
        f"model: {{cell: rnn, activation: {cfg.activation}, output: {cfg.output}, "
        f"head: {cfg.head}, loss: {cfg.loss}}}"
    )
    lines.append("params:")
    for key in PARAM_ORDER:
        if key in cfg.params:
            text = mat(cfg.params[key]) if key.startswith("W") else vec(cfg.params[key])
            lines.append(f"  {key}: {text}")
    if cfg.learning_rate is not None:
        lines.append(f"train: {{learning_rate: {num(cfg.learning_rate)}}}")
    lines.append("numbers: {decimals: 4, carry: exact}")
    return "\n".join(lines) + "\n"


def random_config(
    rng: np.random.Generator,
    *,
    activation: str | None = None,
    output: str | None = None,
    head_loss: tuple[str, str] | None = None,
    bias: bool | None = None,
    h0: bool | None = None,
    max_size: int = 5,
    max_T: int = 6,
    max_sequences: int = 3,
    scale: float = 1.0,
) -> Config:
    """A random scenario; every choice not fixed by an argument is drawn from ``rng``."""
    activation = activation or str(rng.choice(ACTIVATIONS))
    output = output or str(rng.choice(["last", "every", "none"], p=[0.45, 0.45, 0.1]))
    if head_loss is None:
        options = HEAD_LOSS + FORWARD_ONLY if output != "none" else FORWARD_ONLY
        head_loss = options[rng.integers(len(options))]
    head, loss = head_loss
    if output == "none":
        loss = "none"
    # bias=None: b_h and b_y each given or not, independently
    bias_h = bool(rng.integers(2)) if bias is None else bias
    bias_y = bool(rng.integers(2)) if bias is None else bias
    h0 = bool(rng.integers(2)) if h0 is None else h0
    D, H, K = (int(rng.integers(1, max_size + 1)) for _ in range(3))
    if loss == "ce" and K == 1 and rng.random() < 0.7:
        K = int(rng.integers(2, max(3, max_size + 1)))  # a 1-class softmax is legal but dull

    def draw(*shape: int) -> np.ndarray:
        return rng.uniform(-scale, scale, size=shape)

    params: dict[str, np.ndarray] = {"W_xh": draw(H, D), "W_hh": draw(H, H)}
    if bias_h:
        params["b_h"] = draw(H)
    if output != "none" or rng.random() < 0.5:
        params["W_hy"] = draw(K, H)
        if bias_y:
            params["b_y"] = draw(K)
    if h0:
        params["h_0"] = draw(H)
    n_seq = int(rng.integers(1, max_sequences + 1))
    sequences = []
    for _ in range(n_seq):
        T = int(rng.integers(1, max_T + 1))
        seq = SeqSpec(rng.uniform(-1.5, 1.5, size=(T, D)))
        if loss != "none":
            steps = range(1, T + 1) if output == "every" else [T]
            for t in steps:
                seq.targets[t] = random_target(rng, loss, K)
        sequences.append(seq)
    lr = None if rng.random() < 0.3 else float(rng.choice([0.05, 0.1, 0.37, 1.0, 0.0125]))
    return Config(
        activation, output, head, loss, params, sequences, lr, scalar_targets=bool(rng.integers(2))
    )


def random_target(rng: np.random.Generator, loss: str, K: int) -> Any:
    if loss == "ce":
        return int(rng.integers(K))
    if loss == "bce":
        # hard 0/1 labels mostly, soft labels in [0, 1] sometimes
        if rng.random() < 0.6:
            return [float(v) for v in rng.integers(0, 2, size=K)]
        return [float(v) for v in rng.uniform(0, 1, size=K)]
    return [float(v) for v in rng.uniform(-1.5, 1.5, size=K)]


def target_vector(cfg: Config, target: Any, K: int) -> np.ndarray:
    """The target as the vector the loss compares with (one-hot for ce)."""
    if cfg.loss == "ce":
        out = np.zeros(K)
        out[int(target)] = 1.0
        return out
    return np.asarray(target, dtype=float).ravel()


def trace_config(cfg: Config):
    """Parse ``cfg``'s YAML with rnntrace and trace it."""
    from rnntrace._internal.engine import trace_scenario
    from rnntrace._internal.scenario import parse_scenario

    return trace_scenario(parse_scenario(to_yaml(cfg), "oracle.yaml"))


def describe(cfg: Config) -> str:
    D, H, K = cfg.sizes
    lengths = [s.length for s in cfg.sequences]
    given = [k for k in PARAM_ORDER if k in cfg.params]
    return (
        f"{cfg.activation}/{cfg.output}/{cfg.head}+{cfg.loss} D={D} H={H} K={K} "
        f"T={lengths} given={given} lr={cfg.learning_rate}"
    )
