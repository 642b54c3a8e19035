"""The quantities ``gradflow`` writes of in its own sentences (h_t, h_(t−k), z_j, c_j, the
gates f_j and z_j, x, the fixed point h*) and the parameters it names (W_hh, W_xh, b_h), in
the scenario's notation.

Each quantity is built as the symbol tree the engine would record (``rename.QUANTITIES``'
letter with its index) and rewritten by the scenario's ``Renaming`` (``symbol/rename.py``,
the rewrite every printer's symbols went through), then printed in Unicode or LaTeX: a
scenario with ``notation: {h: s}`` reads s_t, ∂s_t/∂s_(t−k); with ``index_style: bracket``
s[t], s[t−k]. A parameter the notation renames prints its own symbol; one it leaves prints
as gradflow always wrote it (``b_h``, ``W_{hh}``).

A cell's words for gradflow (``cells.FlowWords``, ``cells.DirectPath``) name these
quantities as fields ``{h:j}``, ``{h:j-1}``, ``{z:j}``, ``{c:t-k}`` (quantity key, index; ``{h:}``
bare),
filled by ``Letters.fill``; ``{W}`` stands for the main recurrent matrix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rnntrace._internal.symbol import Symbol, latex, text
from rnntrace._internal.symbol.rename import QUANTITIES, renaming_of
from rnntrace._internal.symbol.tree import Name, Scripted, Transposed

FIELD = re.compile(r"\{([a-z_]+):([tjk0-9+-]*)\}")


class Letters:
    """gradflow's quantities and parameters in the scenario's notation, in Unicode (``tex``
    False) or LaTeX."""

    def __init__(self, notation: Mapping[str, Symbol] | None = None,
                 index_style: str = "subscript", tex: bool = False) -> None:  # fmt: skip
        self.notation = notation or {}
        self.index_style = index_style
        self.renaming = renaming_of(self.notation, index_style)
        self.tex = tex
        self._at: dict[tuple[str, str], str] = {}

    def form(self, tex: bool) -> Letters:
        """The same letters in Unicode (``tex`` False) or LaTeX."""
        return self if tex == self.tex else Letters(self.notation, self.index_style, tex)

    def show(self, symbol: Symbol) -> str:
        """A symbol tree printed in this form."""
        return latex(symbol) if self.tex else text(symbol)

    def at(self, key: str, index: str) -> str:
        """Quantity ``key`` at ``index`` (``t``, ``t-k``, ``j-1``): h_(t−k), z_j, s[t−k]."""
        hit = self._at.get((key, index))
        if hit is None:
            tree = Scripted(QUANTITIES[key][0], sub=Name(index), sub_braced=len(index) > 1)
            hit = self._at[key, index] = self.show(self.renaming.apply(tree))
        return hit

    def bare(self, key: str) -> str:
        """Quantity ``key`` without an index: h, x."""
        return self.show(self.renaming.names[key])

    def star(self, key: str) -> str:
        """Quantity ``key`` at the fixed point: h* (Unicode), h^* (LaTeX)."""
        symbol = self.renaming.names[key]
        if not self.tex:
            return self.show(symbol) + "*"
        return self.show(Scripted(symbol, sup=Name("*"), sup_braced=False))

    def param(self, key: str, written: str) -> str:
        """Parameter ``key`` (W_hh, W_xh, b_h): its notation symbol, else as ``written``."""
        symbol = self.notation.get(key)
        return written if symbol is None else self.show(symbol)

    def main(self, key: str, written: str, transposed: bool = False) -> str:
        """The recurrent matrix ``key`` in a sentence about any step (W_hh, W_hhᵀ in the
        row layout)."""
        symbol = self.notation.get(key)
        if symbol is None:
            return written + ("ᵀ" if transposed and not self.tex else "")
        return self.show(Transposed(symbol) if transposed else symbol)

    def fill(self, template: str, W: str = "") -> str:
        """A cell's words with their fields ``{h:j}`` filled and ``{W}`` replaced by ``W``."""
        filled = FIELD.sub(lambda m: self.at(*m.groups()) if m[2] else self.bare(m[1]), template)
        return filled.replace("{W}", W) if W else filled
