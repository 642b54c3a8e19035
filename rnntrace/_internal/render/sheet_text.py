"""The words of a worksheet: its rules, the title of each question and what each part asks.

Questions are described from the step's key, time and sequence (never from its label,
which quotes tokens Python-style); a step of a kind not listed here is described by its
label, escaped like any user text.
"""

from __future__ import annotations

from rnntrace._internal import cells
from rnntrace._internal.ops import function_of
from rnntrace._internal.render import numfmt
from rnntrace._internal.render.prose import Prose, Word, sentence, token_at, token_words
from rnntrace._internal.symbol.label import label_text
from rnntrace._internal.symbol.tree import (
    Apply,
    Command,
    Name,
    Scripted,
    Symbol,
    Transposed,
    formula,
    paren,
)
from rnntrace._internal.trace import Step, Trace

# What the quantity with a key stem (the key without its time step) is, in every cell (and
# ``CellKind.step_words``: in one cell only).
_WORDS = {
    "x": "The input vector",
    "h": "The hidden state",
    "oh": "The output term",
    "o": "The output logits",
    "e": "The exponentials of the logits",
    "S": "The sum of the exponentials",
    "y": "The output",
    "L": "The loss",
    "dy": "The gradient of the loss with respect to the output",
    "do": "The output error",
    "dh_out": "The part of the hidden-state gradient from the output",
    "dh": "The gradient of the loss with respect to the hidden state",
    "dx": "The gradient of the loss with respect to the input vector",
}
_SIGMOID = formula(Apply(function_of("sigmoid", {}), Name("x")), "=", "1", "/",  # type: ignore[arg-type]
                   paren(formula("1", "+", Scripted(Name("e"), sup=Name("-x")))))  # fmt: skip
_CREDIT = {
    "full": "an answer that is right for the numbers you used gets full marks",
    "half": "an answer that is right for the numbers you used gets half marks",
}


def stem(trace: Trace, step: Step) -> str:
    """The key without its sequence prefix and time step: ``s2.dW_xh_3`` -> ``dW_xh``."""
    base = trace.base_key(step)
    suffix = f"_{step.time}"
    return base[: -len(suffix)] if step.time is not None and base.endswith(suffix) else base


def describe(trace: Trace, step: Step) -> Prose:
    """What a question part asks for, in words."""
    meta = trace.meta
    name = stem(trace, step)
    if name.endswith("_new") and name[: -len("_new")] in meta.params:
        param = meta.symbols[name[: -len("_new")]]
        return sentence("The updated parameter ", param, " after one step of gradient descent.")
    if name.startswith("d") and name[1:] in meta.params:
        param = meta.symbols[name[1:]]
        what = "Its contribution" if step.time is not None else "The gradient of the loss"
        parts: list[str | Symbol] = [f"{what} with respect to ", param]
    elif name in _WORDS or name in cells.get(meta.cell).step_words:
        parts = [_WORDS.get(name) or cells.get(meta.cell).step_words[name]]
    else:
        label = label_text(step)
        return sentence(label[:1].upper() + label[1:] + ".")
    token = token_at(trace, step)
    if step.time is not None:
        parts += [" at ", formula("t", "=", Name(str(step.time)))]
        parts += [" (", Word(token), ")"] if token is not None else []
    if step.sequence is not None and len(meta.sequences) > 1:
        parts.append(f" of sequence {step.sequence}")
    elif step.sequence is None and len(meta.sequences) > 1 and name != "L":
        parts.append(", summed over the sequences")
    elif name == "L" and step.sequence is None and len(meta.sequences) > 1:
        parts.append(" of all sequences together")
    return sentence(*parts, ".")


def group_title(trace: Trace, phase: str, sequence: int | None) -> Prose:
    """The question that a run of parts of one phase (and sequence) makes up."""
    meta = trace.meta
    several = len(meta.sequences) > 1
    of = f" of sequence {sequence}" if several and sequence is not None else ""
    if phase == "forward" and sequence is not None:
        info = meta.sequences[sequence - 1]
        return sentence(f"The forward pass{of}: ", token_words(info.tokens), ".")
    if phase == "loss":
        return sentence(f"The loss{of}." if sequence is not None else "The total loss.")
    if phase == "backward":
        return sentence(f"Backpropagation through time{of}.")
    if phase == "gradient":
        summed = " over the time steps" + (
            " and the sequences" if sequence is None and several else ""
        )
        return sentence(f"The gradients{of}, summed{summed}.")
    if phase == "update":
        eta = numfmt.number(meta.learning_rate, 12, minus="-")
        return sentence("One step of gradient descent with ", formula("eta", "=", Name(eta)), ".")
    return sentence(f"{phase.capitalize()}{of}.")


def rules(trace: Trace, carried_credit: str) -> list[Prose]:
    """The rules a worksheet states: decimals, rounding, carried credit, notation."""
    meta = trace.meta
    d = meta.decimals
    half = "0." + "0" * d + "5"
    up = numfmt.number(10.0**-d, d + 1, "-") if d else "1"
    out = [
        sentence(
            f"Give every answer to {d} decimal places, rounding halves away from zero "
            f"({half} becomes {up})."
        )
    ]
    if meta.carry == "rounded":
        terms = (
            " In a sum of products, round each product before adding." if meta.round_terms else ""
        )
        out.append(
            sentence(
                f"Round every result to {d} decimals and use the rounded value in the steps "
                f"that follow, as the answer key does.{terms}"
            )
        )
    else:
        out.append(
            sentence(
                "Keep full precision in the steps that follow (use your calculator's memory); "
                "round only the numbers you write down."
            )
        )
    if carried_credit in _CREDIT:
        out.append(
            sentence(
                "Later answers are graded from your own earlier values: "
                f"{_CREDIT[carried_credit]} (error carried forward), so one slip is not "
                "counted again in every step after it."
            )
        )
    else:
        out.append(
            sentence(
                "Every answer is graded against the answer key: no marks are carried forward "
                "from wrong earlier values."
            )
        )
    out.append(
        sentence(
            "Vectors are columns; ",
            Transposed(Name("W")),
            " is the transpose of ",
            Name("W"),
            ", ",
            Command("odot"),
            " the entrywise product, ",
            Command("log"),
            " the natural logarithm and ",
            _SIGMOID,
            ".",
        )
    )
    return out
