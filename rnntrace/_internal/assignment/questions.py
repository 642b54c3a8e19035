"""Which quantities a worksheet asks, how they are numbered, and what each is worth.

A question list is chosen by keys or shell patterns (``h_2``, ``'dW_*'``); a pattern may
also use the display names of the scenario's ``notation`` (``W_ho`` for ``W_hy`` when
``notation: {W_hy: W_{ho}}``, so ``dW_ho`` and ``W_ho_new`` too). Questions are numbered
as the worksheet prints them: one question per run of quantities of one part of the
calculation (phase and sequence), its quantities the parts (a), (b), …, at most 26 a
question (the exam class letters parts a to z)."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from rnntrace._internal.errors import RnntraceError
from rnntrace._internal.scenario.model import AssignmentSpec
from rnntrace._internal.symbol import latex
from rnntrace._internal.symbol.label import label_text
from rnntrace._internal.symbol.tree import Group, Name, Row, Scripted, Styled, Symbol
from rnntrace._internal.trace import Step, Trace

MAX_PARTS = 26
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Question:
    """One asked quantity: its sheet number (``3(b)``), key, display symbol and points."""

    number: str
    key: str
    symbol: str  # LaTeX, as the sheet prints it
    label: str
    shape: tuple[int, ...]
    points: float
    phase: str
    sequence: int | None


def field_name(key: str, index: Sequence[int] = ()) -> str:
    """The PDF form field of one entry: the key with ':' for '.', then ``/i`` or ``/i/j``
    (1-based): ``s1.h_2`` entry 3 is ``s1:h_2/3``; a number is just its key."""
    return key.replace(".", ":") + "".join(f"/{i}" for i in index)


def display_aliases(trace: Trace) -> dict[str, str]:
    """Display name -> key, for every checkable key that contains a renamed parameter:
    ``W_ho_new`` -> ``W_hy_new`` when the notation writes W_hy as ``W_{ho}``."""
    renames = {}
    for param, symbol in trace.meta.symbols.items():
        plain = plain_name(symbol)
        base = param.rsplit(".", 1)[-1]
        if plain and _NAME.fullmatch(plain) and plain != base:
            renames[base] = plain
    if not renames:
        return {}
    names = "|".join(sorted(map(re.escape, renames), key=len, reverse=True))
    pattern = re.compile(rf"(^|\.)(d?)({names})(?=$|_)")
    out = {}
    for step in trace.checkable():
        alias = pattern.sub(lambda m: m[1] + m[2] + renames[m[3]], step.key)
        if alias != step.key:
            out[alias] = step.key
    return out


def _fail(where: str, message: str) -> RnntraceError:
    return RnntraceError(f"{where}: {message}")


def _match(trace: Trace, steps: list[Step], aliases: Mapping[str, str], pattern: str) -> list[Step]:
    """The checkable steps a pattern names: by key, by key without the sequence prefix,
    then by display name."""
    hits = [s for s in steps if fnmatchcase(s.key, pattern)]
    if not hits:
        hits = [s for s in steps if fnmatchcase(trace.base_key(s), pattern)]
    if not hits:
        keys = {key for alias, key in aliases.items() if fnmatchcase(alias, pattern)}
        hits = [s for s in steps if s.key in keys]
    if not hits:
        keys = {key for alias, key in aliases.items() if fnmatchcase(_base(alias), pattern)}
        hits = [s for s in steps if s.key in keys]
    return hits


def _base(alias: str) -> str:
    """A display name without its sequence prefix: ``s2.dW_ho`` -> ``dW_ho``."""
    head, dot, rest = alias.partition(".")
    return rest if dot and re.fullmatch(r"s\d+", head) else alias


def select_steps(
    trace: Trace, patterns: Iterable[tuple[str, str]], what: str = "--ask"
) -> list[Step]:
    """The checkable steps that ``(pattern, where)`` pairs name, in trace order. ``where``
    says where the pattern was written (``--ask``, ``review.yaml:70:9: assignment.ask``).
    Raises RnntraceError for a pattern that names nothing to compute."""
    from rnntrace._internal.scenario.yamldoc import suggest

    steps = trace.checkable()
    aliases = display_aliases(trace)
    chosen: set[str] = set()
    for pattern, where in patterns:
        hits = _match(trace, steps, aliases, pattern)
        if not hits:
            if any(fnmatchcase(s.key, pattern) for s in trace if s.op in ("given", "input")):
                raise _fail(where, f"{pattern!r} names only given data, nothing to compute")
            names = sorted({trace.base_key(s) for s in steps} | set(aliases))
            hint = suggest(pattern, names) or " (keys look like h_2, L, dW_hh)"
            raise _fail(where, f"no quantity is called {pattern!r}{hint}")
        chosen.update(step.key for step in hits)
    return [step for step in steps if step.key in chosen]


def parse_points(text: str) -> list[tuple[str, float]]:
    """``--points 'dW_*=2,L=3'`` as (pattern, points) pairs. Raises RnntraceError."""
    out = []
    for part in (p.strip() for p in text.replace(" ", ",").split(",")):
        if not part:
            continue
        pattern, sep, value = part.partition("=")
        try:
            points = float(value) if sep else float("nan")
        except ValueError:
            points = float("nan")
        if not pattern or not 0 <= points <= 1000:
            raise RnntraceError(
                f"--points: expected KEY=POINTS with points from 0 to 1000 (dW_*=2), found {part!r}"
            )
        out.append((pattern.strip(), points))
    if not out:
        raise RnntraceError("--points: expected KEY=POINTS pairs separated by commas (dW_*=2)")
    return out


def _points(
    trace: Trace, steps: list[Step], rules: Sequence[tuple[str, float, str]]
) -> dict[str, float]:
    """Points by key: 1 each, then each rule in turn (the last that matches wins)."""
    aliases = display_aliases(trace)
    points = {step.key: 1.0 for step in steps}
    for pattern, value, where in rules:
        hits = _match(trace, steps, aliases, pattern)
        if not hits:
            raise _fail(where, f"{pattern!r} matches no question of this worksheet")
        points.update((step.key, value) for step in hits)
    return points


def number_questions(
    trace: Trace, steps: Sequence[Step], points: Mapping[str, float]
) -> list[Question]:
    """Number the steps as the sheet does: a question per run of one phase and sequence
    (at most 26 parts), its parts lettered."""
    out: list[Question] = []
    question, part, group = 0, 0, None
    for step in steps:
        now = (step.phase, step.sequence)
        if now != group or part == MAX_PARTS:
            question, part, group = question + 1, 0, now
        part += 1
        out.append(
            Question(
                number=f"{question}({string.ascii_lowercase[part - 1]})",
                key=step.key,
                symbol=latex(step.symbol),
                label=label_text(step),
                shape=step.shape,
                points=points[step.key],
                phase=step.phase,
                sequence=step.sequence,
            )
        )
    return out


def questions_for(
    trace: Trace,
    spec: AssignmentSpec,
    ask: Sequence[str] = (),
    points: Sequence[tuple[str, float]] = (),
) -> list[Question]:
    """The numbered questions: ``ask`` (command-line patterns) or the scenario's
    ``assignment.ask`` or the default questions; the scenario's points, then ``points``."""
    if ask:
        steps = select_steps(trace, [(p, "--ask") for p in ask])
    elif spec.ask:
        steps = select_steps(trace, [(p, f"{w}: assignment.ask") for p, w in spec.ask])
    else:
        steps = trace.default_questions()
    if not steps:
        raise RnntraceError("this scenario has no quantities to ask for")
    rules = [(p, v, f"{w}: assignment.points.{p}") for p, v, w in spec.points]
    rules += [(p, v, "--points") for p, v in points]
    return number_questions(trace, steps, _points(trace, steps, rules))


def plain_name(symbol: Symbol) -> str | None:
    """The symbol as a key-like name (``W_{ho}`` -> ``W_ho``, braces and ``\\mathrm``
    dropped), or None when it has more than letters, digits and subscripts."""
    if isinstance(symbol, Name):
        return symbol.text
    if isinstance(symbol, Group) or (isinstance(symbol, Styled) and symbol.style == "mathrm"):
        return plain_name(symbol.body)
    if isinstance(symbol, Row) and not symbol.sep:
        names = [plain_name(item) for item in symbol.items]
        return None if None in names else "".join(n for n in names if n)
    if isinstance(symbol, Scripted) and symbol.sup is None and symbol.sub is not None:
        base, index = plain_name(symbol.base), plain_name(symbol.sub)
        return f"{base}_{index}" if base and index else None
    return None
