"""How large a trace, and its output, will be — estimated before anything is built.

A trace keeps every step: per time step about 12 + 12g steps (g = ``CellKind.gates``: 1 for
the simple RNN, 3 for the GRU, 4 for the LSTM; per layer and direction) and the values of
them, dominated by the gradient contributions δz_t x_tᵀ and δz_t h_(t−1)ᵀ (g·H·(H + D) numbers) and
δo_t h_tᵀ (K·H). Measured: a step costs about 1.5 KB of memory besides its values
(8 bytes a number, twice when numbers are carried rounded); written out, about 700
characters of text or 400 of JSON, plus the numbers of the arrays (about 11 characters
each in JSON's base64, 12 in text with --full); an HTML page, see ``html_bytes``. Beyond
the limits below ``run`` and ``export`` refuse before tracing, and every JSON writer
(``run``'s and ``train --trace-epoch``'s from the trace made; ``gradflow``'s and
``train``'s from the records and numbers of their documents) before writing, in one line
naming the estimate and the ways out.
"""

from __future__ import annotations

from rnntrace._internal import cells
from rnntrace._internal.errors import RnntraceError
from rnntrace._internal.records import record
from rnntrace._internal.scenario.model import Scenario

TRACE_LIMIT = 200_000_000  # bytes of memory for the trace
OUTPUT_LIMITS = {
    "json": 200_000_000,
    "text": 20_000_000,
    "latex": 20_000_000,
    "markdown": 20_000_000,
    "html": 20_000_000,
}  # fmt: skip  (text is written at about 1 MB/s)
STEP_BYTES = 1500
# A JSON document of records with numbers written in decimal (gradflow's steps and
# distances, train's epochs): characters per record besides its numbers, and per number
# (a float64's shortest repr with its separator; measured, rounded up).
JSON_RECORD, JSON_NUMBER = 150, 24
# An HTML page of a trace: bytes per step and per number of the estimate below, for a page
# written whole and for one that keeps its steps compressed (``run``'s page, once they pass
# 1.5 MB: render.html.STATIC_BYTES), fitted to real pages of rnn, LSTM, GRU, bidirectional
# and stacked models (H = 3–30, T = 5–3,000): within a factor of 2 (docs/html.md).
HTML_WHOLE, HTML_PACKED = (460, 120), (100, 23.5)
HTML_PACKED_FROM = 2_000_000  # the estimate of a whole page beyond which run's is packed


@record
class SizeEstimate:
    """Steps, numbers, memory and output bytes of a trace."""

    steps: int
    entries: int
    time_steps: int
    memory: int

    def output(self, fmt: str, fraction: float = 1.0, full: bool = False,
               packed: bool = True) -> int:  # fmt: skip
        """Bytes of output in ``fmt`` for the given fraction of the steps (HTML: ``packed``
        for a page that may keep its steps compressed, as run's does; an export's is whole)."""
        if fmt == "html":
            return int(html_bytes(fraction * self.steps, fraction * self.entries, packed))
        per_step = 400 if fmt == "json" else 700
        per_entry = 11 if fmt == "json" else (12 if full else 0)
        return int(fraction * (self.steps * per_step + self.entries * per_entry))


def html_bytes(steps: float, numbers: float, packed: bool = True) -> float:
    """Bytes of an HTML page of ``steps`` steps holding ``numbers`` numbers: written whole,
    or, ``packed``, with its steps compressed once a whole page would be large."""
    step, number = HTML_WHOLE
    whole = steps * step + numbers * number
    if not packed or whole <= HTML_PACKED_FROM:
        return whole
    packed_step, packed_number = HTML_PACKED
    return steps * packed_step + numbers * packed_number


def estimate(scenario: Scenario) -> SizeEstimate:
    """The size of ``scenario``'s trace, from its sizes alone."""
    dims = scenario.dims
    H, D, K = dims.get("H", 1), dims.get("D", 1), dims.get("K", 0)
    g = cells.get(scenario.model.cell).gates
    copies = 2 if scenario.numbers.rounded else 1
    model = scenario.model
    parts = model.layers * (2 if model.topology == "bidirectional" else 1)
    T = sum(seq.length + (seq.out_length or 0) for seq in scenario.sequences)
    per_t = g * H * (H + D) + K * H + 10 * (g * H + K + D)
    if model.attention != "none":
        per_t += 4 * T // max(len(scenario.sequences), 1) * (H + 1)
    steps = T * parts * (12 + 12 * g)
    entries = T * parts * per_t
    return SizeEstimate(steps, entries, T, steps * STEP_BYTES + entries * 8 * copies)


def _mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB" if n >= 1e6 else f"{n / 1e3:,.0f} KB"


def refuse_large(
    scenario: Scenario,
    command: str = "run",
    fmt: str = "text",
    fraction: float = 1.0,
    full: bool = False,
    allow_large: bool = False,
) -> None:
    """Raise a one-line RnntraceError when the trace (or ``fraction`` of it written in
    ``fmt``) would pass its limit, unless ``allow_large``."""
    if allow_large:
        return
    size = estimate(scenario)
    what = f"{size.time_steps:,} time steps, H = {scenario.dims.get('H')}"
    if size.memory > TRACE_LIMIT:
        ways = ", or pass --allow-large to try anyway" if command == "run" else ""
        raise RnntraceError(
            f"{scenario.file}: the trace would take about {_mb(size.memory)} of memory "
            f"({what}, about {size.steps:,} steps; the limit is {_mb(TRACE_LIMIT)}); trace "
            f"fewer or shorter sequences or a smaller model{ways}"
        )
    ways = ("choose a part with --steps N-M or --phase, or pass --allow-large"
            if command == "run" else "rnntrace run --steps N-M traces a part")  # fmt: skip
    refuse_output(str(scenario.file), fmt, size.output(fmt, fraction, full, command == "run"),
                  f"{what}, about {size.steps:,} steps", ways)  # fmt: skip


def refuse_output(source: str, fmt: str, estimate: int, what: str, ways: str) -> None:
    """Raise a one-line RnntraceError when ``estimate`` bytes of ``fmt`` output pass the
    limit: the estimate, what it is of, the limit and the ways out."""
    limit = OUTPUT_LIMITS.get(fmt, OUTPUT_LIMITS["text"])
    if estimate > limit:
        raise RnntraceError(
            f"{source}: the {fmt} output would be about {_mb(estimate)} ({what}; the limit "
            f"is {_mb(limit)}); {ways}"
        )


def document_bytes(records: int, numbers: int) -> int:
    """Bytes of a JSON document of ``records`` records holding ``numbers`` numbers written in
    decimal (gradflow's, train's)."""
    return records * JSON_RECORD + numbers * JSON_NUMBER


def trace_bytes(steps: int, entries: int, fmt: str = "json") -> int:
    """Bytes of ``fmt`` output of a trace's ``steps`` steps holding ``entries`` numbers (the
    estimate of ``SizeEstimate.output``, from a trace already made)."""
    return SizeEstimate(steps, entries, 0, 0).output(fmt)


def selected_fraction(
    scenario: Scenario, phases: tuple[str, ...], first: int | None, last: int | None
) -> float:
    """The share of the steps that ``--phase`` and ``--steps`` keep (an estimate)."""
    share = {"forward": 0.4, "loss": 0.05, "backward": 0.45, "gradient": 0.45, "update": 0.02}
    fraction = min(1.0, sum(share[p] for p in set(phases))) if phases else 1.0
    if first is not None and last is not None:
        longest = max(seq.length + (seq.out_length or 0) for seq in scenario.sequences)
        fraction *= min(1.0, (last - first + 1) / longest + 0.01)
    return fraction
