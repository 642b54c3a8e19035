"""`rnntrace answers` (a template or key to fill in) and `rnntrace verify` (grade answers)."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from rnntrace.cli.base import SCENARIO_ARG, cli, fail_cleanly

ASK_HELP = (
    "Only these quantities: keys or shell patterns, comma-separated or repeated "
    "(h_*, 'dW_*', L). Without a sequence prefix a key means it in every sequence."
)
OUTPUT = click.Path(dir_okay=False, path_type=Path)


def ask_patterns(values: Iterable[str]) -> list[str]:
    """The --ask patterns: each value split at commas and spaces."""
    return [part for value in values for part in value.replace(",", " ").split()]


def _amount(ctx: click.Context, param: click.Parameter, value: str | None) -> Decimal | None:
    """A non-negative finite number, read exactly (for --rtol and --atol)."""
    if value is None:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise click.BadParameter(f"expected a number, found {value!r}") from None
    if not number.is_finite() or number < 0:
        raise click.BadParameter(f"expected a number of 0 or more, found {value!r}")
    return number


def _load(scenario: Path) -> Any:
    from rnntrace.scenario import load_scenario

    return load_scenario(scenario)


def _emit(chunks: Iterable[str], output: Path | None, force: bool) -> None:
    if output is None:
        for chunk in chunks:
            click.echo(chunk, nl=False)
        return
    from rnntrace.files import write_atomic

    write_atomic(output, chunks, force=force)


@cli.command()
@click.argument("scenario", type=SCENARIO_ARG)
@click.option("--ask", "ask", multiple=True, metavar="KEYS", help=ASK_HELP)
@click.option("--key", is_flag=True, help="Fill in the values: an answer key.")
@click.option(
    "--decimals",
    type=click.IntRange(0, 12),
    metavar="N",
    help="Decimals of the --key values (default: the scenario's numbers.decimals).",
)
@click.option(
    "--carry",
    type=click.Choice(["exact", "rounded"]),
    default="exact",
    show_default=True,
    help="--key values from exact arithmetic, or from the rounded-by-hand chain.",
)
@click.option("-o", "--output", type=OUTPUT, help="Write to this file instead of the terminal.")
@click.option("--force", is_flag=True, help="Overwrite the --output file if it exists.")
@fail_cleanly
def answers(
    scenario: Path,
    ask: tuple[str, ...],
    key: bool,
    decimals: int | None,
    carry: str,
    output: Path | None,
    force: bool,
) -> None:
    """Write an answers file for SCENARIO: every quantity to compute, by its key, in the
    order of the calculation, each with a comment saying what it is and an empty value to
    fill in. A student fills it in; `rnntrace verify` grades it.

    \b
    Examples:
      rnntrace answers scenarios/sentiment.yaml -o answers.yaml
      rnntrace answers scenarios/sentiment.yaml --ask 'h_*,y_*,L' -o answers.yaml
      rnntrace answers scenarios/sentiment.yaml --key -o key.yaml
    """
    from dataclasses import replace

    from rnntrace.engine import trace_scenario
    from rnntrace.verify.judge import asked_steps
    from rnntrace.verify.template import answers_template

    loaded = _load(scenario)
    places = loaded.numbers.decimals if decimals is None else decimals
    trace = trace_scenario(loaded, replace(loaded.numbers, decimals=places, carry=carry))
    steps = asked_steps(trace, ask_patterns(ask))
    source = "Exact values" if carry == "exact" else "The rounded-by-hand chain's values"
    chunks = answers_template(
        trace,
        steps,
        scenario_file=scenario.name,
        key_decimals=places if key else None,
        source=source,
    )
    _emit(chunks, output, force)
    if output is not None:
        what = "answer key" if key else "answers template"
        click.echo(f"wrote {output} ({what}, {len(steps)} quantities)", err=True)


@cli.command()
@click.argument("scenario", type=SCENARIO_ARG)
@click.argument("answer_paths", metavar="ANSWERS...", nargs=-1, required=True, type=Path)
@click.option(
    "--ask", "ask", multiple=True, metavar="KEYS", help=ASK_HELP + " Default: every quantity."
)
@click.option(
    "--decimals",
    type=click.IntRange(0, 12),
    metavar="N",
    help="Accept |given − expected| ≤ 0.51 units of the N-th decimal "
    "(default: the scenario's numbers.decimals).",
)
@click.option(
    "--sigfigs",
    type=click.IntRange(1, 15),
    metavar="N",
    help="Accept |given − expected| ≤ 0.51 units of the N-th significant digit.",
)
@click.option(
    "--rtol",
    callback=_amount,
    metavar="R",
    help="Accept |given − expected| ≤ atol + rtol·|expected|.",
)
@click.option(
    "--atol", callback=_amount, metavar="A", help="With --rtol (default 1e-6; at least 1e-12)."
)
@click.option(
    "--carry",
    type=click.Choice(["exact", "rounded"]),
    default="exact",
    show_default=True,
    help="Judge against exact values, or against the rounded-by-hand chain.",
)
@click.option(
    "--carried-credit",
    type=click.Choice(["full", "half", "none"]),
    default="full",
    show_default=True,
    help="Points for a carried error in the second score.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: a table; json: Gradescope's results.json shape.",
)
@click.option("--csv", "csv_path", type=OUTPUT, help="Write a gradebook CSV here ('-': stdout).")
@click.option("-o", "--output", type=OUTPUT, help="Write the report to this file.")
@click.option("--force", is_flag=True, help="Overwrite --output and --csv files if they exist.")
@fail_cleanly
def verify(
    scenario: Path,
    answer_paths: tuple[Path, ...],
    ask: tuple[str, ...],
    decimals: int | None,
    sigfigs: int | None,
    rtol: Decimal | None,
    atol: Decimal | None,
    carry: str,
    carried_credit: str,
    fmt: str,
    csv_path: Path | None,
    output: Path | None,
    force: bool,
) -> None:
    """Grade ANSWERS (answers files, or folders of them) against SCENARIO, quantity by
    quantity and entry by entry: correct, carried error (right from the student's own
    earlier wrong numbers), rounding drift, wrong, missing, wrong shape or unreadable.

    Exit code 0 when every quantity is correct (or off only by rounding drift), 1 when
    any is not, 2 for bad input (with several files: after grading the others).

    \b
    Examples:
      rnntrace verify scenarios/sentiment.yaml answers.yaml
      rnntrace verify scenarios/sentiment.yaml answers.yaml --sigfigs 3 --carried-credit half
      rnntrace verify scenarios/sentiment.yaml answers.yaml --format json -o results.json
      rnntrace verify scenarios/sentiment.yaml submissions/ --csv grades.csv
    """
    from rnntrace.verify import Grader, Tolerance
    from rnntrace.verify.batch import answer_files

    if csv_path is not None and str(csv_path) == "-" and fmt == "json" and output is None:
        raise click.UsageError("--csv - and --format json would both go to stdout; use -o")
    loaded = _load(scenario)
    tolerance = Tolerance.choose(decimals, sigfigs, rtol, atol, loaded.numbers.decimals)
    grader = Grader(loaded, tolerance, carry=carry, ask=ask_patterns(ask))
    paths = answer_files(answer_paths)
    batch = len(paths) > 1 or any(p.is_dir() and not p.is_symlink() for p in answer_paths)
    results = _grade_with_progress(grader, paths) if batch else [_single(grader, paths[0])]
    if batch or results[0].grade is not None:
        _reports(results, grader, carried_credit, fmt, batch, csv_path, output, force)
    elif csv_path is not None:  # the one file's reason, in the gradebook too
        _reports(results, grader, carried_credit, "none", batch, csv_path, None, force)
    bad = sum(result.grade is None for result in results)
    if bad:
        if batch:
            click.echo(f"{bad} of {len(results)} answer files could not be graded", err=True)
        else:
            from rnntrace.verify.report import clean

            click.echo(clean(results[0].error or ""), err=True)
        sys.exit(2)
    sys.exit(0 if all(result.grade and result.grade.all_correct for result in results) else 1)


def _single(grader: Any, path: Path) -> Any:
    from rnntrace.verify.batch import grade_one

    return grade_one(grader, path)


def _grade_with_progress(grader: Any, paths: list[Path]) -> list[Any]:
    from rich.console import Console
    from rich.progress import Progress

    from rnntrace.verify.batch import grade_files

    console = Console(stderr=True)
    if not console.is_terminal or len(paths) < 10:
        results = grade_files(grader, paths)
    else:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("grading", total=len(paths))
            results = grade_files(grader, paths, lambda: progress.advance(task))
    # The grades live until the process ends: keep the garbage collector from rescanning
    # them while the reports are written (a third of the time of a gradebook otherwise).
    gc.freeze()
    return results


def _reports(
    results: list[Any],
    grader: Any,
    carried_credit: str,
    fmt: str,
    batch: bool,
    csv_path: Path | None,
    output: Path | None,
    force: bool,
) -> None:
    from rnntrace.verify.export import csv_gradebook, json_report

    to_stdout = csv_path is not None and str(csv_path) == "-"
    if csv_path is not None:
        _emit(
            csv_gradebook(results, grader, carried_credit), None if to_stdout else csv_path, force
        )
    if fmt == "json":
        _emit([json_report(results, grader, carried_credit, batch)], output, force)
    elif fmt == "text" and (not to_stdout or output is not None):
        _print_text(results, grader, carried_credit, batch, output, force)


def _print_text(
    results: list[Any],
    grader: Any,
    carried_credit: str,
    batch: bool,
    output: Path | None,
    force: bool,
) -> None:
    import io

    from rich.console import Console, RenderableType

    from rnntrace.verify.report import batch_table, grade_table

    report: RenderableType
    if batch:
        report = batch_table(results, grader, carried_credit=carried_credit)
    else:
        report = grade_table(
            results[0].grade, grader, carried_credit=carried_credit, unknown=results[0].unknown
        )
    if output is None and Console().is_terminal:
        Console(highlight=False).print(report)
        return
    # a file or a pipe: plain text, 80 columns like `run`, no padding at the ends of lines
    buffer = io.StringIO()
    Console(file=buffer, width=80, color_system=None, highlight=False).print(report)
    text = "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"
    _emit([text], output, force)
