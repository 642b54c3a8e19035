"""Display symbols (LaTeX) of the parameters, after the scenario's notation."""

from __future__ import annotations

from collections.abc import Mapping


def default_symbol(key: str) -> str:
    """``W_xh`` -> ``W_{xh}``, ``b_f`` -> ``b_{f}``, ``h_0`` -> ``h_{0}``."""
    base, _, sub = key.partition("_")
    return f"{base}_{{{sub}}}" if sub else base


class Symbols:
    """``sym['W_hh']`` is the symbol to print for W_hh; knows the current sequence too.
    A part's parameter (``enc.W_hh``) takes the notation of its full key, else that of its
    base key (``W_hh``), marked with the part: ``W_{hh}^{enc}``."""

    def __init__(self, keys: list[str], notation: Mapping[str, str], several: bool) -> None:
        self.notation = dict(notation)
        self.table = {key: self._symbol(key) for key in keys}
        self.several = several
        self.sequence: int | None = None

    def _symbol(self, key: str) -> str:
        if key in self.notation:
            return self.notation[key]
        part, dot, base = key.partition(".")
        if not dot:
            return default_symbol(key)
        from rnntrace.engine.cell import part_mark

        return f"{self.notation.get(base, default_symbol(base))}^{{{part_mark(part + '.')}}}"

    def __getitem__(self, key: str) -> str:
        return self.table[key] if key in self.table else self._symbol(key)

    def seq_suffix(self) -> str:
        """``^{(2)}`` on sequence-level symbols when there are several sequences."""
        return f"^{{({self.sequence})}}" if self.several and self.sequence else ""

    def seq_words(self) -> str:
        """`` of sequence 2`` when there are several sequences."""
        return f" of sequence {self.sequence}" if self.several and self.sequence else ""
