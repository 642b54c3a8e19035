"""rnntrace: the hand calculations of recurrent neural networks, step by step.

The public Python API (docs/api.md) is what ``__all__`` names; it is imported on first use,
so that the command line does not pay for it::

    import rnntrace
    trace = rnntrace.trace(rnntrace.load("review.yaml"), carry="rounded")
    trace["h_2"].value, trace["h_2"].operands

Everything else lives in ``rnntrace._internal`` and may change between releases.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = [
    "Comparison",
    "NumericError",
    "Report",
    "RnntraceError",
    "ScenarioError",
    "Trace",
    "Training",
    "compare",
    "load",
    "to_html",
    "to_json",
    "to_latex",
    "to_markdown",
    "to_text",
    "trace",
    "train",
    "verify",
    "with_params",
]
_ERRORS = {"NumericError", "RnntraceError", "ScenarioError"}


def __getattr__(name: str) -> Any:
    """The public names, imported when first used (PEP 562)."""
    if name not in __all__:
        raise AttributeError(f"module 'rnntrace' has no attribute {name!r}")
    import importlib

    module = "rnntrace._internal.errors" if name in _ERRORS else "rnntrace._internal.api"
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*__all__, "__version__"])
