"""The JSON printers of ``gradflow`` and ``gradcheck``: every Jacobian, norm and eigenvalue
as data. Formats ``rnntrace-gradflow`` and ``rnntrace-gradcheck``, version 1 (documented in
docs/gradflow.md): fields may be added, never renamed or changed in meaning.

Matrices are nested lists (row by row), complex eigenvalues ``{"re": ..., "im": ...}``,
numbers float64 written exactly (shortest repr).
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from rnntrace._internal import cells
from rnntrace._internal.analysis.eigen import DEFECTIVE_CONDITION, Derivation
from rnntrace._internal.analysis.fixedpoint import TOLERANCE, FixedPoints, Solve
from rnntrace._internal.analysis.gradcheck import GradCheck
from rnntrace._internal.analysis.gradflow import (
    HIGH,
    LOW,
    Distance,
    GradFlow,
    Spectrum,
    StepFlow,
    gc_paused,
)
from rnntrace._internal.render.gradflow_eigen_words import Words, unshown
from rnntrace._internal.render.gradflow_words import reason
from rnntrace._internal.symbol import latex as tex_of
from rnntrace._internal.symbol.latex import latex_sentence
from rnntrace._internal.symbol.tree import Symbol

GRADFLOW_FORMAT = "rnntrace-gradflow"
GRADCHECK_FORMAT = "rnntrace-gradcheck"
VERSION = 1


def _array(value: np.ndarray | None) -> Any:
    return None if value is None else np.asarray(value, dtype=float).tolist()


def _spectrum(s: Spectrum) -> dict[str, Any]:
    return {
        "key": s.key,
        "name": s.name,
        "symbol": tex_of(s.symbol),
        "role": s.role,
        "matrix": _array(s.matrix),
        "eigenvalues": [{"re": float(v.real), "im": float(v.imag)} for v in s.eigenvalues],
        "spectral_radius": s.spectral_radius,
        "norm": s.norm,
    }


class _Printed:
    """``tex_of`` printing each symbol object once: h_j is the symbol of step j, the previous
    state of step j + 1 and the source of distance t − j + 1, and an unrolled step's symbol
    is its own shifted tree, which the printer keeps no copy of. Keyed by the object, which
    it holds on to."""

    def __init__(self) -> None:
        self.seen: dict[int, tuple[Symbol, str]] = {}

    def __call__(self, symbol: Symbol) -> str:
        hit = self.seen.get(id(symbol))
        if hit is None:
            hit = self.seen[id(symbol)] = (symbol, tex_of(symbol))
        return hit[1]


def _step(s: StepFlow, tex: _Printed) -> dict[str, Any]:
    return {
        "time": s.time,
        "key": s.key,
        "symbol": tex(s.symbol),
        "previous": {"key": s.prev_key, "symbol": tex(s.prev_symbol)},
        "jacobian": _array(s.jacobian),
        "norm": s.gain,
        "spectral_radius": s.radius,
        "derivative": _array(s.derivative),
        "derivative_max": s.derivative_max,
        "estimate": s.estimate,
        "path": _array(s.path),
    }


def _distance(d: Distance, tex: _Printed) -> dict[str, Any]:
    return {
        "k": d.k,
        "source": {"key": d.source_key, "symbol": tex(d.source_symbol)},
        "jacobian": _array(d.jacobian),
        "norm": d.norm,
        "frobenius": d.frobenius,
        "bound": d.bound,
        "estimate": d.estimate,
        "joint": _array(d.joint),
        "cell_norm": d.cell_norm,
        "path": _array(d.path),
        "path_norm": d.path_norm,
    }


@gc_paused()
def gradflow_document(flow: GradFlow) -> dict[str, Any]:
    """The analysis as one JSON-ready dict."""
    v = flow.verdict
    tex = _Printed()
    return {
        "format": GRADFLOW_FORMAT,
        "version": VERSION,
        "title": flow.title,
        "cell": flow.cell,
        "activation": flow.activation if cells.get(flow.cell).has_activation else None,
        "conventions": [latex_sentence(c) for c in flow.conventions],
        "part": flow.part.rstrip("."),
        "part_name": flow.part_name,
        "parts": [p.rstrip(".") for p in flow.parts],
        "sequence": flow.sequence,
        "tokens": list(flow.tokens),
        "hidden": flow.hidden,
        "t": flow.time,
        "target": {"key": flow.target_key, "symbol": tex_of(flow.target_symbol)},
        "matrices": [_spectrum(s) for s in flow.spectra],
        "main_matrix": flow.main.key,
        "derivative_bound": flow.derivative_bound,
        "path": flow.path_name,
        "steps": [_step(s, tex) for s in flow.steps],
        "distances": [_distance(d, tex) for d in flow.distances],
        "verdict": {
            "kind": v.kind,
            "reason": reason(v, flow.direct, flow.letters()),
            "cause": v.cause,
            "rate": v.rate,
            "norm": v.norm,
            "k": v.k,
            "spectral_radius": v.radius,
            "matrix_norm": v.matrix_norm,
            "derivative_bound": v.derivative_bound,
            "derivative_max": v.derivative_max,
            "derivative_mean": v.derivative_mean,
            "estimate": v.estimate,
            "observed": v.observed,
            "path_norm": v.path_norm,
            "path_mean": v.path_mean,
            "thresholds": {"vanishing_below": LOW, "exploding_above": HIGH},
        },
        "notes": list(flow.notes),
        "eigen": _derivation(flow.derivation, flow) if flow.derivation else _unshown(flow),
        "fixed_point": _fixed(flow.fixed) if flow.fixed else _unshown(flow),
    }


def _complex(values: np.ndarray | None) -> Any:
    """A complex array as nested lists of {"re": ..., "im": ...}."""
    if values is None:
        return None
    array = np.asarray(values, dtype=complex)
    if array.ndim == 1:
        return [{"re": float(v.real), "im": float(v.imag)} for v in array]
    return [_complex(row) for row in array]


def _unshown(flow: GradFlow) -> dict[str, Any]:
    return {"applies": False, "reason": unshown(flow.unshown, flow.letters())}


def _derivation(d: Derivation, flow: GradFlow) -> dict[str, Any]:
    """Seed 004's W_hh = U S U⁻¹ at distance k, and the seed's product beside J_k."""
    return {
        "applies": True,
        "matrix": d.key,
        "symbol": tex_of(d.symbol),
        "k": d.k,
        "U": _complex(d.eigenvectors),
        "S": _complex(np.diag(d.eigenvalues)),
        "U_inv": _complex(d.inverse),
        "eigenvalues": _complex(d.eigenvalues),
        "complex": d.complex,
        "condition": d.condition,
        "defective": d.defective,
        "defective_above": DEFECTIVE_CONDITION,
        "reconstruction_error": d.reconstruction,
        "S_k": _complex(np.diag(d.eigenvalue_powers)),
        "power": _array(d.power),
        "power_from": "matrix_power" if d.defective else "U S^k U_inv",
        "power_imag": d.power_imag,
        "power_gap": d.power_gap,
        "derivatives": _array(d.derivatives),
        "approximation": _array(d.approximation),
        "exact": _array(d.exact),
        "commutes": d.commutes,
        "difference": d.difference,
        "relative_difference": d.relative,
        "statement": Words(flow.letters()).correction(d),
    }


def _solve(solve: Solve) -> dict[str, Any]:
    return {
        "converged": solve.converged,
        "iterations": solve.iterations,
        "residual": solve.residual,
        "state": _array(solve.state),
        "failure": solve.failure or None,
    }


def _fixed(fp: FixedPoints) -> dict[str, Any]:
    """Seed 001's fixed points for a constant input."""
    return {
        "applies": True,
        "input": {"kind": fp.kind, "time": fp.time, "token": fp.token, "vector": _array(fp.vector)},
        "drive": _array(fp.drive),
        "activation": fp.activation,
        "tolerance": TOLERANCE,
        "iteration": _solve(fp.iteration),
        "newton": _solve(fp.newton),
        "points": [
            {
                "state": _array(p.state),
                "pre_activation": _array(p.pre_activation),
                "derivative": _array(p.derivative),
                "jacobian": _array(p.jacobian),
                "eigenvalues": _complex(p.eigenvalues),
                "spectral_radius": p.radius,
                "verdict": p.verdict,
                "methods": list(p.methods),
            }
            for p in fp.points
        ],
    }


def gradflow_size(flow: GradFlow) -> tuple[int, int]:
    """The records (steps and distances) and the numbers of the arrays ``gradflow_document``
    writes: what its size is estimated from before anything is written."""
    arrays = [a for s in flow.steps for a in (s.jacobian, s.derivative, s.path)]
    arrays += [a for d in flow.distances for a in (d.jacobian, d.joint, d.path)]
    if flow.derivation is not None:  # U, S, U⁻¹, S^k (complex: twice) and five H×H more
        arrays += [flow.derivation.matrix] * 13
    return len(flow.steps) + len(flow.distances), sum(a.size for a in arrays if a is not None)


def gradcheck_document(check: GradCheck) -> dict[str, Any]:
    """The gradient check as one JSON-ready dict."""
    return {
        "format": GRADCHECK_FORMAT,
        "version": VERSION,
        "title": check.title,
        "loss": check.loss,
        "eps": check.eps,
        "tolerance": check.tolerance,
        "passed": check.passed,
        "params": [
            {
                "key": p.key,
                "symbol": tex_of(p.symbol),
                "shape": list(p.bptt.shape),
                "bptt": _array(p.bptt),
                "finite_difference": _array(p.fd),
                "max_abs_difference": p.max_abs,
                "relative_error": p.rel_error,
                "passed": p.passed,
            }
            for p in check.params
        ],
        "notes": list(check.notes),
        **({"bptt_window": check.windowed} if check.windowed is not None else {}),
    }


def _finite(value: Any) -> Any:
    """An overflowed number (inf, nan) as null, so that the text stays valid JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


def dumps(document: dict[str, Any]) -> str:
    """JSON text, UTF-8: one top-level field per line, and each item of a list of objects
    (a step, a distance, a parameter) on a line of its own; a final newline."""
    return "".join(json_chunks(document))


def json_chunks(document: dict[str, Any]) -> list[str]:
    """The text of ``dumps`` in pieces, a top-level field each, to be written one after the
    other: joined, the few non-ASCII characters of the verdict's sentence (‖, ∂) would make
    Python store every character of 14 MB in two bytes, and encode it back to UTF-8."""

    encoder = json.JSONEncoder(ensure_ascii=False, allow_nan=False)  # one for 10⁴ records

    def one(value: Any) -> str:
        try:  # as a rule every number is finite: no need to look at each first
            return encoder.encode(value)
        except ValueError:
            return encoder.encode(_finite(value))

    chunks: list[str] = []
    for key, value in document.items():
        start = ",\n " if chunks else "{\n "
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            items = ",\n  ".join(one(v) for v in value)
            chunks.append(f"{start}{one(key)}: [\n  {items}\n ]")
        else:
            chunks.append(f"{start}{one(key)}: {one(value)}")
    return [*chunks, "\n}\n"]
