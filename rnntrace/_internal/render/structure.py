"""The structure of a worked solution, decided once for every printer.

A worked solution is the document title, then parts (the parameters, each sequence, the
totals of several sequences, the update), a sequence's passes (forward, loss,
backpropagation through time, the sums) and their time steps. :func:`outline` walks a
trace's shown steps and yields each ``Heading`` where it begins: the terminal, LaTeX and
Markdown printers (and an HTML printer) write the same headings in the same order, each in
its own markup. A heading's title is data (``Prose``: text, maths, tokens), never a string
in one printer's markup; its ``kind``, ``sequence``, ``time`` and ``part`` say what it
heads, for a printer that wants anchors or a table of contents.
"""

from __future__ import annotations

from collections.abc import Iterator

from rnntrace._internal.records import record
from rnntrace._internal.render import numfmt
from rnntrace._internal.render.prose import Prose, Tokens, Word, sentence, token_words
from rnntrace._internal.render.select import Selection
from rnntrace._internal.symbol.tree import formula
from rnntrace._internal.trace import Step, Trace

__all__ = ["PART_TITLES", "Heading", "document_title", "headings", "outline"]

PART_TITLES = {
    "fw": "Forward RNN",
    "bw": "Backward RNN",
    "enc": "Encoder",
    "dec": "Decoder",
    "att": "Attention",
}


@record
class Heading:
    """A heading of the worked solution.

    ``level``: -1 the document title, 0 a part, 1 a pass, 2 a time step. ``kind``: title,
    parameters, sequence, totals, update, pass or time step. ``ident`` tells a heading from
    a repeat of the same words (the encoder's and the decoder's step 1)."""

    level: int
    kind: str
    ident: tuple[object, ...]
    title: Prose
    sequence: int | None = None
    time: int | None = None
    part: str = ""  # the model part of a time step: fw, bw, enc, dec, or "" for the only one


def document_title(trace: Trace) -> Heading:
    """The heading over everything: the scenario's title."""
    return Heading(-1, "title", ("title",), sentence(trace.meta.title))


def outline(trace: Trace, selection: Selection | None = None) -> Iterator[Heading | Step]:
    """The shown steps of ``trace`` in order, each preceded by the headings that begin
    there (outermost first). The document title is not included (see
    :func:`document_title`): each printer writes it above its own front matter."""
    selection = selection or Selection()
    current: tuple[object, ...] = ()
    known: dict[tuple[object, ...], list[Heading]] = {}  # the steps of a time step share them
    for step in trace:
        if not selection.shows(step):
            continue
        place = _place(trace, step)
        above = known.get(place)
        if above is None:
            above = known[place] = headings(trace, step)
        for heading in above:
            if heading.ident not in current:
                current = current[: heading.level] + (heading.ident,)
                yield heading
        yield step


def _place(trace: Trace, step: Step) -> tuple[object, ...]:
    """What of ``step`` its headings depend on: steps with the same place have the same."""
    own_part = step.key in _OWN_PARTS
    if step.sequence is None or step.time is None or step.phase in ("given", "update"):
        return (step.phase, own_part, step.sequence, step.time)
    part = _layer(trace, step)
    return (step.phase, own_part, step.sequence, step.time, part, _time(trace, step, part))


_OWN_PARTS = ("L_penalty", "L_total")  # the loss with the L2 penalty: a part of its own


def headings(trace: Trace, step: Step) -> list[Heading]:
    """The headings ``step`` sits under, outermost first."""
    meta = trace.meta
    if step.phase == "given":
        return [Heading(0, "parameters", ("given",), sentence("Parameters"))]
    if step.phase == "update":
        eta = numfmt.number(meta.learning_rate, 12, minus="-")
        title = sentence("Update: one SGD step, learning rate ", formula("eta", "=", eta))
        return [Heading(0, "update", ("update",), title)]
    if step.key in _OWN_PARTS:  # train.l2_penalty: the loss with the penalty
        return [Heading(0, "totals", ("penalty",), sentence("Loss with the L2 penalty"))]
    if step.sequence is None:
        return [Heading(0, "totals", ("total",), sentence("All sequences: totals"))]
    info = meta.sequences[step.sequence - 1]
    parts: list[str] = [f"Sequence {info.number}: ", token_words(info.tokens)]
    if info.targets and meta.output == "last":
        parts += [" (label ", Word(next(iter(info.targets.values()))), ")"]
    out = [Heading(0, "sequence", ("seq", step.sequence), sentence(*parts), step.sequence)]
    backward = step.phase in ("backward", "gradient")
    direction = "backward" if backward else "forward"
    if step.time is None:
        name = {"loss": "Loss", "forward": "Attention: the keys of the encoder states"}.get(
            step.phase, "Gradients: sums over the time steps"
        )
        ident = (direction, "sum", step.phase)
        return out + [Heading(1, "pass", ident, sentence(name), step.sequence)]
    pass_title = "Backpropagation through time" if backward else "Forward pass"
    part = _layer(trace, step)
    time = _time(trace, step, part)
    where = PART_TITLES.get(part, "")
    if part == "dec" or time > len(info.tokens) or meta.topology == "generate":
        title = sentence(f"{where or 'Generated'} step {time}")
        if meta.topology == "generate" and step.time == 1:
            title = sentence("Step 1: ", Tokens(info.tokens[0]))
    else:
        where = f" ({where[0].lower() + where[1:]})" if where else ""
        title = sentence(f"Time step {time}: ", Tokens(info.tokens[time - 1]), where)
    part = part if where else ""
    return out + [
        Heading(1, "pass", (direction,), sentence(pass_title), step.sequence),
        Heading(2, "time step", (direction, time, part), title, step.sequence, time, part),
    ]  # fmt: skip


def _layer(trace: Trace, step: Step) -> str:
    """The model part whose time step a step is written under: its own (``enc``, ``fw``,
    ...); an input goes with the part that reads it first, the input's gradient of a
    bidirectional model (the sum of the two RNNs' input gradients) after the backward
    RNN's step, and outputs and attention of an encoder-decoder with the decoder."""
    topology = trace.meta.topology
    layer = step.part.rstrip(".")
    if not layer and step.op == "input":
        layer = {"encoder_decoder": "enc", "bidirectional": "fw"}.get(topology, "")
    if topology == "encoder_decoder":
        layer = "enc" if layer == "enc" else "dec"
    if topology == "bidirectional" and not layer and step.phase == "gradient":
        layer = "bw"
    return layer


def _time(trace: Trace, step: Step, part: str) -> int:
    """The time step a step is written under: its own, except the gradient of the
    decoder's initial state (W_hh^decᵀ δz^dec_1, recorded at the encoder's last time step,
    where it is passed on): it is computed at the decoder step it comes from, the latest
    decoder step it reads, and is written there."""
    time = step.time
    assert time is not None
    if part != "dec" or step.phase != "backward" or trace.meta.topology != "encoder_decoder":
        return time
    read = [trace[key] for key in step.operands if key in trace]
    times = [s.time for s in read if s.time is not None and s.part == step.part]
    return max(times) if times and max(times) < time else time
