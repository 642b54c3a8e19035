"""Formulas written in LaTeX by rnntrace itself (a heading's ``\\eta = 0.1``, the engine's
convention sentences) turned into plain Unicode for the terminal.

Display symbols are not read here: they are trees (``rnntrace.symbol``) that the Unicode
printer ``rnntrace.symbol.text`` renders directly."""

from __future__ import annotations

import re
from functools import lru_cache

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ",
    "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ",
    "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
    "partial": "∂", "top": "ᵀ", "intercal": "ᵀ", "odot": "⊙", "times": "×", "cdot": "·",
    "prime": "′", "sum": "Σ", "lVert": "‖", "rVert": "‖",
    "rightarrow": "→", "leftarrow": "←",
}  # fmt: skip
_ACCENTS = {"hat": "\u0302", "tilde": "\u0303", "bar": "\u0304", "vec": "\u20d7"}


_SIMPLE = re.compile(r"([A-Za-z]+)_\{(\w+)\}")


@lru_cache(maxsize=4096)
def to_text(latex: str) -> str:
    """``\\hat{y}_{6}`` -> ``ŷ_6``; ``\\frac{\\partial L}{\\partial W_{hh}}`` -> ``∂L/∂W_hh``."""
    simple = _SIMPLE.fullmatch(latex)
    if simple:  # h_{9999}: what the substitutions below would make of it, 10⁴ times faster
        return f"{simple[1]}_{simple[2]}"
    text = latex
    text = re.sub(
        r"\\frac\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}", r"\1/\2", text
    )
    for name, mark in _ACCENTS.items():
        text = re.sub(rf"\\{name}\{{(\w)\}}", rf"\g<1>{mark}", text)
    text = re.sub(
        r"\\(?:mathbf|mathrm|mathit|mathsf|boldsymbol|bm|overline|widetilde|widehat)", "", text
    )
    text = re.sub(r"\^\\top|\^\{\\top\}", "ᵀ", text)
    text = re.sub(r"\\([A-Za-z]+)", lambda m: _GREEK.get(m.group(1), m.group(1)), text)
    text = re.sub(r"(δ|∂) ", r"\1", text)
    text = re.sub(  # h_{t-1} -> h_(t−1)
        r"_\{([^{}]*[-+][^{}]*)\}", lambda m: "_(" + m.group(1).replace("-", "−") + ")", text
    )
    text = re.sub(r"_\{([^{}]*)\}", r"_\1", text)
    text = re.sub(r"\^\{([^{}]*)\}", r"^\1", text)
    text = text.replace("{", "").replace("}", "").replace("\\", "")
    return text.replace(" - ", " − ")
