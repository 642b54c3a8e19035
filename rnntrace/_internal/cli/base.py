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
from rnntrace._internal.errors import RnntraceError

if TYPE_CHECKING:
    from rnntrace._internal.scenario.model import Scenario
    from rnntrace._internal.trace import Trace

F = TypeVar("F", bound=Callable[..., Any])
SCENARIO_ARG = click.Path(dir_okay=False, path_type=Path)


def number_policy_options(func: F) -> F:
    """--carry and --round-terms: the scenario's number policy, changed for this command."""
    func = click.option(
        "--round-terms/--no-round-terms",
        default=None,
        help="With --carry rounded, also round each product before adding.",
    )(func)
    return click.option(
        "--carry",
        type=click.Choice(["exact", "rounded"]),
        help="exact: float64 throughout; rounded: every intermediate rounded to "
        "numbers.decimals before it is used again, as by hand (default: the scenario's).",
    )(func)


def eval_option(func: F) -> F:
    """--eval: the model as it is evaluated, dropout off (issue 13)."""
    return click.option(
        "--eval",
        "evaluate",
        is_flag=True,
        help="Evaluation mode: dropout off (model.dropout is ignored); skip connections stay.",
    )(func)


def evaluated(scenario: Scenario, evaluate: bool) -> Scenario:
    """The scenario as ``--eval`` has it: without dropout when ``evaluate``."""
    if not evaluate or scenario.model.dropout is None:
        return scenario
    from dataclasses import replace

    from rnntrace._internal.scenario.load_skipdrop import evaluation

    return replace(scenario, model=evaluation(scenario.model))


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


def one_line_usage_error(exc: click.ClickException) -> str:
    """``rnntrace run: Invalid value for '--steps': ... (rnntrace run --help)``: click's
    three or four lines of usage, blank line and error, said in one."""
    message = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    if ctx is None:
        return f"rnntrace: {message}"
    return f"{ctx.command_path}: {message} (see {ctx.command_path} --help)"


# command -> the module of rnntrace._internal.cli that defines it (imported only when it is used, so
# that `rnntrace run` does not pay for importing every other command's dependencies)
COMMANDS = {
    "run": "run", "validate": "scenario_cmds", "init": "scenario_cmds",
    "schema": "scenario_cmds", "export": "export", "answers": "verify", "verify": "verify",
    "train": "train", "gradflow": "gradflow", "gradcheck": "gradflow",
    "textgen": "textgen", "vary": "vary",
    "export-lms": "lms",
}  # fmt: skip


class LazyGroup(click.Group):
    """A click group whose commands live in modules imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """click's main, with every usage error on one line and exit code 2, and Ctrl-C
        exiting 130 (as a shell reports a process ended by SIGINT), not 1 (wrong answers)."""
        kwargs["standalone_mode"] = False
        try:
            returned = super().main(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help())  # `rnntrace` alone: the overview, as --help
            sys.exit(0)
        except click.ClickException as exc:
            click.echo(one_line_usage_error(exc), err=True)
            sys.exit(2)
        except click.Abort:
            click.echo("interrupted", err=True)
            sys.exit(130)
        sys.exit(returned if isinstance(returned, int) else 0)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            import importlib

            importlib.import_module(f"rnntrace._internal.cli.{COMMANDS[cmd_name]}")  # registers it
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


def trace_file(
    path: Path, carry: str | None = None, round_terms: bool | None = None, check: Any = None,
    evaluate: bool = False,
) -> Trace:  # fmt: skip
    """Load and trace a scenario file; ``carry`` and ``round_terms`` override its numbers;
    ``check(scenario)`` is called before tracing (the size limit); ``evaluate``: --eval."""
    from rnntrace._internal.scenario import load_scenario

    return trace_loaded(evaluated(load_scenario(path), evaluate), carry, round_terms, check)


def trace_loaded(
    scenario: Scenario,
    carry: str | None = None,
    round_terms: bool | None = None,
    check: Any = None,
) -> Trace:
    """Trace a loaded scenario, as :func:`trace_file` does a file."""
    from dataclasses import replace

    from rnntrace._internal.engine import trace_scenario

    policy = scenario.numbers
    if carry is not None:
        policy = replace(policy, carry=carry)
    if round_terms is not None:
        policy = replace(policy, round_terms=round_terms)
    if check is not None:
        check(replace(scenario, numbers=policy))
    return trace_scenario(scenario, policy)
