"""Display symbols as data (``tree``) and their printers (``latex``, ``text``)."""

from rnntrace.symbol.latex import latex
from rnntrace.symbol.text import text
from rnntrace.symbol.tree import Symbol

__all__ = ["Symbol", "latex", "text"]
