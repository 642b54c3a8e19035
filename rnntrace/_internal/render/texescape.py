"""User text on its way into LaTeX or Markdown, escaped so that it prints as itself.

Tokens, titles, descriptions and labels are user text: ``\\input{/etc/passwd}`` must print
as those characters and execute nothing. LaTeX output uses only the fonts every TeX Live
has (OT1 Computer Modern): characters that OT1's roman fonts lack or print as something
else (``\\ { } ^ _ ~ < > | "``) are set in typewriter by their character code, where the
typewriter font has them at their ASCII positions. Letters with accents become accent
commands (``é`` -> ``\\'{e}``); a character with no safe LaTeX form is written as its code
point, ``[U+4E2D]``, so that a document always compiles.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"\s+")
# LaTeX specials that roman type prints with a backslash escape.
_ROMAN = {"$": r"\$", "%": r"\%", "#": r"\#", "&": r"\&"}
# Set by character code in typewriter (in roman OT1 they are other glyphs or none at all).
_BY_CODE = set("\\{}^_~<>|\"$%#&'`")
_TYPEWRITER_IN_ROMAN = set('\\{}^_~<>|"')
_ACCENTS = {
    "\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0304": "=", "\u0306": "u",
    "\u0307": ".", "\u0308": '"', "\u030a": "r", "\u030b": "H", "\u030c": "v", "\u0327": "c",
    "\u0323": "d", "\u0331": "b",
}  # fmt: skip
_LETTERS = {
    "ß": r"\ss{}", "æ": r"\ae{}", "Æ": r"\AE{}", "œ": r"\oe{}", "Œ": r"\OE{}", "ø": r"\o{}",
    "Ø": r"\O{}", "ł": r"\l{}", "Ł": r"\L{}", "ı": r"\i{}", "ȷ": r"\j{}", "–": "--",
    "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''", "…": r"\ldots{}", "§": r"\S{}",
    "¶": r"\P{}", "©": r"\copyright{}", "£": r"\pounds{}", "¡": "!`", "¿": "?`",
    "\u00a0": "~", "×": r"$\times$", "±": r"$\pm$", "·": r"$\cdot$", "°": r"$^\circ$",
    "→": r"$\to$", "←": r"$\leftarrow$", "≈": r"$\approx$", "≤": r"$\le$", "≥": r"$\ge$",
    "−": r"$-$", "∞": r"$\infty$",
}  # fmt: skip
_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu",
    "ξ": "xi", "π": "pi", "ρ": "rho", "σ": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi",
    "χ": "chi", "ψ": "psi", "ω": "omega", "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta",
    "Λ": "Lambda", "Ξ": "Xi", "Π": "Pi", "Σ": "Sigma", "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega",
}  # fmt: skip
# Pairs that OT1 roman fonts join into one glyph (-- is an en dash): kept apart with {}.
_LIGATURES = {("-", "-"), ("'", "'"), ("`", "`"), ("!", "`"), ("?", "`"), (",", ",")}


# Where the typewriter font keeps the straight quote and the grave accent (39 and 96 are
# the curly quotes, as in roman type).
_CODES = {"'": 13, "`": 18}


def _code(char: str) -> str:
    return "{\\char" + str(_CODES.get(char, ord(char))) + "}"


def _unicode(char: str) -> str:
    """A non-ASCII character: an accent command, a named letter, or its code point."""
    if char in _LETTERS:
        return _LETTERS[char]
    if char in _GREEK:
        return f"$\\{_GREEK[char]}$"
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    if base.isascii() and base.isalpha() and marks and all(m in _ACCENTS for m in marks):
        text = {"i": r"\i", "j": r"\j"}.get(base, base)
        for mark in marks:
            text = f"\\{_ACCENTS[mark]}{{{text}}}"
        return text
    if unicodedata.category(char) == "Zs":
        return " "
    return f"[U+{ord(char):04X}]"


@lru_cache(maxsize=8192)  # a sheet escapes the same tokens and labels again and again
def _escape(text: str, typewriter: bool) -> str:
    out: list[str] = []
    previous = ""
    for char in unicodedata.normalize("NFC", text):
        if (previous, char) in _LIGATURES:
            out.append("{}")
        previous = char
        if char in "\t\n\r\v\f":
            out.append(" ")
        elif not char.isascii():
            out.append(_unicode(char))
        elif not char.isprintable():
            out.append(f"[U+{ord(char):04X}]")
        elif typewriter and char in _BY_CODE:
            out.append(_code(char))
        elif not typewriter and char in _TYPEWRITER_IN_ROMAN:
            out.append("\\texttt{" + _code(char) + "}")
        else:
            out.append(_ROMAN.get(char, char))
    return "".join(out)


def latex_text(text: str) -> str:
    """User text for LaTeX's text mode (roman type): prints as written, runs nothing."""
    return _escape(_SPACES.sub(" ", text), typewriter=False)


def latex_word(text: str) -> str:
    """A token or label for LaTeX, in typewriter type: ``\\texttt{...}``, every character
    as written (spaces kept, so a token ``a  b`` shows its two spaces)."""
    body = _escape(text, typewriter=True).replace(" ", "\\ ")
    return "\\texttt{" + body + "}"


_MARKDOWN_ALWAYS = set("\\`*_{}[]<>#|$~&!^")
_LIST_START = re.compile(r"^(\d+)([.)])|^([-+=>])")


def markdown_text(text: str) -> str:
    """User text for Markdown: marks that could start markup, HTML or maths are
    backslash-escaped (CommonMark allows it for every ASCII punctuation mark), and so is
    a start that would read as a list or a heading."""
    cleaned = _SPACES.sub(" ", text)
    escaped = "".join(
        f"\\{char}"
        if char in _MARKDOWN_ALWAYS
        else (char if char.isprintable() else f"[U+{ord(char):04X}]")
        for char in cleaned
    )
    return _LIST_START.sub(
        lambda m: (m.group(1) or "") + "\\" + (m.group(2) or m.group(3)), escaped
    )


def markdown_word(text: str) -> str:
    """A token for Markdown: a code span, shown verbatim (a fence longer than any run of
    backticks inside it; padded with spaces where the token starts or ends with one)."""
    cleaned = "".join(
        char if char.isprintable() or char == " " else f"[U+{ord(char):04X}]" for char in text
    )
    longest = run = 0
    for char in cleaned:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if not cleaned or cleaned[0] in "` " or cleaned[-1] in "` " else ""
    return f"{fence}{pad}{cleaned}{pad}{fence}"
