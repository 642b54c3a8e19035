"""Widths and heights of maths before TeX runs, to lay displays out so they stay on the page.

``tex_width`` estimates the width of the maths rnntrace writes (numbers, operators,
matrices, fractions, scripts) in points of 10 pt Computer Modern, display style; it is
within a few per cent of TeX's own for rnntrace's output (tests/test_latex_compile.py
checks that no line of the compiled documents sticks out).
"""

from __future__ import annotations

import re
from functools import lru_cache

_COMMAND = re.compile(r"\\([A-Za-z]+|.)")
_COMMAND_PT = {
    "times": 12.2, "cdot": 8.3, "odot": 12.2, "pm": 12.2, "approx": 13.4, "le": 13.4,
    "ge": 13.4, "to": 15.6, "leftarrow": 15.6, "quad": 10.0, "qquad": 20.0, ",": 1.7,
    ";": 2.8, "!": -1.7, " ": 3.3, "tanh": 19.0, "log": 13.0, "exp": 15.0, "max": 17.0,
    "sigma": 5.7, "eta": 4.8, "delta": 4.5, "partial": 5.7, "top": 7.8, "dots": 13.4,
    "cdots": 13.4, "ldots": 13.4, "vdots": 3.0, "ddots": 13.4, "left": 0.0, "right": 0.0,
    "hat": 0.0, "bar": 0.0, "tilde": 0.0, "check": 0.0, "vec": 0.0, "mathbf": 0.0, "mathrm": 0.0,
    "mathit": 0.0, "mathsf": 0.0, "boldsymbol": 0.0, "bm": 0.0, "prime": 2.8,
    "theta": 4.7, "sum": 14.0, "{": 5.0, "}": 5.0,
}  # fmt: skip
_CHAR_PT = {
    ".": 2.8, ",": 2.8, "+": 12.2, "-": 12.2, "=": 13.4, "<": 13.4, ">": 13.4, "(": 3.9,
    ")": 3.9, "[": 2.8, "]": 2.8, "'": 2.8, "{": 0.0, "}": 0.0, " ": 0.0, "/": 5.0,
    "|": 2.8, "!": 2.8, ":": 2.8, "&": 0.0,
}  # fmt: skip
_MATRIX = re.compile(
    r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}"
    r"|\\left\[\\begin\{array\}\{c+\}(.*?)\\end\{array\}\\right\]",
    re.DOTALL,
)
_MATRIX_BODY = re.compile(r"\\begin\{(?:bmatrix|array)\}(.*?)\\end", re.DOTALL)
_TEXT_COMMANDS = ("text", "texttt", "operatorname")


def _group(tex: str, start: int) -> tuple[str, int]:
    """The braced group (or single token) at ``start``: its inside and the index after it."""
    while start < len(tex) and tex[start] == " ":
        start += 1
    if start >= len(tex):
        return "", start
    if tex[start] == "\\":
        match = _COMMAND.match(tex, start)
        assert match is not None
        return match.group(0), match.end()
    if tex[start] != "{":
        return tex[start], start + 1
    depth = 0
    for i in range(start, len(tex)):
        depth += {"{": 1, "}": -1}.get(tex[i], 0)
        if depth == 0:
            return tex[start + 1 : i], i + 1
    return tex[start + 1 :], len(tex)


def _matrix_width(body: str) -> float:
    rows = [row.split("&") for row in body.split(r"\\")]
    columns = max(len(row) for row in rows)
    widths = [0.0] * columns
    for row in rows:
        for j, cell in enumerate(row):
            widths[j] = max(widths[j], tex_width(cell))
    return sum(widths) + 10.0 * (columns - 1) + 12.0


@lru_cache(maxsize=65536)  # layouts measure the same terms, cells and rows many times
def tex_width(tex: str) -> float:
    """An estimate of the width of the maths ``tex`` in points (10 pt type, display style)."""
    total, i = 0.0, 0
    while i < len(tex):
        matrix = _MATRIX.match(tex, i)
        if matrix:  # rnntrace never nests matrices
            total += _matrix_width(matrix.group(1) or matrix.group(2))
            i = matrix.end()
            continue
        char = tex[i]
        if char == "\\":
            match = _COMMAND.match(tex, i)
            assert match is not None
            name, i = match.group(1), match.end()
            if name in ("frac", "dfrac"):
                top, i = _group(tex, i)
                bottom, i = _group(tex, i)
                total += max(tex_width(top), tex_width(bottom)) + 2.0
            elif name in _TEXT_COMMANDS:
                text, i = _group(tex, i)
                total += 5.0 * len(text)
            elif name in ("blank", "answer", "field"):  # a sheet's cells: a template wide
                if name == "field":  # \field{name}{template}
                    _, i = _group(tex, i)
                template, i = _group(tex, i)
                if name == "answer":
                    _, i = _group(tex, i)
                total += tex_width(template) + 10.0
            else:
                total += _COMMAND_PT.get(name, 7.0)
        elif char in "^_":
            script, i = _group(tex, i + 1)
            total += 0.7 * tex_width(script)
        elif char == "-" and (i == 0 or tex[i - 1 : i].strip() in ("", "(", "{", "&", "^")):
            total += 7.8  # a sign, not a binary minus: no space around it
            i += 1
        else:
            total += _CHAR_PT.get(char, _letter_pt(char))
            i += 1
    return total


def _letter_pt(char: str) -> float:
    if char.isupper():
        return 8.0
    return 5.5 if char.isalpha() else 5.0


def tex_height(tex: str) -> float:
    """An estimate of the height of a row of maths in points: its tallest matrix."""
    rows = [
        body.count(r"\\") + 1 for body in re.findall(r"\\begin\{(?:bmatrix|array)\}(.*?)\\end", tex)
    ]
    return 12.0 * max(rows, default=1) + 8.0
