r"""The model's conventions in words, so nobody mistakes which one is in use: the cell (and
its gate form), the topology, the layers, the attention, and the cell's own equations
(``CellKind.conventions``). Each is a sentence of text and formula trees
(``rnntrace.symbol``), which the LaTeX and Markdown printers typeset and the terminal writes
in Unicode."""

from __future__ import annotations

from rnntrace._internal import cells
from rnntrace._internal.engine.symbols import Symbols
from rnntrace._internal.scenario.model import Scenario
from rnntrace._internal.symbol.tree import Delimited, Row, Sentence, at


def conventions(scenario: Scenario, sym: Symbols) -> tuple[Sentence, ...]:
    """The cell's name first, then each convention in a sentence."""
    model = scenario.model
    title: Sentence = (cells.get(model.cell).title,)
    if scenario.form == "concatenated":
        both = Delimited("bracket", Row((at("h", "t-1"), at("x")), ", "))
        title += (" (gates written concatenated, acting on ", both, ")")
    out: list[Sentence] = [title]
    topology = {
        "generate": "one input; each output fed back as the next input"
        + (" (teacher forcing: the targets are fed instead)" if model.teacher_forcing else ""),
        "bidirectional": "bidirectional: a forward and a backward RNN, outputs read [h→, h←]",
        "encoder_decoder": "encoder-decoder: the encoder's last state starts the decoder, which"
        " reads the previous output"
        + (" (teacher forcing: the target)" if model.teacher_forcing else ""),
    }.get(model.topology)
    if topology:
        out.append((topology,))
    if model.layers > 1:
        out.append(
            (
                f"{model.layers} stacked layers"
                + (" with residual connections" if model.residual else ""),
            )
        )
    if model.attention != "none":
        exact = model.attention_gradient == "exact"
        out.append(
            (
                f"{model.attention} attention"
                + (
                    "; gradients through the attention weights are exact"
                    if exact
                    else "; the attention weights are held constant in the backward pass "
                    "(not the exact gradient)"
                ),
            )
        )
    out += cells.get(model.cell).conventions(model, sym)
    return tuple(out)
