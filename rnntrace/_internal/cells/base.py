"""What a recurrent cell is, as data: a ``CellKind``, and the registry that holds one per cell.

A cell's knowledge lives in its own module (``rnntrace/_internal/cells/<name>.py``, its Jacobian for
the gradient flow beside it) and its tracer (``rnntrace/_internal/engine/<name>.py``). The loader,
the schema, the engine, the analyses and the printers ask the registry (``get``) and read
the kind's fields; nothing else branches on a cell's name. This package imports only
numpy, the standard library and itself: the tracer is named by a dotted path and imported
when a scenario uses it, the step Jacobian (``imported``) when ``gradflow`` first calls it.

Shapes are written with the sizes' letters: D inputs, H hidden units, K outputs, and
``H+D`` for a matrix acting on the concatenation [h_{t-1}, x_t] (seed 001's form).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import field
from typing import Any, Protocol

import numpy as np

from rnntrace._internal.records import record
from rnntrace._internal.symbol.tree import Sentence


@record
class ParamSpec:
    """One parameter: its key, shape (in size letters), meaning, and whether it is needed."""

    key: str
    shape: tuple[str, ...]
    text: str
    required: bool = False  # needed unless the other form of the same gate is given
    gate: str | None = None  # the gate it belongs to (for the concatenated form)


def gate_params(letter: str, name: str, bias_text: str) -> list[ParamSpec]:
    """A gate's separate form: W_gx (H, D), W_gh (H, H) and its bias b_g (H)."""
    return [
        ParamSpec(f"W_{letter}x", ("H", "D"), f"{name}: input matrix", True, letter),
        ParamSpec(f"W_{letter}h", ("H", "H"), f"{name}: recurrent matrix", True, letter),
        ParamSpec(f"b_{letter}", ("H",), bias_text),
    ]


def concatenated(params: list[ParamSpec]) -> dict[str | None, ParamSpec]:
    """The concatenated form of every gate of ``params``: W_g (H, H+D) acting on [h, x]."""
    return {
        spec.gate: ParamSpec(
            f"W_{spec.key[2]}",
            ("H", "H+D"),
            f"{spec.text.split(':')[0]}: matrix acting on [h_(t-1), x_t]",
            True,
            spec.key[2],
        )  # fmt: skip
        for spec in params
        if spec.gate is not None and spec.key.endswith("x")
    }


OUTPUT = [
    ParamSpec("W_hy", ("K", "H"), "hidden-to-output matrix"),
    ParamSpec("b_y", ("K",), "output bias"),
]
H0 = ParamSpec("h_0", ("H",), "initial hidden state")


@record
class StepJacobian:
    """One step j of a layer: A_j = ∂s_j/∂s_{j-1} and the diagonals it is made of."""

    time: int  # the time step t of h_t
    key: str  # the full key of h_j
    prev_key: str  # the full key of h_{j-1} (h_0, or the encoder's last state)
    state: np.ndarray  # A_j: H×H, or 2H×2H over (h, c) for a cell with a cell state
    derivative: np.ndarray | None  # an ungated cell: f'(z_j)
    path: np.ndarray | None  # a gated cell: the diagonal of its direct path (f_j, u_j)
    c_key: str | None = None  # a cell state: the keys of c_j and c_{j-1}
    c_prev_key: str | None = None


class LayerValues(Protocol):
    """What a cell's Jacobian reads of one layer of a trace (``analysis.jacobians.Layer``)."""

    def key(self, name: str) -> str: ...  # the full key of the layer's ``name``
    def value(self, name: str) -> np.ndarray: ...  # the value of the layer's ``name``
    def has(self, name: str) -> bool: ...  # whether the layer recorded ``name``
    def operand(self, name: str, at: int) -> str: ...  # the full key of an operand
    def vector(self, name: str) -> str: ...  # the full key of the vector a product reads
    def value_of(self, key: str) -> np.ndarray: ...  # the value of a full key
    def recurrent(self, gate: str, t: int | None = None) -> np.ndarray: ...  # W_gh (or the
    # h columns of W_g); for step t, times its recurrent dropout mask diag(m_t) if any
    def derivative(self, activation: str, arg: np.ndarray) -> np.ndarray: ...  # f'
    def parameter(self, name: str) -> np.ndarray | None: ...  # the part's parameter, if any


@record
class DirectPath:
    """A gated cell's direct path back through time: the diagonal factor that carries the
    state from step j−1 to step j unchanged, in words for every printer."""

    name: str  # "cell state (forget gates)", "direct path (1 - z)"
    factor: str  # the factor's letter(s): "f", "1 - z"
    # text, latex and words name the quantities as fields filled in the scenario's notation
    # (``analysis.letters``): {z:j} is z_j
    text: str  # the factor at step j in text: "1 − {z:j}"
    latex: str  # ... in LaTeX: "1 - {z:j}"
    sentence: str  # the path in a sentence: "the direct path through the update gates"
    words: str  # "the forget gates are", "1 − {z:j} is"


@record
class FlowWords:
    """How the gradient flows back through one step of the cell, for ``rnntrace gradflow``."""

    recurrent: tuple[tuple[str, str], ...]  # (gate letter, what it is) of every W_gh
    main: str  # the gate whose W_gh plays the role of W_hh
    jacobian: Callable[[LayerValues, int, Any], StepJacobian]  # A_j of step t, from a model
    path: Callable[[Any], DirectPath | None]  # the direct path for a model (None: ungated)
    # the three below name the quantities as fields ({h:j}, {z:j}: ``analysis.letters``)
    equation: str  # A_j in words, for the terminal
    equation_latex: str  # A_j in LaTeX; ``{W}`` stands for the main matrix's symbol
    words_latex: str  # a sentence after it ('' for none)
    joint: bool = False  # A_j is over (h, c): report ∂c_t/∂c_(t−k) too
    marks: tuple[str, str] = ("mark=*", "mark=x, dashed")  # pgfplots marks of the two series
    # h_t = f(W_hh h_(t−1) + u): u of step t (x None), for a vector x, or for x = 0 (t None
    # and x None). Given only by a cell of that form: seeds 004's and 001's analyses apply.
    drive: Callable[[LayerValues, int | None, np.ndarray | None], np.ndarray] | None = None
    # A_j of many steps at once (the same as ``jacobian`` of each); None: ``jacobian`` a step
    jacobians: Callable[[LayerValues, list[int], Any], list[StepJacobian]] | None = None


def _no_conventions(model: Any, sym: Any) -> list[Sentence]:
    return []


@record
class CellKind:
    """Everything rnntrace knows about one recurrent cell."""

    name: str  # the value of ``model.cell``
    title: str  # "simple RNN", "LSTM"
    params: tuple[ParamSpec, ...]  # the separate form, with the output layer and h_0
    concat: Mapping[str | None, ParamSpec]  # gate -> its concatenated matrix
    tracer: str  # "rnntrace._internal.engine.lstm:LstmCell", imported when a scenario uses it
    gates: int  # gate-like blocks of W (H×(H+D)) per step, for the size estimate
    flow: FlowWords
    options: tuple[str, ...] = ()  # model keys that apply to this cell only
    conventions: Callable[[Any, Any], list[Sentence]] = _no_conventions  # (model, symbols)
    topology_params: Mapping[str, ParamSpec] = field(default_factory=dict)  # extra, by topology
    aliases: Mapping[str, str] = field(default_factory=dict)  # textbook names -> keys
    step_words: Mapping[str, str] = field(default_factory=dict)  # key stem -> a worksheet's words
    quantities: tuple[str, ...] = ()  # its own traced quantities (keys of symbol.rename)
    layouts: tuple[str, ...] = ("columns",)  # model.layout values its tracer records

    @property
    def has_activation(self) -> bool:
        """True when the hidden activation is the model's choice (``model.activation``)."""
        return "activation" in self.options

    def param_specs(self) -> dict[str, ParamSpec]:
        """Every parameter key the cell accepts (both forms), in display order."""
        specs = {spec.key: spec for spec in self.params}
        for gate, spec in self.concat.items():
            keys = list(specs)
            at = keys.index(f"W_{gate}x")  # the concatenated matrix stands before its split pair
            specs = (
                {k: specs[k] for k in keys[:at]}
                | {spec.key: spec}
                | {k: specs[k] for k in keys[at:]}
            )
        return specs

    def tracer_class(self) -> Any:
        """The tracer class (an ``engine.cell.CellTracer``), imported on first use."""
        module, name = self.tracer.split(":")
        return getattr(importlib.import_module(module), name)


_KINDS: dict[str, CellKind] = {}


def register(kind: CellKind) -> CellKind:
    """Add a cell to the registry (each cell's module does, once); returns it."""
    if kind.name in _KINDS:
        raise ValueError(f"cell {kind.name!r} is registered twice")
    _KINDS[kind.name] = kind
    return kind


def registered(name: str) -> CellKind | None:
    """The cell called ``name`` if its module has registered it (``cells.get`` imports it)."""
    return _KINDS.get(name)


def imported(module: str, name: str) -> Callable[..., Any]:
    """The function ``name`` of ``module``, imported when it is first called: a cell's step
    Jacobian, which only ``gradflow`` calls, so that ``run`` does not import it."""
    found: list[Callable[..., Any]] = []

    def call(*args: Any, **kwargs: Any) -> Any:
        if not found:
            found.append(getattr(importlib.import_module(module), name))
        return found[0](*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__module__ = module
    return call
