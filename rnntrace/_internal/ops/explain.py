"""The data an op's explanation needs, as symbol trees with slots: its formula (in its
operands' symbols) and the worked form of one entry (in its operands' numbers).

``Operand(i)`` stands for operand i's symbol, ``Entry(i)`` for its number at the entry
being worked (``factor``: in parentheses when negative, as a factor of a product). A
printer fills the slots (``fill``) with the symbols and with the numbers it formats, then
prints the tree with its own printer: the op knows what is written, the printer how.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rnntrace._internal.records import record
from rnntrace._internal.symbol.tree import (
    Command,
    Name,
    PartMark,
    Row,
    Space,
    Symbol,
    Time,
    Words,
    Written,
)

# the nodes without a symbol in them (their fields are text and numbers)
_LEAVES = (Name, Command, Written, Time, Words, Space, PartMark)


@record(slots=True)
class Operand(Symbol):
    """The symbol of operand ``index``."""

    index: int


@record(slots=True)
class Entry(Symbol):
    """The number of operand ``index`` at the entry being worked out; ``index`` -1: the
    step's own value there, written as an integer (relu's f'(z), 1 or 0)."""

    index: int
    factor: bool = False  # as a factor of a product: (−0.3)


@record
class Explain:
    """How an op is written out: ``formula`` (its operands' symbols) and ``each`` (one
    entry, in its operands' numbers; None when there is nothing to work out). ``terminal``:
    the formula where the terminal writes it otherwise (``a(1 − a)`` for ``a ⊙ (1 − a)``);
    ``bare``: the terminal writes the entries alone; ``terminal_each`` and ``valued``: how
    the terminal writes an entry."""

    formula: Symbol
    each: Symbol | None  # None: nothing to work out entry by entry (a copy)
    terminal: Symbol | None = None
    bare: bool = False
    terminal_each: Symbol | None = None  # one entry, where the terminal writes it otherwise
    valued: bool = False  # the terminal writes each entry with its value: tanh(0.2) = 0.197

    def terminal_formula(self) -> Symbol | None:
        """The formula the terminal writes (None: the entries alone)."""
        return None if self.bare else self.terminal or self.formula


def fill(
    template: Symbol, symbols: Sequence[Symbol], number: Callable[[int, bool], str] | None = None
) -> Symbol:
    """``template`` with ``Operand(i)`` replaced by ``symbols[i]`` and ``Entry(i)`` by the
    number ``number(i, factor)`` (a ``Written`` leaf)."""
    if isinstance(template, Operand):
        return symbols[template.index]
    if isinstance(template, Entry):
        if number is None:
            raise ValueError("an entry's template needs the numbers")
        return Written(number(template.index, template.factor))
    if isinstance(template, _LEAVES):  # most of a tree: nothing in them to fill
        return template
    if isinstance(template, Row):
        items = tuple(fill(item, symbols, number) for item in template.items)
        if all(new is old for new, old in zip(items, template.items)):
            return template
        return Row(items, template.sep)
    fields = getattr(template, "__dataclass_fields__", {})
    changed = {k: new for k in fields
               if isinstance(v := getattr(template, k), Symbol)
               and (new := fill(v, symbols, number)) is not v}  # fmt: skip
    if not changed:  # no slot in it: the template itself, not a copy
        return template
    return type(template)(**{k: changed.get(k, getattr(template, k)) for k in fields})
