"""The LaTeX printer of symbol trees. Double scripts cannot occur: an atom that already has
a subscript (superscript) is braced before it gets another one."""

from __future__ import annotations

import re
from functools import lru_cache

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

PART_MARKS = {"fw.": "\\rightarrow", "bw.": "\\leftarrow", "enc.": "enc", "dec.": "dec"}
_OPEN = {"paren": "(", "bracket": "[", "norm": "\\lVert ", "sized": "\\left["}
_CLOSE = {"paren": ")", "bracket": "]", "norm": " \\rVert", "sized": "\\right]"}
_ENDS_IN_COMMAND = re.compile(r"\\[A-Za-z]+$")


def part_mark(part: str) -> str:
    """The LaTeX mark of a model part: ``enc``, ``\\rightarrow``, ``(2)`` for ``l2.``."""
    if part in PART_MARKS:
        return PART_MARKS[part]
    if part.startswith("l") and part[1:-1].isdigit():
        return f"({part[1:-1]})"
    return part.rstrip(".")


# the dialect of MathJax (Markdown): fonts it names differently from LaTeX's packages
MATHJAX_FONTS = {"bm": "boldsymbol"}


def latex(symbol: Symbol, mathjax: bool = False) -> str:
    """``symbol`` as LaTeX maths (without dollars); ``mathjax`` for MathJax, which has no
    ``\\bm`` (written ``\\boldsymbol``)."""
    if isinstance(symbol, Shifted):  # an unrolled step's: its body's LaTeX, shifted
        return _shifted(symbol.body, symbol.by, mathjax)
    return _cached(symbol, mathjax)


# The bodies of unrolled steps' symbols (one per step of the template, shared by 10⁵ steps),
# by identity, with their LaTeX as a format string of the time indices (or None).
_TEMPLATES: dict[tuple[int, bool], tuple[Symbol, str | None, tuple[int, ...]]] = {}
_MARK = 10**15  # a shift that makes every time index (below 10⁵) 1000000000ddddd
_MARKED = re.compile(r"10{10}(\d{5})")


def _shifted(body: Symbol, by: int, mj: bool) -> str:
    """``_latex(body, by, mj)``: the body written once with its time indices as fields. Only
    a time index's own digits depend on the shift (a non-negative index is never a letter or
    a command, and has no sign), so the template holds for every shift that keeps them
    non-negative."""
    hit = _TEMPLATES.get((id(body), mj))
    if hit is None or hit[0] is not body:
        if len(_TEMPLATES) >= 256:
            _TEMPLATES.clear()
        hit = _TEMPLATES[id(body), mj] = (body, *_template(body, mj))
    template, times = hit[1], hit[2]
    if template is None or by < 0:
        return _latex(body, by, mj)
    return template.format(*[t + by for t in times])


def _template(body: Symbol, mj: bool) -> tuple[str | None, tuple[int, ...]]:
    """The LaTeX of ``body`` with a field for each time index, and the indices; None when
    that fails to give back the body's own LaTeX."""
    times: list[int] = []

    def field(match: re.Match[str]) -> str:
        times.append(int(match.group(1)))
        return f"{{{len(times) - 1}}}"

    marked = _latex(body, _MARK, mj).replace("{", "{{").replace("}", "}}")
    template = _MARKED.sub(field, marked)
    if template.format(*times) != _latex(body, 0, mj):
        return None, ()
    return template, tuple(times)


@lru_cache(maxsize=8192)
def _cached(symbol: Symbol, mathjax: bool) -> str:
    return _latex(symbol, 0, mathjax)


def _latex(s: Symbol, shift: int, mj: bool) -> str:  # noqa: PLR0911, PLR0912 (one case a node)
    if isinstance(s, Name):
        return s.text
    if isinstance(s, Time):
        return str(s.t + shift)
    if isinstance(s, Scripted):
        return _scripted(s, shift, mj)
    if isinstance(s, Row):
        return _row(s, shift, mj)
    if isinstance(s, Command):
        return "\\" + s.name
    if isinstance(s, PartMark):
        return part_mark(s.part)
    if isinstance(s, Delta):
        return "\\delta " + _latex(s.body, shift, mj)
    if isinstance(s, Transposed):
        return _atom(s.body, "^", shift, mj) + "^\\top"
    if isinstance(s, Derivative):
        of, wrt = _latex(s.of, shift, mj), _latex(s.wrt, shift, mj)
        return f"\\frac{{\\partial {of}}}{{\\partial {wrt}}}"
    if isinstance(s, Primed):
        if isinstance(s.body, Primed):
            return _latex(s.body, shift, mj) + "'"
        return _atom(s.body, "^", shift, mj) + "'"
    if isinstance(s, Apply):
        return f"{_latex(s.function, shift, mj)}({_latex(s.argument, shift, mj)})"
    if isinstance(s, Delimited):
        return _OPEN[s.kind] + _latex(s.body, shift, mj) + _CLOSE[s.kind]
    if isinstance(s, Group):
        return "{" + _latex(s.body, shift, mj) + "}"
    if isinstance(s, Styled):
        body = _latex(s.body, shift, mj)
        style = MATHJAX_FONTS.get(s.style, s.style) if mj else s.style
        if s.braced:
            return f"\\{style}{{{body}}}"
        return f"\\{style}{' ' if body[:1].isalnum() else ''}{body}"
    if isinstance(s, Shifted):
        return _latex(s.body, shift + s.by, mj)
    return _sentence_node(s, shift, mj)


def _sentence_node(s: Symbol, shift: int, mj: bool) -> str:
    """The nodes of sentences (a fraction, words, a thin space) and worked lines."""
    if isinstance(s, Fraction):
        command = "tfrac" if s.small else "frac"
        return f"\\{command}{{{_latex(s.over, shift, mj)}}}{{{_latex(s.under, shift, mj)}}}"
    if isinstance(s, Words):
        return f"\\text{{{s.text}}}"
    if isinstance(s, Space):
        return "\\,"
    if isinstance(s, Written):
        return s.text
    if isinstance(s, Times):
        return f"{_latex(s.left, shift, mj)} \\times {_latex(s.right, shift, mj)}"
    if isinstance(s, Squared):  # a symbol braced (it may carry scripts), a number as it is
        body = _latex(s.body, shift, mj)
        return (body if isinstance(s.body, Written) else "{" + body + "}") + "^{2}"
    raise TypeError(f"no LaTeX for {type(s).__name__}")


def _scripted(s: Scripted, shift: int, mj: bool) -> str:
    kinds = ("^" if s.sup is not None else "") + ("_" if s.sub is not None else "")
    out = _atom(s.base, kinds, shift, mj)
    scripts = [("_", s.sub, s.sub_braced), ("^", s.sup, s.sup_braced)]
    for mark, script, braced in reversed(scripts) if s.sup_first else scripts:
        if script is not None:
            text = _latex(script, shift, mj)
            out += f"{mark}{{{text}}}" if braced else f"{mark}{text}"
    return out


def _row(s: Row, shift: int, mj: bool) -> str:
    out = ""
    for i, item in enumerate(s.items):
        text = _latex(item, shift, mj)
        if i and not s.sep and text[:1].isalpha() and _ENDS_IN_COMMAND.search(out):
            out += " "
        out += (s.sep if i else "") + text
    return out


def _atom(base: Symbol, kinds: str, shift: int, mj: bool) -> str:
    """``base`` as the atom that gets scripts of ``kinds``: braced if it has one already."""
    text = _latex(base, shift, mj)
    return "{" + text + "}" if set(kinds) & scripts_of(base) else text


def scripts_of(s: Symbol) -> set[str]:
    """The scripts (``_``, ``^``) the last atom of ``s`` already carries."""
    if isinstance(s, Shifted):
        return scripts_of(s.body)
    if isinstance(s, Scripted):
        own = {"_"} if s.sub is not None else set()
        own |= {"^"} if s.sup is not None else set()
        kinds = ("^" if s.sup is not None else "") + ("_" if s.sub is not None else "")
        inner = set() if set(kinds) & scripts_of(s.base) else scripts_of(s.base)
        return own | inner
    if isinstance(s, (Transposed, Primed)):
        return {"^"} | (set() if "^" in scripts_of(s.body) else scripts_of(s.body))
    if isinstance(s, Row) and s.items and s.sep in ("", " "):
        return scripts_of(s.items[-1])
    if isinstance(s, Delta):
        return scripts_of(s.body)
    return set()


def latex_sentence(parts: tuple[object, ...]) -> str:
    """A sentence of text and formulas (trees) as LaTeX text, the maths between dollars."""
    return "".join(f"${latex(p)}$" if isinstance(p, Symbol) else str(p) for p in parts)
