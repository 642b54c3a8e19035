"""The terminal printer: the worked solution laid out like seed 000.

The layout (title, headings, time steps) lives here; the worked lines of each kind of step
in ``text_steps`` (one ``_print_<op>`` method per op, sympy-printer style; an op without
one is a bug and fails loudly). Lines are laid out to fit 80 columns by the printer itself.
It builds ``styled`` renderables: rich renderables when printed in colour, plain text
without rich otherwise.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Iterator

from rnntrace import cells
from rnntrace.render.prose import headings, prose_text, sentence, with_maths
from rnntrace.render.select import Selection
from rnntrace.render.styled import Group, Renderable, Rule, Text
from rnntrace.render.text_base import LINE_WIDTH, TextSettings, wrap_line
from rnntrace.render.text_steps import StepPrinter
from rnntrace.trace import Step, Trace

__all__ = ["TextPrinter", "TextSettings", "merge_texts", "render_text"]

HEAD_NAMES = {
    "identity": "no output nonlinearity",
    "sigmoid": "sigmoid output",
    "softmax": "softmax output",
}
LOSS_NAMES = {
    "bce": "binary cross-entropy",
    "ce": "cross-entropy",
    "mse": "mean squared error",
    "none": "no loss",
}
OUTPUT_NAMES = {
    "last": "an output at the last step",
    "every": "an output at every step",
    "none": "no output",
}


class TextPrinter(StepPrinter):
    """Turns a Trace into renderables, in the order of the hand calculation."""

    def __init__(
        self, trace: Trace, selection: Selection | None = None, settings: TextSettings | None = None
    ) -> None:
        super().__init__(trace, settings)
        self.selection = selection or Selection()

    # -- layout -----------------------------------------------------------------------------
    def renderables(self) -> Iterator[Renderable]:
        """Everything to print, heading by heading."""
        yield from self._header()
        heading: tuple[object, ...] = ()
        for step in self.trace:
            if not self.selection.shows(step):
                continue
            for title in headings(self.trace, step):
                if title.ident not in heading:
                    heading = heading[: title.level] + (title.ident,)
                    yield self._heading(prose_text(title.prose), title.level)
            yield self.render_step(step, indent="  " if step.time else "")

    def _header(self) -> Iterator[Renderable]:
        meta = self.trace.meta
        yield Rule(Text(meta.title, style="bold"))
        if meta.description:
            yield Text("\n".join(textwrap.wrap(meta.description, LINE_WIDTH)), style="italic")
        sizes = meta.sizes
        cell = (
            f"Simple RNN ({meta.activation})"
            if cells.get(meta.cell).has_activation
            else prose_text(sentence(*with_maths(meta.conventions[0])))
        )
        what = (
            f"{cell} with {OUTPUT_NAMES[meta.output]}, "
            f"{HEAD_NAMES[meta.head]} and {LOSS_NAMES[meta.loss]}."
        )
        dims = (
            f"D = {sizes['D']} input{'s' if sizes['D'] != 1 else ''}, H = {sizes['H']} "
            f"hidden unit{'s' if sizes['H'] != 1 else ''}"
        ) + (
            f", K = {sizes['K']} output" + ("s." if sizes["K"] > 1 else ".") if sizes["K"] else "."
        )
        if meta.carry == "rounded":
            terms = ", and every product before it is added" if meta.round_terms else ""
            policy = (
                f"Numbers: every intermediate is rounded to {meta.decimals} decimals "
                f"before it is used again (as by hand){terms}."
            )
        else:
            policy = (
                f"Numbers: exact (float64) throughout, shown to {self.d} decimals; "
                "'≈' marks a rounded number."
            )
        yield Text("\n".join(textwrap.wrap(" ".join([what, dims, policy]), LINE_WIDTH)))
        for convention in meta.conventions[1:]:
            words = prose_text(sentence(*with_maths("Convention: " + convention)))
            yield Text("\n".join(textwrap.wrap(words, LINE_WIDTH)))

    @staticmethod
    def _heading(title: str, level: int) -> Renderable:
        if level == 0:
            return Group(Text(""), Rule(Text(title, style="bold"), align="left"))
        if level == 1:
            return Group(Text(""), Text(title, style="bold underline"))
        return Text(title, style="bold")

    # -- steps ------------------------------------------------------------------------------
    def render_step(self, step: Step, indent: str = "") -> Renderable:
        """The worked lines of one step, as one Text (cheaper for rich than many)."""
        method = getattr(self, f"_print_{step.op}", None)
        if method is None:
            raise NotImplementedError(f"no terminal printer for op {step.op!r} ({step.key})")
        text = Text()
        for i, line in enumerate(method(step)):
            line = line if isinstance(line, Text) else Text(str(line))
            if i:
                text.append("\n")
            if indent and "\n" in line.plain:
                parts = line.split("\n")
                line = Text("\n").join(Text(indent) + part for part in parts)
            else:
                text.append(indent)
            text.append_text(line)
        text = wrap_line(text)
        return text if self.settings.styled else Text(text.plain)


def merge_texts(renderables: Iterable[Renderable], chunk: int = 40) -> Iterator[Renderable]:
    """Runs of consecutive Text joined into Texts of about ``chunk`` lines each: far cheaper
    for rich to print than many small ones, and than a few huge ones (which it splits)."""
    run: list[Text] = []
    lines = 0
    for item in renderables:
        if isinstance(item, Text):
            run.append(item)
            lines += item.plain.count("\n") + 1
            if lines < chunk:
                continue
        if run:
            yield Text("\n").join(run)
            run, lines = [], 0
        if not isinstance(item, Text):
            yield item
    if run:
        yield Text("\n").join(run)


def render_text(
    trace: Trace, selection: Selection | None = None, settings: TextSettings | None = None
) -> Iterator[Renderable]:
    """The worked solution of ``trace`` as renderables: print them with a rich Console, or
    as plain text with :func:`rnntrace.render.styled.plain`."""
    return TextPrinter(trace, selection, settings).renderables()
