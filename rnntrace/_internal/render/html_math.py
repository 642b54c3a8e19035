"""MathML for the HTML printer: a step's symbol (its tree, :func:`symbol_mathml`), a step's
formula from its op (:func:`formula_items`), and the maths of the prose sentences, which
the render layer still writes as LaTeX (model equations, headings): the few forms it uses
(subscripts, superscripts, fractions, accents, Greek letters, operators) are read here.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape
from typing import Any

from rnntrace._internal.render import numfmt
from rnntrace._internal.symbol.mathml import LETTERS, OPERATORS, mathml
from rnntrace._internal.trace import Step

_SPACES = {
    "quad": "\u2003", "qquad": "\u2003\u2003", ",": "\u2009",
    ";": "\u2005", "left": "", "right": "", "mid": "|", "approx": "≈", "leq": "≤", "geq": "≥",
    "in": "∈", "ne": "≠", "cdots": "⋯", "ldots": "…", "{": "{", "}": "}", "ell": "ℓ",
}  # fmt: skip
_FUNCTIONS = {"log", "tanh", "exp", "sin", "cos", "max", "min", "softmax"}
_ACCENTS = {"hat": "^", "tilde": "~", "bar": "¯", "vec": "→", "widehat": "^", "widetilde": "~"}
_FONTS = {"mathrm": "normal", "operatorname": "normal", "text": "normal", "mathbf": "bold",
          "boldsymbol": "bold-italic", "bm": "bold-italic", "mathit": "italic"}  # fmt: skip
_TOKEN = re.compile(r"\\([A-Za-z]+|.)|(\d+(?:\.\d+)?)|(\s+)|(.)", re.S)


def _tokens(tex: str) -> list[tuple[str, str]]:
    """(kind, text): kind is cmd, num or char; spaces dropped."""
    out = []
    for match in _TOKEN.finditer(tex):
        cmd, num, space, char = match.groups()
        if space is None:
            out.append(("cmd", cmd) if cmd is not None else ("num", num) if num else ("char", char))
    return out


class _Reader:
    """A recursive reader of LaTeX maths, writing MathML as it goes."""

    def __init__(self, tex: str) -> None:
        self.tokens = _tokens(tex)
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def row(self, until: str | None = None) -> str:
        """Atoms up to ``until`` (a closing brace) or the end, with their scripts."""
        parts = []
        while (token := self.peek()) is not None and token != ("char", until):
            parts.append(self.scripted())
        if until is not None and self.peek() is not None:
            self.take()
        return parts[0] if len(parts) == 1 else "<mrow>" + "".join(parts) + "</mrow>"

    def scripted(self) -> str:
        base = self.atom()
        sub = sup = None
        while (token := self.peek()) in (("char", "_"), ("char", "^")):
            self.take()
            if token == ("char", "_"):
                sub = self.atom()
            else:
                sup = self.atom()
        if sub is not None and sup is not None:
            return f"<msubsup>{base}{sub}{sup}</msubsup>"
        if sub is not None:
            return f"<msub>{base}{sub}</msub>"
        if sup is not None:
            return f"<msup>{base}{sup}</msup>"
        return base

    def group(self) -> str:
        """A braced group or one atom (the argument of a command)."""
        if self.peek() == ("char", "{"):
            self.take()
            return self.row("}")
        return self.atom()

    def atom(self) -> str:
        if self.peek() is None:
            return "<mrow></mrow>"
        kind, text = self.take()
        if kind == "num":
            return f"<mn>{text}</mn>"
        if kind == "char":
            if text == "{":
                return self.row("}")
            if text.isalpha():
                return f"<mi>{escape(text)}</mi>"
            if text == "'":
                return "<mo>′</mo>"
            return f"<mo>{escape(text.replace('-', '−'))}</mo>"
        return self.command(text)

    def command(self, name: str) -> str:
        if name == "frac":
            top, bottom = self.group(), self.group()
            return f"<mfrac>{top}{bottom}</mfrac>"
        if name in _ACCENTS:
            return f'<mover accent="true">{self.group()}<mo>{_ACCENTS[name]}</mo></mover>'
        if name in _FONTS:
            raw = self._raw_group()
            return f'<mi mathvariant="{_FONTS[name]}">{escape(raw)}</mi>'
        if name in _FUNCTIONS:  # upright, as a multi-letter identifier is
            return f"<mi>{name}</mi>"
        if name in _SPACES:
            return f"<mo>{escape(_SPACES[name])}</mo>"
        if name in LETTERS:
            return f"<mi>{LETTERS[name]}</mi>"
        if name in OPERATORS:
            return f"<mo>{OPERATORS[name]}</mo>"
        return f"<mi>{escape(name)}</mi>"

    def _raw_group(self) -> str:
        """The text of a braced group as it is written (for \\mathrm{og}, \\text{...})."""
        if self.peek() != ("char", "{"):
            return self.take()[1] if self.peek() else ""
        self.take()
        depth, text = 1, []
        while self.peek() is not None:
            kind, value = self.take()
            if (kind, value) == ("char", "{"):
                depth += 1
            elif (kind, value) == ("char", "}"):
                depth -= 1
                if depth == 0:
                    break
            text.append(value)
        return " ".join(text) if any(len(t) > 1 for t in text) else "".join(text)


@lru_cache(maxsize=8192)
def latex_mathml(tex: str) -> str:
    """The MathML (the content of a ``<math>`` element) of a LaTeX formula."""
    return _Reader(tex).row()


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
