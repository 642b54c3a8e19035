"""What the API returns for a calculation: a trace and a comparison of two, each
wrapping the engine's own result and displaying itself in Jupyter (``_repr_html_``,
``_repr_markdown_``, ``_repr_latex_``) and in IPython's plain REPL (``_repr_pretty_``)."""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from rnntrace._internal.api import printers

if TYPE_CHECKING:
    from rnntrace._internal.render.select import Selection
    from rnntrace._internal.scenario import Scenario
    from rnntrace._internal.trace import Step, TraceMeta
    from rnntrace._internal.trace import Trace as CoreTrace


def table(head: Sequence[str], rows: Sequence[Sequence[str]], markdown: bool) -> str:
    """A table as escaped HTML, or as Markdown (``|`` in a cell escaped)."""
    if markdown:
        cells = [list(head), ["---"] * len(head), *[list(row) for row in rows]]
        return "\n".join(
            "| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells
        ) + "\n"  # fmt: skip
    top = "".join(f"<th>{html.escape(c)}</th>" for c in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f'<table class="rnntrace"><thead><tr>{top}</tr></thead><tbody>{body}</tbody></table>'


class Trace:
    """A traced scenario: every step of the hand calculation by its stable key.

    ``trace["h_2"]`` is the step (``.value``, ``.carried``, ``.operands``, ``.op``,
    ``.label``); ``trace.operands("h_2")`` the steps it was computed from;
    ``trace.select("s1.h_*")`` the steps whose keys match; ``trace.only(steps=2)`` a view of
    one time step, which the printers and Jupyter show alone."""

    __module__ = "rnntrace"  # its public name: rnntrace.Trace

    def __init__(
        self, raw: CoreTrace, scenario: Scenario, selection: Selection | None = None
    ) -> None:
        self.raw = raw  #: the engine's Trace, as the CLI's printers receive it
        self.scenario = scenario  #: the scenario, with the number policy it was traced with
        self.selection = selection

    @property
    def meta(self) -> TraceMeta:
        """Title, sizes, conventions and number policy of the trace."""
        return self.raw.meta

    @property
    def steps(self) -> list[Step]:
        """The steps shown (all, or those of :meth:`only`), in the order of the calculation."""
        if self.selection is None:
            return list(self.raw.steps)
        return [step for step in self.raw.steps if self.selection.shows(step)]

    def __getitem__(self, key: str) -> Step:
        return self.raw[key]

    def __contains__(self, key: object) -> bool:
        return key in self.raw

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def keys(self) -> list[str]:
        """The keys of the steps shown, in order."""
        return [step.key for step in self.steps]

    def operands(self, key: str) -> dict[str, Step]:
        """The steps that ``key`` was computed from, by key, in the order of its op."""
        return {name: self.raw[name] for name in self.raw[key].operands}

    def select(self, *patterns: str) -> list[Step]:
        """The steps whose keys match any shell pattern (``"s1.h_*"``, ``"dW_??"``), in trace
        order; without a sequence prefix a pattern means every sequence. KeyError names a
        pattern that matches nothing."""
        return self.raw.select(list(patterns))

    def only(self, *, steps: Any = None, phases: Any = ()) -> Trace:
        """A view of some time steps (``2``, ``"1-3"``) and phases (``"forward"``, ...)."""
        return Trace(self.raw, self.scenario, printers.selection(steps, phases))

    def other_chain(self) -> CoreTrace | None:
        """The same calculation with the other carry: the hand-rounded chain of an exact
        trace, the exact one of a rounded trace (the HTML page's toggle shows both); None
        when rounding overflows (a loss of log 0)."""
        from rnntrace._internal.engine import trace_scenario
        from rnntrace._internal.errors import NumericError

        policy = self.scenario.numbers
        flipped = "exact" if policy.carry == "rounded" else "rounded"
        try:
            return trace_scenario(self.scenario, replace(policy, carry=flipped))
        except NumericError:
            return None

    def __repr__(self) -> str:
        meta = self.meta
        return (f"<rnntrace.Trace {meta.title!r}: {len(self)} steps, carry {meta.carry}, "
                f"{meta.decimals} decimals>")  # fmt: skip

    def _repr_html_(self) -> str:
        return printers.to_html(self, fragment=True)

    def _repr_markdown_(self) -> str:
        return printers.to_markdown(self)

    def _repr_latex_(self) -> str:
        return printers.to_latex(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self) if cycle else printers.to_text(self))


class Comparison:
    """The steps whose values differ between two traces, with the largest difference."""

    __module__ = "rnntrace"  # its public name: rnntrace.Comparison

    def __init__(self, before: Trace, after: Trace) -> None:
        self.rows: list[tuple[str, float]] = []
        for step in before.raw:
            if step.key in after.raw and after.raw[step.key].shape == step.shape:
                change = np.abs(after.raw[step.key].carried - step.carried)
                largest = float(change.max()) if change.size else 0.0
                if largest > 0:
                    self.rows.append((step.key, largest))
        self.before, self.after = before, after

    @property
    def changed(self) -> list[str]:
        """The keys whose values changed, in the order of the calculation."""
        return [key for key, _ in self.rows]

    def _cells(self) -> list[list[str]]:
        digits = self.before.meta.decimals + 1
        return [
            [key, ", ".join(f"{v:.{digits}f}" for v in self.before.raw[key].carried.ravel()[:6]),
             ", ".join(f"{v:.{digits}f}" for v in self.after.raw[key].carried.ravel()[:6]),
             f"{largest:.{digits}g}"]
            for key, largest in self.rows
        ]  # fmt: skip

    _HEAD = ("key", "before", "after", "largest change")

    def __repr__(self) -> str:
        return f"<rnntrace.Comparison: {len(self.rows)} steps changed>"

    def _repr_html_(self) -> str:
        return table(self._HEAD, self._cells(), False)

    def _repr_markdown_(self) -> str:
        return table(self._HEAD, self._cells(), True)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        lines = [f"{k}: {b} -> {a} (largest change {c})" for k, b, a, c in self._cells()]
        p.text(repr(self) if cycle else "\n".join([repr(self), *lines]))
