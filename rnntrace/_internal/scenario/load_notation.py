"""The scenario's ``notation``: display symbols of parameters and of traced quantities, the
index style, and the refusal of two names that would print the same symbol."""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import yaml

from rnntrace._internal import cells
from rnntrace._internal.scenario.model import ModelSpec
from rnntrace._internal.scenario.notation import check_notation, parse_notation
from rnntrace._internal.scenario.yamldoc import YamlDoc
from rnntrace._internal.symbol.latex import latex
from rnntrace._internal.symbol.rename import INDEX_STYLE, INDEX_STYLES, QUANTITIES, effective
from rnntrace._internal.symbol.text import text
from rnntrace._internal.symbol.tree import Command, Scripted, Symbol, param_symbol

_STARTS = re.compile(r"[{\s]*(\\[A-Za-z]|[A-Za-z])")  # a letter or a command, maybe braced
_STEP = re.compile(r"[tj]([+-]\d+|[+-]k)?|[1-9]\d*")  # a time step's index (not h_0's 0)


def read_notation(
    doc: YamlDoc, node: yaml.Node, params: Mapping[str, np.ndarray], model: ModelSpec
) -> tuple[dict[str, Symbol], str]:
    """The symbols by key (parameters and quantities) and the index style of a notation
    mapping; two names that would print the same symbol are refused."""
    allowed = set(params) | {key.rsplit(".", 1)[-1] for key in params} | set(QUANTITIES)
    out: dict[str, Symbol] = {}
    nodes: dict[str, yaml.Node] = {}
    style = "subscript"
    for key, (_, value) in doc.mapping(node, "notation", allowed | {INDEX_STYLE}).items():
        path = f"notation.{key}"
        if key == INDEX_STYLE:
            style = doc.choice(value, path, INDEX_STYLES)
            continue
        symbol = doc.text(value, path, "a symbol (LaTeX)")
        problem = check_notation(symbol)
        if problem:
            doc.fail(value, path, problem)
        if not _STARTS.match(symbol):  # 5, +, (: not a name of anything
            doc.fail(value, path, f"expected a symbol that starts with a letter or a command "
                     f"(x, \\Omega), found {symbol!r}")  # fmt: skip
        try:
            out[key] = parse_notation(symbol)
        except ValueError as error:
            doc.fail(value, path, str(error))
        nodes[key] = value
    _refuse_collisions(doc, out, nodes, params, model)
    return out, style


def quantities_used(model: ModelSpec) -> set[str]:
    """The quantities a model's trace names (whose symbols must differ from each other)."""
    used = {"x", "h", *cells.get(model.cell).quantities}
    if model.output != "none":
        used |= {"o", "y_hat"} | ({"S"} if model.head == "softmax" else set())
        used |= {"L", "y"} if model.loss != "none" else set()
    if model.topology in ("generate", "encoder_decoder"):
        used.add("y")
    if model.attention == "self":
        used |= {"A", "alpha", "Z", "S"}
    elif model.attention != "none":
        used |= {"e", "alpha", "c", "q", "k", "S"} | ({"a"} if model.attention == "additive"
                                                      else set())  # fmt: skip
    if model.layers > 1 and model.residual:
        used.add("r")
    if model.dropout is not None:
        used.add("m")
        used |= {"h_check"} if model.dropout.recurrent else set()
    return used


def _printed(symbol: Symbol) -> tuple[str, str]:
    """What a symbol looks like in LaTeX and in the terminal (which writes other fonts than
    \\mathcal as the plain letter), without the braces and spaces that do not change it."""
    return re.sub(r"[{}\s]", "", latex(symbol)), re.sub(r"\s", "", text(symbol))


def _refuse_collisions(
    doc: YamlDoc,
    notation: Mapping[str, Symbol],
    nodes: Mapping[str, yaml.Node],
    params: Mapping[str, np.ndarray],
    model: ModelSpec,
) -> None:
    """Two names that would print the same symbol, one of them renamed by the scenario, are
    refused at the later entry. Parameters (and the learning rate η, the skip weight α, the
    loss L) print bare and are compared with each other; the quantities of this model print
    with their indices (o_3, c_t) and are compared with each other; an initial state renamed
    to a quantity at a step (h_0: h_1) is that quantity. Both in LaTeX and in the terminal."""
    names = {key: symbol for key, symbol in notation.items() if key in QUANTITIES}
    used = quantities_used(model)
    bare: dict[str, Symbol] = {key: param_symbol(notation, key) for key in params}
    bare["the learning rate"] = Command("eta")  # the update's sentence: theta - eta dL/dtheta
    if model.skip:
        bare["the skip weight"] = Command("alpha")
    if "L" in used:  # the total loss L prints bare, as in theta - eta dL/dtheta
        bare["L"] = effective(names, "L")
    indexed = {key: effective(names, key) for key in sorted(used)}
    for shown in (bare, indexed):
        _refuse_in(doc, notation, nodes, shown)
    _refuse_initial_states(doc, nodes, bare, indexed)


def _refuse_initial_states(
    doc: YamlDoc,
    nodes: Mapping[str, yaml.Node],
    bare: Mapping[str, Symbol],
    indexed: Mapping[str, Symbol],
) -> None:
    """An initial state (h_0, c_0, a part's) renamed to a quantity's symbol at a step: the
    quantity's letter with a time index other than 0 (h_0: h_1, c_0: c_t)."""
    letters = {printed: key for key, symbol in indexed.items() for printed in _printed(symbol)}
    for key, symbol in bare.items():
        entry = key if key in nodes else key.rsplit(".", 1)[-1]
        if entry not in ("h_0", "c_0") or entry not in nodes or not isinstance(symbol, Scripted):
            continue
        sub = symbol.sub
        if sub is None or not _STEP.fullmatch(re.sub(r"[{}\s]", "", latex(sub))):
            continue
        other = next((letters[p] for p in _printed(symbol.base) if p in letters), None)
        if other is not None:
            doc.fail(
                nodes[entry],
                f"notation.{entry}",
                f"{key} and {other} would both print {latex(symbol)}; "
                "expected a symbol that no other name has",
            )


def _refuse_in(
    doc: YamlDoc,
    notation: Mapping[str, Symbol],
    nodes: Mapping[str, yaml.Node],
    shown: Mapping[str, Symbol],
) -> None:
    renamed = {key for key in shown if key in notation or key.rsplit(".", 1)[-1] in notation}
    seen: dict[str, str] = {}
    order = sorted(shown, key=lambda key: (key in renamed, _line(nodes, key)))
    for key in order:
        for form, printed in zip(("", " in the terminal"), _printed(shown[key]), strict=True):
            other = seen.setdefault(form + printed, key)
            if other != key and key in renamed:
                entry = key if key in nodes else key.rsplit(".", 1)[-1]
                look = text(shown[key]) if form else latex(shown[key])
                doc.fail(
                    nodes[entry],
                    f"notation.{entry}",
                    f"{key} and {other} would both print {look}{form}; "
                    "expected a symbol that no other name has",
                )


def _line(nodes: Mapping[str, yaml.Node], key: str) -> tuple[int, int]:
    node = nodes.get(key) or nodes.get(key.rsplit(".", 1)[-1])
    return (node.start_mark.line, node.start_mark.column) if node is not None else (-1, -1)
