"""What the printers write besides the maths: sentences, titles and the description of the
model, as data (``Prose``: text, inline maths and user words) that each printer turns into
its own markup. User text is only ever a ``Word`` or plain text, which the printers escape;
``Math`` is made by rnntrace from numbers and checked symbols. Which headings a worked
solution has is decided in ``structure``.
"""

from __future__ import annotations

from collections.abc import Callable

from rnntrace._internal import cells
from rnntrace._internal.ops import ACTIVATIONS, DEFINITIONS, function_of
from rnntrace._internal.records import record
from rnntrace._internal.render import numfmt
from rnntrace._internal.symbol import Symbol, latex, text
from rnntrace._internal.symbol.rename import renaming_of
from rnntrace._internal.symbol.tree import (
    Apply,
    Command,
    Delimited,
    Delta,
    Name,
    Scripted,
    Space,
    Styled,
    at,
    default_symbol,
    formula,
)
from rnntrace._internal.trace import Step, Trace, TraceMeta


class Math(str):
    """Inline maths (LaTeX) inside a sentence."""


class Word(str):
    """User text shown verbatim in typewriter type: a token, a label."""


class Tokens(Word):
    """Tokens of a sequence (quoted in plain text: 'i love ai')."""


@record
class Prose:
    """A sentence: plain text (escaped when printed), ``Word`` parts, and maths: formula
    trees (``Symbol``, which every printer renders) or ``Math`` (LaTeX that only the LaTeX
    and Markdown printers print; the terminal refuses it)."""

    parts: tuple[str | Symbol, ...]
    note: bool = False  # a remark in small type under a display


@record
class Display:
    """An aligned display: rows of ``lhs &= rhs`` (``align*`` in LaTeX; with ``split``,
    one ``split`` block, as ``--layout seed`` writes a stage)."""

    rows: tuple[str, ...]
    split: bool = False


Item = Display | Prose


def _join(
    prose: Prose, text: Callable[[str], str], word: Callable[[str], str], mathjax: bool = False
) -> str:
    return "".join(
        f"${latex(part, mathjax)}$"
        if isinstance(part, Symbol)
        else f"${part}$"
        if isinstance(part, Math)
        else word(part)
        if isinstance(part, Word)
        else text(part)
        for part in prose.parts
    )


def prose_latex(prose: Prose) -> str:
    """A sentence as LaTeX: text escaped, words in typewriter, maths in ``$...$``."""
    from rnntrace._internal.render.texescape import latex_text, latex_word  # not for text

    text = _join(prose, latex_text, latex_word)
    return f"{{\\small {text}}}" if prose.note else text


def prose_markdown(prose: Prose) -> str:
    """A sentence as Markdown: text escaped, words as code spans, maths in ``$...$`` (formula
    trees in MathJax's dialect)."""
    from rnntrace._internal.render.texescape import markdown_text, markdown_word

    text = _join(prose, markdown_text, markdown_word, mathjax=True)
    return f"*{text}*" if prose.note else text


def sentence(*parts: str | Symbol, note: bool = False) -> Prose:
    """A Prose from its parts (plain ``str`` is text)."""
    return Prose(tuple(parts), note)


def token_words(tokens: tuple[str, ...], limit: int = 24) -> Tokens:
    """The tokens of a sequence joined by spaces, the middle left out when there are many."""
    if len(tokens) <= limit:
        return Tokens(" ".join(tokens))
    return Tokens(" ".join(tokens[:8]) + " … " + " ".join(tokens[-4:]))


def prose_text(prose: Prose) -> str:
    """A sentence as plain text for the terminal: formulas by the Unicode printer, tokens
    quoted. LaTeX (``Math``) is refused: nothing converts LaTeX to text."""
    return "".join(_text_part(part) for part in prose.parts)


def _text_part(part: str | Symbol) -> str:
    if isinstance(part, Symbol):
        return text(part)
    if isinstance(part, Math):
        raise TypeError(f"LaTeX has no text form; give the terminal a formula tree: {part!r}")
    return repr(str(part)) if isinstance(part, Tokens) else part


def token_at(trace: Trace, step: Step) -> str | None:
    """The token of a step's time step, if it has one (decoder and generated steps do not)."""
    if step.sequence is None or step.time is None or part_of(trace, step) == "dec":
        return None
    tokens = trace.meta.sequences[step.sequence - 1].tokens
    return tokens[step.time - 1] if 1 <= step.time <= len(tokens) else None


def part_of(trace: Trace, step: Step) -> str:
    """The model part a step belongs to, from its key: ``s1.enc.h_2`` -> ``enc``."""
    return part_and_base(trace, step)[0]


def part_and_base(trace: Trace, step: Step) -> tuple[str, str]:
    """The model part of a step and its key without the sequence prefix: ``s1.enc.h_2`` ->
    (``enc``, ``enc.h_2``); ``x_2`` -> ("", ``x_2``)."""
    prefix = trace.meta.sequences[step.sequence - 1].prefix if step.sequence else ""
    base = step.key[len(prefix) :] if step.key.startswith(prefix) else step.key
    return (base.split(".", 1)[0] if "." in base else ""), base


# The conventions of skip connections and dropout (issue 13), stated for the simple RNN too.
SKIP_DROPOUT = (
    "skip connection",
    "layer skip",
    "dropout",
    "the loss at",
    "scheduled sampling",
    "decoder context",
    "row vectors",
)


def head_steps_words(meta: TraceMeta) -> tuple[str | Symbol, ...]:
    """' at t = 3 only (the logits o_t at every step)' for model.head_steps (seed 000's
    "I love AI"; o_t after the scenario's notation); nothing without."""
    steps = meta.head_steps
    if not steps:
        return ()
    logits = renaming_of(meta.notation, meta.index_style).apply(at("o"))
    return (f" at t = {', '.join(str(t) for t in steps)} only (the logits ", logits,
            " at every step)")  # fmt: skip


# the model's sentences: formula trees, which each printer (LaTeX, text, MathML) prints
_Y_HAT = Scripted(Styled("hat", Name("y")), sub=Name("t"), sub_braced=False)
_HEADS = {
    "identity": at("o"),
    "sigmoid": Apply(function_of("sigmoid", {}), at("o")),  # type: ignore[arg-type]
    "softmax": Apply(Styled("operatorname", Name("softmax")), at("o")),
}


def loss_form(trace: Trace) -> str:
    """'half' (mse_scale half), 'soft' (cross-entropy with a target distribution) or ''."""
    for step in trace:
        if step.op == "mse" and step.info.get("mse_scale") == "half":
            return "half"
        if step.op == "ce" and step.info.get("soft"):
            return "soft"
    return ""


def model_sentences(trace: Trace) -> list[Prose]:
    """The model in equations, with the scenario's notation (of each parameter's base key
    when the model has several parts): cell, output, loss, update."""
    meta = trace.meta
    own = renaming_of(meta.notation, meta.index_style).apply  # the trace's symbols have it

    def sym(key: str) -> Symbol:
        return meta.symbols.get(key) or meta.notation.get(key) or default_symbol(key)

    if cells.get(meta.cell).has_activation:
        bias_h = ("+", sym("b_h")) if _in_some_part(trace, "b_h") else ()
        act = ACTIVATIONS[meta.activation].function
        if meta.layout == "rows":  # row vectors: x_t W_xh (model.layout)
            inner = formula(at("x"), sym("W_xh"), "+", at("h", "t-1"), sym("W_hh"), *bias_h)
        else:
            inner = formula(sym("W_xh"), at("x"), "+", sym("W_hh"), at("h", "t-1"), *bias_h)
        skip = ("+", "alpha", at("h", "t-1")) if "alpha" in trace else ()  # model.skip (issue 13)
        step = own(formula(at("h"), "=", Apply(act, inner), *skip))
        initial = _initial_state(trace, own)
        out = [sentence(f"Simple RNN ({meta.activation}): ", step, *initial)]
        out += [sentence("Convention: ", *parts, ".") for parts in meta.conventions[1:]
                if str(parts[0]).startswith(SKIP_DROPOUT)]  # fmt: skip
        out += _constant_weights(trace)
    else:
        conventions = getattr(meta, "conventions", ()) or ((meta.cell.upper(),),)
        out = [sentence(*conventions[0], " cell.")]
        out += [sentence("Convention: ", *parts, ".") for parts in conventions[1:]]
    if meta.output != "none":
        bias_y = ("+", sym("b_y")) if "b_y" in trace else ()
        where = "at the last step only" if meta.output == "last" else "at every step"
        read = _read_by_output(trace)  # h_t, or Z_t with self-attention
        product = (read, sym("W_hy")) if meta.layout == "rows" else (sym("W_hy"), read)
        logits = own(formula(at("o"), "=", *product, *bias_y))
        head = own(formula(_Y_HAT, "=", _HEADS[meta.head]))
        out.append(sentence(f"Output {where}: ", logits, ", ", head,
                            *head_steps_words(meta), "."))  # fmt: skip
    loss = DEFINITIONS.get(meta.loss)
    if loss is not None and loss.definition is not None:
        name, definition = (loss.forms or {}).get(loss_form(trace), (loss.words, loss.definition))
        summed = " and the sequences." if len(meta.sequences) > 1 else "."
        out.append(
            sentence(
                f"Loss: {name}, ",
                own(definition),
                ", summed over the output steps" + summed,
            )
        )
        eta = Name(numfmt.number(meta.learning_rate, 12, minus="-"))
        update = DEFINITIONS["sgd"]
        assert update.definition is not None
        out.append(
            sentence(
                f"Update: {update.words}, ",
                own(update.definition),
                " with ",
                formula("eta", "=", eta),
                ".",
            )
        )
    return out + _training_sentences(trace) + technique_sentences(trace)


def _read_by_output(trace: Trace) -> Symbol:
    """What the output layer reads at time t: h_t, or with self-attention the context Z_t
    (o_t = V Z_t + c), in the trace's own symbol."""
    for step in trace:
        if step.phase == "forward" and step.op == "matvec" and step.operands[0] == "W_hy":
            read = trace[step.operands[1]]
            if read.op == "weighted_sum" and isinstance(read.symbol, Scripted):
                return Scripted(read.symbol.base, sub=Name("t"), sup=read.symbol.sup,
                                sup_first=read.symbol.sup_first, sub_braced=False)  # fmt: skip
            break
    return at("h")


def _constant_weights(trace: Trace) -> list[Prose]:
    """The convention of ``attention_gradient: constant_weights``, stated when the trace
    uses it (the other cells state every convention of theirs already)."""
    if not any(_CONSTANT in step.tag.notes for step in trace if step.phase == "backward"):
        return []
    words = (
        "): the attention weights are held constant in the backward pass; the path "
        "through the scores is left out, so the gradients are not the exact ones."
    )
    return [sentence("Convention (", Word("attention_gradient: constant_weights"), words)]


_CONSTANT = "constant_weights"  # the note of the steps this simplification changes (engine)


def technique_sentences(trace: Trace) -> list[Prose]:
    """Seed 001's training techniques (issue 13), when the trace uses them."""
    ops = {step.op: step for step in trace if step.op in _TECHNIQUE_OPS or step.op == "cut"}
    out = []
    if "l2_penalty" in ops:
        weight = numfmt.number(ops["l2_penalty"].info["weight"], 12, "-")
        out.append(sentence("L2 penalty: the loss gains ", Math(rf"{weight} \sum \lVert W "
                            r"\rVert_F^2"), " over the weight matrices; their gradients gain ",
                            Math(rf"2 \times {weight} \, W"), "."))  # fmt: skip
    if ops.get("clip_factor") is not None and ops["clip_factor"].info.get("eps"):
        eps = numfmt.number(ops["clip_factor"].info["eps"], 12, "-")
        out.append(sentence("The clipping coefficient is ", Math(rf"c / (\lVert g \rVert + {eps})"),
                            " (seed 001's code)."))  # fmt: skip
    if "lr_schedule" in ops:
        kind = ops["lr_schedule"].info["kind"]
        formula = r"\eta_0 / (1 + r (N - 1))" if kind == "time" else r"\eta_0 r^{N - 1}"
        out.append(sentence(f"Learning-rate schedule ({kind}): ", Math(rf"\eta_N = {formula}"),
                            " for epoch N."))  # fmt: skip
    if "shrink" in ops:
        rate = numfmt.number(ops["shrink"].info["rate"], 12, "-")
        out.append(sentence("Recurrent weight decay: ", Math(rf"W \leftarrow (1 - {rate}) W - "
                            r"\eta \nabla W"), " for the recurrent matrices."))  # fmt: skip
    if "cut" in ops and not trace.meta.bptt:
        k = ops["cut"].tag.ref
        own = renaming_of(trace.meta.notation, trace.meta.index_style).apply
        loss = Scripted(Name("L"), sub=Name("s"), sub_braced=False)  # L_s, δh_t^(L_s)
        delta = Scripted(Delta(at("h")), sup=Delimited("paren", loss))
        out.append(sentence(f"BPTT window k = {k}: each loss ", own(loss),
                            " is backpropagated through at most k steps (", own(delta),
                            "), its contributions summed."))  # fmt: skip
    return out


_TECHNIQUE_OPS = ("l2_penalty", "clip_factor", "lr_schedule", "shrink")


def _training_sentences(trace: Trace) -> list[Prose]:
    """Clipping, weight decay and truncated BPTT, when the update uses them."""
    found = {step.op: step for step in trace if step.op in ("clip_factor", "decay", "cut")}
    out = []
    if "clip_factor" in found:
        limit = Name(numfmt.number(found["clip_factor"].info["max_norm"], 12, "-"))
        out.append(
            sentence(
                "Gradient clipping: when the norm of all the gradients together exceeds ",
                limit,
                ", all of them are scaled down so that it is ",
                limit,
                ".",
            )
        )
    if "decay" in found:
        weight = Name(numfmt.number(found["decay"].info["weight"], 12, "-"))
        out.append(
            sentence(
                "Weight decay: ",
                formula(weight, Space(), "theta"),
                " is added to the gradient of each parameter ",
                Command("theta"),
                ".",
            )
        )
    if "cut" in found and trace.meta.bptt:
        k = trace.meta.bptt
        out.append(
            sentence(f"Backpropagation through time is truncated: truncated BPTT (k = {k}).")
        )
    return out


def _in_some_part(trace: Trace, key: str) -> bool:
    """Whether the model has parameter ``key`` itself or in a part (``enc.b_h``)."""
    return any(k == key or k.endswith("." + key) for k in trace.meta.params)


def _initial_state(trace: Trace, own: Callable[[Symbol], Symbol]) -> tuple[str | Symbol, ...]:
    """', from h_0 = 0.' or ', from the given h_0.'"""
    if "h_0" in trace and trace["h_0"].given:
        return (", from the given ", trace["h_0"].symbol, ".")
    states = [k for k in trace.meta.params if k.endswith(".h_0") and k in trace]
    given = [k for k in states if trace[k].given]
    if given:  # a part's initial state written in the scenario (enc.h_0, l2.h_0, ...)
        symbols: list[str | Symbol] = [trace[given[0]].symbol]
        for k in given[1:]:
            symbols += [", ", trace[k].symbol]
        rest = "." if len(given) == len(states) else " (the other initial states: 0)."
        return (", from the given ", *symbols, rest)
    h_0 = Scripted(Name("h"), sub=Name("0"), sub_braced=False)
    return (", from ", own(formula(h_0, "=", Styled("mathbf", Name("0")))), ".")
