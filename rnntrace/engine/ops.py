"""The primitive operations. Each is a pure function of its operands' values and its info,
so any recorded step can be computed again from other operand values (the basis of
error-carried-forward grading). The written-out form of each op lives in ``explain``.

Every op that can overflow is written the stable way: sigmoid by sign, softmax shifted
when its logits are large, the losses from the logits when numbers are exact.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from rnntrace.numbers import round_array

Array = np.ndarray
OpFn = Callable[[list[Array], Mapping[str, Any], "int | None"], Array]


def sigmoid(z: Array) -> Array:
    """1 / (1 + e^(-z)), without overflow for large |z|."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def activation(name: str, z: Array) -> Array:
    """The hidden activation f(z): tanh, relu or sigmoid."""
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "sigmoid":
        return sigmoid(z)
    raise ValueError(f"unknown activation {name!r}")


def activation_derivative(name: str, arg: Array) -> Array:
    """f'(z), from h = f(z) for tanh (1 - h^2) and sigmoid (h(1 - h)), from z for relu."""
    if name == "tanh":
        return 1.0 - arg * arg
    if name == "sigmoid":
        return arg * (1.0 - arg)
    if name == "relu":
        return (arg > 0).astype(float)
    raise ValueError(f"unknown activation {name!r}")


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


def _matvec(args: list[Array], info: Mapping[str, Any], term_decimals: int | None) -> Array:
    matrix = block(args[0], info)
    vector = args[1]
    if term_decimals is None:
        return matrix @ vector
    return round_array(matrix * vector, term_decimals).sum(axis=1)


def _add(args: list[Array], info: Mapping[str, Any], term_decimals: int | None) -> Array:
    total = np.array(args[0], dtype=float, copy=True)
    for arg in args[1:]:
        total = total + arg
    return total


def _bce(args: list[Array], info: Mapping[str, Any], term_decimals: int | None) -> Array:
    y_hat, logits = args
    target = np.asarray(info["target"], dtype=float)
    if info.get("from_logits"):
        return np.asarray(np.sum(np.logaddexp(0.0, logits) - target * logits))
    with np.errstate(divide="ignore"):
        return np.asarray(-np.sum(target * np.log(y_hat) + (1 - target) * np.log(1 - y_hat)))


def _ce(args: list[Array], info: Mapping[str, Any], term_decimals: int | None) -> Array:
    y_hat, logits = args
    k = info["index"]
    if info.get("from_logits"):
        top = np.max(logits)
        return np.asarray(top + np.log(np.sum(np.exp(logits - top))) - logits[k])
    with np.errstate(divide="ignore"):
        return np.asarray(-np.log(y_hat[k]))


def _softmax_back(args: list[Array], info: Mapping[str, Any], term_decimals: int | None) -> Array:
    grad, y_hat = args
    return y_hat * (grad - np.dot(grad, y_hat))


OPS: dict[str, OpFn] = {
    "matvec": _matvec,
    "add": _add,
    "hadamard": lambda a, i, d: a[0] * a[1],
    "outer": lambda a, i, d: np.outer(a[0], a[1]),
    "activation": lambda a, i, d: activation(i["activation"], a[0]),
    "activation_derivative": lambda a, i, d: activation_derivative(i["activation"], a[0]),
    "identity": lambda a, i, d: np.array(a[0], dtype=float, copy=True),
    "sigmoid": lambda a, i, d: sigmoid(a[0]),
    "exp": lambda a, i, d: np.exp(a[0] - i.get("shift", 0.0)),
    "total": lambda a, i, d: np.asarray(np.sum(a[0])),
    "divide": lambda a, i, d: a[0] / a[1],
    "bce": _bce,
    "ce": _ce,
    "mse": lambda a, i, d: np.asarray(np.mean((a[0] - np.asarray(i["target"])) ** 2)),
    "bce_grad": lambda a, i, d: a[0] - np.asarray(i["target"]),
    "ce_grad": lambda a, i, d: a[0] - np.asarray(i["target"]),
    "mse_grad": lambda a, i, d: 2.0 * (a[0] - np.asarray(i["target"])) / a[0].size,
    "sigmoid_back": lambda a, i, d: a[0] * a[1] * (1.0 - a[1]),
    "softmax_back": _softmax_back,
    "sgd": lambda a, i, d: a[0] - i["learning_rate"] * a[1],
    "concat": lambda a, i, d: np.concatenate([np.atleast_1d(v) for v in a]),
    "tanh_back": lambda a, i, d: a[0] * (1.0 - a[1] * a[1]),
    "one_minus": lambda a, i, d: 1.0 - a[0],
    "subtract": lambda a, i, d: a[0] - a[1],
    "dots": lambda a, i, d: np.array([float(np.dot(a[0], v)) for v in a[1:]]),
    "weighted_sum": lambda a, i, d: sum((w * v for w, v in zip(a[0], a[1:])), np.zeros_like(a[1])),
    "scale": lambda a, i, d: a[0][i["index"]] * a[1],
    "slice": lambda a, i, d: np.array(a[0][i["start"] : i["stop"]], dtype=float),
    "global_norm": lambda a, i, d: np.asarray(np.sqrt(sum(float(np.sum(v * v)) for v in a))),
    "clip_factor": lambda a, i, d: np.asarray(min(1.0, i["max_norm"] / max(float(a[0]), 1e-300))),
    "scale_by": lambda a, i, d: float(a[0]) * a[1],
    "decay": lambda a, i, d: a[0] + i["weight"] * a[1],
    "cut": lambda a, i, d: np.zeros(i["size"]),
    "zeros": lambda a, i, d: np.zeros(i["shape"]),
}


def evaluate(
    op: str, args: list[Array], info: Mapping[str, Any], term_decimals: int | None
) -> Array:
    """The value of ``op`` on ``args``; ``term_decimals`` rounds each product of a sum."""
    return np.asarray(OPS[op](args, info, term_decimals), dtype=float)
