"""Notation entries are LaTeX by design; only a small, balanced, harmless subset is allowed.

A symbol is ASCII maths: letters, digits, punctuation, ``_`` and ``^`` with an argument,
braces, Greek letters and a few font and accent commands. Everything that could read or
write a file, define a macro or change how TeX reads its input (``\\input``, ``\\write``,
``\\def``, ``\\catcode``, ``^^5c``, ...) is refused, and so is anything that would stop the
documents rnntrace writes from compiling: a double subscript, a script without an
argument, or a superscript at the top level (rnntrace writes ``W^\\top`` and ``W'``).
"""

from __future__ import annotations

import re
from dataclasses import replace

from rnntrace._internal.symbol.tree import (
    Command,
    Group,
    Name,
    Primed,
    Row,
    Scripted,
    Styled,
    Symbol,
)

_GREEK = (
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu "
    "nu xi pi rho sigma tau upsilon phi varphi chi psi omega "
    "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega"
)
# Commands that take one argument (\hat{W}, \mathbf W) ...
_WITH_ARGUMENT = (
    "mathbf mathrm mathit mathsf mathcal boldsymbol bm tilde check hat bar vec overline "
    "widetilde widehat"
)
# ... and symbols that stand alone.
_ALONE = "prime top intercal"
ARGUMENT_COMMANDS = frozenset(_WITH_ARGUMENT.split())
SAFE_COMMANDS = frozenset(_GREEK.split() + _WITH_ARGUMENT.split() + _ALONE.split())
MAX_SYMBOL_LENGTH = 60
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[A-Za-z0-9]|\{|\}|\s+|.")


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
    for char in symbol:
        if not char.isascii() or not char.isprintable():
            return (
                f"{char!r} is not allowed in a symbol ({symbol!r}): use ASCII LaTeX "
                "(\\alpha, not α)"
            )
    for command in re.findall(r"\\([A-Za-z]+|.)", symbol):
        if command not in SAFE_COMMANDS:
            return (
                f"\\{command} is not allowed in a symbol; allowed: letters, digits, _, ^, "
                "braces, Greek letters and \\mathbf-style font commands"
            )
    for bad in ("<", ">", '"', "`"):  # markup in the HTML and Markdown printers
        if bad in symbol:
            return f"{bad!r} is not allowed in a symbol ({symbol!r})"
    if "^^" in symbol:
        return f"'^^' is not allowed in a symbol ({symbol!r}): TeX reads it as a character code"
    return _check_structure(symbol)


def _check_structure(symbol: str) -> str | None:
    """Every script and accent has its argument, no atom has two subscripts or two
    superscripts, and the top level has no superscript."""
    tokens = [t for t in _TOKEN.findall(symbol) if not t.isspace()]
    levels = [{"_": False, "^": False}]  # the scripts the current atom has, per brace level
    for i, token in enumerate(tokens):
        before = tokens[i - 1] if i else ""
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        takes_argument = token in ("_", "^") or token[1:] in ARGUMENT_COMMANDS
        if takes_argument and not (after == "{" or after[:1].isalnum() or after[:1] == "\\"):
            return f"{token} needs an argument in {symbol!r}, e.g. {token}{{x}}"
        is_argument = before in ("_", "^") or before[1:] in ARGUMENT_COMMANDS
        if token == "}":
            levels.pop()
            continue
        if token in ("_", "^"):
            problem = _script(symbol, token, levels)
            if problem:
                return problem
        elif token == "'" and (levels[-1]["^"] or (len(levels) == 1 and after not in ("", "'"))):
            return f"a prime in {symbol!r} that would make a double superscript; use braces"
        elif token == "'" and (before == "}" or tokens[max(i - 2, 0)][1:] in ARGUMENT_COMMANDS):
            # \hat{W}' compiles alone, but not with the ^\top rnntrace adds, braced or not
            # (pdflatex: "Double superscript"); a prime after a letter is fine
            return (
                f"a prime after an accent, a font command or braces in {symbol!r} makes a "
                "double superscript where rnntrace adds ^\\top; write the prime after a "
                "letter (W') or use another mark (\\tilde{W})"
            )
        elif not is_argument and token != "'":
            levels[-1].update({"_": False, "^": False})  # a new atom
        if token == "{":
            levels.append({"_": False, "^": False})
    return None


def _script(symbol: str, token: str, levels: list[dict[str, bool]]) -> str | None:
    """What is wrong with a subscript or superscript here, if anything."""
    if token == "^" and len(levels) == 1:
        return (
            f"a superscript at the top level of {symbol!r} clashes with the ^\\top and ' "
            "that rnntrace adds; put the symbol in braces, e.g. {V^{2}}"
        )
    if levels[-1][token]:
        kind = "subscript" if token == "_" else "superscript"
        return f"a double {kind} in {symbol!r}; put one of them in braces"
    levels[-1][token] = True
    return None


def parse_notation(symbol: str) -> Symbol:
    """A checked notation entry (``check_notation`` found nothing wrong) as a symbol tree,
    parsed once here: ``\\mathbf{W}_{hh}`` -> Scripted(Styled(mathbf, W), sub=hh).
    Raises ValueError on what the tree cannot hold (check_notation refuses it first)."""
    tokens = [t for t in _TOKEN.findall(symbol) if not t.isspace()]
    tree, end = _atoms(tokens, 0)
    if end != len(tokens):
        raise ValueError(f"unexpected {tokens[end]!r} in {symbol!r}")
    return tree


def _atoms(tokens: list[str], i: int) -> tuple[Symbol, int]:
    """Atoms up to a closing brace or the end."""
    items: list[Symbol] = []
    while i < len(tokens) and tokens[i] != "}":
        atom, i = _scripted(tokens, i)
        if items and isinstance(atom, Name) and isinstance(items[-1], Name):
            items[-1] = Name(items[-1].text + atom.text)  # W, h -> Wh: one name
        else:
            items.append(atom)
    if len(items) == 1:
        return items[0], i
    return Row(tuple(items), ""), i


def _scripted(tokens: list[str], i: int) -> tuple[Symbol, int]:
    """A primary and its scripts and primes."""
    base, i = _primary(tokens, i)
    while i < len(tokens) and tokens[i] in ("_", "^", "'"):
        if tokens[i] == "'":
            base, i = Primed(base), i + 1
            continue
        mark = tokens[i]
        script, braced, i = _argument(tokens, i + 1)
        if isinstance(base, Scripted) and _free(base, mark):
            if mark == "_":
                base = replace(base, sub=script, sub_braced=braced, sup_first=True)
            else:
                base = replace(base, sup=script, sup_braced=braced, sup_first=False)
        else:
            if mark == "_":
                base = Scripted(base, sub=script, sub_braced=braced)
            else:
                base = Scripted(base, sup=script, sup_braced=braced)
    return base, i


def _free(base: Scripted, mark: str) -> bool:
    return (base.sub if mark == "_" else base.sup) is None


def _argument(tokens: list[str], i: int) -> tuple[Symbol, bool, int]:
    """The argument of ``_`` or ``^``: a braced row (braced True) or one primary."""
    if i >= len(tokens):
        raise ValueError("a script without an argument")
    if tokens[i] == "{":
        body, i = _atoms(tokens, i + 1)
        return body, True, _close(tokens, i)
    body, i = _primary(tokens, i)
    return body, False, i


def _primary(tokens: list[str], i: int) -> tuple[Symbol, int]:
    token = tokens[i]
    if token == "{":
        body, i = _atoms(tokens, i + 1)
        return Group(body), _close(tokens, i)
    if token.startswith("\\"):
        command = token[1:]
        if command in ARGUMENT_COMMANDS:
            if i + 1 < len(tokens) and tokens[i + 1] == "{":
                body, end = _atoms(tokens, i + 2)
                return Styled(command, body), _close(tokens, end)
            body, end = _primary(tokens, i + 1)
            return Styled(command, body, braced=False), end
        return Command(command), i + 1
    if token in ("_", "^", "'", "}"):
        raise ValueError(f"unexpected {token!r}")
    return Name(token), i + 1


def _close(tokens: list[str], i: int) -> int:
    if i >= len(tokens) or tokens[i] != "}":
        raise ValueError("unbalanced braces")
    return i + 1
