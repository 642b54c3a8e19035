"""The Markdown printer: the LaTeX worked solution with ``$$`` maths, for GitHub and Jupyter.

The same items as the LaTeX printer (so the same arithmetic, the same ``_print_<op>``
methods); only the markup differs: ``#`` headings, escaped text, tokens as code spans and
each display as ``$$ \\begin{aligned} ... \\end{aligned} $$``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rnntrace.render.latex import LatexPrinter
from rnntrace.render.latex_base import LatexSettings
from rnntrace.render.prose import Display, Item, Math, Prose, prose_markdown
from rnntrace.render.select import Selection
from rnntrace.render.structure import Heading
from rnntrace.trace import Trace

__all__ = ["MarkdownPrinter", "render_markdown"]

# MathJax (GitHub, Jupyter) has no \bm; \boldsymbol is the same thing there.
_BM = re.compile(r"\\bm(?![A-Za-z])")


def for_mathjax(tex: str) -> str:
    """LaTeX maths as MathJax reads it."""
    return _BM.sub(r"\\boldsymbol", tex)


class MarkdownPrinter(LatexPrinter):
    """Turns a Trace into Markdown with ``$$`` maths."""

    def markup(self, item: Heading | Item) -> str:
        """One item as Markdown."""
        if isinstance(item, Display):
            rows = " \\\\\n".join(for_mathjax(row) for row in item.rows)
            return f"$$\n\\begin{{aligned}}\n{rows}\n\\end{{aligned}}\n$$\n\n"
        if isinstance(item, Prose):
            parts = tuple(Math(for_mathjax(p)) if isinstance(p, Math) else p for p in item.parts)
            return prose_markdown(Prose(parts, item.note)) + "\n\n"
        return "#" * (item.level + 2) + " " + prose_markdown(item.title) + "\n\n"

    def render(self) -> Iterator[str]:
        """The document, in chunks."""
        for item in self.items():
            yield self.markup(item)


def render_markdown(
    trace: Trace, selection: Selection | None = None, settings: LatexSettings | None = None
) -> Iterator[str]:
    """The worked solution of ``trace`` as Markdown, in chunks."""
    return MarkdownPrinter(trace, selection, settings).render()
