"""The click group, and what every command shares: error handling, scenario arguments,
loading and tracing with the number-policy options."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from rnntrace import __version__
from rnntrace.errors import RnntraceError

if TYPE_CHECKING:
    from rnntrace.trace import Trace

F = TypeVar("F", bound=Callable[..., Any])
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


def trace_file(path: Path, carry: str | None = None, round_terms: bool | None = None) -> Trace:
    """Load and trace a scenario file; ``carry`` and ``round_terms`` override its numbers."""
    from dataclasses import replace

    from rnntrace.engine import trace_scenario
    from rnntrace.scenario import load_scenario

    scenario = load_scenario(path)
    policy = scenario.numbers
    if carry is not None:
        policy = replace(policy, carry=carry)
    if round_terms is not None:
        policy = replace(policy, round_terms=round_terms)
    return trace_scenario(scenario, policy)
