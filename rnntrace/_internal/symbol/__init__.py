"""Display symbols as data (``tree``) and their printers (``latex``, ``text``).

The engine records a symbol as a frozen tree of the nodes in ``tree``; it never writes
LaTeX or Unicode. A printer is a module with one function that walks the tree, one case a
node (see ``latex.py``), so an HTML or MathML printer is one more such module: ``Scripted``
is ``msub``/``msup``/``msubsup``, ``Styled`` an accent or a ``mathvariant``, ``Delimited``
an ``mrow`` with its fences. The bottom layer: everything may import it, it imports nothing
of rnntrace."""

from rnntrace._internal.symbol.latex import latex
from rnntrace._internal.symbol.text import text
from rnntrace._internal.symbol.tree import Symbol

__all__ = ["Symbol", "latex", "text"]
