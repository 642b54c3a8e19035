"""The Unicode printer of symbol trees, for the terminal: ``ŷ_6``, ``∂L/∂W_hh``, ``δz_3``,
``W_hhᵀ``, ``h^enc_3``."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

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

GLYPHS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ",
    "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ",
    "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
    "partial": "∂", "top": "ᵀ", "intercal": "ᵀ", "odot": "⊙", "prime": "′", "sum": "Σ",
    "lVert": "‖", "rVert": "‖", "rightarrow": "→", "leftarrow": "←",
}  # fmt: skip
# accents drawn as combining marks; the wide ones are left out, as the font commands are
ACCENT_MARKS = {
    "hat": "\u0302",
    "tilde": "\u0303",
    "check": "\u030c",
    "bar": "\u0304",
    "vec": "\u20d7",
}
# \mathcal's capitals (Unicode's mathematical script; some stand in the letterlike block)
SCRIPT = {chr(65 + i): chr(0x1D49C + i) for i in range(26)} | {
    "B": "ℬ", "E": "ℰ", "F": "ℱ", "H": "ℋ", "I": "ℐ", "L": "ℒ", "M": "ℳ", "R": "ℛ"}  # fmt: skip
_OPERATORS = {"-": "−"}
_OPEN = {"paren": "(", "bracket": "[", "norm": "‖ ", "sized": "["}
_CLOSE = {"paren": ")", "bracket": "]", "norm": " ‖", "sized": "]"}


def text(symbol: Symbol) -> str:
    """``symbol`` in plain Unicode."""
    if isinstance(symbol, Shifted):  # an unrolled step's: printed once, not worth a cache entry
        return _text(symbol.body, symbol.by)
    return _cached(symbol)


@lru_cache(maxsize=8192)
def _cached(symbol: Symbol) -> str:
    return _text(symbol, 0)


def text_once(symbol: Symbol) -> str:
    """``symbol`` in plain Unicode, as :func:`text`, without the cache: for a tree written
    once (an entry worked out with its numbers), whose hash would cost more than it saves."""
    return _text(symbol, 0)


def _text(s: Symbol, shift: int) -> str:
    printer = _PRINTERS.get(type(s))  # one dictionary look-up, not a test for each kind
    return (printer or _printer_of(type(s)))(s, shift)


def _printer_of(kind: type) -> Callable[[Any, int], str]:
    """The printer of a subclass of a node: its nearest base's."""
    for base in kind.__mro__:
        if base in _PRINTERS:
            return _PRINTERS[base]
    raise TypeError(f"no text for {kind.__name__}")


def _styled(s: Styled, shift: int) -> str:
    if s.style == "mathcal" and isinstance(s.body, Name):  # \mathcal{Z} -> 𝒵
        return "".join(SCRIPT.get(char, char) for char in s.body.text)
    return _text(s.body, shift) + ACCENT_MARKS.get(s.style, "")


def _fraction(s: Fraction, shift: int) -> str:
    over, under = _text(s.over, shift), _text(s.under, shift)
    wrap = [f"({part})" if " " in part else part for part in (over, under)]
    return "/".join(wrap)


def _scripted(s: Scripted, shift: int) -> str:
    out = _text(s.base, shift)
    scripts = [("_", s.sub), ("^", s.sup)]
    for mark, script in reversed(scripts) if s.sup_first else scripts:
        if script is None:
            continue
        if mark == "^" and isinstance(script, Command) and script.name in ("top", "intercal"):
            out += "ᵀ"
            continue
        inner = _text(script, shift)
        if mark == "_" and _has_sign(script):  # h_{t-1} -> h_(t−1)
            inner = "(" + inner.replace("-", "−") + ")"
        out += mark + inner
    return out


def _has_sign(s: Symbol) -> bool:
    if isinstance(s, Name):
        return "+" in s.text or "-" in s.text
    if isinstance(s, Row):
        return any(_has_sign(item) for item in s.items)
    return False


def _row(s: Row, shift: int) -> str:
    out = ""
    for i, item in enumerate(s.items):
        if isinstance(item, Space):  # the row's own space is thin enough in a terminal
            continue
        if i:  # δ and ∂ stick to what they act on: δ x, not δ x
            out += "" if s.sep == " " and out.endswith(("δ", "∂")) else s.sep
            if not s.sep and isinstance(s.items[i - 1], Command) and _starts_alnum(item):
                out += " "  # \alpha x
        out += _text(item, shift)
    return out


def _starts_alnum(s: Symbol) -> bool:
    while isinstance(s, (Scripted, Row, Primed, Transposed)):
        s = s.base if isinstance(s, Scripted) else s.items[0] if isinstance(s, Row) else s.body
    return isinstance(s, Name) and s.text[:1].isalnum()


# one case a node: the symbols of formulas, then the nodes of sentences (1/K, words, a thin
# space) and of worked lines
_PRINTERS: dict[type, Callable[[Any, int], str]] = {
    Name: lambda s, shift: _OPERATORS.get(s.text, s.text),
    Time: lambda s, shift: str(s.t + shift),
    Scripted: _scripted,
    Row: _row,
    Command: lambda s, shift: GLYPHS.get(s.name, s.name),
    PartMark: lambda s, shift: GLYPHS.get(part_mark(s.part).lstrip("\\"), part_mark(s.part)),
    Delta: lambda s, shift: "δ" + _text(s.body, shift),
    Transposed: lambda s, shift: _text(s.body, shift) + "ᵀ",
    Derivative: lambda s, shift: f"∂{_text(s.of, shift)}/∂{_text(s.wrt, shift)}",
    Primed: lambda s, shift: _text(s.body, shift) + "'",
    Apply: lambda s, shift: f"{_text(s.function, shift)}({_text(s.argument, shift)})",
    Delimited: lambda s, shift: _OPEN[s.kind] + _text(s.body, shift) + _CLOSE[s.kind],
    Group: lambda s, shift: _text(s.body, shift),
    Styled: _styled,
    Shifted: lambda s, shift: _text(s.body, shift + s.by),
    Fraction: _fraction,
    Words: lambda s, shift: s.text,
    Space: lambda s, shift: " ",
    Written: lambda s, shift: s.text,
    Times: lambda s, shift: f"{_text(s.left, shift)}×{_text(s.right, shift)}",
    Squared: lambda s, shift: _text(s.body, shift) + "²",
}
