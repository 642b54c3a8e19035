"""The "parameters drawn" paragraph: how ``params.init`` drew the parameters (scheme, seed,
generator, each matrix in the order drawn), written once by every printer under the model's
description. The JSON printer writes the same data whole (``meta.init``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rnntrace._internal.render import numfmt
from rnntrace._internal.render.prose import Prose, Word, sentence
from rnntrace._internal.symbol import Symbol
from rnntrace._internal.trace import TraceMeta


def drawn_sentences(meta: TraceMeta) -> list[Prose]:
    """The paragraph's sentences; none when the parameters were written out."""
    init = meta.init
    if init is None:
        return []

    def name(key: str) -> Symbol | Word:
        symbol = meta.symbols.get(key)
        return symbol if symbol is not None else Word(key)

    seed = init["seed"]
    parts: list[Any] = [
        f"Parameters drawn (params.init): scheme {init['scheme']}, seed {seed}, generator ",
        Word(f"numpy.random.default_rng({seed})"),
        ", one call of ",
        Word("standard_normal(shape)"),
        " a matrix, in this order: ",
    ]
    for i, draw in enumerate(init["draws"]):
        shape = " by ".join(str(n) for n in draw["shape"])
        parts += ["; " if i else "", name(draw["key"]), f" ({shape}): {_rule(draw)}"]
        if draw["replaced"]:
            parts.append(" (then replaced by the entry given)")
    out = [sentence(*parts, ".")]
    out.append(sentence(_scheme_words(init)))
    if init["form"] == "concatenated":
        out.append(sentence("Each concatenated gate matrix W_g = [W_gh, W_gx] holds the same "
                            "draws as the separate form."))  # fmt: skip
    out.append(_set_sentence(init, name))
    return out


def _rule(draw: Mapping[str, Any]) -> str:
    gain = numfmt.number(draw.get("spectral_radius", 1.0), 12, "-")
    if draw["rule"] == "orthogonal":
        return f"{gain} times an orthogonal matrix (spectral radius {gain})"
    variance = draw["variance"] * draw["fan_in"]
    top = numfmt.number(variance, 12, "-")
    return f"normal, mean 0, variance {top}/{draw['fan_in']}"


def _scheme_words(init: Mapping[str, Any]) -> str:
    if init["scheme"] == "xavier":
        return (
            "Xavier, as seed 001 writes it for the recurrent matrix (variance 1/H): a matrix "
            "with n columns has normal entries with mean 0 and variance gain squared over n, "
            "gain " + numfmt.number(init["gain"], 12, "-") + "."
        )
    return (
        "Orthogonal: each recurrent matrix (H by H) is the gain times Q, with Q from the QR "
        "decomposition of the draw, its columns multiplied by the signs of the diagonal of "
        "R, so that Q is orthogonal and every eigenvalue of the matrix has modulus the gain "
        "(its spectral radius); the other matrices have normal entries with mean 0 and "
        "variance 1 over their number of columns."
    )


def _set_sentence(init: Mapping[str, Any], name: Any) -> Prose:
    """The biases set (zero, forget_bias) and the entries given beside init."""
    parts: list[Any] = []
    for title, keys in (("Biases set to zero: ", init["zeros"]),
                        ("Forget-gate biases set to forget_bias = "
                         + numfmt.number(init["forget_bias"], 12, "-") + ": ",
                         init["forget_biases"]),
                        ("Given beside params.init (they win over the draws): ",
                         init["given"])):  # fmt: skip
        if not keys:
            continue
        parts.append((". " if parts else "") + title)
        for i, key in enumerate(keys):
            parts += [", " if i else "", name(key)]
    if not parts:
        return sentence("No bias is set and nothing is given beside params.init.")
    return sentence(*parts, ".")
