"""The terminal printer: the worked solution laid out like seed 000.

The layout (title, headings, time steps) lives here, the headings themselves in
``structure``; the worked lines of each kind of step in ``text_steps`` (one
``_print_<op>`` method per op, sympy-printer style; an op without one is a bug and fails
loudly). The printer makes rich renderables and decides nothing about the terminal: the
width is decided when they are printed, by the console they are printed in. The worked
solution takes at most ``MEASURE`` columns; in a narrower console, rules are drawn as wide
as the console, paragraphs wrapped and long equations broken to fit it.
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.text import Text

from rnntrace._internal import cells
from rnntrace._internal.ops import DEFINITIONS, explanation
from rnntrace._internal.render.drawn import drawn_sentences
from rnntrace._internal.render.layout import Lines, Paragraph, TitleRule
from rnntrace._internal.render.prose import head_steps_words, loss_form, prose_text, sentence
from rnntrace._internal.render.select import Selection
from rnntrace._internal.render.structure import Heading, document_title, outline
from rnntrace._internal.render.text_base import TERMINAL_WIDTH, TextSettings, Worked, joined
from rnntrace._internal.render.text_steps import StepPrinter
from rnntrace._internal.trace import Step, Trace

__all__ = ["MEASURE", "TextPrinter", "TextSettings", "render_text"]

MEASURE = TERMINAL_WIDTH  # the widest the worked solution is laid out (80 columns)

HEAD_NAMES = {
    "identity": "no output nonlinearity",
    "sigmoid": "sigmoid output",
    "softmax": "softmax output",
}
LOSS_AS = {  # the losses' options (issue 13), by ``loss_form``
    "half": "half squared error (½‖ŷ − y‖²)",
    "soft": "cross-entropy with target distributions",
}
OUTPUT_NAMES = {
    "last": "an output at the last step",
    "every": "an output at every step",
    "none": "no output",
}


class TextPrinter(StepPrinter):
    """Turns a Trace into rich renderables, in the order of the hand calculation."""

    def __init__(
        self, trace: Trace, selection: Selection | None = None, settings: TextSettings | None = None
    ) -> None:
        super().__init__(trace, settings)
        self.selection = selection or Selection()

    # -- layout -----------------------------------------------------------------------------
    def renderables(self) -> Iterator[RenderableType]:
        """Everything to print: rules, paragraphs, and the lines of headings and steps
        between them, each run of lines as one ``Lines``."""
        lines = Lines()
        for piece, breakable in self._pieces():
            if isinstance(piece, (Text, Worked)):
                lines.parts.append((piece, breakable))
                continue
            if lines.parts:
                yield lines
                lines = Lines()
            yield piece
        if lines.parts:
            yield lines

    def _pieces(self) -> Iterator[tuple[RenderableType | Worked, bool]]:
        """Each piece, and whether it is lines of equations (broken to fit when printed)."""
        yield from ((piece, False) for piece in self._header())
        for entry in outline(self.trace, self.selection):
            if isinstance(entry, Heading):
                yield from ((piece, False) for piece in self._heading(entry))
            else:
                yield self.render_step(entry, indent="  " if entry.time else ""), True

    def _header(self) -> Iterator[RenderableType]:
        meta = self.trace.meta
        yield from self._heading(document_title(self.trace))
        if meta.description:
            yield Paragraph(meta.description, style="italic")
        sizes = meta.sizes
        cell = (
            f"Simple RNN ({meta.activation})"
            if cells.get(meta.cell).has_activation
            else prose_text(sentence(*meta.conventions[0]))
        )
        words = DEFINITIONS[meta.loss].words if meta.loss in DEFINITIONS else "no loss"
        loss = LOSS_AS.get(loss_form(self.trace), words)
        head = HEAD_NAMES[meta.head]
        if meta.head_steps:
            head += prose_text(sentence(*head_steps_words(meta)))
        what = f"{cell} with {OUTPUT_NAMES[meta.output]}, {head} and {loss}."
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
        yield Paragraph(" ".join([what, dims, policy]))
        for convention in meta.conventions[1:]:
            yield Paragraph(prose_text(sentence("Convention: ", *convention)))
        for drawn in drawn_sentences(meta):
            yield Paragraph(prose_text(drawn))

    @staticmethod
    def _heading(heading: Heading) -> Iterator[RenderableType]:
        """The document title as a centred rule, a part as a rule after a blank line, a pass
        underlined after a blank line, a time step in bold."""
        title = prose_text(heading.title)
        if heading.level < 0:
            yield TitleRule(Text(title, style="bold"), "center")
        elif heading.level == 0:
            yield Group(Text(""), TitleRule(Text(title, style="bold"), "left"))
        elif heading.level == 1:
            yield from (Text(""), Text(title, style="bold underline"))
        else:
            yield Text(title, style="bold")

    # -- steps ------------------------------------------------------------------------------
    def render_step(self, step: Step, indent: str = "") -> Worked | Text:
        """The worked lines of one step, as one (cheaper for rich than many)."""
        method = getattr(self, f"_print_{step.op}", None)
        explain = explanation(step.op, step.info) if method is None else None
        if method is None and explain is None:
            raise NotImplementedError(f"no terminal printer for op {step.op!r} ({step.key})")
        lines = list(method(step) if method else self.print_explained(step, explain))  # type: ignore[arg-type]
        return joined(lines, indent)


class WorkedSolution:
    """The worked solution of a trace as one rich renderable, at most ``MEASURE`` columns
    wide: print it with a Console (``soft_wrap=True``: the lines are broken by the printer)."""

    def __init__(self, printer: TextPrinter) -> None:
        self.printer = printer

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        options = options.update_width(min(options.max_width, MEASURE))
        for renderable in self.printer.renderables():
            yield from console.render(renderable, options)


def render_text(
    trace: Trace, selection: Selection | None = None, settings: TextSettings | None = None
) -> WorkedSolution:
    """The worked solution of ``trace``, a rich renderable: the console it is printed in
    decides the width (at most ``MEASURE`` columns)."""
    return WorkedSolution(TextPrinter(trace, selection, settings))
