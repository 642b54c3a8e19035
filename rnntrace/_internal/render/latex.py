"""The LaTeX printer: the worked solution as ``align*`` blocks, laid out like seed 000.

The layout (title, headings, time steps) lives here; the maths of each kind of step in
``latex_steps`` and ``latex_loss`` (one ``_print_<op>`` method per op; an op without one
is a bug and fails loudly). ``render_latex`` gives a fragment to paste into notes (it needs
``amsmath``), or with ``standalone=True`` a complete document.
"""

from __future__ import annotations

from collections.abc import Iterator

from rnntrace._internal.ops import explanation
from rnntrace._internal.render import latex_seed
from rnntrace._internal.render.drawn import drawn_sentences
from rnntrace._internal.render.latex_base import LatexSettings, side_by_side
from rnntrace._internal.render.latex_steps import LatexStepPrinter
from rnntrace._internal.render.prose import (
    Display,
    Item,
    Math,
    Prose,
    model_sentences,
    prose_latex,
    sentence,
)
from rnntrace._internal.render.select import Selection
from rnntrace._internal.render.structure import Heading, document_title, outline
from rnntrace._internal.render.texwidth import tex_height
from rnntrace._internal.trace import Step, Trace

__all__ = ["LatexPrinter", "LatexSettings", "PREAMBLE", "render_latex"]

# Packages every rnntrace document uses; all are in TeX Live's latex-base and -recommended.
PREAMBLE = r"""\usepackage[a4paper,margin=2cm]{geometry}
\usepackage{amsmath,amssymb,bm}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
"""
FRAGMENT_NOTE = (
    "% Worked solution written by rnntrace. Needs \\usepackage{amsmath} (bmatrix, align*),\n"
    "% and amssymb and bm when the scenario's notation uses their symbols.\n"
)
PAGE_PT = 450.0  # the most an align* block may be tall (A4 with 2 cm margins has 770 pt)
_SECTIONS = {-1: "section", 0: "subsection", 1: "subsubsection"}


def header(trace: Trace, decimals: int, mathjax: bool = False) -> list[Heading | Prose]:
    """Title, description, the model in equations, the sizes and the number policy
    (``mathjax``: the symbols in MathJax's dialect)."""
    meta = trace.meta
    out: list[Heading | Prose] = [document_title(trace)]
    if meta.description:
        out.append(sentence(meta.description))
    out.extend(model_sentences(trace))
    sizes = meta.sizes
    dims = [f"D = {sizes['D']}", f"H = {sizes['H']}"] + (
        [f"K = {sizes['K']}"] if sizes.get("K") else []
    )
    parts: list[str] = ["Sizes: "]
    for i, dim in enumerate(dims):
        parts += ([", "] if i else []) + [Math(dim)]
    out.append(sentence(*parts, " (inputs, hidden units, outputs)."))
    out.append(sentence(number_policy(trace, decimals)))
    out.extend(drawn_sentences(meta))
    return out


def number_policy(trace: Trace, decimals: int) -> str:
    """The number policy in one sentence."""
    meta = trace.meta
    if meta.carry == "rounded":
        terms = ", and every product before it is added" if meta.round_terms else ""
        return (
            f"Numbers: every intermediate result is rounded to {meta.decimals} decimals "
            f"before it is used again, as by hand{terms}."
        )
    return f"Numbers: exact (float64) throughout, shown to {decimals} decimals."


class LatexPrinter(LatexStepPrinter):
    """Turns a Trace into LaTeX, in the order of the hand calculation."""

    def __init__(
        self,
        trace: Trace,
        selection: Selection | None = None,
        settings: LatexSettings | None = None,
    ) -> None:
        super().__init__(trace, settings)
        self.selection = selection or Selection()

    # -- what to print, in any markup -------------------------------------------------------
    def items(self) -> Iterator[Heading | Item]:
        """The header, then each shown step under its headings."""
        yield from header(self.trace, self.d, self.mathjax)
        given: list[Item] = []  # the parameters, side by side where they fit
        run: list[Step] = []  # --layout seed: the steps under the current heading
        for entry in outline(self.trace, self.selection):
            if isinstance(entry, Step) and entry.phase == "given":
                given.extend(self.step_items(entry))
                continue
            yield from side_by_side(given, self.width)
            given = []
            if isinstance(entry, Heading):
                yield from self.steps_items(run)
                run = []
                yield entry
            elif self.seed:
                run.append(entry)
            else:
                yield from self.step_items(entry)
        yield from self.steps_items(run)
        yield from side_by_side(given, self.width)

    def steps_items(self, steps: list[Step]) -> Iterator[Item]:
        """The items of consecutive steps: step by step, or with ``--layout seed`` stage by
        stage, each stage one split block (``latex_seed``)."""
        if not self.seed:
            for step in steps:
                yield from self.step_items(step)
            return
        yield from latex_seed.seed_items(self.trace, steps, self.step_items, self.bias_row)

    def bias_row(self, delta: Step, total: Step) -> Display:
        """``--layout seed``: a bias's contribution, ``∂L/∂b_h += δz_t = [...]``."""
        param = latex_seed.bias_param(self.trace, total)
        lhs = self.sym(delta)
        if param is not None:
            gradient = latex_seed.parameter_gradient(self.trace, param, self.mathjax)
            lhs = rf"{gradient} \mathrel{{+}}= {lhs}"
        return self.equation(lhs, [self.shown(delta)])

    def step_items(self, step: Step) -> Iterator[Item]:
        """The displays and remarks of one step."""
        method = getattr(self, f"_print_{step.op}", None)
        if method is not None:
            return method(step)
        explain = explanation(step.op, step.info)
        if explain is None:
            raise NotImplementedError(f"no LaTeX printer for op {step.op!r} ({step.key})")
        return self.print_explained(step, explain)

    # -- LaTeX markup -----------------------------------------------------------------------
    def markup(self, item: Heading | Item) -> str:
        """One item as LaTeX source."""
        if isinstance(item, Display):
            return display_latex(item)
        if isinstance(item, Prose):
            return prose_latex(item) + "\n\n"
        title = prose_latex(item.title)
        if item.level in _SECTIONS:
            return f"\\{_SECTIONS[item.level]}*{{{title}}}\n"
        return f"\\medskip\n\\textbf{{{title}}}\n"

    def render(self) -> Iterator[str]:
        """The fragment, in chunks."""
        yield FRAGMENT_NOTE
        for item in self.items():
            yield self.markup(item)


def display_latex(display: Display) -> str:
    """``align*`` blocks: one, or several when the rows are too tall for one page (a page
    breaks only between displays unless the document allows display breaks)."""
    blocks: list[list[str]] = [[]]
    height = 0.0
    for row in display.rows:
        row_height = tex_height(row)
        if blocks[-1] and height + row_height > PAGE_PT:
            blocks.append([])
            height = 0.0
        blocks[-1].append(row)
        height += row_height
    if display.split:  # --layout seed: a stage as one split block
        return "".join(
            "\\begin{equation*}\n\\begin{split}\n" + " \\\\\n".join(rows)
            + "\n\\end{split}\n\\end{equation*}\n"
            for rows in blocks
        )  # fmt: skip
    return "".join(
        "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}\n" for rows in blocks
    )


def render_latex(
    trace: Trace,
    selection: Selection | None = None,
    settings: LatexSettings | None = None,
    standalone: bool = False,
) -> Iterator[str]:
    """The worked solution of ``trace`` as LaTeX, in chunks: a fragment, or a complete
    document (article class, A4) with ``standalone``."""
    printer = LatexPrinter(trace, selection, settings)
    if not standalone:
        yield from printer.render()
        return
    yield "\\documentclass{article}\n" + PREAMBLE + "\\begin{document}\n"
    yield from printer.render()
    yield "\\end{document}\n"
