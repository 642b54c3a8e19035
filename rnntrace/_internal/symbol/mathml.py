"""The MathML printer of symbol trees (the content of a ``<math>`` element), for the HTML
page: ``Scripted`` is ``msub``/``msup``/``msubsup``, ``Derivative`` an ``mfrac``, an accent
an ``mover``, a delimiter an ``mrow`` with its fences."""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from rnntrace._internal.symbol.latex import part_mark
from rnntrace._internal.symbol.tree import (
    Apply,
    Command,
    Delimited,
    Delta,
    Derivative,
    Fraction,
    Group,
    Name,
    PartMark,
    Primed,
    Row,
    Scripted,
    Shifted,
    Space,
    Squared,
    Styled,
    Symbol,
    Time,
    Times,
    Transposed,
    Words,
    Written,
)

LETTERS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ",
    "tau": "τ", "upsilon": "υ", "phi": "ϕ", "varphi": "φ", "chi": "χ", "psi": "ψ",
    "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
    "partial": "∂",
}  # fmt: skip
OPERATORS = {"odot": "⊙", "sum": "∑", "top": "⊤", "intercal": "⊤", "prime": "′",
              "lVert": "‖", "rVert": "‖", "rightarrow": "→", "leftarrow": "←"}  # fmt: skip
_FENCES = {"paren": ("(", ")"), "bracket": ("[", "]"), "norm": ("‖", "‖"), "sized": ("[", "]")}
_ACCENTS = {"hat": "^", "widehat": "^", "tilde": "~", "check": "ˇ", "widetilde": "~", "bar": "¯",
            "overline": "¯", "vec": "→"}  # fmt: skip
_PIECE = re.compile(r"[A-Za-z]|\d+(?:\.\d+)?|.")


def mathml(symbol: Symbol) -> str:
    """``symbol`` as MathML (the content of a ``<math>`` element)."""
    if isinstance(symbol, Shifted):
        return _mathml(symbol.body, symbol.by)
    return _cached(symbol)


@lru_cache(maxsize=8192)
def _cached(symbol: Symbol) -> str:
    return _mathml(symbol, 0)


def _row(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else "<mrow>" + "".join(parts) + "</mrow>"


def _name(text: str) -> str:
    """Letters as identifiers (each in italic, as TeX sets ``xh``), numbers, operators."""
    parts = []
    for piece in _PIECE.findall(text):
        if piece.isalpha():
            parts.append(f"<mi>{piece}</mi>")
        elif piece[0].isdigit():
            parts.append(f"<mn>{piece}</mn>")
        else:
            parts.append(f"<mo>{escape(piece.replace('-', '−'))}</mo>")
    return _row(parts)


def _mathml(s: Symbol, shift: int) -> str:  # noqa: PLR0911, PLR0912 (one case a node)
    if isinstance(s, Name):
        return _name(s.text)
    if isinstance(s, Time):
        return f"<mn>{s.t + shift}</mn>"
    if isinstance(s, Scripted):
        return _scripted(s, shift)
    if isinstance(s, Row):
        parts = [_mathml(item, shift) for item in s.items]
        if s.sep == ",":
            parts = [
                p
                for i, part in enumerate(parts)
                for p in ([part] if not i else ["<mo>,</mo>", part])
            ]
        return _row(parts)
    if isinstance(s, Command):
        return _command(s.name)
    if isinstance(s, PartMark):
        return _part(s.part)
    if isinstance(s, Delta):
        return f"<mrow><mi>δ</mi>{_mathml(s.body, shift)}</mrow>"
    if isinstance(s, Transposed):
        return f"<msup>{_mathml(s.body, shift)}<mo>⊤</mo></msup>"
    if isinstance(s, Derivative):
        of, wrt = _mathml(s.of, shift), _mathml(s.wrt, shift)
        return f"<mfrac><mrow><mi>∂</mi>{of}</mrow><mrow><mi>∂</mi>{wrt}</mrow></mfrac>"
    if isinstance(s, Primed):
        return f"<msup>{_mathml(s.body, shift)}<mo>′</mo></msup>"
    if isinstance(s, Apply):
        function, argument = _mathml(s.function, shift), _mathml(s.argument, shift)
        return f"<mrow>{function}<mo>(</mo>{argument}<mo>)</mo></mrow>"
    if isinstance(s, Delimited):
        left, right = _FENCES[s.kind]
        return f"<mrow><mo>{left}</mo>{_mathml(s.body, shift)}<mo>{right}</mo></mrow>"
    if isinstance(s, Group):
        return _mathml(s.body, shift)
    if isinstance(s, Styled):
        return _styled(s, shift)
    if isinstance(s, Shifted):
        return _mathml(s.body, shift + s.by)
    return _sentence_node(s, shift)


def _sentence_node(s: Symbol, shift: int) -> str:
    """The nodes of sentences (a fraction, words, a thin space) and worked lines."""
    if isinstance(s, Fraction):
        return f"<mfrac>{_mathml(s.over, shift)}{_mathml(s.under, shift)}</mfrac>"
    if isinstance(s, Words):
        return f"<mtext>{escape(s.text)}</mtext>"
    if isinstance(s, Space):
        return '<mspace width="0.167em"/>'
    if isinstance(s, Written):
        return f"<mn>{escape(s.text)}</mn>"
    if isinstance(s, Times):
        return f"<mrow>{_mathml(s.left, shift)}<mo>×</mo>{_mathml(s.right, shift)}</mrow>"
    if isinstance(s, Squared):
        return f"<msup>{_mathml(s.body, shift)}<mn>2</mn></msup>"
    raise TypeError(f"no MathML for {type(s).__name__}")


def _scripted(s: Scripted, shift: int) -> str:
    base = _mathml(s.base, shift)
    sub = None if s.sub is None else _mathml(s.sub, shift)
    sup = None if s.sup is None else _mathml(s.sup, shift)
    if sub is not None and sup is not None:
        return f"<msubsup>{base}{sub}{sup}</msubsup>"
    if sub is not None:
        return f"<msub>{base}{sub}</msub>"
    return f"<msup>{base}{sup}</msup>" if sup is not None else base


def _command(name: str) -> str:
    if name in LETTERS:
        return f"<mi>{LETTERS[name]}</mi>"
    if name in OPERATORS:
        return f"<mo>{OPERATORS[name]}</mo>"
    return f"<mi>{escape(name)}</mi>"  # a function name (tanh): upright, as one identifier


def _part(part: str) -> str:
    """The mark of a model part: ``enc`` upright, → and ← for the directions, (2)."""
    mark = part_mark(part)
    if mark in ("\\rightarrow", "\\leftarrow"):
        return f"<mo>{OPERATORS[mark[1:]]}</mo>"
    if mark.startswith("("):
        return f"<mrow><mo>(</mo><mn>{escape(mark[1:-1])}</mn><mo>)</mo></mrow>"
    return f"<mi>{escape(mark)}</mi>"


def _styled(s: Styled, shift: int) -> str:
    body = _mathml(s.body, shift)
    if s.style in _ACCENTS:
        return f'<mover accent="true">{body}<mo>{_ACCENTS[s.style]}</mo></mover>'
    if s.style in ("mathrm", "operatorname") and isinstance(s.body, Name):
        return f'<mi mathvariant="normal">{escape(s.body.text)}</mi>'
    if s.style == "mathcal" and isinstance(s.body, Name):
        return f'<mi mathvariant="script">{escape(s.body.text)}</mi>'
    if s.style in ("mathbf", "bm", "boldsymbol"):
        return f'<mrow style="font-weight:bold">{body}</mrow>'
    return body
