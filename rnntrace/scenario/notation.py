"""Notation entries are LaTeX by design; only a small, balanced, harmless subset is allowed."""

from __future__ import annotations

import re

_GREEK = (
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu "
    "nu xi pi rho sigma tau upsilon phi varphi chi psi omega "
    "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega"
)
_FONTS_AND_ACCENTS = (
    "mathbf mathrm mathit mathsf boldsymbol bm tilde hat bar vec overline widetilde widehat "
    "prime top intercal"
)
SAFE_COMMANDS = frozenset(_GREEK.split() + _FONTS_AND_ACCENTS.split())
MAX_SYMBOL_LENGTH = 60


def check_notation(symbol: str) -> str | None:
    """None when ``symbol`` is a safe display symbol, else what is wrong with it."""
    if not symbol.strip():
        return "expected a symbol, found an empty string"
    if len(symbol) > MAX_SYMBOL_LENGTH:
        return f"a symbol of {len(symbol)} characters; at most {MAX_SYMBOL_LENGTH}"
    depth = 0
    for char in symbol:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return f"unbalanced braces in {symbol!r}"
    if depth:
        return f"unbalanced braces in {symbol!r}"
    for bad in ("$", "%", "#", "&", "~", "\n"):
        if bad in symbol:
            return f"{bad!r} is not allowed in a symbol ({symbol!r})"
    for command in re.findall(r"\\([A-Za-z]+|.)", symbol):
        if command not in SAFE_COMMANDS:
            return (
                f"\\{command} is not allowed in a symbol; allowed: letters, digits, _, ^, "
                "braces, Greek letters and \\mathbf-style font commands"
            )
    return None
