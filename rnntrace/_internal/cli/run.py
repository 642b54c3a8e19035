"""`rnntrace run`: the worked solution in the terminal, in a file, or as JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from rnntrace._internal.cli.base import (
    SCENARIO_ARG,
    cli,
    eval_option,
    fail_cleanly,
    number_policy_options,
    trace_file,
)
from rnntrace._internal.cli.output import (
    check_layout,
    check_standalone,
    emit,
    file_format,
    format_option,
    layout_option,
    output_option,
    standalone_option,
)


@cli.command()
@click.argument("scenario", type=SCENARIO_ARG)
@format_option("run")
@standalone_option("run")
@click.option(
    "--phase",
    "phases",
    multiple=True,
    type=click.Choice(["forward", "loss", "backward", "gradient", "update"]),
    help="Show only this part (repeatable). forward includes the parameters and "
    "the loss; backward includes the gradients.",
)
@click.option("--steps", help="Show only these time steps: N or N-M (e.g. 1-3).")
@click.option(
    "--decimals",
    type=click.IntRange(0, 12),
    help="Decimals shown (default: the scenario's numbers.decimals). Does not change "
    "what is carried.",
)
@number_policy_options
@click.option(
    "--arrays",
    type=click.Choice(["auto", "lists"]),
    default="auto",
    show_default=True,
    help="JSON only: auto writes arrays of more than 256 entries as base64 float64 "
    "(exact, fast); lists writes every array as nested lists.",
)
@click.option("--full", is_flag=True, help="Write out large matrices and row expansions in full.")
@layout_option("With --format latex or markdown: the layout of the worked solution")
@output_option("run", "Write to this file (atomically) instead of the terminal")
@click.option("--force", is_flag=True, help="Overwrite the --output file if it exists.")
@click.option("--allow-large", is_flag=True, help="Trace even beyond the size limits.")
@eval_option
@fail_cleanly
def run(
    scenario: Path,
    fmt: str,
    standalone: bool,
    phases: tuple[str, ...],
    steps: str | None,
    decimals: int | None,
    carry: str | None,
    round_terms: bool | None,
    arrays: str,
    full: bool,
    layout: str,
    output: Path | None,
    force: bool,
    allow_large: bool,
    evaluate: bool,
) -> None:
    """Trace SCENARIO: the complete hand calculation, step by step.

    Parameters first, then each time step of the forward pass, the outputs and the
    loss, each time step of backpropagation through time, the gradient sums and the
    SGD update.

    \b
    Examples:
      rnntrace init review.yaml --example sentiment
      rnntrace run review.yaml
      rnntrace run review.yaml --carry exact --decimals 4
      rnntrace run review.yaml --phase forward --steps 1-2
      rnntrace run review.yaml --format json | jq '.steps[0]'
      rnntrace run review.yaml --format latex --standalone -o solution.tex
      rnntrace run review.yaml --format markdown --steps 1-2 > solution.md
      rnntrace run review.yaml --format latex --layout seed -o seed.tex
      rnntrace run review.yaml --format html -o solution.html

    With model.dropout the trace shows the masks and the dropped values (training mode,
    the masks of epoch 1); --eval traces the model with dropout off.
    """
    from rnntrace._internal.render.select import Selection, check_steps, parse_steps

    fmt = file_format("run", fmt, output)
    check_standalone("run", fmt, standalone)
    check_layout(fmt, layout, ("latex", "markdown"))
    first, last = parse_steps(steps) if steps else (None, None)
    trace = trace_file(scenario, carry, round_terms, _size_check(fmt, phases, first, last,
                                                                 full, allow_large),
                       evaluate)  # fmt: skip
    if steps and first is not None and last is not None:
        check_steps(steps, first, last, sorted({s.time for s in trace if s.time is not None}))
    selection = Selection(frozenset(phases), first, last)
    other = None
    if fmt == "html":  # the page shows both the exact and the hand-rounded chain
        from rnntrace._internal.errors import NumericError

        flipped = "exact" if trace.meta.carry == "rounded" else "rounded"
        try:
            other = trace_file(scenario, flipped, round_terms, evaluate=evaluate)
        except NumericError:  # rounding overflowed (a loss of log 0): one chain only
            other = None
    emit_trace(trace, fmt, selection, decimals=decimals, full=full, standalone=standalone,
               arrays=arrays, output=output, force=force, source=str(scenario),
               allow_large=allow_large, other=other, layout=layout)  # fmt: skip


def _size_check(fmt: str, phases: tuple[str, ...], first: int | None, last: int | None,
                full: bool, allow_large: bool) -> Any:  # fmt: skip
    """The size limit of rnntrace._internal.engine.size, for this format and selection."""
    from rnntrace._internal.engine.size import refuse_large, selected_fraction

    return lambda scenario: refuse_large(
        scenario, "run", fmt, selected_fraction(scenario, phases, first, last), full, allow_large
    )


def emit_trace(
    trace: Any, fmt: str, selection: Any = None, *, decimals: int | None = None,
    full: bool = False, standalone: bool = False, arrays: str = "auto",
    output: Path | None = None, force: bool = False, source: str = "", allow_large: bool = False,
    ways: str = "choose a part with --steps N-M or --phase, or pass --allow-large",
    other: Any = None, layout: str = "standard",
) -> None:  # fmt: skip
    """Print or write a trace in one of run's formats (text, json, latex, markdown, html;
    ``other``: the chain with the other carry, for html's exact/rounded toggle). JSON
    beyond its size limit is refused first (one line: the estimate and ``ways`` out of it),
    unless ``allow_large``."""
    from rnntrace._internal.render.select import Selection

    selection = selection or Selection()
    if fmt == "json" and not allow_large:
        _refuse_json(trace, selection, source or trace.meta.title, ways)
    emit("run", fmt, trace, selection, output=output, force=force, standalone=standalone,
         decimals=decimals, full=full, arrays=arrays, other=other, layout=layout)  # fmt: skip


def _refuse_json(trace: Any, selection: Any, source: str, ways: str) -> None:
    """The JSON writer's own size check, from the steps it would write."""
    from rnntrace._internal.engine.size import refuse_output, trace_bytes

    shown = [step for step in trace if selection.shows(step)]
    entries = sum(step.value.size for step in shown) * (2 if trace.meta.carry == "rounded" else 1)
    refuse_output(source, "json", trace_bytes(len(shown), entries),
                  f"{len(shown):,} steps, {entries:,} numbers", ways)  # fmt: skip
