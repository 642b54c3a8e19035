"""Which steps of a compiled tape are computed for every time step at once.

The steps ``o_1 … o_T`` of a trace (one key with the time as its suffix, one op, one info)
form a group. A group that no path of the calculation leads from back into itself — the
output head W_hy h_t + b_y, the softmax, the cross-entropy and its error p_t − y_t, the
derivative 1 − h_t² — needs nothing that one of its own members makes, so it can be
computed as one matrix (a row per time step: a matrix–matrix product instead of T
matrix–vector products) as soon as everything it reads exists. A recurrence (h_t from
h_{t−1}, δh_t from δz_{t+1}) stays one step at a time. ``schedule`` orders the steps and the
groups so that each comes after what it reads; the compiled tape writes a group with the
rows form of its op (``ops``).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass

from rnntrace._internal.trace import Step, Trace

PER_STEP_INFO = frozenset({"token", "target_text"})  # words only: not part of the op
TARGET_INFO = frozenset({"index", "target"})  # data of an indexed tape (``yi``)


@dataclass(frozen=True)
class Rows:
    """A group of steps, one per time step in time order, computed at once."""

    steps: tuple[Step, ...]


def schedule(trace: Trace, needed: set[str], has_rows: Callable[[Step], bool]) -> list[Step | Rows]:
    """The needed steps in an order that computes each after its operands, with the groups
    ``has_rows`` accepts and no recurrence runs through as ``Rows``."""
    order = {step.key: n for n, step in enumerate(trace) if step.key in needed}
    groups = _groups(trace, order, has_rows)
    while True:
        node = {key: name for name, keys in groups.items() for key in keys}
        cyclic = _cyclic(trace, order, node, set(groups))
        if not cyclic:
            break
        for name in cyclic:
            del groups[name]
    return _units(trace, order, node, groups)


def _groups(
    trace: Trace, order: dict[str, int], has_rows: Callable[[Step], bool]
) -> dict[str, list[str]]:
    """Candidate groups: name -> the keys of their steps in time order."""
    found: dict[tuple[str, str], list[Step]] = {}
    for key in order:
        step = trace[key]
        base, _, suffix = key.rpartition("_")
        if step.time is None or suffix != str(step.time) or not step.operands:
            continue
        found.setdefault((base, step.op), []).append(step)
    groups = {}
    for (base, op), steps in found.items():
        steps.sort(key=lambda s: s.time or 0)
        if len(steps) > 1 and _alike(steps) and all(has_rows(s) for s in steps):
            groups[f"{base}:{op}"] = [s.key for s in steps]
    return groups


def _alike(steps: list[Step]) -> bool:
    """The same op on the same kind of operands with the same info, at different times."""
    first = steps[0]
    ignored = PER_STEP_INFO | (TARGET_INFO if first.op in ("ce", "ce_grad") else frozenset())

    def info(step: Step) -> dict[str, object]:
        return {k: v for k, v in step.info.items() if k not in ignored}

    times = [s.time for s in steps]
    return len(set(times)) == len(times) and all(
        len(s.operands) == len(first.operands) and repr(info(s)) == repr(info(first))
        for s in steps[1:]
    )


def _cyclic(
    trace: Trace, order: dict[str, int], node: dict[str, str], groups: set[str]
) -> set[str]:
    """The groups that some path of the calculation leads from back into (with every group
    taken as one node)."""
    users: dict[str, set[str]] = {}
    for key in order:
        for operand in trace[key].operands:
            if operand in order:
                users.setdefault(node.get(operand, operand), set()).add(node.get(key, key))
    cyclic = set()
    for group in groups:
        seen: set[str] = set()
        stack = list(users.get(group, ()))
        while stack:
            current = stack.pop()
            if current == group:
                cyclic.add(group)
                break
            if current not in seen:
                seen.add(current)
                stack.extend(users.get(current, ()))
    return cyclic


def _units(
    trace: Trace, order: dict[str, int], node: dict[str, str], groups: dict[str, list[str]]
) -> list[Step | Rows]:
    """Steps and groups in an order that respects every operand (each as early as the trace
    has it)."""
    reads: dict[str, set[str]] = {}
    for key in order:
        unit = node.get(key, key)
        reads.setdefault(unit, set()).update(
            node.get(o, o) for o in trace[key].operands if o in order and node.get(o, o) != unit
        )
    users: dict[str, list[str]] = {}
    for unit, inputs in reads.items():
        for source in inputs:
            users.setdefault(source, []).append(unit)
    first = {unit: min(order[k] for k in groups[unit]) if unit in groups else order[unit]
             for unit in reads}  # fmt: skip
    waiting = {unit: len(inputs) for unit, inputs in reads.items()}
    ready = [(first[unit], unit) for unit, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    out: list[Step | Rows] = []
    while ready:
        _, unit = heapq.heappop(ready)
        out.append(Rows(tuple(trace[k] for k in groups[unit])) if unit in groups else trace[unit])
        for user in users.get(unit, ()):
            waiting[user] -= 1
            if waiting[user] == 0:
                heapq.heappush(ready, (first[user], user))
    return out
