"""The Markdown printer: the LaTeX worked solution with ``$$`` maths, for GitHub and Jupyter.

The same items as the LaTeX printer (so the same arithmetic, the same ``_print_<op>``
methods); only the markup differs: ``#`` headings, escaped text, tokens as code spans and
each display as ``$$ \\begin{aligned} ... \\end{aligned} $$`` (with ``--layout seed``, each
stage of a time step as ``$$ \\begin{split} ... \\end{split} $$``).
"""

from __future__ import annotations

from collections.abc import Iterator

from rnntrace._internal.render.latex import LatexPrinter
from rnntrace._internal.render.latex_base import LatexSettings
from rnntrace._internal.render.prose import Display, Item, Prose, prose_markdown
from rnntrace._internal.render.select import Selection
from rnntrace._internal.render.structure import Heading
from rnntrace._internal.trace import Trace

__all__ = ["MarkdownPrinter", "render_markdown"]


class MarkdownPrinter(LatexPrinter):
    """Turns a Trace into Markdown with ``$$`` maths, its symbols in MathJax's dialect."""

    mathjax = True

    def markup(self, item: Heading | Item) -> str:
        """One item as Markdown."""
        if isinstance(item, Display):
            rows = " \\\\\n".join(item.rows)
            env = "split" if item.split else "aligned"  # split: a stage of --layout seed
            return f"$$\n\\begin{{{env}}}\n{rows}\n\\end{{{env}}}\n$$\n\n"
        if isinstance(item, Prose):
            return prose_markdown(item) + "\n\n"
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
