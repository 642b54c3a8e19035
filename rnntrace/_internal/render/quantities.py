"""The loss printers' own formulas (``ŷ − y``, ``∂L/∂o = ŷ − y``) with the scenario's
renamed quantities (``notation``: ``o``, ``y_hat``, ``y``, ``L``). Only a renamed
quantity's letter is replaced, so a scenario without renames prints as it always did."""

from __future__ import annotations

import re
from collections.abc import Callable

from rnntrace._internal.symbol import Symbol, latex, text
from rnntrace._internal.symbol.rename import renaming_of
from rnntrace._internal.trace import TraceMeta

# the letters of the templates: ŷ (precomposed or combining), ∂L, ∂o, a bare y
# (compiled when a scenario renames one: most do not, and the terminal needs only _TEXT)
_TEXT = "(ŷ|y\u0302)|(?<=∂)([Lo])(?![A-Za-z])|(?<![A-Za-z])(y)(?![A-Za-z\u0302])"
_LATEX = r"(\\hat\{y\})|(?<=\\partial )([Lo])(?![A-Za-z])|(?<![A-Za-z\\])(y)(?![A-Za-z])"
_KEYS = {"ŷ": "y_hat", "y\u0302": "y_hat", r"\hat{y}": "y_hat", "L": "L", "o": "o", "y": "y"}


def _spelled(pattern: str, meta: TraceMeta, show: Callable[[Symbol], str],
             template: str) -> str:  # fmt: skip
    renaming = renaming_of(meta.notation, meta.index_style)
    if not renaming.renamed:
        return template

    def one(match: re.Match[str]) -> str:
        key = _KEYS[match.group(0)]
        return show(renaming.names[key]) if key in renaming.renamed else match.group(0)

    return re.sub(pattern, one, template)


def spelled_text(meta: TraceMeta, template: str) -> str:
    """A terminal formula of the loss printers with the renamed quantities."""
    return _spelled(_TEXT, meta, text, template)


def spelled_latex(meta: TraceMeta, template: str, mathjax: bool = False) -> str:
    """A LaTeX formula of the loss printers with the renamed quantities."""
    return _spelled(_LATEX, meta, lambda symbol: latex(symbol, mathjax), template)
