"""rnntrace: the hand calculations of recurrent neural networks, step by step.

The public Python API (docs/api.md) is what ``__all__`` names; it is imported on first use,
so that the command line does not pay for it::

    import rnntrace
    trace = rnntrace.trace(rnntrace.load("review.yaml"), carry="rounded")
    trace["h_2"].value, trace["h_2"].operands

Every other module is internal and may change.
"""

from __future__ import annotations

import sys
import types
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


class _Package(types.ModuleType):
    """The package, whose names ``trace`` and ``verify`` are the API's functions: importing
    the internal modules ``rnntrace/trace.py`` and ``rnntrace/verify/`` (until they move to an
    internal package) does not rebind them. Those modules stay importable by their full
    names (``from rnntrace.trace import Step``)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in __all__ and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    """The public names, imported when first used (PEP 562)."""
    if name not in __all__:
        raise AttributeError(f"module 'rnntrace' has no attribute {name!r}")
    import importlib

    module = importlib.import_module("rnntrace.errors" if name in _ERRORS else "rnntrace.api")
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*__all__, "__version__"])
