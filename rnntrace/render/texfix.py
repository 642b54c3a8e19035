"""Symbols made valid for TeX before they are printed: no double scripts.

A symbol such as ``h^{dec}_{3}`` becomes ``h^{dec}_{3}^\\top`` when it is transposed,
which TeX refuses ("Double superscript"). ``fix_scripts`` braces the atom that already has
that kind of script, ``{h^{dec}_{3}}^\\top``, which prints the same and compiles.
"""

from __future__ import annotations

import re
from functools import lru_cache

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\{|\}|\s+|.")
_ONE_ARGUMENT = frozenset(
    [
        "hat",
        "tilde",
        "bar",
        "vec",
        "mathbf",
        "mathrm",
        "mathit",
        "mathsf",
        "boldsymbol",
        "bm",
        "overline",
        "widetilde",
        "widehat",
        "text",
        "texttt",
        "operatorname",
        "sqrt",
    ]
)
_TWO_ARGUMENTS = frozenset({"frac", "dfrac", "tfrac"})


def _units(tokens: list[str], start: int) -> tuple[str, int]:
    """One unit from ``tokens[start]``: a braced group (its inside fixed too) or a token."""
    if tokens[start] != "{":
        return tokens[start], start + 1
    depth, i = 0, start
    while i < len(tokens):
        depth += {"{": 1, "}": -1}.get(tokens[i], 0)
        if depth == 0:
            return "{" + fix_scripts("".join(tokens[start + 1 : i])) + "}", i + 1
        i += 1
    return "".join(tokens[start:]), len(tokens)


def _skip_spaces(tokens: list[str], i: int) -> int:
    while i < len(tokens) and tokens[i].isspace():
        i += 1
    return i


@lru_cache(maxsize=8192)
def fix_scripts(tex: str) -> str:
    """``tex`` with every atom that would get a second subscript or superscript braced."""
    if "^" not in tex and "'" not in tex and "_" not in tex:
        return tex
    tokens = _TOKEN.findall(tex)
    out: list[str] = []
    atom = 0  # where the current atom starts in ``out``
    used: set[str] = set()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.isspace():
            out.append(token)
            i += 1
            continue
        if token in ("_", "^", "'"):
            kind = "^" if token == "'" else token
            repeated_prime = token == "'" and out and out[-1] == "'"
            if kind in used and not repeated_prime:
                out[atom:] = ["{" + "".join(out[atom:]).strip() + "}"]
                used = set()
            used.add(kind)
            out.append(token)
            i += 1
            if token != "'":
                i = _skip_spaces(tokens, i)
                if i < len(tokens):
                    unit, i = _units(tokens, i)
                    out.append(unit)
            continue
        atom, used = len(out), set()
        unit, i = _units(tokens, i)
        out.append(unit)
        name = token[1:] if token.startswith("\\") else ""
        for _ in range(2 if name in _TWO_ARGUMENTS else 1 if name in _ONE_ARGUMENT else 0):
            i = _skip_spaces(tokens, i)
            if i < len(tokens):
                argument, i = _units(tokens, i)
                out.append(" " + argument if argument[:1].isalpha() else argument)
    return "".join(out)
