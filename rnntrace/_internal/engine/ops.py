"""The primitive operations, each defined once in ``DEFINITIONS``.

An op is a pure function of its operands' values and its info, so any recorded step can be
computed again from other operand values (the basis of error-carried-forward grading). Each
``Op`` holds, in one place:

* ``numpy``: its vectorised numpy expression, written once as a small function of the
  operands' expressions and an ``Info`` view. ``evaluate`` (the trace, and the re-evaluation
  of ``verify``) runs it with the operands ``a[0], a[1], ...`` and the step's info ``i``; the
  compiled tape (``compiled.py``) writes it with its own variables and constants;
* ``forward``: only where ``evaluate`` must compute otherwise (a hand calculation's rounded
  products, the order of a traced sum);
* ``fast``: only where the training tape computes a faster form equal to the last bits or so
  (the sigmoid through tanh);
* ``derivative``: the local derivative of an elementwise op, from its input ``x`` or output
  ``y``; the activations' (``ACTIVATIONS``) are what ``activation_derivative`` computes, for
  the BPTT steps and the Jacobians of ``gradflow``.

What a printer writes out is computed from the trace (``render.explain``: the printers do not
import the engine); a matvec's row products are rounded as ``matvec_products`` rounds them.

Every op that can overflow is written the stable way: sigmoid by sign, softmax shifted
when its logits are large, the losses from the logits when numbers are exact.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

import numpy as np

from rnntrace._internal.numbers import round_array
from rnntrace._internal.records import record

Array = np.ndarray
OpFn = Callable[[list[Array], Mapping[str, Any], "int | None"], Array]


class Info(Protocol):
    """A step's info as an op's expression reads it."""

    def value(self, key: str, default: Any = None) -> Any:
        """A value that shapes the expression (an activation's name, a block of columns)."""

    def data(self, key: str, default: Any = None, array: bool = False) -> str:
        """The expression of a value the op computes with (a target, a learning rate)."""


Template = Callable[[list[str], Info], str]


@record
class Activation:
    """A hidden activation f: its expression, its derivative f' from h = f(z) (``of_output``)
    or from z, and the training tape's faster form where there is one."""

    numpy: str  # of "{z}"
    derivative: str  # of "{h}" (of_output) or of "{z}"
    of_output: bool
    fast: str | None = None


ACTIVATIONS: dict[str, Activation] = {
    "tanh": Activation("np.tanh({z})", "1.0 - {h} * {h}", of_output=True),
    "sigmoid": Activation(
        "sigmoid({z})", "{h} * (1.0 - {h})", of_output=True, fast="0.5 * (1.0 + np.tanh(0.5 * {z}))"
    ),  # fmt: skip
    "relu": Activation("np.maximum({z}, 0.0)", "({z} > 0.0).astype(float)", of_output=False),
}


@record
class Op:
    """One primitive op (see the module's docstring)."""

    name: str
    numpy: Template
    structure: tuple[str, ...] = ()  # info keys whose values shape ``numpy``'s expression
    forward: OpFn | None = None
    fast: Template | None = None
    derivative: Callable[[str, str], str] | None = None  # (x, y) -> f'(x) elementwise
    tape_info: Mapping[str, Template] | None = None  # info a tape recomputes from operands
    logs: bool = False  # takes the log of a probability that may be 0: −log 0 = inf, quietly
    elementwise: bool = False  # ``numpy`` works as it is on rows (one per time step)
    rows: Template | None = None  # the op over rows, where ``numpy`` does not

    def over_rows(self, a: list[str], info: Info) -> str | None:
        """The op for many time steps at once: its operands' values at each time as the rows
        of a matrix (a number as a column of one), a parameter as it is; None if it has no
        such form."""
        if self.rows is not None:
            return self.rows(a, info)
        return self.tape(a, info, fast=True) if self.elementwise else None

    def tape(self, a: list[str], info: Info, fast: bool = False) -> str:
        """The expression a compiled tape writes (the training tape's with ``fast``)."""
        return (self.fast if fast and self.fast is not None else self.numpy)(a, info)


def sigmoid(z: Array) -> Array:
    """1 / (1 + e^(-z)), without overflow for large |z|."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def softmax_shift(logits: Array) -> float:
    """What is subtracted from the logits before exponentiating: 0 unless they are large,
    so that hand calculations show plain e^(o_k) whenever that is safe."""
    top = float(np.max(logits))
    return top if top > 30.0 else 0.0


def block(matrix: Array, info: Mapping[str, Any]) -> Array:
    """The matrix a matvec multiplies by: the columns ``cols`` = [start, stop) of it when
    given (a concatenated gate matrix's h or x block), then transposed if ``transpose``."""
    cols = info.get("cols")
    if cols is not None:
        matrix = matrix[:, cols[0] : cols[1]]
    return matrix.T if info.get("transpose") else matrix


def matvec_products(
    matrix: Array, vector: Array, info: Mapping[str, Any], term_decimals: int | None
) -> Array:
    """The products W[i, j] v[j] that row i of a matvec adds up, rounded to
    ``term_decimals`` when a hand calculation rounds each product."""
    products = block(matrix, info) * vector
    return products if term_decimals is None else round_array(products, term_decimals)


def _matvec(args: list[Array], info: Mapping[str, Any], term_decimals: int | None) -> Array:
    if term_decimals is None:
        return block(args[0], info) @ args[1]
    return matvec_products(args[0], args[1], info, term_decimals).sum(axis=1)


def _block(a: list[str], i: Info) -> str:
    cols = i.value("cols")
    return f"{a[0]}[:, {cols[0]}:{cols[1]}]" if cols is not None else a[0]


def _matvec_numpy(a: list[str], i: Info) -> str:
    return f"{_block(a, i)}{'.T' if i.value('transpose') else ''} @ {a[1]}"


def _matvec_rows(a: list[str], i: Info) -> str:
    """Rows x_tᵀ: (W x_t)ᵀ = x_tᵀ Wᵀ for every t in one product."""
    return f"{a[1]} @ {_block(a, i)}{'' if i.value('transpose') else '.T'}"


def _activation(a: list[str], i: Info, fast: bool = False) -> str:
    act = ACTIVATIONS[i.value("activation")]
    return (act.fast if fast and act.fast else act.numpy).format(z=a[0])


def _derivative(a: list[str], i: Info) -> str:
    act = ACTIVATIONS[i.value("activation")]
    return act.derivative.format(h=a[0], z=a[0])


def _dots(args: list[Array], info: Mapping[str, Any], term_decimals: int | None) -> Array:
    return np.array([float(np.dot(args[0], v)) for v in args[1:]])


def _weighted_sum(args: list[Array], info: Mapping[str, Any], term_decimals: int | None) -> Array:
    return sum((w * v for w, v in zip(args[0], args[1:])), np.zeros_like(args[1]))


def ce_parts(top: str, total: str, pick: str, summed: bool = False) -> str:
    """The cross-entropy −log softmax(o)[k] = m + log Σ e^(o − m) − o[k] from its parts: the
    shift m, the sum and o[k] (the training tape shares the first two with the softmax);
    ``summed``: arrays of the parts of several, and the sum of their cross-entropies."""
    if summed:
        return f"{top}.sum() + np.log({total}).sum() - {pick}.sum()"
    return f"{top} + np.log({total}) - {pick}"


def _ce(a: list[str], i: Info) -> str:
    if not i.value("from_logits"):
        return f"-np.log({a[0]}[{i.data('index')}])"
    top = f"{a[1]}.max()"
    return ce_parts(top, f"np.exp({a[1]} - {top}).sum()", f"{a[1]}[{i.data('index')}]")


def _bce(a: list[str], i: Info) -> str:
    t = i.data("target", array=True)
    if i.value("from_logits"):
        return f"np.sum(np.logaddexp(0.0, {a[1]}) - {t} * {a[1]})"
    return f"-np.sum({t} * np.log({a[0]}) + (1 - {t}) * np.log(1 - {a[0]}))"


def _add(a: list[str], i: Info) -> str:
    if len(a) <= 8:
        return " + ".join(a)
    return f"sum(({', '.join(a[1:])},), {a[0]})"  # the same order; no nesting 10⁴ deep


def _stack(names: list[str]) -> str:
    return f"np.stack(({', '.join(names)},))"


_LIST: list[Op] = [
    Op("matvec", _matvec_numpy, ("cols", "transpose"), forward=_matvec, rows=_matvec_rows),
    Op("add", _add, elementwise=True),
    Op("hadamard", lambda a, i: f"{a[0]} * {a[1]}", elementwise=True),
    Op("outer", lambda a, i: f"{a[0]}[:, None] * {a[1]}"),
    Op("activation", _activation, ("activation",), elementwise=True,
        fast=lambda a, i: _activation(a, i, fast=True)),  # fmt: skip
    Op("activation_derivative", _derivative, ("activation",), elementwise=True),
    Op("identity", lambda a, i: a[0], derivative=lambda x, y: "1.0"),
    Op("sigmoid", lambda a, i: f"sigmoid({a[0]})",
        fast=lambda a, i: ACTIVATIONS["sigmoid"].fast.format(z=a[0]),  # type: ignore[union-attr]
        derivative=lambda x, y: f"{y} * (1.0 - {y})", elementwise=True),  # fmt: skip
    Op("exp", lambda a, i: f"np.exp({a[0]} - {i.data('shift', 0.0)})",
        derivative=lambda x, y: y, elementwise=True,
        tape_info={"shift": lambda a, i: f"softmax_shift({a[0]})"}),  # fmt: skip
    Op("total", lambda a, i: f"np.sum({a[0]})",
       rows=lambda a, i: f"np.sum({a[0]}, axis=1, keepdims=True)"),
    Op("divide", lambda a, i: f"{a[0]} / {a[1]}", elementwise=True),
    Op("bce", _bce, ("from_logits",), logs=True),
    Op("ce", _ce, ("from_logits",), logs=True),
    Op("mse", lambda a, i: f"np.mean(({a[0]} - {i.data('target', array=True)}) ** 2)"),
    Op("bce_grad", lambda a, i: f"{a[0]} - {i.data('target', array=True)}"),
    Op("ce_grad", lambda a, i: f"{a[0]} - {i.data('target', array=True)}", elementwise=True),
    Op("mse_grad",
        lambda a, i: f"2.0 * ({a[0]} - {i.data('target', array=True)}) / {a[0]}.size"),
    Op("sigmoid_back", lambda a, i: f"{a[0]} * {a[1]} * (1.0 - {a[1]})", elementwise=True),
    Op("softmax_back", lambda a, i: f"{a[1]} * ({a[0]} - np.dot({a[0]}, {a[1]}))"),
    Op("sgd", lambda a, i: f"{a[0]} - {i.data('learning_rate')} * {a[1]}"),
    Op("concat", lambda a, i: f"np.concatenate(({', '.join(f'np.atleast_1d({v})' for v in a)},))"),
    Op("tanh_back", lambda a, i: f"{a[0]} * (1.0 - {a[1]} * {a[1]})", elementwise=True),
    Op("one_minus", lambda a, i: f"1.0 - {a[0]}", derivative=lambda x, y: "-1.0",
       elementwise=True),
    Op("subtract", lambda a, i: f"{a[0]} - {a[1]}", elementwise=True),
    Op("dots", lambda a, i: f"{_stack(a[1:])} @ {a[0]}", forward=_dots),
    Op("weighted_sum", lambda a, i: f"{a[0]} @ {_stack(a[1:])}", forward=_weighted_sum),
    Op("scale", lambda a, i: f"{a[0]}[{i.data('index')}] * {a[1]}"),
    Op("slice", lambda a, i: f"{a[0]}[{i.data('start')}:{i.data('stop')}]"),
    Op("global_norm",
        lambda a, i: f"np.sqrt({' + '.join(f'float(np.sum({v} * {v}))' for v in a)})"),
    Op("clip_factor",
        lambda a, i: f"min(1.0, {i.data('max_norm')} / max(float({a[0]}), 1e-300))"),
    Op("scale_by", lambda a, i: f"float({a[0]}) * {a[1]}"),
    Op("decay", lambda a, i: f"{a[0]} + {i.data('weight')} * {a[1]}"),
    Op("cut", lambda a, i: f"np.zeros({i.data('size')})"),
    Op("zeros", lambda a, i: f"np.zeros({i.data('shape')})"),
]  # fmt: skip
DEFINITIONS: dict[str, Op] = {op.name: op for op in _LIST}
SCOPE: dict[str, Any] = {"np": np, "sigmoid": sigmoid, "softmax_shift": softmax_shift}


class _EvalInfo:
    """The info view of ``evaluate``'s functions: structure now, data from ``i`` when run."""

    def __init__(self, info: Mapping[str, Any]) -> None:
        self.info = info

    def value(self, key: str, default: Any = None) -> Any:
        return self.info.get(key, default)

    def data(self, key: str, default: Any = None, array: bool = False) -> str:
        read = f"i[{key!r}]" if default is None else f"i.get({key!r}, {default!r})"
        return f"np.asarray({read}, dtype=float)" if array else read


def _function(op: Op, n_args: int, info: Mapping[str, Any]) -> Callable[..., Any]:
    """``op.numpy`` as a function of (a, i)."""
    expr = op.numpy([f"a[{n}]" for n in range(n_args)], _EvalInfo(info))
    scope = dict(SCOPE)
    exec(compile(f"def _op(a, i):\n    return {expr}", f"<op {op.name}>", "exec"), scope)  # noqa: S102
    return scope["_op"]


def _evaluator(op: Op) -> OpFn:
    """``op.forward``, or ``op.numpy`` compiled once per arity and structure."""
    if op.forward is not None:
        return op.forward
    structure = op.structure
    functions: dict[Any, Callable[[list[Array], Mapping[str, Any]], Any]] = {}

    def run(args: list[Array], info: Mapping[str, Any], term_decimals: int | None) -> Array:
        key = (len(args), *[info.get(k) for k in structure]) if structure else len(args)
        function = functions.get(key)
        if function is None:
            function = functions[key] = _function(op, len(args), info)
        return function(args, info)

    return run


# What ``evaluate`` runs for each op (tests may put a corrupted one in to see it caught).
OPS: dict[str, OpFn] = {name: _evaluator(op) for name, op in DEFINITIONS.items()}
_LOGS = frozenset(name for name, op in DEFINITIONS.items() if op.logs)


def evaluate(
    op: str, args: list[Array], info: Mapping[str, Any], term_decimals: int | None
) -> Array:
    """The value of ``op`` on ``args``; ``term_decimals`` rounds each product of a sum."""
    if op in _LOGS:
        with np.errstate(divide="ignore"):
            out = np.asarray(OPS[op](args, info, term_decimals), dtype=float)
    else:
        out = np.asarray(OPS[op](args, info, term_decimals), dtype=float)
    if out.base is not None:
        return out.copy()  # a value of its own, not a view of an operand
    for arg in args:
        if out is arg:
            return out.copy()
    return out


def activation(name: str, z: Array) -> Array:
    """The hidden activation f(z): tanh, relu or sigmoid."""
    return _elementwise(name, "numpy", z)


def activation_derivative(name: str, arg: Array) -> Array:
    """f'(z), from h = f(z) for tanh (1 - h^2) and sigmoid (h(1 - h)), from z for relu."""
    return _elementwise(name, "derivative", arg)


def _elementwise(name: str, which: str, arg: Array) -> Array:
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}")
    return evaluate("activation" if which == "numpy" else "activation_derivative",
                    [np.asarray(arg, dtype=float)], {"activation": name}, None)  # fmt: skip
