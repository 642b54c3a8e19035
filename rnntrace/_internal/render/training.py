"""Printers for a training run (the JSON-ready document of ``engine.training.document``):
a table of the reported epochs with a sparkline of the loss for the terminal, and a table
with a pgfplots loss curve for LaTeX."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float], width: int = 60) -> str:
    """The values as a row of bars, sampled down to ``width`` (log scale when they span more
    than a factor of 100)."""
    if not values:
        return ""
    step = max(1, math.ceil(len(values) / width))
    sampled = [values[i] for i in range(0, len(values), step)]
    positive = all(v > 0 for v in sampled)
    use_log = positive and max(sampled) / min(sampled) > 100
    points = [math.log10(v) for v in sampled] if use_log else list(sampled)
    low, high = min(points), max(points)
    span = (high - low) or 1.0
    return "".join(BARS[min(7, int((p - low) / span * 7.999))] for p in points)


def _figure(value: float) -> str:
    """4 decimals, or 4 significant digits for a value too large or small for them."""
    return f"{value:.4f}" if 1e-3 <= abs(value) < 1e6 or value == 0 else f"{value:.4g}"


def render_training_text(doc: dict[str, Any]) -> Iterator[RenderableType]:
    """The terminal report: settings, the table of reported epochs, the loss curve."""
    s = doc["settings"]
    yield Text(f"Training: {doc['title']}", style="bold")
    yield Text(
        f"{s['epochs']:,} epochs, learning rate {s['learning_rate']:g}, "
        + (f"clipping at global norm {s['clip']:g}, " if s["clip"] else "no clipping, ")
        + (f"L2 weight decay {s['l2']:g}, " if s["l2"] else "no weight decay, ")
        + (
            f"BPTT window k = {s['bptt_window']}"
            if "bptt_window" in s
            else "full BPTT"
            if s["bptt"] == "full"
            else f"truncated BPTT, k = {s['bptt']}"
        )
        + technique_words(s)
    )
    yield Text(
        "Epoch N's loss is the loss before the N-th update (epoch 1: the untrained model).",
        style="dim",
    )
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("epoch", justify="right")
    table.add_column("loss", justify="right")
    several = len(doc["sequences"]) > 1
    if several:
        for i in range(len(doc["sequences"])):
            table.add_column(f"seq {i + 1}", justify="right")
    extra = technique_columns(s)
    for name in extra:
        table.add_column(name, justify="right")
    table.add_column("grad norm", justify="right")
    table.add_column("clipped")
    for row in doc["reported"]:
        cells = [f"{row['epoch']:,}", _figure(row["loss"])]
        if several:
            cells += [_figure(v) for v in row["sequence_losses"]]
        cells += [_figure(v) for v in technique_cells(row, s)]
        cells += [_figure(row["grad_norm"]), "yes" if row["clipped"] else "no"]
        table.add_row(*cells)
    yield table
    losses = doc["losses"]
    if len(losses) > 1:
        yield Text(f"loss {_figure(losses[0])} {sparkline(losses)} {_figure(losses[-1])}")


def render_training_latex(doc: dict[str, Any], standalone: bool = False) -> str:
    """A table of the reported epochs and a pgfplots figure of the loss, in LaTeX."""
    from rnntrace._internal.render.texescape import latex_text

    s = doc["settings"]
    rows = "\n".join(
        f"{r['epoch']} & {r['loss']:.4f} & "
        + "".join(f"{v:.4f} & " for v in technique_cells(r, s))
        + f"{r['grad_norm']:.4f} & {'yes' if r['clipped'] else 'no'} \\\\"
        for r in doc["reported"]
    )
    extra = technique_columns(s, latex=True)
    header = " & ".join(["epoch", "loss", *extra, "gradient norm", "clipped"])
    spec = "rr" + "r" * len(extra) + "rl"
    losses = doc["losses"]
    step = max(1, len(losses) // 400)
    coords = " ".join(f"({i + 1},{losses[i]:.6g})" for i in range(0, len(losses), step))
    log = all(v > 0 for v in losses) and max(losses) / max(min(losses), 1e-300) > 100
    axis = "semilogyaxis" if log else "axis"
    body = (
        f"\\paragraph{{Training: {latex_text(doc['title'])}.}} Epoch $N$'s loss is the loss "
        "before the $N$-th update (epoch 1: the untrained model).\n"
        f"\\begin{{center}}\n\\begin{{tabular}}{{{spec}}}\n\\hline\n"
        f"{header} \\\\\n\\hline\n"
        f"{rows}\n\\hline\n\\end{{tabular}}\n\\end{{center}}\n\n"
        "\\begin{center}\n\\begin{tikzpicture}\n"
        f"\\begin{{{axis}}}[width=0.8\\linewidth, height=5cm, xlabel={{epoch}}, "
        "ylabel={loss}, grid=major]\n"
        f"\\addplot[thick, mark=none] coordinates {{{coords}}};\n"
        f"\\end{{{axis}}}\n\\end{{tikzpicture}}\n\\end{{center}}\n"
    )
    if not standalone:
        return body
    return (
        "\\documentclass{article}\n\\usepackage{pgfplots}\n\\pgfplotsset{compat=1.16}\n"
        "\\begin{document}\n" + body + "\\end{document}\n"
    )


# -- seed 001's techniques (issue 13): columns only when they are on ---------------------------
def technique_words(s: dict[str, Any]) -> str:
    """The settings line's words for the techniques that are on."""
    words = ""
    if "lr_schedule" in s:
        schedule = s["lr_schedule"]
        words += f", {schedule['kind']} learning-rate decay r = {schedule['decay']:g}"
    if "l2_penalty" in s:
        words += f", L2 penalty {s['l2_penalty']:g}"
    if "recurrent_decay" in s:
        words += f", recurrent weight decay {s['recurrent_decay']:g}"
    if "clip_eps" in s:
        words += f", clipping epsilon {s['clip_eps']:g}"
    if "scheduled_sampling" in s:
        sampling = s["scheduled_sampling"]
        words += (", scheduled sampling (the given coins every epoch)"
                  if isinstance(sampling["coins"], list) else
                  f", scheduled sampling (epsilon_0 = {sampling['epsilon0']:g}, lambda = "
                  f"{sampling['decay']:g}; coins drawn again every epoch from seed "
                  f"{sampling['seed']})")  # fmt: skip
    return words


def technique_columns(s: dict[str, Any], latex: bool = False) -> list[str]:
    """The extra columns: η of the epoch, the penalty and the total loss."""
    columns = []
    if "lr_schedule" in s:
        columns.append("$\\eta$" if latex else "η")
    if "l2_penalty" in s:
        columns += ["penalty", "total loss" if latex else "total"]
    return columns


def technique_cells(row: dict[str, Any], s: dict[str, Any]) -> list[float]:
    """A reported epoch's figures for ``technique_columns``."""
    cells = []
    if "lr_schedule" in s:
        cells.append(row["learning_rate"])
    if "l2_penalty" in s:
        cells += [row["penalty"], row["total_loss"]]
    return cells
