"""MathML for the HTML printer: a step's symbol (its tree, :func:`symbol_mathml`) and a
step's formula from its op (:func:`formula_items`). Sentences are formula trees, printed by
:mod:`rnntrace._internal.symbol.mathml`; nothing here reads LaTeX."""

from __future__ import annotations

from html import escape
from typing import Any

from rnntrace._internal.render import numfmt
from rnntrace._internal.symbol.mathml import mathml
from rnntrace._internal.trace import Step


def math(content: str, display: bool = False) -> str:
    """A ``<math>`` element around MathML content."""
    return f'<math display="block">{content}</math>' if display else f"<math>{content}</math>"


def symbol_mathml(step: Step) -> str:
    """The MathML of a step's symbol (the content of a ``<math>`` element): its tree,
    printed by :mod:`rnntrace._internal.symbol.mathml`."""
    return mathml(step.symbol)


STEP_FUNCTIONS = {"tanh": "tanh", "sigmoid": "σ", "relu": "relu", "identity": "id"}


def formula_items(step: Step) -> list[Any]:
    """The step's formula as items: an int is an operand, ``("T", i)`` an operand transposed,
    a string an operator or a number."""
    op, n = step.op, len(step.operands)
    if op == "matvec" and n == 2:
        return [("T", 0) if step.info.get("transpose") else 0, 1]
    if op in ("add", "total") and n:
        return [i // 2 if i % 2 == 0 else "+" for i in range(2 * n - 1)]
    if op == "activation" and n == 1:
        return [STEP_FUNCTIONS.get(str(step.info.get("activation")), "f"), "(", 0, ")"]
    if op in ("sigmoid", "exp", "softmax") and n == 1:
        return [{"sigmoid": "σ"}.get(op, op), "(", 0, ")"]
    if op == "hadamard" and n == 2:
        return [0, "⊙", 1]
    if op == "outer" and n == 2:
        return [0, ("T", 1)]
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


def operator_mathml(item: str) -> str:
    if item.replace(".", "").replace("−", "").isdigit():
        return f"<mn>{escape(item)}</mn>"
    return (
        f"<mi>{escape(item)}</mi>"
        if len(item) > 1 and item.isalpha()
        else f"<mo>{escape(item)}</mo>"
    )
