"""What the gradient-flow printers share: numbers from 1e-300 to 1e300 written briefly, and
the verdict's reason in one sentence, in plain text (terminal, JSON) or in LaTeX."""

from __future__ import annotations

import math
from collections.abc import Callable

from rnntrace._internal import cells
from rnntrace._internal.analysis.gradflow import GradFlow, Verdict
from rnntrace._internal.analysis.letters import Letters
from rnntrace._internal.cells import DirectPath
from rnntrace._internal.render.numfmt import MINUS
from rnntrace._internal.symbol import latex as tex_of
from rnntrace._internal.symbol import text as text_of


def where(flow: GradFlow) -> str:
    """The cell in words: 'simple RNN, tanh', 'LSTM'."""
    kind = cells.get(flow.cell)
    return kind.title + (f", {flow.activation}" if kind.has_activation else "")


def brief(value: float, minus: str = MINUS, digits: int = 4) -> str:
    """0.3381, 12.5, 3.21e−4: ``digits`` significant digits, scientific outside
    [0.001, 100000)."""
    value = float(value)
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    if 1e-3 <= abs(value) < 1e5:
        text = f"{value:.{digits}g}"
    else:
        mantissa, exponent = f"{value:.{max(digits - 2, 1)}e}".split("e")
        text = f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
    return text.replace("-", minus)


def brief_tex(value: float, digits: int = 4) -> str:
    """The same in LaTeX maths: 3.21 \\cdot 10^{-4}."""
    text = brief(value, "-", digits)
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \cdot 10^{{{exponent}}}"
    return text


def complex_text(value: complex, minus: str = MINUS, digits: int = 4) -> str:
    """0.83, or 0.1351 + 0.1203i."""
    re, im = float(value.real), float(value.imag)
    if abs(im) <= 1e-14 * max(1.0, abs(re)):
        return brief(re, minus, digits)
    sign = "+" if im > 0 else minus
    return f"{brief(re, minus, digits)} {sign} {brief(abs(im), minus, digits)}i"


def eigen_list(values: list[complex], minus: str = MINUS, tex: bool = False) -> list[str]:
    """The eigenvalues written out, a conjugate pair as one a ± bi."""
    out: list[str] = []
    i = 0
    while i < len(values):
        v = values[i]
        pair = (
            i + 1 < len(values)
            and abs(v.imag) > 1e-14
            and abs(values[i + 1] - v.conjugate()) <= 1e-12 * max(1.0, abs(v))
        )
        if pair:
            num = brief_tex if tex else (lambda x: brief(x, minus))
            pm = r"\pm" if tex else "±"
            out.append(f"{num(v.real)} {pm} {num(abs(v.imag))}" + (r"\,i" if tex else "i"))
            i += 2
            continue
        if tex:
            text = complex_text(v, "-")
            out.append(text.replace("i", r"\,i") if "i" in text else brief_tex(v.real))
        else:
            out.append(complex_text(v, minus))
        i += 1
    return out


def reason(verdict: Verdict, path: DirectPath | None = None, q: Letters | None = None) -> str:
    """The verdict's reason in one sentence, in plain text or LaTeX (as ``q``, the quantities
    in the scenario's notation; default: the default letters in plain text). ``path`` is the
    direct path of a gated cell (``GradFlow.direct``)."""
    q = q or Letters()
    v, tex = verdict, q.tex
    z_j = q.at("z", "j")

    def m(text: str, latex: str) -> str:  # a piece of maths, in the chosen notation
        return f"${latex}$" if tex else text

    def n(value: float) -> str:
        return brief_tex(value, 3) if tex else brief(value, MINUS, 3)

    T, S, W = (
        (tex_of(v.target_symbol), tex_of(v.source_symbol), tex_of(v.matrix_symbol))
        if tex
        else (text_of(v.target_symbol), text_of(v.source_symbol), text_of(v.matrix_symbol))
    )
    head = m(f"‖∂{T}/∂{S}‖ = {n(v.norm)}", rf"\|\partial {T}/\partial {S}\| = {n(v.norm)}")
    rate = f": each step back multiplies the gradient by about {n(v.rate)}"
    rho = v.radius
    gamma = v.derivative_bound or 0.0
    seen = v.derivative_max or 0.0
    observed = m(
        f"ρ({W})·max f′({z_j}) = {n(rho)} × {n(seen)} = {n(rho * seen)}",
        rf"\rho({W}) \max_j f'({z_j}) = {n(rho)} \times {n(seen)} = {n(rho * seen)}",
    )
    fprime, fprime_z = m("f′", "f'"), m(f"f′({z_j})", f"f'({z_j})")
    if v.cause == "zero":
        return head + (
            f": at some step {fprime} is 0 for every unit (all relu units "
            "off), which cuts the gradient off completely."
        )
    if v.cause == "skip":
        alpha = m(f"α I (α = {n(v.skip)})", rf"\alpha I\ (\alpha = {n(v.skip)})")
        return head + rate + ", with the skip connection's " + alpha + " in every step."
    if v.cause == "gated":
        assert path is not None, "a gated verdict needs the cell's direct path"
        return head + rate + _gated(v, path, m, n, q)
    if v.cause == "below":
        return (
            head
            + rate
            + ", since "
            + m(
                f"ρ({W})·max f′ = {n(rho)} × {n(gamma)} = {n(rho * gamma)} < 1",
                rf"\rho({W}) \max f' = {n(rho)} \times {n(gamma)} = {n(rho * gamma)} < 1",
            )
            + "."
        )
    if v.cause == "saturated":
        return (
            head
            + rate
            + " although "
            + m(
                f"ρ({W})·max f′ = {n(rho * gamma)} ≥ 1",
                rf"\rho({W}) \max f' = {n(rho * gamma)} \geq 1",
            )
            + (
                f", because the units saturate: {fprime_z} is "
                f"{n(v.derivative_mean or 0.0)} on average along this sequence (at most {n(seen)})."
            )
        )
    if v.cause == "above":
        return head + rate + ", since " + observed + m(" > 1", " > 1") + "."
    if v.cause == "non_normal":
        norm = m(f"‖{W}‖₂ = {n(v.matrix_norm)}", rf"\|{W}\|_2 = {n(v.matrix_norm)}")
        return (
            head
            + rate
            + " although "
            + observed
            + m(" ≤ 1", r" \leq 1")
            + (
                f", because {m(W, W)} is far from normal ({norm} exceeds its spectral radius), "
                "so the products grow before they shrink."
            )
        )
    return (
        head
        + rate
        + f", close to 1 ({observed}), so over {v.k} steps the gradient "
        + ("neither vanishes nor explodes.")
    )


def _gated(v: Verdict, path: DirectPath, m: Callable[[str, str], str],
           n: Callable[[float], str], q: Letters) -> str:  # fmt: skip
    plain = q.form(tex=False)  # the words are Unicode
    name, words = path.sentence, plain.fill(path.words)
    text, latex = plain.fill(path.text), q.fill(path.latex)
    product = m(
        f"‖Π_j diag({text})‖ = {n(v.path_norm or 0.0)}",
        rf"\|\prod_j \operatorname{{diag}}({latex})\| = {n(v.path_norm or 0.0)}",
    )
    if words.startswith(text):
        words = m(text, latex) + words[len(text) :]
    return (
        f"; {name} keeps {product} over the same {v.k} steps ({words} "
        f"{n(v.path_mean or 0.0)} on average)."
    )


def criterion(flow: GradFlow, q: Letters | None = None) -> str:
    """What the eigenvalues say before any input is seen (simple RNN): ρ(W_hh)·max f' and
    the bound ‖W_hh‖₂·max f', and what follows from them, in one sentence (as ``q``; default:
    the scenario's notation in plain text)."""
    q = q or flow.letters()
    tex = q.tex
    gamma = flow.derivative_bound or 0.0
    rho, norm = flow.main.spectral_radius * gamma, flow.main.norm * gamma
    W = tex_of(flow.main.symbol) if tex else text_of(flow.main.symbol)

    def n(value: float) -> str:
        return brief_tex(value) if tex else brief(value)

    if tex:
        head = (
            f"With $\\max f' = {n(gamma)}$ ({flow.activation}), $\\rho({W}) \\max f' = {n(rho)}$ "
            f"and $\\|{W}\\|_2 \\max f' = {n(norm)}$"
        )
    else:
        head = (
            f"max f′ = {n(gamma)} ({flow.activation}): ρ({W})·max f′ = {n(rho)} and "
            f"‖{W}‖₂·max f′ = {n(norm)}"
        )
    if flow.skip:
        return head + (
            ", but every step also carries the skip connection's α I (α = "
            f"{n(flow.skip)}): the eigenvalues of {f'${W}$' if tex else W} alone do not decide."
        ).replace("α I (α", r"$\alpha I$ ($\alpha$" if tex else "α I (α")
    if norm < 1:
        return head + ", both below 1: every step back shrinks the gradient, whatever the inputs."
    if rho < 1:
        return head + (
            ": the eigenvalues make the gradient vanish over long distances as a rule, but as "
            "the norm is not below 1 it can grow for some steps."
        )
    derivatives = f"$f'({q.at('z', 'j')})$" if tex else f"f′({q.at('z', 'j')})"
    return head + (
        f": the eigenvalues alone do not make the gradient vanish; the derivatives {derivatives} "
        "along the sequence decide."
    )
