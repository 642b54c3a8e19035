"""The tape: computes each op under the number policy and records it as a Step."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rnntrace._internal.engine.ops import evaluate
from rnntrace._internal.errors import NumericError
from rnntrace._internal.numbers import round_array
from rnntrace._internal.symbol.label import Label, label_text
from rnntrace._internal.symbol.tree import Symbol
from rnntrace._internal.trace import Step, Trace


class Recorder:
    """Appends steps to a trace. In rounded mode every computed value is rounded to
    ``decimals`` before anything uses it again (given data is used as written)."""

    def __init__(self, trace: Trace, decimals: int, rounded: bool, round_terms: bool) -> None:
        self.trace = trace
        self.decimals = decimals
        self.rounded = rounded
        self.term_decimals = decimals if rounded and round_terms else None
        self.prefix = ""
        self.sequence: int | None = None
        self.shared: set[str] = set()  # keys without a sequence prefix (the parameters)
        self.phase = "forward"  # phase and time of the steps `do` records
        self.time: int | None = None
        self.notes: dict[str, str] = {}  # key -> a note that every step computed from it carries

    def note(self, name: str, note: str) -> None:
        """Mark this sequence's step ``name`` (recorded, or to be recorded): it and every step
        computed from it (sums, gradients, updates) end their labels with the note ``note``."""
        self.notes[self.key(name)] = note

    def key(self, name: str) -> str:
        """The full key of a per-sequence quantity (``s2.h_3`` with several sequences)."""
        return self.prefix + name

    def given(
        self,
        key: str,
        value: np.ndarray,
        *,
        symbol: Symbol,
        label: Label,
        time: int | None = None,
        op: str = "given",
        phase: str = "given",
        info: Mapping[str, Any] | None = None,
        given: bool = True,
    ) -> np.ndarray:
        """Record data from the scenario (a parameter, an input vector); ``given`` False
        for data the scenario leaves out, taken as zero."""
        value = np.asarray(value, dtype=float)
        self.trace.add(
            Step(
                key,
                symbol,
                time,
                self.sequence if time else None,
                phase,
                op,
                (),
                value,
                value,
                label,
                dict(info or {}),
                part_of(key, self.prefix),
                given,
            )
        )
        return value

    def op(
        self,
        key: str,
        op: str,
        operands: Sequence[str],
        *,
        symbol: Symbol,
        label: Label,
        phase: str,
        time: int | None = None,
        info: Mapping[str, Any] | None = None,
        sequence: bool = True,
    ) -> np.ndarray:
        """Compute ``op`` on the carried values of ``operands`` and record the step."""
        info = dict(info or {})
        inherited = self.notes.get(key) or next(
            (self.notes[k] for k in operands if k in self.notes), ""
        )
        if inherited:
            self.notes[key] = inherited
            label = label.with_note(inherited)
        args = [self.trace.value(k) for k in operands]
        with np.errstate(all="ignore"):  # a NaN or inf is reported below, with the step's key
            value = evaluate(op, args, info, self.term_decimals)
        if not np.all(np.isfinite(value)):
            raise NumericError(self._not_finite(key, label, op, operands, args, info))
        carried = round_array(value, self.decimals) if self.rounded else value
        self.trace.add(
            Step(
                key,
                symbol,
                time,
                self.sequence if sequence else None,
                phase,
                op,
                tuple(operands),
                value,
                carried,
                label,
                info,
                part_of(key, self.prefix),
            )
        )
        return carried

    def _not_finite(
        self, key: str, label: Label, op: str, operands: Sequence[str], args: list[np.ndarray],
        info: Mapping[str, Any],
    ) -> str:  # fmt: skip
        """What went wrong in a step whose value is not finite, and where."""
        where = f"step {key} ({label_text(label)})"
        if op in ("bce", "ce") and not info.get("from_logits"):
            if op == "bce":
                y_hat = args[0]
            elif info.get("soft"):  # the entries whose target is not 0
                y_hat = args[0][np.asarray(info["target"]) > 0]
            else:
                y_hat = args[0][info["index"]]
            bad = [float(v) for v in np.atleast_1d(y_hat) if v <= 0.0 or v >= 1.0]
            if bad:
                why = f"{operands[0]} = {bad[0]:g}"
                if self.rounded:
                    why += f" as carried (rounded to {self.decimals} decimals)"
                fix = "; carry more decimals or use --carry exact" if self.rounded else ""
                return f"{where} is infinite: it takes log(0), because {why}{fix}"
        return (
            f"{where} is not finite: a value passes the largest float64 (about 1.8e308) or "
            "is undefined (inf − inf); the scenario's numbers are too large for this calculation"
        )

    def ref(self, key: str) -> str:
        """The full key of an operand: parameters as they are, the rest with the prefix."""
        return key if key in self.shared else self.prefix + key

    def do(
        self,
        key: str,
        op: str,
        operands: Sequence[str],
        symbol: Symbol,
        label: Label,
        **info: Any,
    ) -> np.ndarray:
        """``op`` of this sequence at the current phase and time: short keys, prefixed here."""
        return self.op(
            self.key(key),
            op,
            [self.ref(k) for k in operands],
            symbol=symbol,
            label=label,
            phase=self.phase,
            time=self.time,
            info=info,
        )

    def at(self, phase: str, time: int | None) -> Recorder:
        """Set the phase and time of the next steps; returns self for chaining."""
        self.phase, self.time = phase, time
        return self


def part_of(key: str, prefix: str) -> str:
    """The model part of a full key: ``s2.enc.h_3`` -> ``enc.``; ``h_3``, ``dW_hh`` -> ''."""
    name = key[len(prefix) :] if prefix and key.startswith(prefix) else key
    part, dot, _ = name.partition(".")
    return part + dot if dot else ""
