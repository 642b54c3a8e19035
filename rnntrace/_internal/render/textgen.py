"""Printers for the text generator: the training report (settings, the loss curve as a
sparkline or a pgfplots figure) from the JSON-ready document of ``rnntrace textgen train``,
and the hand trace of the first sampling steps."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from rnntrace._internal.ops import ACTIVATIONS
from rnntrace._internal.render.training import sparkline
from rnntrace._internal.symbol import text

_TANH = text(ACTIVATIONS["tanh"].function)  # the generating network's activation


def show_char(ch: str) -> str:
    """A character as it can be read: quoted, with a new line or a tab escaped."""
    return {" ": "' '", "\n": "'\\n'", "\t": "'\\t'"}.get(ch, repr(ch))


def render_textgen_text(doc: dict[str, Any]) -> Iterator[str]:
    """The training report for the terminal, line by line."""
    s = doc["settings"]
    yield (
        f"Text generator: {doc['corpus']} ({doc['characters']:,} characters, "
        f"{len(doc['vocabulary'])} distinct)"
    )
    yield (f"hidden {s['hidden']}, windows of {s['window']}, {s['optimizer']} "
           f"(learning rate {s['learning_rate']:g}), "
           + (f"clipping at global norm {s['clip']:g}" if s["clip"] else "no clipping")
           + f", {s['init']} initialisation, seed {s['seed']}")  # fmt: skip
    yield (f"{doc['windows']:,} windows trained ({doc['epochs']:.3g} × the text) in "
           f"{doc['seconds']:.1f} s ({doc['windows_per_second']:,.0f} windows/s)")  # fmt: skip
    curve = [loss for _, loss in doc["curve"]]
    if curve:
        yield (f"loss per character, mean over each {s['every']:,} windows: "
               f"{curve[0]:.4f} {sparkline(curve)} {curve[-1]:.4f}")  # fmt: skip
    if doc.get("smooth_loss") is not None:
        yield f"smoothed loss per character (0.999 old + 0.001 new): {doc['smooth_loss']:.4f}"


def render_textgen_latex(doc: dict[str, Any], standalone: bool = False) -> str:
    """The loss curve as a pgfplots figure, with the settings."""
    from rnntrace._internal.render.texescape import latex_text

    s = doc["settings"]
    points = doc["curve"]
    step = max(1, len(points) // 400)
    coords = " ".join(f"({w},{loss:.6g})" for w, loss in points[::step])
    body = (
        f"\\paragraph{{Text generator: {latex_text(doc['corpus'])}.}} "
        f"Hidden size {s['hidden']}, windows of {s['window']} characters, "
        f"{latex_text(s['optimizer'])} with learning rate {s['learning_rate']:g}; "
        f"{doc['windows']:,} windows. The loss per character, averaged over each "
        f"{s['every']:,} windows:\n"
        "\\begin{center}\n\\begin{tikzpicture}\n"
        "\\begin{axis}[width=0.8\\linewidth, height=5cm, xlabel={windows}, "
        "ylabel={loss per character}, grid=major]\n"
        f"\\addplot[thick, mark=none] coordinates {{{coords}}};\n"
        "\\end{axis}\n\\end{tikzpicture}\n\\end{center}\n"
    )
    if not standalone:
        return body
    return ("\\documentclass{article}\n\\usepackage{pgfplots}\n\\pgfplotsset{compat=1.16}\n"
            "\\begin{document}\n" + body + "\\end{document}\n")  # fmt: skip


def _vector(v: np.ndarray, room: int = 6) -> str:
    """A vector to 4 decimals, its middle left out when it is long."""
    shown = [f"{x:.4f}" for x in v]
    if len(shown) > room:
        shown = shown[: room // 2] + [f"… ({len(v)} entries) …"] + shown[-(room // 2) :]
    return "[" + ", ".join(shown) + "]"


def render_sample_trace(steps: Sequence[Any], vocab: list[str], temperature: float,
                        top: int = 5) -> Iterator[str]:  # fmt: skip
    """The first sampling steps by hand: the character read, the state, the softmax with
    temperature, the draw and the character fed back."""
    tau = "τ" if temperature else "τ = 0 (argmax)"
    model = (f"z_t = W_xh x_t + W_hh h_(t−1) + b_h, h_t = {_TANH}(z_t), o_t = W_hy h_t + b_y, "
             f"p_t = softmax(o_t / {tau})")  # fmt: skip
    yield f"Sampling by hand (temperature {temperature:g}): {model}"
    for step in steps:
        source = "fed back" if step.fed_back else "from the start text"
        yield ""
        yield f"Step {step.t}: x_{step.t} = one-hot of {show_char(step.read)} ({source})"
        yield (
            f"  z_{step.t} = W_xh[:, {show_char(step.read)}] + W_hh h_{step.t - 1} + b_h "
            f"= {_vector(step.z)}"
        )
        yield f"  h_{step.t} = {_TANH}(z_{step.t}) = {_vector(step.h)}"
        if step.drawn is None:
            yield "  (still reading the start text: nothing drawn)"
            continue
        yield f"  o_{step.t} = W_hy h_{step.t} + b_y = {_vector(step.logits)}"
        order = np.argsort(-step.probs, kind="stable")[:top]
        listed = ", ".join(f"{show_char(vocab[i])} {step.probs[i]:.4f}" for i in order)
        if temperature:
            yield f"  o_{step.t} / {temperature:g} → softmax: the {top} most likely: {listed}"
            before = float(np.sum(step.probs[: step.drawn]))
            yield (f"  u = {step.u:.4f}: the cumulative probability passes u at "
                   f"{show_char(vocab[step.drawn])} ({before:.4f} before it, "
                   f"{before + step.probs[step.drawn]:.4f} with it)")  # fmt: skip
        else:
            yield f"  the largest logit: {show_char(vocab[step.drawn])} (most likely: {listed})"
        yield f"  drawn: {show_char(vocab[step.drawn])}, fed back as x_{step.t + 1}"
