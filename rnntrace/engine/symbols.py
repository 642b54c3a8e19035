"""Display symbols (LaTeX) of the parameters, after the scenario's notation."""

from __future__ import annotations

from collections.abc import Mapping


def default_symbol(key: str) -> str:
    """``W_xh`` -> ``W_{xh}``, ``b_f`` -> ``b_{f}``, ``h_0`` -> ``h_{0}``."""
    base, _, sub = key.partition("_")
    return f"{base}_{{{sub}}}" if sub else base


class Symbols:
    """``sym['W_hh']`` is the symbol to print for W_hh; knows the current sequence too."""

    def __init__(self, keys: list[str], notation: Mapping[str, str], several: bool) -> None:
        self.table = {key: notation.get(key, default_symbol(key)) for key in keys}
        self.several = several
        self.sequence: int | None = None

    def __getitem__(self, key: str) -> str:
        return self.table.get(key, default_symbol(key))

    def seq_suffix(self) -> str:
        """``^{(2)}`` on sequence-level symbols when there are several sequences."""
        return f"^{{({self.sequence})}}" if self.several and self.sequence else ""

    def seq_words(self) -> str:
        """`` of sequence 2`` when there are several sequences."""
        return f" of sequence {self.sequence}" if self.several and self.sequence else ""
