"""Display symbols of the parameters, after the scenario's notation (symbol trees)."""

from __future__ import annotations

from collections.abc import Mapping

from rnntrace._internal.symbol.tree import Name, Symbol, param_symbol, with_sup


class Symbols:
    """``sym['W_hh']`` is the symbol to print for W_hh; knows the current sequence too.
    A part's parameter (``enc.W_hh``) takes the notation of its full key, else that of its
    base key (``W_hh``), marked with the part: ``W_{hh}^{enc}``."""

    def __init__(self, keys: list[str], notation: Mapping[str, Symbol], several: bool) -> None:
        self.notation = dict(notation)
        self.table = {key: self._symbol(key) for key in keys}
        self.several = several
        self.sequence: int | None = None

    def _symbol(self, key: str) -> Symbol:
        return param_symbol(self.notation, key)

    def __getitem__(self, key: str) -> Symbol:
        return self.table[key] if key in self.table else self._symbol(key)

    def loss(self) -> Symbol:
        """L, or ``L^{(2)}`` for sequence 2's loss when there are several sequences."""
        if self.several and self.sequence:
            return with_sup(Name("L"), Name(f"({self.sequence})"))
        return Name("L")

    def seq_words(self) -> str:
        """`` of sequence 2`` when there are several sequences."""
        return f" of sequence {self.sequence}" if self.several and self.sequence else ""
