"""``evaluate``: an op's value, from its numpy expression (``Op.numpy``, compiled once per
arity and structure) or its own ``forward``. The trace, the re-evaluation of ``verify`` and
the activations' f and f' of ``gradflow`` all compute through it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from rnntrace._internal.ops.registry import ACTIVATIONS, DEFINITIONS, SCOPE, Array, Op, OpFn


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
