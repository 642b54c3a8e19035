"""The recurrent cells, one ``CellKind`` each (see ``base``), and the registry that finds them.

``MODULES`` names every cell's module; a cell's name is its module's last component, so
the registry knows every name (the schema's enum, ``--cell``) without importing a cell.
``get`` imports a cell's module, which registers its kind, when the cell is first asked for:
a scenario imports its own cell only. A new cell is its module here (with its Jacobian),
its tracer in ``engine``, and its line in ``MODULES``.
"""

from __future__ import annotations

import importlib

from rnntrace._internal.cells.base import (
    H0,
    OUTPUT,
    CellKind,
    DirectPath,
    FlowWords,
    LayerValues,
    ParamSpec,
    StepJacobian,
    register,
    registered,
)

__all__ = [
    "H0",
    "MODULES",
    "OUTPUT",
    "CellKind",
    "DirectPath",
    "FlowWords",
    "LayerValues",
    "ParamSpec",
    "StepJacobian",
    "all_param_keys",
    "default_name",
    "get",
    "kinds",
    "names",
    "register",
]

# Every cell's module, in the order lists show the cells (the schema's enum, error
# messages); the first is the cell of a scenario that names none.
MODULES = (
    "rnntrace._internal.cells.rnn",
    "rnntrace._internal.cells.lstm",
    "rnntrace._internal.cells.gru",
    "rnntrace._internal.cells.mgu",
)
_MODULE_OF = {module.rpartition(".")[2]: module for module in MODULES}


def names() -> list[str]:
    """The values ``model.cell`` may take, in order (no cell is imported)."""
    return list(_MODULE_OF)


def default_name() -> str:
    """The cell of a scenario that names none."""
    return names()[0]


def get(name: str) -> CellKind:
    """The cell called ``name``, its module imported on first use; a ValueError naming the
    known ones otherwise."""
    kind = registered(name)
    if kind is not None:
        return kind
    if name not in _MODULE_OF:
        raise ValueError(f"unknown cell {name!r}; known: {', '.join(names())}")
    importlib.import_module(_MODULE_OF[name])
    kind = registered(name)
    if kind is None:
        raise ValueError(f"{_MODULE_OF[name]} registers no cell {name!r}")
    return kind


def kinds() -> list[CellKind]:
    """Every cell, in order (each cell's module imported: only where all are needed)."""
    return [get(name) for name in names()]


def all_param_keys() -> list[str]:
    """The keys of every cell, for the schema and for did-you-mean suggestions."""
    keys: list[str] = []
    for kind in kinds():
        keys.extend(key for key in kind.param_specs() if key not in keys)
    return keys
