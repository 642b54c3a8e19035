"""The LaTeX sections of ``gradflow`` that follow the verdict: seed 004's derivation
(W_hh = U S U⁻¹, S^k, the seed's product beside J_k) and seed 001's fixed point (in
the output: the introduction notes and the reference notes), for the
simple RNN; for a gated cell, one paragraph saying why neither is shown."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from rnntrace._internal.analysis.eigen import Derivation
from rnntrace._internal.analysis.fixedpoint import FixedPoints
from rnntrace._internal.analysis.gradflow import GradFlow
from rnntrace._internal.render.gradflow_eigen_words import Words, cells, is_real, unshown
from rnntrace._internal.render.gradflow_latex_base import MAX_MATRIX, bmatrix, s
from rnntrace._internal.render.gradflow_words import brief_tex, eigen_list


def seed_sections(flow: GradFlow) -> Iterator[str]:
    """Both sections, or the paragraph for a gated cell."""
    q = flow.letters(tex=True)
    if flow.derivation is None or flow.fixed is None:
        yield f"\n{{\\sloppy {unshown(flow.unshown, q)}\\par}}\n"
        return
    show = flow.hidden <= MAX_MATRIX
    words = Words(q)
    yield from _derivation(flow.derivation, show, words)
    yield from _fixed(flow.fixed, flow, show, words)


def _matrix(values: np.ndarray) -> str:
    """A real matrix to 4 places, or a complex one with entries a + bi."""
    if is_real(values):
        return bmatrix(np.real(values))
    body = r" \\ ".join(" & ".join(row) for row in cells(values, tex=True))
    return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"


def _diag(values: np.ndarray) -> str:
    """diag(λ_1, ..., λ_H), six to a line."""
    entries = []
    for v in values:
        v = complex(v)
        text = brief_tex(v.real)
        if v.imag != 0:
            text += f" {'+' if v.imag > 0 else '-'} {brief_tex(abs(v.imag))}\\,i"
        entries.append(text)
    return r"\operatorname{diag}(" + _chunks(entries, 6 if is_real(values) else 3) + ")"


def _chunks(entries: list[str], size: int = 6) -> str:
    """Entries joined by commas, ``size`` to a line of the gather."""
    return ",\\\\\n".join(", ".join(entries[i : i + size]) for i in range(0, len(entries), size))


def _gather(rows: list[str]) -> str:
    return "\\begin{gather*}\n" + " \\\\\n".join(rows) + "\n\\end{gather*}\n"


def _derivation(d: Derivation, show: bool, WORDS: Words) -> Iterator[str]:
    W = s(d.symbol)
    t, source = s(d.target_symbol), s(d.source_symbol)
    U, S = WORDS.eigen_names(d)
    yield f"\n\\subsection*{{{WORDS.heading(d)}}}\n"
    rows = [f"{U} = {_matrix(d.eigenvectors)}"] if show else []
    rows.append(f"{S} = {_diag(d.eigenvalues)}")
    if show and d.inverse is not None:
        rows.append(f"{U}^{{-1}} = {_matrix(d.inverse)}")
    yield _gather(rows)
    yield WORDS.decomposition(d) + "\n"
    rows = [f"{S}^{{{d.k}}} = {_diag(d.eigenvalue_powers)}"]
    power = f"{{{W}}}^{{{d.k}}}" + ("" if d.defective else f" = {U} {S}^{{{d.k}}} {U}^{{-1}}")
    if show:
        rows.append(f"{power} = {bmatrix(d.power)}")
    yield _gather(rows)
    yield (WORDS.power(d) + "\n") if WORDS.power(d) else ""
    product = rf"\prod_{{j}} \operatorname{{diag}}(f'({WORDS.q.at('z', 'j')}))"
    rows = [f"{product} = {_diag(d.derivatives)}"]
    if show:
        rows.append(f"{product}\\, {{{W}}}^{{{d.k}}} = {bmatrix(d.approximation)}")
        rows.append(f"J_{{{d.k}}} = \\frac{{\\partial {t}}}{{\\partial {source}}} = "
                    f"{bmatrix(d.exact)}")  # fmt: skip
    yield _gather(rows)
    yield WORDS.correction(d) + "\n"
    if not show:
        yield (f"\n${U}$, ${U}^{{-1}}$ and the products are too large to write out here; "
               "\\texttt{--format json} gives them.\n")  # fmt: skip


def _fixed(fp: FixedPoints, flow: GradFlow, show: bool, WORDS: Words) -> Iterator[str]:
    W, q = s(flow.main.symbol), WORDS.q
    W_hh, W_xh, b_h = WORDS.params()
    star, x = q.star("h"), q.bare("x")
    yield "\n\\subsection*{Fixed point (the reference notes' stability analysis)}\n"
    yield (f"${star} = f({W_hh} {star} + {W_xh} {x} + {b_h})$ for {WORDS.source(fp)}; "
           f"$u = {W_xh} {x} + {b_h}$:\n")  # fmt: skip
    yield _gather([f"u = ({_chunks([brief_tex(float(v)) for v in fp.drive])})"])
    yield WORDS.solve(fp.iteration) + "\n\n" + WORDS.solve(fp.newton) + "\n"
    if not fp.points:
        yield f"\nNeither method converged from ${q.bare('h')} = 0$: no fixed point found.\n"
    for number, point in enumerate(fp.points, start=1):
        which = f" {number} of {len(fp.points)}" if len(fp.points) > 1 else ""
        yield f"\n\\paragraph{{Fixed point{which}}} found by {WORDS.found_by(point)}:\n"
        rows = [f"{star} = ({_chunks([brief_tex(float(v)) for v in point.state])})"]
        if show:
            h_t, h_prev = q.at("h", "t"), q.at("h", "t-1")
            at = rf"\frac{{\partial {h_t}}}{{\partial {h_prev}}}\Big|_{{{star}}}"
            rows.append(rf"{at} = \operatorname{{diag}}(f'({q.star('z')}))\, {W} = "
                        f"{bmatrix(point.jacobian)}")  # fmt: skip
        rows.append(rf"\lambda = {_chunks(eigen_list(list(point.eigenvalues), tex=True), 3)}")
        yield _gather(rows)
        yield WORDS.verdict(point) + "\n"
