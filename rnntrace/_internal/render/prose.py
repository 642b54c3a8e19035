"""What the printers write besides the maths: sentences, titles and the description of the
model, as data (``Prose``: text, inline maths and user words) that each printer turns into
its own markup. User text is only ever a ``Word`` or plain text, which the printers escape;
``Math`` is made by rnntrace from numbers and checked symbols. Which headings a worked
solution has is decided in ``structure``.
"""

from __future__ import annotations

from collections.abc import Callable

from rnntrace._internal import cells
from rnntrace._internal.records import record
from rnntrace._internal.render import numfmt
from rnntrace._internal.render.texescape import latex_text, latex_word, markdown_text, markdown_word
from rnntrace._internal.symbol import Symbol, latex, text
from rnntrace._internal.symbol.tree import default_symbol
from rnntrace._internal.trace import Step, Trace


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
    """An aligned display: rows of ``lhs &= rhs`` (``align*`` in LaTeX)."""

    rows: tuple[str, ...]


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
    text = _join(prose, latex_text, latex_word)
    return f"{{\\small {text}}}" if prose.note else text


def prose_markdown(prose: Prose) -> str:
    """A sentence as Markdown: text escaped, words as code spans, maths in ``$...$`` (formula
    trees in MathJax's dialect)."""
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
SKIP_DROPOUT = ("skip connection", "layer skip", "dropout")
_ACTIVATIONS = {"tanh": r"\tanh", "relu": r"\operatorname{relu}", "sigmoid": r"\sigma"}
_HEADS = {
    "identity": "o_t",
    "sigmoid": r"\sigma(o_t)",
    "softmax": r"\operatorname{softmax}(o_t)",
}
_LOSSES = {
    "bce": (
        "binary cross-entropy",
        r"L_t = -\sum_k \left[y_k \log \hat{y}_k + (1 - y_k) \log(1 - \hat{y}_k)\right]",
    ),
    "ce": ("cross-entropy", r"L_t = -\log \hat{y}_{t,c} \text{ for the target class } c"),
    "mse": ("mean squared error", r"L_t = \frac{1}{K} \sum_k (\hat{y}_k - y_k)^2"),
}


def model_sentences(trace: Trace, mathjax: bool = False) -> list[Prose]:
    """The model in equations, with the scenario's notation: cell, output, loss, update
    (``mathjax``: the symbols in MathJax's dialect)."""
    meta = trace.meta

    def sym(key: str) -> str:
        return latex(meta.symbols.get(key) or default_symbol(key), mathjax)

    if cells.get(meta.cell).has_activation:
        bias_h = f" + {sym('b_h')}" if "b_h" in trace else ""
        act = _ACTIVATIONS[meta.activation]
        step = rf"h_t = {act}({sym('W_xh')} x_t + {sym('W_hh')} h_{{t-1}}{bias_h})"
        step += r" + \alpha h_{t-1}" if "alpha" in trace else ""  # model.skip (issue 13)
        initial = _initial_state(trace, mathjax)
        out = [sentence(f"Simple RNN ({meta.activation}): ", Math(step), *initial)]
        out += [sentence("Convention: ", *parts, ".") for parts in meta.conventions[1:]
                if str(parts[0]).startswith(SKIP_DROPOUT)]  # fmt: skip
    else:
        conventions = getattr(meta, "conventions", ()) or ((meta.cell.upper(),),)
        out = [sentence(*conventions[0], " cell.")]
        out += [sentence("Convention: ", *parts, ".") for parts in conventions[1:]]
    if meta.output != "none":
        bias_y = f" + {sym('b_y')}" if "b_y" in trace else ""
        where = "at the last step only" if meta.output == "last" else "at every step"
        out.append(
            sentence(
                f"Output {where}: ",
                Math(rf"o_t = {sym('W_hy')} h_t{bias_y}"),
                ", ",
                Math(rf"\hat{{y}}_t = {_HEADS[meta.head]}"),
                ".",
            )
        )
    if meta.loss in _LOSSES:
        name, formula = _LOSSES[meta.loss]
        summed = " and the sequences." if len(meta.sequences) > 1 else "."
        out.append(
            sentence(f"Loss: {name}, ", Math(formula), ", summed over the output steps" + summed)
        )
        eta = numfmt.number(meta.learning_rate, 12, minus="-")
        update = r"\theta' = \theta - \eta \, \frac{\partial L}{\partial \theta}"
        out.append(
            sentence(
                "Update: one step of gradient descent, ",
                Math(update),
                " with ",
                Math(rf"\eta = {eta}"),
                ".",
            )
        )
    return out + _training_sentences(trace)


def _training_sentences(trace: Trace) -> list[Prose]:
    """Clipping, weight decay and truncated BPTT, when the update uses them."""
    found = {step.op: step for step in trace if step.op in ("clip_factor", "decay", "cut")}
    out = []
    if "clip_factor" in found:
        limit = numfmt.number(found["clip_factor"].info["max_norm"], 12, "-")
        out.append(
            sentence(
                "Gradient clipping: when the norm of all the gradients together exceeds ",
                Math(limit),
                ", all of them are scaled down so that it is ",
                Math(limit),
                ".",
            )
        )
    if "decay" in found:
        weight = numfmt.number(found["decay"].info["weight"], 12, "-")
        out.append(
            sentence(
                "Weight decay: ",
                Math(rf"{weight} \, \theta"),
                " is added to the gradient of each parameter ",
                Math(r"\theta"),
                ".",
            )
        )
    if "cut" in found:
        k = trace.meta.bptt
        out.append(
            sentence(f"Backpropagation through time is truncated: truncated BPTT (k = {k}).")
        )
    return out


def _initial_state(trace: Trace, mathjax: bool) -> tuple[str, ...]:
    """', from h_0 = 0.' or ', from the given h_0.'"""
    if "h_0" in trace and trace["h_0"].given:
        return (", from the given ", Math(latex(trace["h_0"].symbol, mathjax)), ".")
    return (", from ", Math(r"h_0 = \mathbf{0}"), ".")
