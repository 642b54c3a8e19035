"""The frame of an HTML page: head, stylesheet, controls, the numbers as data, the script;
and a loss curve as inline SVG."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from html import escape
from typing import TYPE_CHECKING

import numpy as np

from rnntrace._internal.render.html_assets import CSS, JS

if TYPE_CHECKING:
    from rnntrace._internal.render.html import HtmlPrinter

LARGE_NOTE = (
    '<noscript><p class="rt-note">This page is large: its script shows its later parts as '
    "they are needed. Without JavaScript, write a part of the trace instead: rnntrace run "
    "SCENARIO --format html --steps N-M.</p></noscript>\n"
)


def document(
    printer: HtmlPrinter, title: str, content: Sequence[str], *, fragment: bool = False,
    script: bool = True,
) -> Iterator[str]:  # fmt: skip
    """The whole page around ``content``: the stylesheet, and (unless a ``fragment`` or no
    ``script``) the controls, the provenance panel, the numbers as data and the script."""
    if fragment:
        yield f'<div class="rt"><style>{CSS}</style>'
        yield from content
        yield "</div>"
        return
    yield ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
           '<meta name="viewport" content="width=device-width, initial-scale=1">'
           f"<title>{escape(title)}</title><style>{CSS}</style></head>\n"
           f'<body data-chain="{printer.chain}"><div class="rt">\n')  # fmt: skip
    if script:
        yield ('<div id="rt-controls" hidden><button type="button" id="rt-chain"></button> '
               '<span class="rt-note">j / k: next / previous step; Esc: clear</span>'
               "</div>\n")  # fmt: skip
    yield from content
    if not script:
        yield "</div></body></html>\n"
        return
    yield '<div id="rt-panel" hidden role="status"></div></div>\n'
    yield f'<script type="application/json" id="rt-data">{printer.data()}</script>\n'
    yield f"<script>{JS}</script>\n</body></html>\n"


def loss_curve_svg(losses: Sequence[float], width: int = 360, height: int = 120) -> str:
    """A loss curve as an inline SVG (sampled to at most ``width`` points)."""
    values = np.asarray(losses, dtype=float)
    if values.size < 2 or not np.all(np.isfinite(values)):
        return ""
    step = max(1, values.size // width)
    sampled = values[::step]
    low, high = float(sampled.min()), float(sampled.max())
    span = (high - low) or 1.0
    xs = np.linspace(0, width, sampled.size)
    ys = height - (sampled - low) / span * (height - 10) - 5
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'role="img" aria-label="loss curve"><polyline fill="none" stroke="#1f5fbf" '
            f'stroke-width="1.5" points="{points}"/></svg>')  # fmt: skip
