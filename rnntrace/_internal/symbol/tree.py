"""Display symbols as data: a small frozen tree that each printer renders.

The engine records what a symbol *is* (``h`` of the encoder at time 3, the transpose of
``W_hh``, δ of ``z_2``, ∂L/∂W_hh); the printers (``latex``, ``text``, and any later one)
decide how it looks. No printer reads another printer's output.

Leaves: ``Name`` (letters, digits and a little punctuation, written as they are),
``Command`` (a named glyph: Greek letters, ∂, ⊙, ...), ``Time`` (a time index, which an
unrolled trace shifts), ``PartMark`` (the mark of a model part: enc, dec, →, (2)).
Composites: ``Scripted`` (a base with a subscript and/or a superscript), ``Styled`` (a font
or an accent), ``Group`` (braces written by the author), ``Row`` (items side by side),
``Delimited`` (parentheses, brackets, a norm), ``Transposed``, ``Primed``, ``Delta``,
``Derivative`` (∂a/∂b), ``Apply`` (f(x)) and ``Shifted`` (a symbol with its times moved).
In the sentences of the model (its equations, loss and update): ``Fraction``, ``Words``
(text inside a formula) and ``Space`` (a thin space).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rnntrace._internal.records import record

# printable ASCII that means nothing special to TeX or to markup (no backslash, braces,
# scripts, $ % # & ~, no < > " `)
_NAME = re.compile(r"[!-~]+")
_SPECIAL = frozenset("\\{}$%#&~^_'<>\"`")

GREEK = frozenset(
    [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "varepsilon",
        "zeta",
        "eta",
        "theta",
        "vartheta",
        "iota",
        "kappa",
        "lambda",
        "mu",
        "nu",
        "xi",
        "pi",
        "rho",
        "sigma",
        "tau",
        "upsilon",
        "phi",
        "varphi",
        "chi",
        "psi",
        "omega",
        "Gamma",
        "Delta",
        "Theta",
        "Lambda",
        "Xi",
        "Pi",
        "Sigma",
        "Upsilon",
        "Phi",
        "Psi",
        "Omega",
    ]
)
COMMANDS = GREEK | frozenset(
    [
        "partial",
        "odot",
        "sum",
        "tanh",
        "top",
        "intercal",
        "prime",
        "lVert",
        "rVert",
        "rightarrow",
        "leftarrow",
        "log",
        "max",
    ]
)
FONTS = frozenset(
    ["mathbf", "mathrm", "mathit", "mathsf", "mathcal", "boldsymbol", "bm", "operatorname"]
)
ACCENTS = frozenset(["hat", "tilde", "check", "bar", "vec", "overline", "widetilde", "widehat"])
DELIMITERS = ("paren", "bracket", "norm", "sized")  # sized: \left[ ... \right]


class Symbol:
    """Base class of every node (frozen dataclasses below)."""

    __slots__ = ()


@record(slots=True)
class Name(Symbol):
    """Letters, digits and punctuation written as they are (``h``, ``xh``, ``[h]``,
    ``0.01``), or an operator ``+ - =``; nothing TeX treats specially."""

    text: str

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.text) or _SPECIAL & set(self.text):
            raise ValueError(f"not a symbol name: {self.text!r}")


@record(slots=True)
class Command(Symbol):
    """A named glyph: ``alpha``, ``delta``, ``partial``, ``odot``, ``tanh``, ``top``."""

    name: str

    def __post_init__(self) -> None:
        if self.name not in COMMANDS:
            raise ValueError(f"not a known symbol command: {self.name!r}")


@record(slots=True)
class Time(Symbol):
    """A time index (``3`` in ``h_3``)."""

    t: int


@record(slots=True)
class PartMark(Symbol):
    """The mark of a model part (``enc.``, ``dec.``, ``fw.``, ``bw.``, ``l2.``...)."""

    part: str


@record(slots=True)
class Group(Symbol):
    """Braces the author wrote (``{W^{2}}``); they group without changing the look."""

    body: Symbol


@record(slots=True)
class Styled(Symbol):
    """A font (``mathbf``...) or an accent (``hat``, ``tilde``, ``bar``...) on ``body``;
    ``braced`` False for the argument written without braces (``\\mathbf W``)."""

    style: str
    body: Symbol
    braced: bool = True

    def __post_init__(self) -> None:
        if self.style not in FONTS | ACCENTS:
            raise ValueError(f"not a known font or accent: {self.style!r}")


@record(slots=True)
class Scripted(Symbol):
    """``base`` with a subscript and/or a superscript. ``sup_first`` writes the superscript
    first (``h^{enc}_{3}``); ``sub_braced``/``sup_braced`` False for a one-character script
    written without braces (``b_o``)."""

    base: Symbol
    sub: Symbol | None = None
    sup: Symbol | None = None
    sup_first: bool = False
    sub_braced: bool = True
    sup_braced: bool = True


@record(slots=True)
class Row(Symbol):
    """Items side by side: a product ``W x`` (sep " "), an index list ``f,3`` (sep ","),
    letters of one name (sep "")."""

    items: tuple[Symbol, ...]
    sep: str = " "


@record(slots=True)
class Delimited(Symbol):
    """``(body)``, ``[body]``, the norm ``‖body‖`` or brackets sized to their body."""

    kind: str
    body: Symbol

    def __post_init__(self) -> None:
        if self.kind not in DELIMITERS:
            raise ValueError(f"not a delimiter: {self.kind!r}")


@record(slots=True)
class Transposed(Symbol):
    """``body`` transposed."""

    body: Symbol


@record(slots=True)
class Primed(Symbol):
    """``body'``: the updated parameter, the derivative ``f'``."""

    body: Symbol


@record(slots=True)
class Delta(Symbol):
    """δ``body``: the loss's gradient with respect to ``body``."""

    body: Symbol


@record(slots=True)
class Derivative(Symbol):
    """∂``of``/∂``wrt``."""

    of: Symbol
    wrt: Symbol


@record(slots=True)
class Apply(Symbol):
    """``function(argument)``: ``f'(z_3)``, ``tanh(c_2)``."""

    function: Symbol
    argument: Symbol


@record(slots=True, eq=False)
class Shifted(Symbol):
    """``body`` with every time index moved by ``by`` (an unrolled step copies the symbol
    of its template step without building a new tree). Equal to the tree it stands for."""

    body: Symbol
    by: int

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Symbol):
            return NotImplemented
        return retimed(self, 0) == retimed(other, 0)

    def __hash__(self) -> int:
        return hash(retimed(self, 0))


# -- constructors the engine uses ---------------------------------------------------------
def name(text: str) -> Symbol:
    """A plain name, or a Greek letter by its command name (``alpha``)."""
    return Command(text) if text in COMMANDS else Name(text)


def sub(base: str | Symbol, index: Symbol | str | int, part: str = "") -> Scripted:
    """``base_{index}`` (``W_{xh}``), with the part's mark before it: ``h^{enc}_{3}``.
    An int index is a time."""
    if isinstance(index, int):
        index = Time(index)
    elif isinstance(index, str):
        index = Name(index)
    base = name(base) if isinstance(base, str) else base
    return Scripted(base, sub=index, sup=PartMark(part) if part else None, sup_first=True)


def default_symbol(key: str) -> Symbol:
    """A parameter key's symbol without notation: ``W_xh`` -> W_{xh}, ``b_f`` -> b_{f},
    ``h_0`` -> h_{0}."""
    base, _, index = key.partition("_")
    return sub(base, index) if index else Name(base)


def param_symbol(notation: Mapping[str, Symbol], key: str) -> Symbol:
    """A parameter's symbol after the scenario's notation: its own entry, else its base
    key's (``enc.W_hh`` takes ``W_hh``'s) marked with the part, ``W_{hh}^{enc}``."""
    if key in notation:
        return notation[key]
    part, dot, base = key.partition(".")
    if not dot:
        return default_symbol(key)
    return with_sup(notation.get(base, default_symbol(base)), PartMark(part + "."))


def indices(*items: Symbol | str | int) -> Symbol:
    """``f,3``: several indices of one subscript (ints are times)."""
    made = [Time(i) if isinstance(i, int) else Name(i) if isinstance(i, str) else i
            for i in items]  # fmt: skip
    return made[0] if len(made) == 1 else Row(tuple(made), ",")


def row(*items: Symbol) -> Row:
    """Items side by side, separated by a space: a product ``W x``."""
    return Row(tuple(items))


def op(text: str) -> Symbol:
    """An operator inside a row: ``+``, ``-``, ``=``, or ``odot``."""
    return Command(text) if text == "odot" else Name(text)


def paren(*items: Symbol) -> Delimited:
    """``(items)``."""
    return Delimited("paren", items[0] if len(items) == 1 else row(*items))


def upright(text: str) -> Styled:
    """``\\mathrm{text}``: a word used as a mark (next, cut, fb)."""
    return Styled("mathrm", Name(text))


def with_sup(base: Symbol, mark: Symbol) -> Scripted:
    """``base^{mark}`` after ``base`` (``W_{hh}^{enc}``, ``L^{(2)}``)."""
    return Scripted(base, sup=mark)


def shifted(symbol: Symbol, by: int) -> Symbol:
    """``symbol`` with its time indices moved by ``by``."""
    if by == 0:
        return symbol
    if isinstance(symbol, Shifted):
        return Shifted(symbol.body, symbol.by + by)
    return Shifted(symbol, by)


def retimed(symbol: Symbol, by: int) -> Symbol:
    """The tree of ``symbol`` with every time index moved by ``by`` (a new tree)."""
    if isinstance(symbol, Time):
        return Time(symbol.t + by)
    if isinstance(symbol, Shifted):
        return retimed(symbol.body, symbol.by + by)
    if isinstance(symbol, Row):
        return Row(tuple(retimed(item, by) for item in symbol.items), symbol.sep)
    if isinstance(symbol, (Name, Command, PartMark)):
        return symbol
    fields = {f: getattr(symbol, f) for f in symbol.__dataclass_fields__}  # type: ignore[attr-defined]
    return type(symbol)(**{k: retimed(v, by) if isinstance(v, Symbol) else v
                           for k, v in fields.items()})  # fmt: skip


# -- formulas the engine writes in its sentences (``h_t = (1 - z_t) \odot h_{t-1} + ...``) --
Sentence = tuple[str | Symbol, ...]  # text and formulas (trees), as the printers show them


def formula(*items: Symbol | str) -> Row:
    """Items separated by spaces; a ``str`` is a name, an operator or a command (``odot``)."""
    return Row(tuple(name(i) if isinstance(i, str) else i for i in items))


def at(base: Symbol | str, time: str = "t") -> Scripted:
    """``base_t``, ``h_{t-1}``: a symbol at a time written with letters."""
    base = name(base) if isinstance(base, str) else base
    return Scripted(base, sub=Name(time), sub_braced=len(time) > 1)


def tilde(letter: str) -> Styled:
    """``\\tilde{h}``: a candidate."""
    return Styled("tilde", Name(letter))


def call(function: str, *items: Symbol | str) -> Apply:
    """``\\tanh(items)``: a named function applied to a formula."""
    return Apply(name(function), items[0] if len(items) == 1 and not isinstance(items[0], str)
                 else formula(*items))  # fmt: skip


@record(slots=True)
class Fraction(Symbol):
    """``over`` / ``under`` as a fraction: 1/K (``small``: in text size, ``\\tfrac``)."""

    over: Symbol
    under: Symbol
    small: bool = False


@record(slots=True)
class Words(Symbol):
    """Words inside a formula (`` for the target class ``), set as text, spaces kept."""

    text: str

    def __post_init__(self) -> None:
        if _SPECIAL & set(self.text) or not self.text.isprintable():
            raise ValueError(f"not plain words: {self.text!r}")


@record(slots=True)
class Space(Symbol):
    """A thin space (between a factor and what it scales: η ∂L/∂θ)."""


# -- the worked lines of an op (``ops.explain``): a product, a square, a written number -----
@record(slots=True)
class Times(Symbol):
    """A product written out: ``a×b`` (``a \\times b``)."""

    left: Symbol
    right: Symbol


@record(slots=True)
class Squared(Symbol):
    """``body²``."""

    body: Symbol


@record(slots=True)
class Written(Symbol):
    """A number as the printer that prints the tree wrote it (put in by that printer)."""

    text: str
