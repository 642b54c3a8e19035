"""MathML for the HTML printer: a step's symbol (its tree, :func:`symbol_mathml`) and a
step's formula from its op (:func:`formula_items`). Sentences are formula trees, printed by
:mod:`rnntrace._internal.symbol.mathml`; nothing here reads LaTeX."""

from __future__ import annotations

from html import escape
from typing import Any

from rnntrace._internal.ops import Operand, explanation, function_of, product_of
from rnntrace._internal.render import numfmt
from rnntrace._internal.symbol import text
from rnntrace._internal.symbol.mathml import mathml
from rnntrace._internal.symbol.tree import Apply, Command, Delimited, Name, Row, Styled, Symbol
from rnntrace._internal.trace import Step


def math(content: str, display: bool = False) -> str:
    """A ``<math>`` element around MathML content."""
    return f'<math display="block">{content}</math>' if display else f"<math>{content}</math>"


def symbol_mathml(step: Step) -> str:
    """The MathML of a step's symbol (the content of a ``<math>`` element): its tree,
    printed by :mod:`rnntrace._internal.symbol.mathml`."""
    return mathml(step.symbol)


def formula_items(step: Step) -> list[Any]:
    """The step's formula as items: an int is an operand, ``("T", i)`` an operand transposed,
    a string an operator or a number. An op whose formula is data (``ops.explanation``)
    gives it; the linear algebra is written here."""
    op, n = step.op, len(step.operands)
    explain = explanation(op, step.info)
    if explain is not None and n:
        items = _items(explain.terminal_formula() or explain.formula)
        if items is not None:
            return items
    function = function_of(op, step.info)
    if function is not None and n == 1:
        return [text(function), "(", 0, ")"]
    product = product_of(op)
    if product is not None and n == 2:  # W v, Wᵀ v, x W, x Wᵀ
        return [("T", i) if i == product.matrix and step.info.get("transpose") else i
                for i in range(2)]  # fmt: skip
    if op in ("add", "total") and n:
        return [i // 2 if i % 2 == 0 else "+" for i in range(2 * n - 1)]
    if op == "outer" and n == 2:  # δ vᵀ, or xᵀ δ in the row layout
        return [("T", 0), 1] if step.info.get("layout") == "rows" else [0, ("T", 1)]
    if op == "sgd" and n == 2:
        return [0, "−", numfmt.number(step.info.get("learning_rate", 0), 12, "−"), "·", 1]
    if op == "scale_by" and n == 2:
        return [0, "·", 1]
    if op == "decay" and n == 2:
        return [0, "+", numfmt.number(step.info.get("weight", 0), 12, "−"), "·", 1]
    if not n:
        return []
    inner: list[Any] = [i // 2 if i % 2 == 0 else "," for i in range(2 * n - 1)]
    return [op.replace("_", " "), "(", *inner, ")"]


def _items(tree: Symbol) -> list[Any] | None:
    """A formula tree as items (operands, operators, parentheses); None for a form items
    cannot show (a square)."""
    if isinstance(tree, Operand):
        return [tree.index]
    if isinstance(tree, Name | Command | Styled):
        return [text(tree)]
    if isinstance(tree, Apply | Delimited):
        head = _items(tree.function) if isinstance(tree, Apply) else []
        inner = _items(tree.argument if isinstance(tree, Apply) else tree.body)
        if head is None or inner is None or (isinstance(tree, Delimited) and tree.kind != "paren"):
            return None
        return [*head, "(", *inner, ")"]
    if isinstance(tree, Row):
        out: list[Any] = []
        for i, item in enumerate(tree.items):
            found = _items(item)
            if found is None:
                return None
            out += ([","] if i and tree.sep.strip() == "," else []) + found
        return out
    return None


def operator_mathml(item: str) -> str:
    if item.replace(".", "").replace("−", "").isdigit():
        return f"<mn>{escape(item)}</mn>"
    return (
        f"<mi>{escape(item)}</mi>"
        if len(item) > 1 and item.isalpha()
        else f"<mo>{escape(item)}</mo>"
    )
