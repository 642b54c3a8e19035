"""A terminal plot of values on a log scale against k = 1..K, in plain characters:

    1e0  ┤●
         │  ●
   1e−1  ┤     ●  ○
         └──┬─────┬──
            1     2   k

Each series has a marker; where two meet the earlier series wins. Zeros (log of 0) are
left out and said so under the plot.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rnntrace._internal.render.gradflow_words import brief
from rnntrace._internal.render.numfmt import MINUS


@dataclass(frozen=True)
class Series:
    """One line of the plot: a marker, its legend and a value for each k (None: none)."""

    marker: str
    label: str
    values: Sequence[float | None]


def log_plot(series: Sequence[Series], width: int = 60, height: int = 11) -> list[str]:
    """The plot's lines (at most 9 + ``width`` characters wide)."""
    K = max(len(s.values) for s in series)
    logs = [math.log10(v) for s in series for v in s.values if v is not None and _plotted(v)]
    if not logs or K == 0:
        return ["(nothing to plot: every value is 0 or too large for float64)"]
    top: float = math.ceil(max(logs))
    bottom: float = math.floor(min(logs))
    if top == bottom:
        top += 1
    fine = max(logs) - min(logs) < 0.5  # within half a decade: tenths of a decade
    if fine:
        top, bottom = math.ceil(max(logs) * 10) / 10, math.floor(min(logs) * 10) / 10
        top += 0.1 if top - bottom < 0.1 else 0.0
    cols = min(width, max(4 * K, 16))
    grid = [[" "] * cols for _ in range(height)]

    def x(k: int) -> int:
        return 1 if K == 1 else round(1 + (k - 1) * (cols - 2) / (K - 1))

    def y(log: float) -> int:
        return round((top - log) * (height - 1) / (top - bottom))

    zeros, huge = [], []
    for s in reversed(series):
        for k, value in enumerate(s.values, start=1):
            if value is None:
                continue
            if not math.isfinite(value):
                huge.append((s.label, k))
                continue
            if value <= 0:
                zeros.append((s.label, k))
                continue
            grid[y(math.log10(value))][x(k)] = s.marker
    labels = _fine_labels(top, bottom, height) if fine else _y_labels(int(top), int(bottom),
                                                                       height, y)  # fmt: skip
    lines = []
    for row in range(height):
        label = labels.get(row, "")
        mark = "┤" if label else "│"
        lines.append(f"{label:>7} {mark}" + "".join(grid[row]).rstrip())
    ticks = _x_ticks(K, x, cols)
    axis = ["─"] * cols
    for k in ticks:
        axis[x(k)] = "┬"
    lines.append(" " * 8 + "└" + "".join(axis))
    under = [" "] * (cols + 3)
    for k in ticks:
        text = str(k)
        at = x(k) - len(text) // 2
        if all(c == " " for c in under[max(at - 1, 0) : at + len(text) + 1]):
            under[at : at + len(text)] = list(text)
    lines.append(" " * 9 + "".join(under).rstrip() + "   k")
    lines.append(" " * 9 + "   ".join(f"{s.marker} {s.label}" for s in series))
    for left_out, why in ((zeros, "0, no logarithm"), (huge, "too large for float64")):
        if left_out:
            lines.append(" " * 9 + f"not shown ({why}): " + _where(left_out))
    return lines


def _plotted(value: float | None) -> bool:
    """True for a value the log scale can show (finite and positive)."""
    return value is not None and 0 < value < math.inf


def _where(points: list[tuple[str, int]]) -> str:
    """'‖J‖ at k = 1, 2; ρ at k = 3': the points of each series, series by series."""
    return "; ".join(
        f"{label} at k = {', '.join(str(k) for lab, k in points if lab == label)}"
        for label in sorted({label for label, _ in points})
    )


def _y_labels(top: int, bottom: int, height: int, y: Callable[[float], int]) -> dict[int, str]:
    """Row -> '1e−2' for powers of ten, at most about one every other row."""
    span = top - bottom
    step = max(1, math.ceil(span / max((height - 1) // 2, 1)))
    out = {}
    for power in range(top, bottom - 1, -step):
        out[y(power)] = f"1e{power}".replace("-", MINUS)
    out.setdefault(y(bottom), f"1e{bottom}".replace("-", MINUS))
    return out


def _fine_labels(top: float, bottom: float, height: int) -> dict[int, str]:
    """Row -> the value itself (1.26, 0.794), at the top, the middle and the bottom."""
    rows = [0, (height - 1) // 2, height - 1]
    levels = [top - row * (top - bottom) / (height - 1) for row in rows]
    return {row: brief(10**level, MINUS, 3) for row, level in zip(rows, levels)}


def _x_ticks(K: int, x: Callable[[int], int], cols: int) -> list[int]:
    """The k that get a tick: all when there is room, else 1, K and a few in between."""
    spacing = max(1, math.ceil(4 * K / cols))
    ticks = list(range(1, K + 1, spacing))
    if ticks[-1] != K:
        if x(K) - x(ticks[-1]) < 4:
            ticks.pop()
        ticks.append(K)
    return ticks


def sparkline(values: Sequence[float]) -> str:
    """▁▂▃▅▇ of log10 of the values (zeros as a space)."""
    bars = "▁▂▃▄▅▆▇█"
    logs = [math.log10(v) if 0 < v < math.inf else None for v in values]
    known = [v for v in logs if v is not None]
    if not known:
        return " " * len(values)
    low, high = min(known), max(known)
    scale = (len(bars) - 1) / (high - low) if high > low else 0.0
    return "".join(" " if v is None else bars[round((v - low) * scale)] for v in logs)
