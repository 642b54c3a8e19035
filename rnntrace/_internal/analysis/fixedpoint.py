"""Fixed points of the simple RNN for a constant input (seed 001, "Stability Analysis"):
h* = f(W_hh h* + W_xh x + b_h), found two ways from h = 0:

* fixed-point iteration h ← f(W_hh h + u), u = W_xh x + b_h (converges when the map
  contracts near h*);
* Newton's method on F(h) = h − f(W_hh h + u): h ← h − (I − diag(f′(z)) W_hh)⁻¹ F(h).

Each states its iterations and its residual ‖h − f(W_hh h + u)‖₂, or that it did not
converge. At every fixed point found, the Jacobian of one step, ∂h_t/∂h_(t−1) =
diag(f′(z*)) W_hh, and its eigenvalues decide: stable (attracting) when every |λ| < 1,
unstable when some |λ| > 1, undecided by the linearisation when the largest is 1.

The input x (``--fixed-point-input``): ``first`` (the input the layer read at its first
step, as recorded), ``zero``, a token of the sequence (the input of the first step that read
it), or numbers "0.5,-1,2" (the vector x, multiplied by the part's W_xh here). The constant
part u of the pre-activation is read from the trace: every term of z_t but W_hh h_(t−1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from rnntrace._internal.analysis.jacobians import Layer
from rnntrace._internal.engine.ops import activation, activation_derivative
from rnntrace._internal.errors import RnntraceError

MAX_ITERATIONS = 1000  # fixed-point iteration
MAX_NEWTON = 50
TOLERANCE = 1e-12  # residual, relative to max(1, ‖h‖₂)
SAME_POINT = 1e-9  # two methods' answers closer than this are one fixed point
KEYWORDS = ("first", "zero")


@dataclass(frozen=True)
class Solve:
    """One method's search for h*."""

    method: str  # "iteration" | "newton"
    state: np.ndarray  # the last h
    iterations: int
    residual: float  # ‖h − f(W_hh h + u)‖₂ at the last h
    converged: bool
    failure: str  # why it stopped: "" (converged), limit, overflow, singular (Newton's matrix)


@dataclass(frozen=True)
class FixedPoint:
    """A fixed point h* with the Jacobian of one step there."""

    state: np.ndarray  # h*
    pre_activation: np.ndarray  # z* = W_hh h* + u
    derivative: np.ndarray  # f′(z*)
    jacobian: np.ndarray  # diag(f′(z*)) W_hh
    eigenvalues: np.ndarray  # complex, largest |λ| first
    radius: float  # max |λ|
    verdict: str  # stable | unstable | undecided
    methods: tuple[str, ...]  # which methods found it


@dataclass(frozen=True)
class FixedPoints:
    """The fixed-point analysis for one constant input."""

    kind: str  # first | zero | token | vector: what --fixed-point-input chose
    time: int | None  # first, token: the step whose input is held
    token: str | None  # the token read at that step
    vector: np.ndarray | None  # vector: x
    drive: np.ndarray  # u = W_xh x + b_h, the constant part of z
    activation: str
    iteration: Solve
    newton: Solve
    points: tuple[FixedPoint, ...]  # the distinct fixed points found (none if neither converged)


def fixed_points(layer: Layer, spec: str = "first", tokens: tuple[str, ...] = ()) -> FixedPoints:
    """The fixed points of ``layer`` (a simple-RNN layer) for the input ``spec`` names;
    ``tokens`` are the sequence's, for steps whose record does not name its token (an
    unrolled pass)."""
    kind, time, token, vector, drive = _drive(layer, spec, tokens)
    return find_fixed_points(layer.recurrent("h"), drive, layer.model.activation,
                             (kind, time, token, vector))  # fmt: skip


Drive = tuple[str, "int | None", "str | None", Any, np.ndarray]  # Held, and u


def _drive(layer: Layer, spec: str, sequence: tuple[str, ...]) -> Drive:
    """u = W_xh x + b_h for the input ``spec`` names (the cell's ``flow.drive``)."""
    drive = layer.flow.drive
    assert drive is not None, "fixed points need a cell of the form h = f(W_hh h + u)"

    def token_at(t: int) -> str | None:
        token = layer.trace[layer.key(f"h_{t}")].tag.token
        return token if token or not 0 < t <= len(sequence) else sequence[t - 1]

    def tokens() -> Iterator[tuple[str, int]]:  # read one by one: a keyword needs none
        for t in layer.times:
            token = token_at(t)
            if token:
                yield token, t

    kind, chosen = parse_input(spec, tokens)
    if kind == "zero":
        return kind, None, None, None, drive(layer, None, None)
    if kind == "vector":
        return kind, None, None, chosen, drive(layer, None, chosen)
    time = layer.times[0] if kind == "first" else chosen[1]
    return kind, time, token_at(time), None, drive(layer, time, None)


Held = tuple[str, "int | None", "str | None", Any]  # FixedPoints' kind, time, token, vector


def find_fixed_points(matrix: np.ndarray, drive: np.ndarray, name: str,
                      what: Held = ("vector", None, None, None)) -> FixedPoints:  # fmt: skip
    """Both searches for h* = f(W h* + u), from h = 0, and the fixed points they found;
    ``what`` is the input they hold (kind, time, token, vector)."""
    iteration = _iterate(matrix, drive, name)
    newton = _newton(matrix, drive, name)
    found = [s for s in (newton, iteration) if s.converged]
    points: list[FixedPoint] = []
    for solve in found:
        same = [p for p in points if np.linalg.norm(p.state - solve.state) <= SAME_POINT]
        if same:
            index = points.index(same[0])
            points[index] = _with_method(same[0], solve.method)
        else:
            points.append(_point(matrix, drive, name, solve))
    return FixedPoints(*what, drive, name, iteration, newton, tuple(points))


def _step(matrix: np.ndarray, drive: np.ndarray, name: str, h: np.ndarray) -> np.ndarray:
    return activation(name, matrix @ h + drive)


def _residual(matrix: np.ndarray, drive: np.ndarray, name: str, h: np.ndarray) -> float:
    return float(np.linalg.norm(h - _step(matrix, drive, name, h)))


def _done(residual: float, h: np.ndarray) -> bool:
    return residual <= TOLERANCE * max(1.0, float(np.linalg.norm(h)))


def _iterate(matrix: np.ndarray, drive: np.ndarray, name: str) -> Solve:
    h = np.zeros(matrix.shape[0])
    with np.errstate(all="ignore"):
        for n in range(MAX_ITERATIONS + 1):
            residual = _residual(matrix, drive, name, h)
            if _done(residual, h):
                return Solve("iteration", h, n, residual, True, "")
            if not np.isfinite(residual) or n == MAX_ITERATIONS:
                break
            h = _step(matrix, drive, name, h)
    why = "overflow" if not np.isfinite(residual) else "limit"
    return Solve("iteration", h, n, residual, False, why)


def _newton(matrix: np.ndarray, drive: np.ndarray, name: str) -> Solve:
    H = matrix.shape[0]
    h = np.zeros(H)
    why = "limit"
    with np.errstate(all="ignore"):
        for n in range(MAX_NEWTON + 1):
            z = matrix @ h + drive
            value = activation(name, z)
            residual = float(np.linalg.norm(h - value))
            if _done(residual, h):
                return Solve("newton", h, n, residual, True, "")
            if not np.isfinite(residual):
                why = "overflow"
                break
            if n == MAX_NEWTON:
                break
            slope = _derivative(name, z, value)
            try:
                h = h - np.linalg.solve(np.eye(H) - slope[:, None] * matrix, h - value)
            except np.linalg.LinAlgError:
                why = "singular"
                break
    return Solve("newton", h, n, residual, False, why)


def _derivative(name: str, z: np.ndarray, value: np.ndarray) -> np.ndarray:
    """f′(z), by the engine's rule (from f(z) for tanh and sigmoid, from z for relu)."""
    return activation_derivative(name, z if name == "relu" else value)


def _point(matrix: np.ndarray, drive: np.ndarray, name: str, solve: Solve) -> FixedPoint:
    z = matrix @ solve.state + drive
    slope = _derivative(name, z, activation(name, z))
    jacobian = slope[:, None] * matrix
    eigenvalues = np.linalg.eigvals(jacobian).astype(complex)
    eigenvalues = eigenvalues[np.argsort(-np.abs(eigenvalues), kind="stable")]
    radius = float(np.max(np.abs(eigenvalues)))
    verdict = "stable" if radius < 1 - 1e-12 else "unstable" if radius > 1 + 1e-12 else "undecided"
    return FixedPoint(solve.state, z, slope, jacobian, eigenvalues, radius, verdict,
                      (solve.method,))  # fmt: skip


def _with_method(point: FixedPoint, method: str) -> FixedPoint:
    return replace(point, methods=(*point.methods, method))


def parse_input(spec: str, tokens: Callable[[], Iterator[tuple[str, int]]]) -> tuple[str, Any]:
    """What ``--fixed-point-input`` names: ("first", None), ("zero", None), ("token",
    (token, the first time it is read)) or ("vector", array of numbers). ``tokens`` gives
    the layer's (token, time) in the order it read them."""
    text = spec.strip()
    if text in KEYWORDS:
        return text, None
    found = next((pair for pair in tokens() if pair[0] == text), None)
    if found is not None:
        return "token", found
    try:
        vector = np.array([float(part) for part in text.split(",")])
    except ValueError:
        shown = ", ".join(dict.fromkeys(token for token, _ in tokens())) or "none"
        raise RnntraceError(
            f"--fixed-point-input {spec}: expected first, zero, a token of the sequence "
            f"({shown}) or comma-separated numbers"
        ) from None
    if not np.isfinite(vector).all():
        raise RnntraceError(f"--fixed-point-input {spec}: the numbers must be finite")
    return "vector", vector
