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
  the BPTT steps and the Jacobians of ``gradflow``;
* ``explain``: how it is written out (``explain.Explain``: its formula and the working of one
  entry, as symbol trees), which every printer reads; ``function``: the op as a named
  function (σ); ``definition`` and ``words``: a loss as the model's description states it.
  An activation's ``function``, ``explain`` and ``explain_derivative`` are in its entry.

``evaluate`` (``ops.evaluate``) computes an op's value; the numbers a printer writes out
are computed from the trace (``render.explain``); a product's (``product``: W v of the
column convention, x W of the row convention) entries are rounded as ``Product.products``
rounds them (``ops.products``).

Every op that can overflow is written the stable way: sigmoid by sign, softmax shifted
when its logits are large, the losses from the logits when numbers are exact.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

import numpy as np

from rnntrace._internal.ops.explain import Entry, Explain, Operand
from rnntrace._internal.ops.products import MATVEC, VECMAT, Product
from rnntrace._internal.records import record
from rnntrace._internal.symbol.tree import (
    Apply,
    Command,
    Delimited,
    Derivative,
    Fraction,
    Name,
    Primed,
    Row,
    Scripted,
    Space,
    Squared,
    Styled,
    Symbol,
    Times,
    Words,
    Written,
    formula,
    paren,
)

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
    or from z, the training tape's faster form where there is one, and the function as a
    symbol (``\\tanh``, σ, ``\\operatorname{relu}``) for the model's equation and the worked
    lines."""

    numpy: str  # of "{z}"
    derivative: str  # of "{h}" (of_output) or of "{z}"
    of_output: bool
    function: Symbol
    explain: Explain  # f(z) written out
    explain_derivative: Explain  # f'(z) written out, from h (of_output) or z
    fast: str | None = None


A, A_FACTOR, ONE = Operand(0), Entry(0, factor=True), Name("1")
TANH, SIGMA = Command("tanh"), Command("sigma")
RELU = Styled("operatorname", Name("relu"))


def _applied(function: Symbol) -> Explain:
    return Explain(Apply(function, A), Apply(function, Entry(0)), valued=True)


def _one_minus_square(symbol: Symbol, entry: Symbol) -> Explain:  # 1 − h², of h = tanh(z)
    return Explain(formula("1", "-", Squared(symbol)), formula("1", "-", Squared(entry)))


_MAX = Command("max")  # relu is written max(0, z) in LaTeX, relu(z) in the terminal
ACTIVATIONS: dict[str, Activation] = {
    "tanh": Activation("np.tanh({z})", "1.0 - {h} * {h}", of_output=True, function=TANH,
                       explain=_applied(TANH), explain_derivative=_one_minus_square(A, A_FACTOR)),
    "sigmoid": Activation(
        "sigmoid({z})", "{h} * (1.0 - {h})", of_output=True, function=SIGMA,
        explain=_applied(SIGMA),
        explain_derivative=Explain(  # h ⊙ (1 − h), the terminal's h(1 − h)
            formula(A, "odot", paren(formula("1", "-", A))),
            Times(Entry(0), paren(formula("1", "-", Entry(0)))),
            terminal=Row((A, paren(formula("1", "-", A))), "")),
        fast="0.5 * (1.0 + np.tanh(0.5 * {z}))"),
    "relu": Activation("np.maximum({z}, 0.0)", "({z} > 0.0).astype(float)", of_output=False,
                       function=RELU,
                       explain=Explain(Apply(_MAX, Row((Name("0"), A), ", ")),
                                       Apply(_MAX, Row((Name("0"), Entry(0)), ", ")),
                                       terminal=Apply(RELU, A),
                                       terminal_each=Apply(RELU, Entry(0)), valued=True),
                       explain_derivative=Explain(  # [z > 0] (Iverson), the entry 1 or 0
                           Delimited("bracket", formula(A, Written(">"), "0")), Entry(-1),
                           terminal=formula(ONE, "if", A, Written(">"), "0", "else", "0"))),
}  # fmt: skip


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
    explain: Explain | None = None  # how it is written out, where that is data (see explain)
    function: Symbol | None = None  # the op as a function of its operand, where it is one: σ
    definition: Symbol | None = None  # a loss as the model's description defines it: L_t = ...
    words: str = ""  # a loss in words: "binary cross-entropy"
    forms: Mapping[str, tuple[str, Symbol]] | None = None  # an option's words and definition
    product: Product | None = None  # a matrix–vector product: written out entry by entry

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


def _block(a: list[str], i: Info) -> str:
    cols = i.value("cols")
    return f"{a[0]}[:, {cols[0]}:{cols[1]}]" if cols is not None else a[0]


def _matvec_numpy(a: list[str], i: Info) -> str:
    return f"{_block(a, i)}{'.T' if i.value('transpose') else ''} @ {a[1]}"


def _matvec_rows(a: list[str], i: Info) -> str:
    """Rows x_tᵀ: (W x_t)ᵀ = x_tᵀ Wᵀ for every t in one product."""
    return f"{a[1]} @ {_block(a, i)}{'' if i.value('transpose') else '.T'}"


def _vecmat_numpy(a: list[str], i: Info) -> str:
    """x W, or x Wᵀ; the same expression for the rows x_t of many steps at once."""
    return f"{a[0]} @ {a[1]}{'.T' if i.value('transpose') else ''}"


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
    if i.value("soft"):
        return _soft_ce(a, i)
    if not i.value("from_logits"):
        return f"-np.log({a[0]}[{i.data('index')}])"
    top = f"{a[1]}.max()"
    return ce_parts(top, f"np.exp({a[1]} - {top}).sum()", f"{a[1]}[{i.data('index')}]")


def _soft_ce(a: list[str], i: Info) -> str:
    """−Σ_k y_k log ŷ_k for a target distribution y: from the logits (−Σ_k y_k (o_k − m −
    log Σ e^(o − m))), or from a rounded ŷ, the terms of y_k = 0 left out (0 log 0 = 0)."""
    t = i.data("target", array=True)
    if not i.value("from_logits"):
        return f"-np.sum({t} * np.log(np.where({t} > 0, {a[0]}, 1.0)))"
    top = f"{a[1]}.max()"
    total = f"np.exp({a[1]} - {top}).sum()"
    return f"np.sum({t}) * ({top} + np.log({total})) - np.dot({t}, {a[1]})"


def _mse(a: list[str], i: Info) -> str:
    """(1/K) Σ (ŷ − y)² (mse_scale mean), or ½ Σ (ŷ − y)² (half, seed 001's ½‖ŷ − y‖²)."""
    t = i.data("target", array=True)
    if i.value("mse_scale") == "half":
        return f"0.5 * np.sum(({a[0]} - {t}) ** 2)"
    return f"np.mean(({a[0]} - {t}) ** 2)"


def _mse_grad(a: list[str], i: Info) -> str:
    t = i.data("target", array=True)
    if i.value("mse_scale") == "half":
        return f"{a[0]} - {t}"
    return f"2.0 * ({a[0]} - {t}) / {a[0]}.size"


def _ce_dyhat(a: list[str], i: Info) -> str:
    """∂L/∂ŷ = −y/ŷ of the cross-entropy, 0 where y_k = 0 (that term is not in L)."""
    t = i.data("target", array=True)
    return f"np.where({t} > 0, -{t} / np.where({t} > 0, {a[0]}, 1.0), 0.0)"


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


# the losses as the model's description defines them, over the outputs k
_Y_K = Scripted(Name("y"), sub=Name("k"), sub_braced=False)
_Y_HAT_K = Scripted(Styled("hat", Name("y")), sub=Name("k"), sub_braced=False)
_SUM_K = Scripted(Command("sum"), sub=Name("k"), sub_braced=False)
_L_T = Scripted(Name("L"), sub=Name("t"), sub_braced=False)
BCE = formula(_L_T, "=", Row((Name("-"), _SUM_K), ""), Delimited("sized", formula(
    _Y_K, "log", _Y_HAT_K, "+", paren(formula("1", "-", _Y_K)),
    Apply(Command("log"), formula("1", "-", _Y_HAT_K)))))  # fmt: skip
CE = formula(_L_T, "=", Row((Name("-"), Command("log")), ""),
             Scripted(Styled("hat", Name("y")), sub=Row((Name("t"), Name("c")), ",")),
             Words(" for the target class "), "c")  # fmt: skip
_SQUARE = Scripted(paren(formula(_Y_HAT_K, "-", _Y_K)), sup=Name("2"), sup_braced=False)
MSE = formula(_L_T, "=", Fraction(Name("1"), Name("K")), _SUM_K, _SQUARE)
_TK = Row((Name("t"), Name("k")), ",")
SOFT_CE = formula(_L_T, "=", Row((Name("-"), _SUM_K), ""), Scripted(Name("y"), sub=_TK), "log",
                  Scripted(Styled("hat", Name("y")), sub=_TK))  # fmt: skip
_Y_HAT_T = Scripted(Styled("hat", Name("y")), sub=Name("t"), sub_braced=False)
_NORM = Delimited(
    "norm", formula(_Y_HAT_T, "-", Scripted(Name("y"), sub=Name("t"), sub_braced=False))
)
HALF_MSE = formula(
    _L_T, "=", Fraction(Name("1"), Name("2"), small=True), Scripted(_NORM, sup=Name("2"))
)
THETA = Command("theta")
SGD = formula(Primed(THETA), "=", THETA, "-", "eta", Space(), Derivative(Name("L"), THETA))


def _feed(a: list[str], i: Info) -> str:
    """Scheduled sampling's input: the target ``a[1]`` when the coin ``a[0]`` is 1, else the
    one-hot vector of the (first) argmax of the prediction ``a[2]``."""
    onehot = f"(np.arange({a[2]}.size) == np.argmax({a[2]})).astype(float)"
    return f"({a[1]} if float({a[0]}) else {onehot})"


_ONEHOT, _ARGMAX = Styled("operatorname", Name("onehot")), Styled("operatorname", Name("argmax"))
FEED = formula(Operand(0), Operand(1), "+", paren(formula("1", "-", Operand(0))),
               Apply(_ONEHOT, Apply(_ARGMAX, Operand(2))))  # fmt: skip


def _clip_factor(a: list[str], i: Info) -> str:
    """min(1, c / ‖g‖), or with ``eps`` seed 001's min(1, c / (‖g‖ + ε))."""
    if i.value("eps"):
        return f"min(1.0, {i.data('max_norm')} / (float({a[0]}) + {i.data('eps')}))"
    return f"min(1.0, {i.data('max_norm')} / max(float({a[0]}), 1e-300))"


def _squares(a: list[str]) -> str:
    return " + ".join(f"float(np.sum({v} * {v}))" for v in a)


def _lr_schedule(a: list[str], i: Info) -> str:
    """η of an epoch N from η_0 (``learning_rate``) and r (``decay``): time-based
    η_0 / (1 + r (N − 1)) or exponential η_0 r^(N − 1); the first epoch's η is η_0."""
    eta0, r, n = i.data("learning_rate"), i.data("decay"), i.data("epoch")
    if i.value("kind") == "time":
        return f"{eta0} / (1.0 + {r} * ({n} - 1))"
    return f"{eta0} * {r} ** ({n} - 1)"


def _shrink(a: list[str], i: Info) -> str:
    """(1 − λ_r) W, or only W's first ``cols`` columns (the h block of a concatenated W_g)."""
    cols = i.value("cols")
    if cols is None:
        return f"(1.0 - {i.data('rate')}) * {a[0]}"
    h = cols[1]
    return f"np.concatenate(((1.0 - {i.data('rate')}) * {a[0]}[:, :{h}], {a[0]}[:, {h}:]), axis=1)"


# Seed 001's training techniques (issue 13): the L2 penalty λ Σ ‖W‖²_F and its gradient
# 2λW, a scheduled learning rate and the step with it, recurrent weight decay.
_TECHNIQUES: list[Op] = [
    Op("l2_penalty", lambda a, i: f"{i.data('weight')} * ({_squares(a)})"),
    Op("penalty_grad", lambda a, i: f"{a[0]} + 2.0 * {i.data('weight')} * {a[1]}"),
    Op("lr_schedule", _lr_schedule, ("kind",)),
    Op("sgd_scheduled", lambda a, i: f"{a[0]} - float({a[2]}) * {a[1]}"),
    Op("shrink", _shrink, ("cols",)),
]

_LIST: list[Op] = [
    Op("matvec", _matvec_numpy, ("cols", "transpose"), forward=MATVEC.forward, rows=_matvec_rows,
       product=MATVEC),
    Op("vecmat", _vecmat_numpy, ("transpose",), forward=VECMAT.forward, rows=_vecmat_numpy,
       product=VECMAT),
    Op("add", _add, elementwise=True),
    Op("hadamard", lambda a, i: f"{a[0]} * {a[1]}", elementwise=True,
       explain=Explain(formula(A, "odot", Operand(1)), Times(A_FACTOR, Entry(1, True)))),
    Op("outer", lambda a, i: f"{a[0]}[:, None] * {a[1]}"),
    Op("activation", _activation, ("activation",), elementwise=True,
        fast=lambda a, i: _activation(a, i, fast=True)),  # fmt: skip
    Op("activation_derivative", _derivative, ("activation",), elementwise=True),
    Op("identity", lambda a, i: a[0], derivative=lambda x, y: "1.0", explain=Explain(A, None)),
    Op("sigmoid", lambda a, i: f"sigmoid({a[0]})", function=SIGMA,
        fast=lambda a, i: ACTIVATIONS["sigmoid"].fast.format(z=a[0]),  # type: ignore[union-attr]
        derivative=lambda x, y: f"{y} * (1.0 - {y})", elementwise=True),  # fmt: skip
    Op("exp", lambda a, i: f"np.exp({a[0]} - {i.data('shift', 0.0)})",
        derivative=lambda x, y: y, elementwise=True,
        tape_info={"shift": lambda a, i: f"softmax_shift({a[0]})"}),  # fmt: skip
    Op("total", lambda a, i: f"np.sum({a[0]})",
       rows=lambda a, i: f"np.sum({a[0]}, axis=1, keepdims=True)"),
    Op("divide", lambda a, i: f"{a[0]} / {a[1]}", elementwise=True),
    Op("bce", _bce, ("from_logits",), logs=True, definition=BCE, words="binary cross-entropy"),
    Op("ce", _ce, ("from_logits", "soft"), logs=True, definition=CE, words="cross-entropy",
       forms={"soft": ("cross-entropy with target distributions", SOFT_CE)}),
    Op("mse", _mse, ("mse_scale",), definition=MSE, words="mean squared error",
       forms={"half": ("half squared error", HALF_MSE)}),
    Op("bce_grad", lambda a, i: f"{a[0]} - {i.data('target', array=True)}"),
    Op("ce_grad", lambda a, i: f"{a[0]} - {i.data('target', array=True)}", elementwise=True),
    Op("mse_grad", _mse_grad, ("mse_scale",)),
    Op("bce_dyhat", lambda a, i: (f"-{i.data('target', array=True)} / {a[0]} + "
                                  f"(1.0 - {i.data('target', array=True)}) / (1.0 - {a[0]})")),
    Op("ce_dyhat", _ce_dyhat),
    Op("sigmoid_back", lambda a, i: f"{a[0]} * {a[1]} * (1.0 - {a[1]})", elementwise=True,
       explain=Explain(  # δŷ ⊙ ŷ ⊙ (1 − ŷ), the terminal's δŷ ⊙ ŷ(1 − ŷ)
           formula(A, "odot", Operand(1), "odot", paren(formula(ONE, "-", Operand(1)))),
           Times(Times(A_FACTOR, Entry(1)), paren(formula(ONE, "-", Entry(1)))),
           terminal=formula(A, "odot", Row((Operand(1), paren(formula(ONE, "-", Operand(1)))),
                                           "")))),
    Op("softmax_back", lambda a, i: f"{a[1]} * ({a[0]} - np.dot({a[0]}, {a[1]}))"),
    Op("sgd", lambda a, i: f"{a[0]} - {i.data('learning_rate')} * {a[1]}", definition=SGD,
       words="one step of gradient descent"),
    Op("concat", lambda a, i: f"np.concatenate(({', '.join(f'np.atleast_1d({v})' for v in a)},))"),
    Op("tanh_back", lambda a, i: f"{a[0]} * (1.0 - {a[1]} * {a[1]})", elementwise=True,
       explain=Explain(  # δ ⊙ (1 − h²)
           formula(A, "odot", paren(formula(ONE, "-", Squared(Operand(1))))),
           Times(A_FACTOR, paren(formula(ONE, "-", Squared(Entry(1, True))))))),
    Op("one_minus", lambda a, i: f"1.0 - {a[0]}", derivative=lambda x, y: "-1.0",
       elementwise=True, explain=Explain(formula(ONE, "-", A), formula(ONE, "-", A_FACTOR),
                                         bare=True)),
    Op("subtract", lambda a, i: f"{a[0]} - {a[1]}", elementwise=True,
       explain=Explain(formula(A, "-", Operand(1)), formula(Entry(0), "-", Entry(1, True)))),
    Op("dots", lambda a, i: f"{_stack(a[1:])} @ {a[0]}", forward=_dots),
    Op("weighted_sum", lambda a, i: f"{a[0]} @ {_stack(a[1:])}", forward=_weighted_sum),
    Op("scale", lambda a, i: f"{a[0]}[{i.data('index')}] * {a[1]}"),
    Op("slice", lambda a, i: f"{a[0]}[{i.data('start')}:{i.data('stop')}]"),
    Op("global_norm",
        lambda a, i: f"np.sqrt({' + '.join(f'float(np.sum({v} * {v}))' for v in a)})"),
    Op("clip_factor", lambda a, i: _clip_factor(a, i), ("eps",)),
    Op("scale_by", lambda a, i: f"float({a[0]}) * {a[1]}"),
    Op("decay", lambda a, i: f"{a[0]} + {i.data('weight')} * {a[1]}"),
    Op("cut", lambda a, i: f"np.zeros({i.data('size')})"),
    Op("feed", _feed, explain=Explain(FEED, None)),
    Op("zeros", lambda a, i: f"np.zeros({i.data('shape')})"),
    *_TECHNIQUES,
]  # fmt: skip
DEFINITIONS: dict[str, Op] = {op.name: op for op in _LIST}
SCOPE: dict[str, Any] = {"np": np, "sigmoid": sigmoid, "softmax_shift": softmax_shift}


def function_of(op: str, info: Mapping[str, Any]) -> Symbol | None:
    """The function a step of ``op`` applies to its one operand, entry by entry (tanh, σ,
    relu), if it is one."""
    if op == "activation":
        return ACTIVATIONS[info["activation"]].function
    definition = DEFINITIONS.get(op)
    return None if definition is None else definition.function


def explanation(op: str, info: Mapping[str, Any]) -> Explain | None:
    """How a step of ``op`` (with its ``info``) is written out, when that is data."""
    if op in ("activation", "activation_derivative"):
        act = ACTIVATIONS[info["activation"]]
        return act.explain if op == "activation" else act.explain_derivative
    definition = DEFINITIONS.get(op)
    return None if definition is None else definition.explain


def product_of(op: str) -> Product | None:
    """The product a step of ``op`` computes (W v, x W), written out entry by entry; None
    when ``op`` is not a matrix–vector product."""
    definition = DEFINITIONS.get(op)
    return None if definition is None else definition.product
