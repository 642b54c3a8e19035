"""The terminal sections of ``gradflow`` that follow the verdict: seed 004's derivation
(W_hh = U S U⁻¹, S^k, the seed's product beside J_k) and seed 001's fixed point (in
the output: the introduction notes and the reference notes), for the
simple RNN; for a gated cell, one paragraph saying why neither is shown."""

from __future__ import annotations

import numpy as np
from rich.text import Text

from rnntrace._internal.analysis.eigen import Derivation
from rnntrace._internal.analysis.fixedpoint import FixedPoints
from rnntrace._internal.analysis.gradflow import GradFlow
from rnntrace._internal.render.gradflow_eigen_words import Words, cells, is_real, unshown
from rnntrace._internal.render.gradflow_text_base import MAX_MATRIX, heading, matrix, para, vector
from rnntrace._internal.render.gradflow_words import brief, eigen_list
from rnntrace._internal.symbol import text as text_of


def seed_sections(flow: GradFlow, matrices: bool) -> list[Text]:
    """Both sections, each after an empty line."""
    q = flow.letters()
    if flow.derivation is None or flow.fixed is None:
        return [Text(), *para(unshown(flow.unshown, q))]
    show = matrices or flow.hidden <= MAX_MATRIX
    words = Words(q)
    return [Text(), *_derivation(flow.derivation, show, words), Text(),
            *_fixed(flow.fixed, flow, show, words)]  # fmt: skip


def _matrix(label: str, values: np.ndarray) -> list[Text]:
    """A real matrix to 4 places, or a complex one with entries a + bi."""
    if is_real(values):
        return matrix(label, np.real(values))
    rows = cells(values)
    widths = [max(len(row[j]) for row in rows) for j in range(len(rows[0]))]
    pad = " " * (len(label) + 3)
    return [Text("  " + (f"{label} = " if i == 0 else pad) + "[ "
                 + "  ".join(c.rjust(w) for c, w in zip(row, widths)) + " ]")
            for i, row in enumerate(rows)]  # fmt: skip


def _diag(values: np.ndarray) -> str:
    return "diag(" + ", ".join(eigen_list_plain(values)) + ")"


def eigen_list_plain(values: np.ndarray) -> list[str]:
    """Each value on its own (no a ± bi pairing: the diagonal of S in order)."""
    out = []
    for v in values:
        v = complex(v)
        if v.imag == 0:
            out.append(brief(v.real))
        else:
            sign = "+" if v.imag > 0 else "−"
            out.append(f"{brief(v.real)} {sign} {brief(abs(v.imag))}i")
    return out


def _derivation(d: Derivation, show: bool, WORDS: Words) -> list[Text]:
    W, z_j = text_of(d.symbol), WORDS.q.at("z", "j")
    t, source = text_of(d.target_symbol), text_of(d.source_symbol)
    U, S = WORDS.eigen_names(d)
    out = [heading(WORDS.heading(d))]
    if show:
        out += _matrix(U, d.eigenvectors)
    out += para(f"{S} = {_diag(d.eigenvalues)}", "  ")
    if show and d.inverse is not None:
        out += _matrix(f"{U}⁻¹", d.inverse)
    out += para(WORDS.decomposition(d), "  ")
    out += para(f"{S}^{d.k} = {_diag(d.eigenvalue_powers)}", "  ")
    label = f"{W}^{d.k}" if d.defective else f"{W}^{d.k} = {U} {S}^{d.k} {U}⁻¹"
    if show:
        out += matrix(label, d.power)
    out += para(WORDS.power(d), "  ") if WORDS.power(d) else []
    out += para(f"Π_j diag(f′({z_j})) over the {d.k} steps back: {vector(d.derivatives)}", "  ")
    if show:
        out += matrix(f"notes' Π_j diag(f′({z_j})) {W}^{d.k}", d.approximation)
        out += matrix(f"ordered J_{d.k} = ∂{t}/∂{source}", d.exact)
    out += para(WORDS.correction(d), "  ")
    if not show:
        out += para(f"{U}, {S}, {U}⁻¹ and the products are too large to print here: "
                    "--matrices prints them, --format json gives them.", "  ",
                    style="dim")  # fmt: skip
    return out


def _fixed(fp: FixedPoints, flow: GradFlow, show: bool, WORDS: Words) -> list[Text]:
    W, q = text_of(flow.main.symbol), WORDS.q
    W_hh, W_xh, b_h = WORDS.params()
    star, x = q.star("h"), q.bare("x")
    out = [heading("Fixed point (the reference notes' stability analysis)")]
    out += para(f"{star} = f({W_hh} {star} + {W_xh} {x} + {b_h}) for {WORDS.source(fp)}; "
                f"u = {W_xh} {x} + {b_h} = {vector(fp.drive)}.", "  ")  # fmt: skip
    out += para(WORDS.solve(fp.iteration), "  ")
    out += para(WORDS.solve(fp.newton), "  ")
    if not fp.points:
        out += para(f"Neither method converged from {q.bare('h')} = 0: no fixed point found.",
                    "  ")  # fmt: skip
    for number, point in enumerate(fp.points, start=1):
        which = f" {number} of {len(fp.points)}" if len(fp.points) > 1 else ""
        out += para(f"Fixed point{which}, found by {WORDS.found_by(point)}:", "  ")
        out += matrix(star, point.state[None, :], "    ") if show else para(
            f"{star} = {vector(point.state)}", "    ")  # fmt: skip
        if show:
            at = f"∂{q.at('h', 't')}/∂{q.at('h', 't-1')} at {star} = diag(f′({q.star('z')})) {W}"
            out += matrix(at, point.jacobian, "    ")
        eig = ", ".join(eigen_list(list(point.eigenvalues)))
        out += para(f"its eigenvalues: {eig}", "    ")
        out += para(WORDS.verdict(point), "    ")
    return out
