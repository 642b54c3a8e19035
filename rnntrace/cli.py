"""The command line. Thin: parse arguments, read and write files, map errors to exit codes.

Exit codes: 0 success, 1 verification found wrong answers, 2 bad input or usage.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from rnntrace import __version__
from rnntrace.errors import RnntraceError

F = TypeVar("F", bound=Callable[..., Any])
EXAMPLES = {"sentiment": "sentiment.yaml", "i-love-ai": "i-love-ai.yaml"}
SCENARIO_ARG = click.Path(dir_okay=False, path_type=Path)


def fail_cleanly(func: F) -> F:
    """Turn library errors into one line on stderr and exit code 2 (traceback with --debug)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except RnntraceError as exc:
            if click.get_current_context().find_root().params.get("debug"):
                raise
            click.echo(str(exc).replace("\n", " "), err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rnntrace")
@click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
def cli(debug: bool) -> None:
    """Hand calculations of recurrent neural networks, step by step.

    \b
    Examples:
      rnntrace init my.yaml --example sentiment
      rnntrace run my.yaml
      rnntrace run my.yaml --phase backward --steps 5-6
      rnntrace run my.yaml --format json -o trace.json
    """


@cli.command()
@click.argument("scenario", type=SCENARIO_ARG)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: the worked solution; json: every step as data.",
)
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
@click.option(
    "--carry",
    type=click.Choice(["exact", "rounded"]),
    help="exact: float64 throughout; rounded: every intermediate rounded to "
    "numbers.decimals before it is used again, as by hand.",
)
@click.option(
    "--round-terms/--no-round-terms",
    default=None,
    help="With --carry rounded, also round each product before adding.",
)
@click.option(
    "--arrays",
    type=click.Choice(["auto", "lists"]),
    default="auto",
    show_default=True,
    help="JSON only: auto writes arrays of more than 256 entries as base64 float64 "
    "(exact, fast); lists writes every array as nested lists.",
)
@click.option("--full", is_flag=True, help="Write out large matrices and row expansions in full.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (atomically) instead of the terminal.",
)
@click.option("--force", is_flag=True, help="Overwrite the --output file if it exists.")
@fail_cleanly
def run(
    scenario: Path,
    fmt: str,
    phases: tuple[str, ...],
    steps: str | None,
    decimals: int | None,
    carry: str | None,
    round_terms: bool | None,
    arrays: str,
    full: bool,
    output: Path | None,
    force: bool,
) -> None:
    """Trace SCENARIO: the complete hand calculation, step by step.

    Parameters first, then each time step of the forward pass, the outputs and the
    loss, each time step of backpropagation through time, the gradient sums and the
    SGD update.

    \b
    Examples:
      rnntrace run scenarios/sentiment.yaml
      rnntrace run scenarios/sentiment.yaml --carry exact --decimals 4
      rnntrace run scenarios/sentiment.yaml --phase forward --steps 1-2
      rnntrace run scenarios/sentiment.yaml --format json | jq '.steps[0]'
    """
    from rnntrace.engine import trace_scenario
    from rnntrace.render.select import Selection, parse_steps
    from rnntrace.scenario import load_scenario

    loaded = load_scenario(scenario)
    policy = loaded.numbers
    if carry is not None or round_terms is not None:
        from dataclasses import replace

        policy = replace(
            policy,
            carry=carry or policy.carry,
            round_terms=policy.round_terms if round_terms is None else round_terms,
        )
    trace = trace_scenario(loaded, policy)
    first, last = parse_steps(steps) if steps else (None, None)
    selection = Selection(frozenset(phases), first, last)
    if fmt == "json":
        from rnntrace.render.json import render_json

        chunks = render_json(trace, selection, arrays)
        if output:
            from rnntrace.files import write_atomic

            write_atomic(output, chunks, force=force)
        else:
            for chunk in chunks:
                click.echo(chunk, nl=False)
        return
    _print_text(trace, selection, decimals, full, output, force)


def _print_text(
    trace: Any, selection: Any, decimals: int | None, full: bool, output: Path | None, force: bool
) -> None:
    from rich.console import Console, Group

    from rnntrace.render.text import TextSettings, merge_texts, render_text

    settings = TextSettings(decimals=decimals, full=full)
    report = Group(*merge_texts(render_text(trace, selection, settings)))
    if output is None:
        # The printer lays lines out to fit 80 columns itself: soft wrap spares rich the work.
        Console(highlight=False).print(report, soft_wrap=True)
        return
    import io

    from rnntrace.files import write_atomic

    buffer = io.StringIO()
    console = Console(file=buffer, width=100, color_system=None, highlight=False)
    console.print(report, soft_wrap=True)
    write_atomic(output, [buffer.getvalue()], force=force)


@cli.command()
@click.argument("scenario", type=SCENARIO_ARG)
@fail_cleanly
def validate(scenario: Path) -> None:
    """Check SCENARIO and say what it describes; exit 2 with the first problem.

    \b
    Example:
      rnntrace validate scenarios/sentiment.yaml
    """
    from rnntrace.scenario import load_scenario

    loaded = load_scenario(scenario)
    sizes = loaded.sizes
    steps = sum(seq.length for seq in loaded.sequences)
    n = len(loaded.sequences)
    model = loaded.model
    click.echo(
        f"{scenario}: valid: {n} sequence{'s' if n > 1 else ''} ({steps} time steps), "
        f"D = {sizes['D']}, H = {sizes['H']}, K = {sizes['K']}; "
        f"{model.cell} ({model.activation}), output {model.output}, head {model.head}, "
        f"loss {model.loss}; numbers {loaded.numbers.carry}, {loaded.numbers.decimals} decimals"
    )


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default="scenario.yaml")
@click.option(
    "--example",
    type=click.Choice(sorted(EXAMPLES)),
    default="sentiment",
    show_default=True,
    help="Which bundled scenario to start from.",
)
@fail_cleanly
def init(path: Path, example: str) -> None:
    """Write a starter scenario to PATH (default scenario.yaml); never overwrites a file.

    \b
    Examples:
      rnntrace init
      rnntrace init hello.yaml --example i-love-ai
    """
    from importlib import resources

    from rnntrace.files import write_atomic

    text = (
        resources.files("rnntrace")
        .joinpath("examples", EXAMPLES[example])
        .read_text(encoding="utf-8")
    )
    write_atomic(path, [text])
    click.echo(f"wrote {path} (the {example!r} example); next: rnntrace run {path}")


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format, for editors that validate YAML.

    \b
    Example:
      rnntrace schema > rnntrace-scenario.schema.json
    """
    import json

    from rnntrace.scenario.schema import SCHEMA

    click.echo(json.dumps(SCHEMA, indent=2))


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="rnntrace")
