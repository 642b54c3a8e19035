"""The JSON printer: the whole trace as data. The format is documented in the README and is
stable: fields may be added, never renamed or changed in meaning."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from rnntrace._internal.render.select import Selection
from rnntrace._internal.symbol import latex
from rnntrace._internal.symbol.label import label_text
from rnntrace._internal.symbol.latex import latex_sentence
from rnntrace._internal.trace import Step, Trace

FORMAT_NAME = "rnntrace-trace"
FORMAT_VERSION = 1
# Arrays with more entries than this (a 16×16 matrix has 256) are written as base64 float64:
# exact, and ~20 times faster to write than decimal text. ``arrays="lists"`` writes lists.
PACK_ABOVE = 256


def encode_array(value: np.ndarray, arrays: str = "auto") -> Any:
    """A value as JSON: a number, nested lists, or for a large array (``arrays='auto'``)
    ``{"dtype": "float64", "shape": [...], "base64": "..."}`` (little-endian bytes)."""
    if arrays == "auto" and value.size > PACK_ABOVE:
        raw = np.ascontiguousarray(value, dtype="<f8").tobytes()
        return {
            "dtype": "float64",
            "shape": list(value.shape),
            "base64": base64.b64encode(raw).decode("ascii"),
        }
    return value.tolist()


def _clean(value: Any) -> Any:
    """Info values as JSON data (numpy scalars to Python, tuples to lists)."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def step_record(step: Step, rounded: bool, arrays: str = "auto") -> dict[str, Any]:
    """One step as a JSON object."""
    record: dict[str, Any] = {
        "key": step.key,
        "symbol": latex(step.symbol),
        "label": label_text(step),
        "sequence": step.sequence,
        "time": step.time,
        "phase": step.phase,
        "op": step.op,
        "operands": list(step.operands),
        "shape": list(step.shape),
        "value": encode_array(step.value, arrays),
    }
    if rounded:
        record["carried"] = encode_array(step.carried, arrays)
    if step.info:
        record["info"] = _clean(dict(step.info))
    return record


def trace_meta(trace: Trace) -> dict[str, Any]:
    """The scenario facts of a trace as JSON-ready data (``init``: how params.init drew the
    parameters, only when it did)."""
    meta = trace.meta
    drawn = {"init": dict(meta.init)} if meta.init is not None else {}
    return _clean(
        {
            "title": meta.title,
            "description": meta.description,
            "model": {
                "cell": meta.cell,
                "activation": meta.activation,
                "output": meta.output,
                "head": meta.head,
                "loss": meta.loss,
                **({"layout": meta.layout} if meta.layout != "columns" else {}),
                **({"head_steps": list(meta.head_steps)} if meta.head_steps else {}),
            },
            "sizes": dict(meta.sizes),
            "input": meta.input_kind,
            "numbers": {
                "decimals": meta.decimals,
                "carry": meta.carry,
                "round_terms": meta.round_terms,
            },
            "learning_rate": meta.learning_rate,
            "params": list(meta.params),
            "trained": list(meta.trained),
            "symbols": {key: latex(symbol) for key, symbol in meta.symbols.items()},
            "topology": meta.topology,
            "conventions": [latex_sentence(c) for c in meta.conventions],
            "sequences": [
                {
                    "number": s.number,
                    "prefix": s.prefix,
                    "tokens": list(s.tokens),
                    "targets": {str(t): v for t, v in s.targets.items()},
                    "output_steps": list(s.output_steps),
                }
                for s in meta.sequences
            ],
            **drawn,
        }
    )


def trace_document(
    trace: Trace, selection: Selection | None = None, arrays: str = "auto"
) -> dict[str, Any]:
    """The trace as one JSON-ready dict (for small traces; ``render_json`` streams)."""
    selection = selection or Selection()
    rounded = trace.meta.carry == "rounded"
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "meta": trace_meta(trace),
        "steps": [step_record(step, rounded, arrays) for step in trace if selection.shows(step)],
    }


def render_json(
    trace: Trace, selection: Selection | None = None, arrays: str = "auto"
) -> Iterator[str]:
    """The JSON text in chunks, one step at a time, so memory stays linear in the trace."""
    selection = selection or Selection()
    rounded = trace.meta.carry == "rounded"
    head = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "meta": trace_meta(trace)}
    yield json.dumps(head, ensure_ascii=False, allow_nan=False)[:-1] + ', "steps": ['
    first = True
    for step in trace:
        if selection.shows(step):
            # strict JSON (RFC 8259): the recorder let no NaN or inf into a step
            yield ("\n  " if first else ",\n  ") + json.dumps(
                step_record(step, rounded, arrays), ensure_ascii=False, allow_nan=False
            )
            first = False
    yield "\n]}\n"
