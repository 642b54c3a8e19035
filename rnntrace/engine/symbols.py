"""Display symbols (LaTeX) of the parameters, after the scenario's notation."""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_SYMBOLS = {
    "W_xh": "W_{xh}",
    "W_hh": "W_{hh}",
    "b_h": "b_{h}",
    "W_hy": "W_{hy}",
    "b_y": "b_{y}",
    "h_0": "h_{0}",
}


class RnnSymbols:
    """``sym['W_hh']`` is the symbol to print for W_hh; knows the current sequence too."""

    def __init__(self, notation: Mapping[str, str], several: bool) -> None:
        self.table = {**DEFAULT_SYMBOLS, **notation}
        self.several = several
        self.sequence: int | None = None

    def __getitem__(self, key: str) -> str:
        return self.table.get(key, key)

    def seq_suffix(self) -> str:
        """``^{(2)}`` on sequence-level symbols when there are several sequences."""
        return f"^{{({self.sequence})}}" if self.several and self.sequence else ""

    def seq_words(self) -> str:
        """`` of sequence 2`` when there are several sequences."""
        return f" of sequence {self.sequence}" if self.several and self.sequence else ""
