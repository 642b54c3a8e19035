"""The recurrent cells, one ``CellKind`` each (see ``base``), registered by importing their
modules. A new cell is its module here (with its Jacobian), its tracer in ``engine``, and
its name in the import line below."""

from rnntrace._internal.cells import gru, lstm, mgu, rnn  # noqa: F401  (each module registers its cell)
from rnntrace._internal.cells.base import (
    H0,
    OUTPUT,
    CellKind,
    DirectPath,
    FlowWords,
    LayerValues,
    ParamSpec,
    StepJacobian,
    all_param_keys,
    default,
    get,
    kinds,
    names,
    register,
)

__all__ = [
    "H0",
    "OUTPUT",
    "CellKind",
    "DirectPath",
    "FlowWords",
    "LayerValues",
    "ParamSpec",
    "StepJacobian",
    "all_param_keys",
    "default",
    "get",
    "kinds",
    "names",
    "register",
]
