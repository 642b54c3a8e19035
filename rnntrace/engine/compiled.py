"""The fast path for training: the engine's own tape, compiled.

A Trace records, for every step, its op and the keys of its operands, and the structure of
the calculation does not depend on the parameters' values. So the trace of one epoch is
turned once into straight-line numpy code — one line per step that the losses and the
gradients need (steps that only explain, such as δx_t, are pruned) — and that function is
run every epoch with the current parameters. Nothing is recorded or explained, rounded or
checked: training pays only for the arithmetic. The lines are the ops of ``ops.py``, written
for numpy arrays; ``test_compiled`` checks that the compiled values equal the recorded ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from rnntrace.trace import Step, Trace

Arrays = dict[str, np.ndarray]


def _softmax_shift(v: np.ndarray) -> float:
    top = float(v.max())
    return top if top > 30.0 else 0.0


def _sigmoid(v: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * v))  # = 1 / (1 + e^(-v)), without overflow


def _activation(name: str, a: str) -> str:
    return {"tanh": f"np.tanh({a})", "sigmoid": f"_sigmoid({a})",
            "relu": f"np.maximum({a}, 0.0)"}[name]  # fmt: skip


def _derivative(name: str, a: str) -> str:
    return {"tanh": f"1.0 - {a} * {a}", "sigmoid": f"{a} * (1.0 - {a})",
            "relu": f"({a} > 0.0).astype(float)"}[name]  # fmt: skip


def _matrix(step: Step, w: str) -> str:
    cols = step.info.get("cols")
    m = f"{w}[:, {cols[0]}:{cols[1]}]" if cols is not None else w
    return f"{m}.T" if step.info.get("transpose") else m


def expression(step: Step, a: list[str], const: Callable[[Any], str]) -> str:
    """The numpy expression of ``step`` over operand expressions ``a``; ``const`` names a
    constant (a target vector) in the generated code."""
    op, info = step.op, step.info
    simple = {
        "add": lambda: " + ".join(a),
        "hadamard": lambda: f"{a[0]} * {a[1]}",
        "outer": lambda: f"{a[0]}[:, None] * {a[1]}",
        "identity": lambda: a[0],
        "sigmoid": lambda: f"_sigmoid({a[0]})",
        "total": lambda: f"{a[0]}.sum()",
        "divide": lambda: f"{a[0]} / {a[1]}",
        "sigmoid_back": lambda: f"{a[0]} * {a[1]} * (1.0 - {a[1]})",
        "softmax_back": lambda: f"{a[1]} * ({a[0]} - np.dot({a[0]}, {a[1]}))",
        "tanh_back": lambda: f"{a[0]} * (1.0 - {a[1]} * {a[1]})",
        "one_minus": lambda: f"1.0 - {a[0]}",
        "subtract": lambda: f"{a[0]} - {a[1]}",
        "concat": lambda: f"np.concatenate(({', '.join(a)},))",
        "dots": lambda: f"np.stack(({', '.join(a[1:])},)) @ {a[0]}",
        "weighted_sum": lambda: f"{a[0]} @ np.stack(({', '.join(a[1:])},))",
        "scale": lambda: f"{a[0]}[{info.get('index')}] * {a[1]}",
        "slice": lambda: f"{a[0]}[{info.get('start')}:{info.get('stop')}]",
        "cut": lambda: f"np.zeros({info.get('size')})",
        "zeros": lambda: f"np.zeros({tuple(info.get('shape', ()))})",
    }
    if op in simple:
        return simple[op]()
    if op == "matvec":
        return f"{_matrix(step, a[0])} @ {a[1]}"
    if op == "activation":
        return _activation(info["activation"], a[0])
    if op == "activation_derivative":
        return _derivative(info["activation"], a[0])
    if op == "exp":
        return f"np.exp({a[0]} - _softmax_shift({a[0]}))"
    t = const(np.asarray(info.get("target", []), dtype=float))
    if op == "bce":
        return f"np.sum(np.logaddexp(0.0, {a[1]}) - {t} * {a[1]})"
    if op == "ce":
        m = f"{a[1]}.max()"
        return f"{m} + np.log(np.exp({a[1]} - {m}).sum()) - {a[1]}[{info['index']}]"
    if op == "mse":
        return f"np.mean(({a[0]} - {t}) ** 2)"
    if op in ("bce_grad", "ce_grad"):
        return f"{a[0]} - {t}"
    if op == "mse_grad":
        return f"2.0 * ({a[0]} - {t}) / {a[0]}.size"
    raise NotImplementedError(f"no compiled form of op {op!r} ({step.key})")


class CompiledTape:
    """``run(params)`` recomputes ``outputs`` (loss and gradient keys) for new parameters."""

    def __init__(
        self, trace: Trace, outputs: list[str], params: list[str], sgd: float | None = None
    ) -> None:
        """``sgd``: also return each parameter after the step θ − η ∂L/∂θ with η = ``sgd``
        (the gradients must be the last ``len(params)`` outputs, in the order of ``params``)."""
        self.outputs = outputs
        self.params = params
        self._gen = _Generator(trace, params)
        needed = _needed(trace, outputs)
        for step in trace:
            if step.key in needed and step.key not in self._gen.names:
                self._gen.step(step)
        gen = self._gen
        returned = [gen.names[k] for k in outputs]
        if sgd is not None:
            grads = returned[len(returned) - len(params) :]
            returned += [gen.emit(f"{_arg(i)} - {sgd!r} * {g}") for i, g in enumerate(grads)]
        gen.lines.append(f"    return ({', '.join(returned)},)")
        head = f"def _tape({', '.join(_arg(i) for i in range(len(params)))}):"
        self.source = "\n".join([head, *gen.lines])
        scope: dict[str, Any] = {"np": np, **gen.constants}
        exec(compile(self.source, "<rnntrace compiled tape>", "exec"), scope)  # noqa: S102
        self._fn: Callable[..., tuple[np.ndarray, ...]] = scope["_tape"]

    def run(self, params: Mapping[str, np.ndarray]) -> Arrays:
        """Every output for these parameter values."""
        values = self._fn(*(params[key] for key in self.params))
        return dict(zip(self.outputs, values))

    def run_list(self, params: list[np.ndarray]) -> tuple[np.ndarray, ...]:
        """The outputs, in order, for parameter values in the order of ``self.params``."""
        return self._fn(*params)


class _Generator:
    """Writes the lines of a compiled tape, with a few peephole savings: products with an
    all-zero constant (an h_0 that is not given) are folded away, a stack of states is built
    once, the per-weight products α_i v of attention come from one outer product, and the
    cross-entropy reuses the softmax's shift, exponentials and sum."""

    def __init__(self, trace: Trace, params: list[str]) -> None:
        self.trace = trace
        self.names: dict[str, str] = {key: _arg(i) for i, key in enumerate(params)}
        self.constants: dict[str, Any] = {}
        self.zeros: set[str] = set()
        self.lines: list[str] = []
        self.cache: dict[tuple[Any, ...], str] = {}
        self.exp_of: dict[str, tuple[str, str]] = {}  # logits name -> (max name, exp name)
        self.sum_of: dict[str, str] = {}  # exp name -> its sum's name

    def const(self, value: Any) -> str:
        name = f"c{len(self.constants)}"
        self.constants[name] = value
        return name

    def emit(self, expr: str) -> str:
        name = f"v{len(self.lines)}"
        self.lines.append(f"    {name} = {expr}")
        return name

    def shared(self, key: tuple[Any, ...], expr: str) -> str:
        """One variable for an expression used more than once (a stack, an outer product)."""
        if key not in self.cache:
            self.cache[key] = self.emit(expr)
        return self.cache[key]

    def step(self, step: Step) -> None:
        if not step.operands and step.op in ("given", "input"):
            name = self.const(step.value)
            if not np.any(step.value):
                self.zeros.add(name)
            self.names[step.key] = name
            return
        args = [self.names[k] for k in step.operands]
        self.names[step.key] = self._special(step, args) or self.emit(
            expression(step, args, self.const)
        )

    def _special(self, step: Step, a: list[str]) -> str | None:
        op = step.op
        zero_operand = {"matvec": a[1:], "hadamard": a, "outer": a, "scale": a[1:]}.get(op, [])
        if any(name in self.zeros for name in zero_operand):
            name = self.const(np.zeros(step.value.shape))
            self.zeros.add(name)
            return name
        if op == "add":
            kept = [name for name in a if name not in self.zeros]
            if len(kept) < len(a):
                return (
                    kept[0]
                    if len(kept) == 1
                    else self.emit(" + ".join(kept))
                    if kept
                    else (self.const(np.zeros(step.value.shape)))
                )
        if op == "matvec" and a[1] in self.constants and not step.info.get("transpose"):
            column = _one_hot(self.constants[a[1]])  # W x for a one-hot x: a column of W
            if column is not None and step.info.get("cols") is None:
                return self.emit(f"{a[0]}[:, {column}]")
        if op in ("dots", "weighted_sum"):
            stack = self.shared(("stack", *a[1:]), f"np.stack(({', '.join(a[1:])},))")
            return self.emit(f"{stack} @ {a[0]}" if op == "dots" else f"{a[0]} @ {stack}")
        if op == "scale":
            rows = self.shared(("outer", a[0], a[1]), f"{a[0]}[:, None] * {a[1]}")
            return self.emit(f"{rows}[{step.info['index']}]")
        if op == "exp":
            top = self.emit(f"{a[0]}.max()")
            name = self.emit(f"np.exp({a[0]} - {top})")
            self.exp_of[a[0]] = (top, name)
            return name
        if op == "total" and any(e == a[0] for _, e in self.exp_of.values()):
            name = self.emit(f"{a[0]}.sum()")
            self.sum_of[a[0]] = name
            return name
        if op == "ce" and a[1] in self.exp_of and self.exp_of[a[1]][1] in self.sum_of:
            top, e = self.exp_of[a[1]]
            return self.emit(f"{top} + np.log({self.sum_of[e]}) - {a[1]}[{step.info['index']}]")
        if op in ("activation", "sigmoid") and step.info.get("activation", "sigmoid") == "sigmoid":
            return self.emit(f"0.5 * (1.0 + np.tanh(0.5 * {a[0]}))")
        return None


def _one_hot(value: np.ndarray) -> int | None:
    """The index of the one 1 in a one-hot vector, else None."""
    if value.ndim != 1 or np.count_nonzero(value) != 1:
        return None
    index = int(np.flatnonzero(value)[0])
    return index if value[index] == 1.0 else None


def _arg(i: int) -> str:
    return f"p{i}"


def _needed(trace: Trace, outputs: list[str]) -> set[str]:
    """The keys of the steps the outputs depend on."""
    needed: set[str] = set()
    stack = list(outputs)
    while stack:
        key = stack.pop()
        if key in needed:
            continue
        needed.add(key)
        stack.extend(trace[key].operands)
    return needed
