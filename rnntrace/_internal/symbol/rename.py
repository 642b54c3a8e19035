"""Renamed quantities and the index style of ``notation``, as a rewrite of symbol trees.

The engine names every traced quantity by its textbook letter (``o_3``, ``Z_2``,
``\\alpha_{4,1}``, ``a_{f,2}``, ``L``); the scenario's ``notation`` may give a quantity
another symbol (``o: \\Omega``) and may write time indices in brackets (``index_style:
bracket``: ``x[t]``, ``h[t-1]``, seed 003's style). ``Renaming.apply`` rewrites a tree:

- a quantity is its letter (``QUANTITIES``) as the base of a scripted symbol that has a
  subscript (``o_3``, ``h^{enc}_{2}``, ``y_k``), or as a bare superscript naming it
  (``S^A_3``: the sum over the scores A; ``c_2^h``); the loss ``L`` also bare (``L``,
  ``\\partial L / \\partial W``, ``L^{(2)}``). Euler's ``e^{o_3}`` has no subscript and stays;
- an accented quantity without its own entry follows its letter: ``\\hat{y}`` becomes
  ``\\hat{Y}`` when ``y`` is renamed to ``Y`` and ``y_hat`` is not renamed;
- in bracket style the time index of a quantity leaves the subscript: ``x_3`` -> ``x[3]``,
  ``a_{f,3}`` -> ``a_f[3]``, ``\\alpha_{4,1}`` -> ``\\alpha[4,1]``, ``h_{t-1}`` -> ``h[t-1]``.

The symbols of parameters that the scenario renamed are left as they are (``protected``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace

from rnntrace._internal.symbol.tree import (
    Command,
    Delimited,
    Derivative,
    Name,
    PartMark,
    Row,
    Scripted,
    Shifted,
    Styled,
    Symbol,
    Time,
    Words,
    Written,
)

# key -> (default symbol, what it is); the key is what the scenario's notation names
QUANTITIES: dict[str, tuple[Symbol, str]] = {
    "x": (Name("x"), "input vector x_t"),
    "h": (Name("h"), "hidden state h_t (h_0 the initial state)"),
    "z": (Name("z"), "pre-activation z_t (simple RNN); update gate z_t (GRU)"),
    "a": (Name("a"), "a gate's pre-activation a_{g,t}; additive attention's a_{t,s}"),
    "f": (Name("f"), "forget gate f_t (LSTM, MGU)"),
    "i": (Name("i"), "input gate i_t (LSTM)"),
    "og": (Styled("mathrm", Name("og")), "output gate og_t (LSTM)"),
    "r": (Name("r"), "reset gate r_t (GRU); a stacked layer's residual output r_t"),
    "c": (Name("c"), "cell state c_t (LSTM); attention context c_t (encoder-decoder)"),
    "c_tilde": (Styled("tilde", Name("c")), "candidate cell c~_t (LSTM)"),
    "h_tilde": (Styled("tilde", Name("h")), "candidate state h~_t (GRU, MGU)"),
    "h_check": (
        Styled("check", Name("h")),
        "recurrent dropout's dropped state m_(r,t) * h_(t-1), what W_hh reads",
    ),
    "o": (Name("o"), "output logits o_t"),
    "y_hat": (Styled("hat", Name("y")), "output y^_t (after the head)"),
    "y": (Name("y"), "target y_t; the previous output fed to a decoder"),
    "L": (Name("L"), "loss L_t, L"),
    "S": (Name("S"), "sum of the exponentials of a softmax S_t"),
    "A": (Name("A"), "self-attention scores A_{t,i}"),
    "alpha": (Command("alpha"), "attention weights alpha_{t,i}"),
    "Z": (Name("Z"), "self-attention context Z_t"),
    "e": (Name("e"), "encoder-decoder attention scores e_{t,s}"),
    "q": (Name("q"), "attention query q_t"),
    "k": (Name("k"), "attention key k_{t,s}"),
    "m": (Name("m"), "dropout mask m_{x,t}"),
}
INDEX_STYLE = "index_style"  # the reserved entry of notation: subscript | bracket
INDEX_STYLES = ("subscript", "bracket")
# an accented quantity follows its letter's rename
_ACCENTED = {"y_hat": "y", "c_tilde": "c", "h_tilde": "h", "h_check": "h"}
_HEADS = {symbol: key for key, (symbol, _) in QUANTITIES.items()}
# a time written with t (or j, a step of gradflow's sentences), or a number
_STEP_NAME = re.compile(r"[tj]([+-]\d+|[+-]k)?|\d+")


def renaming_of(notation: Mapping[str, Symbol], index_style: str) -> Renaming:
    """The renaming of a scenario's notation (quantity keys renamed, the parameters' own
    symbols protected) and its index style."""
    names = {key: symbol for key, symbol in notation.items() if key in QUANTITIES}
    params = {key: symbol for key, symbol in notation.items() if key not in QUANTITIES}
    return Renaming(names, index_style == "bracket", params.values(), params)


def effective(names: Mapping[str, Symbol], key: str) -> Symbol:
    """The symbol quantity ``key`` prints with the renames ``names``."""
    if key in names:
        return names[key]
    default = QUANTITIES[key][0]
    letter = _ACCENTED.get(key)
    if letter is not None and letter in names and isinstance(default, Styled):
        return replace(default, body=names[letter])
    return default


class Renaming:
    """The quantities' renames and the index style, applied to symbol trees."""

    def __init__(
        self,
        names: Mapping[str, Symbol],
        bracket: bool,
        protected: Iterable[Symbol] = (),
        params: Mapping[str, Symbol] | None = None,
    ) -> None:
        self.names = {key: effective(names, key) for key in QUANTITIES}
        self.params = dict(params or {})  # the renamed parameters by key: the labels spell them
        self.renamed = {key for key, symbol in self.names.items() if symbol != QUANTITIES[key][0]}
        self.bracket = bracket
        self.protected = {id(symbol) for symbol in protected}

    @property
    def active(self) -> bool:
        """Whether applying changes anything."""
        return bool(self.renamed) or self.bracket

    def apply(self, symbol: Symbol) -> Symbol:
        """``symbol`` with the quantities renamed and the time indices in the chosen style."""
        return self._node(symbol) if self.active else symbol

    def _node(self, s: Symbol) -> Symbol:  # noqa: PLR0911 (one case a node)
        if id(s) in self.protected or isinstance(s, (Command, Time, PartMark, Words, Written)):
            return s
        if isinstance(s, Name):
            return self._bare(s, "L")
        if isinstance(s, Scripted):
            return self._scripted(s)
        if isinstance(s, Row):
            return Row(tuple(self._node(item) for item in s.items), s.sep)
        if isinstance(s, Shifted):
            return Shifted(self._node(s.body), s.by)
        if isinstance(s, Derivative):
            return Derivative(self._node(s.of), self._node(s.wrt))
        fields = {f: getattr(s, f) for f in s.__dataclass_fields__}  # type: ignore[attr-defined]
        return type(s)(**{k: self._node(v) if isinstance(v, Symbol) else v
                          for k, v in fields.items()})  # fmt: skip

    def _bare(self, s: Symbol, *keys: str) -> Symbol:
        """A bare letter renamed when it is the head of one of ``keys``."""
        key = _HEADS.get(s) if isinstance(s, (Name, Command, Styled)) else None
        return self.names[key] if key in keys and key in self.renamed else s

    def _scripted(self, s: Scripted) -> Symbol:
        key = _HEADS.get(s.base)
        if key is None or (s.sub is None and key != "L"):
            base = self._node(s.base)
        else:
            base = self.names[key]
        sup = None if s.sup is None else self._bare(s.sup, *QUANTITIES)
        if sup is s.sup and s.sup is not None:
            sup = self._node(s.sup)
        if self.bracket and s.sub is not None and (key is not None or _has_time(s.sub)):
            return self._bracketed(base, s, sup)
        sub = None if s.sub is None else self._node(s.sub)
        return replace(s, base=base, sub=sub, sup=sup)

    def _bracketed(self, base: Symbol, s: Scripted, sup: Symbol | None) -> Symbol:
        """``base`` with the time part of its subscript in brackets: x[3], a_f[3]."""
        assert s.sub is not None
        items = s.sub.items if isinstance(s.sub, Row) and s.sub.sep == "," else (s.sub,)
        if len(items) == 1:  # x_3, h_{t-1}, h_i
            cut = 0 if _is_time(items[0]) else 1
        elif _is_step(items[0]):  # positions only: alpha_{4,1}, A_{4,i}
            cut = 0
        else:  # a gate's letter, a mask's, a part's, then the time: a_{i,3} -> a_i[3]
            cut = len(items)
            while cut and _is_step(items[cut - 1]):
                cut -= 1
        if cut == len(items):  # no time index (y_k, a gate letter): as it is
            return replace(s, base=base, sub=self._node(s.sub), sup=sup)
        rest, times = items[:cut], items[cut:]
        keep = None if not rest else rest[0] if len(rest) == 1 else Row(rest, ",")
        head = base if keep is None and sup is None else replace(
            s, base=base, sub=keep, sup=sup)  # fmt: skip
        index = times[0] if len(times) == 1 else Row(times, ",")
        return Row((head, Delimited("bracket", _spelled(index))), "")


def _is_step(s: Symbol) -> bool:
    return isinstance(s, Time) or (isinstance(s, Name) and bool(_STEP_NAME.fullmatch(s.text)))


def _is_time(s: Symbol) -> bool:
    """A time step or a position (h_i, the states an attention weighs)."""
    return _is_step(s) or (isinstance(s, Name) and s.text in ("i", "s"))


def _has_time(s: Symbol) -> bool:
    if isinstance(s, Time):
        return True
    return isinstance(s, Row) and any(isinstance(item, Time) for item in s.items)


def _spelled(index: Symbol) -> Symbol:
    """``t-1`` as t, −, 1 (the terminal writes its minus sign); the rest as it is."""
    if isinstance(index, Name) and len(index.text) > 1 and index.text[1:2] in "+-":
        return Row((Name(index.text[0]), Name(index.text[1]), Name(index.text[2:])), "")
    if isinstance(index, Row):
        return Row(tuple(_spelled(item) for item in index.items), index.sep)
    return index
