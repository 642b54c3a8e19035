"""The JSON printer: the whole trace as data. The format is documented in the README and is
stable: fields may be added, never renamed or changed in meaning."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from rnntrace.render.select import Selection
from rnntrace.trace import Step, Trace

FORMAT_NAME = "rnntrace-trace"
FORMAT_VERSION = 1


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


def step_record(step: Step, rounded: bool) -> dict[str, Any]:
    """One step as a JSON object."""
    record: dict[str, Any] = {
        "key": step.key,
        "symbol": step.symbol,
        "label": step.label,
        "sequence": step.sequence,
        "time": step.time,
        "phase": step.phase,
        "op": step.op,
        "operands": list(step.operands),
        "shape": list(step.shape),
        "value": step.value.tolist(),
    }
    if rounded:
        record["carried"] = step.carried.tolist()
    if step.info:
        record["info"] = _clean(dict(step.info))
    return record


def trace_document(trace: Trace, selection: Selection | None = None) -> dict[str, Any]:
    """The trace as one JSON-ready dict."""
    meta = trace.meta
    selection = selection or Selection()
    rounded = meta.carry == "rounded"
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "meta": _clean(
            {
                "title": meta.title,
                "description": meta.description,
                "model": {"cell": meta.cell, "activation": meta.activation,
                          "output": meta.output, "head": meta.head, "loss": meta.loss},
                "sizes": dict(meta.sizes),
                "input": meta.input_kind,
                "numbers": {"decimals": meta.decimals, "carry": meta.carry,
                            "round_terms": meta.round_terms},
                "learning_rate": meta.learning_rate,
                "params": list(meta.params),
                "trained": list(meta.trained),
                "symbols": dict(meta.symbols),
                "sequences": [
                    {"number": s.number, "prefix": s.prefix, "tokens": list(s.tokens),
                     "targets": {str(t): v for t, v in s.targets.items()},
                     "output_steps": list(s.output_steps)}
                    for s in meta.sequences
                ],
            }
        ),
        "steps": [step_record(step, rounded) for step in trace if selection.shows(step)],
    }


def render_json(trace: Trace, selection: Selection | None = None) -> Iterator[str]:
    """The JSON text in chunks (a large trace is not built as one string)."""
    document = trace_document(trace, selection)
    steps = document.pop("steps")
    head = json.dumps(document, ensure_ascii=False)
    yield head[:-1] + ', "steps": ['
    for i, record in enumerate(steps):
        yield ("\n  " if i == 0 else ",\n  ") + json.dumps(record, ensure_ascii=False)
    yield "\n]}\n"
