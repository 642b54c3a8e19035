"""What the text and LaTeX printers of seed 004's derivation and seed 001's fixed points
share: complex entries written out (a + bi) and the sentences that state what was found,
in plain text or in LaTeX."""

from __future__ import annotations

import numpy as np

from rnntrace._internal.analysis.eigen import DEFECTIVE_CONDITION, Derivation
from rnntrace._internal.analysis.fixedpoint import (
    MAX_ITERATIONS,
    MAX_NEWTON,
    FixedPoint,
    FixedPoints,
    Solve,
)
from rnntrace._internal.analysis.letters import Letters
from rnntrace._internal.render.gradflow_words import brief, brief_tex
from rnntrace._internal.render.numfmt import MINUS, fixed
from rnntrace._internal.render.texescape import latex_text
from rnntrace._internal.symbol import Symbol
from rnntrace._internal.symbol import latex as tex_of
from rnntrace._internal.symbol import text as text_of

DECIMALS = 4
GATED = (
    "The introduction notes' eigen-decomposition and the reference notes' fixed points "
    "are derived for the simple RNN, whose step Jacobian is {jacobian}; this "
    "cell's step Jacobian combines several recurrent matrices with each step's gate "
    "values, so neither is shown."
)
FORM = (
    "The introduction notes' eigen-decomposition and the reference notes' fixed points "
    "are derived for {state}, whose step Jacobian is "
    "{jacobian}; with a skip connection ({skip}) or recurrent dropout ({W} read "
    "through each step's mask) the step Jacobian is not of that form, so neither is shown."
)


def unshown(code: str, q: Letters) -> str:
    """Why the two sections are not shown: ``GradFlow.unshown`` in words, in the scenario's
    notation (``q``: Unicode or LaTeX)."""
    w = Words(q)
    W, W_xh, b_h = w.params()
    z_j, h_t, h_prev, x_t = q.at("z", "j"), q.at("h", "t"), q.at("h", "t-1"), q.at("x", "t")
    if q.tex:
        jacobian = rf"$\operatorname{{diag}}(f'({z_j}))\, {W}$"
        state = f"${h_t} = f({W} {h_prev} + {W_xh} {x_t} + {b_h})$"
    else:
        jacobian = f"diag(f′({z_j})) {W}"
        state = f"{h_t} = f({W} {h_prev} + {W_xh} {x_t} + {b_h})"
    text = GATED if code == "gated" else FORM
    return text.format(jacobian=jacobian, state=state, skip=w.m("+ α I", r"+ \alpha I"),
                       W=w.m(W, W))  # fmt: skip


def is_real(values: np.ndarray) -> bool:
    """True when every entry's imaginary part is 0 (as numpy gives a real eigenvector)."""
    return not np.any(np.asarray(values).imag)


def entry(value: complex, tex: bool = False) -> str:
    """0.7071 or 0.1351 + 0.1203i (to 4 places): a complex entry of U, S, U⁻¹."""
    minus = "-" if tex else MINUS
    re = fixed(float(value.real), DECIMALS, minus)
    im = float(value.imag)
    if im == 0:
        return re
    sign = "+" if im > 0 else ("-" if tex else MINUS)
    return f"{re} {sign} {fixed(abs(im), DECIMALS, minus)}" + (r"\,i" if tex else "i")


def cells(values: np.ndarray, tex: bool = False) -> list[list[str]]:
    """Every entry written out, row by row."""
    return [[entry(complex(v), tex) for v in row] for row in np.atleast_2d(values)]


class Words:
    """The sentences, in plain text or LaTeX (as ``q``: the quantities and parameters in
    the scenario's notation)."""

    def __init__(self, q: Letters) -> None:
        self.q = q
        self.tex = q.tex

    def params(self) -> tuple[str, str, str]:
        """W_hh, W_xh and b_h, as the sentences about any step write them."""
        q = self.q
        if q.tex:
            return q.param("W_hh", "W_{hh}"), q.param("W_xh", "W_{xh}"), q.param("b_h", "b_h")
        return q.param("W_hh", "W_hh"), q.param("W_xh", "W_xh"), q.param("b_h", "b_h")

    def m(self, text: str, latex: str) -> str:
        """A piece of maths in the chosen notation."""
        return f"${latex}$" if self.tex else text

    def n(self, value: float, digits: int = 4) -> str:
        return brief_tex(value, digits) if self.tex else brief(value, MINUS, digits)

    def v(self, value: float, digits: int = 4) -> str:
        """A number in running text (in maths for LaTeX: 1.1 \\cdot 10^{-16})."""
        return self.m(brief(value, MINUS, digits), brief_tex(value, digits))

    def s(self, symbol: Symbol) -> str:
        return tex_of(symbol) if self.tex else text_of(symbol)

    def eigen_names(self, d: Derivation) -> tuple[str, str]:
        """The letters of the eigenvectors' and the eigenvalues' matrices: U and S, or Q
        (P) and D (B) when the recurrent matrix itself prints as U or S (notation W_hh: U)."""
        taken = {text_of(d.symbol), tex_of(d.symbol)}
        U = next(letter for letter in ("U", "Q", "P") if letter not in taken)
        S = next(letter for letter in ("S", "D", "B") if letter not in taken)
        return U, S

    def power_of(self, d: Derivation, k: str) -> str:
        """W_hh^k (in LaTeX the symbol braced: a symbol with a superscript of its own)."""
        return self.m(f"{text_of(d.symbol)}^{k}", f"{{{tex_of(d.symbol)}}}^{{{k}}}")

    def heading(self, d: Derivation) -> str:
        W, (U, S) = self.s(d.symbol), self.eigen_names(d)
        return (
            "The introduction notes' derivation: "
            + self.m(f"{W} = {U} {S} {U}⁻¹", f"{W} = {U} {S} {U}^{{-1}}")
            + (f", at distance {self.m(f'k = {d.k}', f'k = {d.k}')}")
        )

    def decomposition(self, d: Derivation) -> str:
        """How good U S U⁻¹ is: cond(U), the reconstruction, complex pairs, or defective."""
        W, (U, S) = self.s(d.symbol), self.eigen_names(d)
        cond = self.m(f"cond({U}) = {self.n(d.condition)}",
                      rf"\operatorname{{cond}}({U}) = {self.n(d.condition)}")  # fmt: skip
        if d.defective:
            return (
                f"{self.m(W, W)} is not diagonalisable (defective, or numerically so): {cond} "
                f"exceeds {self.v(DEFECTIVE_CONDITION)}, its eigenvectors do not span, so "
                f"there is no {self.m(f'{U}⁻¹', f'{U}^{{-1}}')} and the notes' step 8 does not "
                "apply. "
                f"{self.power_of(d, 'k')} below is {self.m(W, W)} multiplied out."
            )
        out = (
            f"{self.m(U, U)} holds the eigenvectors as columns, {self.m(S, S)} the "
            f"eigenvalues; {cond}, and "
            + self.m(f"{U} {S} {U}⁻¹", f"{U} {S} {U}^{{-1}}")
            + f" gives {self.m(W, W)} back to {self.v(d.reconstruction or 0.0, 2)} "
            "(the largest entry difference)."
        )
        if d.complex:
            out += (
                " Some eigenvalues are complex, in conjugate pairs "
                + self.m("a ± bi", r"a \pm b\,i")
                + f": {self.m(U, U)} and "
                + self.m(f"{U}⁻¹", f"{U}^{{-1}}")
                + " are complex, and "
                + self.m(f"{U} {S}^k {U}⁻¹", f"{U} {S}^k {U}^{{-1}}")
                + " is real up to rounding (imaginary parts up to "
                + f"{self.v(d.power_imag or 0.0, 2)} dropped)."
            )
        return out

    def power(self, d: Derivation) -> str:
        if d.defective:
            return ""
        U, S = self.eigen_names(d)
        return (
            self.m(f"{U} {S}^{d.k} {U}⁻¹", f"{U} {S}^{{{d.k}}} {U}^{{-1}}")
            + " and "
            + self.power_of(d, str(d.k))
            + f" multiplied out differ by at most {self.v(d.power_gap, 2)}."
        )

    def correction(self, d: Derivation) -> str:
        """The seed's step 7, corrected: when the product equals J_k and how far it is."""
        diff = self.m(f"‖difference‖₂ = {self.n(d.difference)}",
                      rf"\|\text{{difference}}\|_2 = {self.n(d.difference)}")  # fmt: skip
        norm = self.m(f"‖J_{d.k}‖₂", rf"\|J_{{{d.k}}}\|_2")
        size = f", {self.v(d.relative)} times {norm}" if d.relative is not None else ""
        fprime, jk = self.m("f′", "f'"), self.m(f"J_{d.k}", f"J_{{{d.k}}}")
        head = (
            "Step 7 of the introduction notes moves every "
            + self.m("diag(f′)", r"\operatorname{diag}(f')")
            + f" to the left of {self.m(self.s(d.symbol), self.s(d.symbol))}, "
            "\u201cby the commutative property\u201d; diagonal matrices commute with it only "
            "when all their entries are equal"
        )
        if self.tex:
            head = head.replace("\u201c", "``").replace("\u201d", "''")
        if d.commutes:
            return head + (f", as here at every step, so the two agree up to rounding ({diff}).")
        return head + (
            f", which does not hold here (the units' {fprime} differ), so the notes' "
            f"product is not {jk}: {diff}{size}."
        )

    # -- fixed points ---------------------------------------------------------------------

    def source(self, fp: FixedPoints) -> str:
        """The constant input in words."""
        x = self.q.bare("x")
        if fp.kind == "zero":
            return self.m(f"{x} = 0", f"{x} = 0")
        if fp.vector is not None:  # kind "vector"
            values = ", ".join(brief(float(v), "-" if self.tex else MINUS) for v in fp.vector)
            return self.m(f"{x} = ({values})", f"{x} = ({values})") + " held at every step"
        token = f" ({self.quote(fp.token)})" if fp.token else ""
        which = "the layer's first step" if fp.kind == "first" else "the first step that read it"
        t = self.m(f"t = {fp.time}", f"t = {fp.time}")
        return f"{self.m(x, x)} = the input of {which}, {t}{token}, held at every step"

    def quote(self, token: str) -> str:
        return f"``{latex_text(token)}''" if self.tex else f"'{token}'"

    def solve(self, solve: Solve) -> str:
        name = "Fixed-point iteration" if solve.method == "iteration" else "Newton's method"
        h, z, W = self.q.bare("h"), self.q.bare("z"), self.params()[0]
        residual = "residual " + self.m(f"‖{h} − f({W} {h} + u)‖₂ = {self.n(solve.residual, 2)}",
                                        rf"\|{h} - f({W} {h} + u)\|_2 = "
                                        rf"{self.n(solve.residual, 2)}")  # fmt: skip
        limit = MAX_ITERATIONS if solve.method == "iteration" else MAX_NEWTON
        steps = f"{solve.iterations} iteration" + ("" if solve.iterations == 1 else "s")
        start = self.m(f"{h} = 0", f"{h} = 0")
        if solve.converged:
            return f"{name} from {start}: converged in {steps}, {residual}."
        why = {
            "limit": f"not within {limit} iterations",
            "overflow": "the values overflow",
            "singular": self.m(
                f"I − diag(f′({z})) {W}", rf"I - \operatorname{{diag}}(f'({z}))\, {W}"
            )  # fmt: skip
            + " is singular",
        }[solve.failure]
        return (f"{name} from {start}: did not converge ({why}); at the last {self.m(h, h)} the "
                f"{residual}.")  # fmt: skip

    def verdict(self, point: FixedPoint) -> str:
        rho = self.m(f"ρ = {self.n(point.radius)}", rf"\rho = {self.n(point.radius)}")
        star, x = self.m(self.q.star("h"), self.q.star("h")), self.m(*[self.q.bare("x")] * 2)
        if point.verdict == "stable":
            every = self.m("|λ| < 1", r"|\lambda| < 1")
            return (f"Stable: every {every} ({rho}), so a small disturbance of {star} dies "
                    f"away while the input stays {x}.")  # fmt: skip
        if point.verdict == "unstable":
            largest = self.m("|λ|", r"|\lambda|")
            return (f"Unstable: {rho} > 1, so a small disturbance of {star} grows along the "
                    f"eigenvector of the largest {largest}.")  # fmt: skip
        return f"Undecided: {rho} is 1 to rounding, and the linearisation does not decide."

    def found_by(self, point: FixedPoint) -> str:
        names = {"iteration": "the iteration", "newton": "Newton's method"}
        return " and ".join(names[m] for m in point.methods)
