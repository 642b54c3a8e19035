r"""The model's conventions in words, so nobody mistakes which one is in use: the cell (and
its gate form), the topology, the layers, the attention, and the cell's own equations
(``CellKind.conventions``). Each is a sentence of text and formula trees
(``rnntrace.symbol``), which the LaTeX and Markdown printers typeset and the terminal writes
in Unicode."""

from __future__ import annotations

from rnntrace._internal import cells
from rnntrace._internal.engine.symbols import Symbols
from rnntrace._internal.scenario.model import Scenario
from rnntrace._internal.symbol.tree import (
    Apply,
    Command,
    Delimited,
    Name,
    Row,
    Scripted,
    Sentence,
    Styled,
    Symbol,
    Times,
    at,
    call,
    formula,
)


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
    if model.layout == "rows":
        out.append(_rows(scenario, sym))
    out += _skip_dropout(scenario)
    out += _feeding(scenario, sym)
    return tuple(out)


def _rows(scenario: Scenario, sym: Symbols) -> Sentence:
    """model.layout rows: the products written with row vectors, and the matrices' shapes."""
    rule = formula(at("x"), sym["W_xh"], "+", at("h", "t-1"), sym["W_hh"])
    shapes: tuple[str | Symbol, ...] = ()
    for key, shape in (("W_xh", "D × H"), ("W_hh", "H × H"), ("W_hy", "H × K")):
        if key in scenario.params:
            shapes += (", " if shapes else "; ", sym[key], f" is {shape}")
    return ("row vectors (model.layout rows): ", rule, *shapes)


def _feeding(scenario: Scenario, sym: Symbols) -> list[Sentence]:
    """The decoder's context form, scheduled sampling and the head's steps (issue 13)."""
    model = scenario.model
    out: list[Sentence] = []
    if model.attention_context == "separate":
        rule = formula(at("h"), "=", call("f", formula(
            sym["dec.W_hh"], at("h", "t-1"), "+", sym["dec.W_ch"], at("c"), "+",
            sym["dec.W_xh"], at("y", "t-1"), "+", sym["dec.b_h"])))  # fmt: skip
        out.append(
            (
                "decoder context separate (seed 001): ",
                rule,
                ", W_ch its own matrix (H by H), W_xh reads the previous output only",
            )
        )
    sampling = scenario.train.scheduled_sampling
    if sampling is not None:
        source = (
            "given coins"
            if sampling.coins is not None
            else f"coins drawn with seed {sampling.seed} (epoch {scenario.train.epoch})"
        )
        chance = Times(
            Name(f"{sampling.epsilon0:g}"), Scripted(Name(f"{sampling.decay:g}"), sup=Name("t"))
        )
        odds = () if sampling.coins is not None else (" (probability ", chance, ")")
        onehot = Apply(
            Styled("operatorname", Name("onehot")),
            Apply(Styled("operatorname", Name("argmax")), at(Styled("hat", Name("y")), "t-1")),
        )
        out.append(
            (
                "scheduled sampling: at each step t from 2 on the target ",
                at("y", "t-1"),
                " is fed when the coin ",
                at(Command("xi")),
                " is 1",
                *odds,
                ", else ",
                onehot,
                f"; {source}; no gradient flows through the fed input",
            )
        )
    if model.head_steps and model.loss != "none":
        steps = ", ".join(str(t) for t in model.head_steps)
        out.append((f"the loss at t = {steps} only, where the head is applied (the targets of "
                    "the other steps are not used)",))  # fmt: skip
    return out


def _skip_dropout(scenario: Scenario) -> list[Sentence]:
    """Skip connections and dropout (issue 13), each in a sentence."""
    model = scenario.model
    out: list[Sentence] = []
    if model.skip:
        rule = formula(at("h"), "=", call("f", at("z")), "+", "alpha", at("h", "t-1"))
        out.append(("skip connection: ", rule, ", ", formula("alpha", "=", f"{model.skip:g}")))
    if any(model.layer_skip):
        layers = ", ".join(str(i + 1) for i, skip in enumerate(model.layer_skip) if skip)
        rule = formula(at(layer("h")), "=", call("f", at(layer("z"))), "+", at(below()))
        out.append((f"layer skip (layer {layers}): the layer's state adds its input, ", rule,
                    ", and recurs",))  # fmt: skip
    drop = model.dropout
    if drop is not None:
        rates = ", ".join(
            f"{kind} p = {drop.rate(kind):g}"
            for kind in ("input", "recurrent", "output")
            if drop.rate(kind)
        )
        source = ("given masks" if drop.masks else
                  f"masks drawn with seed {drop.seed} (epoch {drop.epoch})")  # fmt: skip
        one = "; one mask per sequence for all steps (variational)" if drop.variational else ""
        if drop.recurrent and not cells.get(model.cell).has_activation:  # a gated cell
            one += ("; every recurrent matrix reads the dropped h_(t-1), the state carried "
                    "on directly is not dropped")  # fmt: skip
        out.append((f"dropout ({rates}): a kept entry is scaled by 1/(1 - p); {source}{one}; "
                    "off at evaluation (--eval)",))  # fmt: skip
    return out


def layer(letter: str) -> Scripted:
    """``h^{(l)}``: a quantity of layer l."""
    return Scripted(Name(letter), sup=Name("(l)"))


def below() -> Scripted:
    """``h^{(l-1)}``: the layer's input, the state of the layer below."""
    return Scripted(Name("h"), sup=Name("(l-1)"))
