"""`rnntrace answers` (a template or key to fill in) and `rnntrace verify` (grade answers)."""

from __future__ import annotations

import gc
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from rnntrace._internal.cli.base import SCENARIO_ARG, cli, eval_option, evaluated, fail_cleanly
from rnntrace._internal.cli.output import emit, file_format, format_option, output_option, write
from rnntrace._internal.cli.sources import ask_patterns, points_option, tolerance_options
from rnntrace._internal.errors import RnntraceError

ASK_HELP = (
    "Only these quantities: keys, display names or shell patterns, comma-separated or "
    "repeated (h_*, 'dW_*', L). Without a sequence prefix a key means it in every sequence."
)
OUTPUT = click.Path(dir_okay=False, path_type=Path)
SOURCE_HELP = (
    "SCENARIO is a scenario file, or the assignment file that `rnntrace export` wrote beside "
    "a worksheet: then its questions, points and tolerance are used."
)


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
    help="--key values from exact arithmetic, or from the rounded-by-hand chain "
    "(default: exact; with an assignment file, the chain of its worksheet).",
)
@click.option("-o", "--output", type=OUTPUT, help="Write to this file instead of the terminal.")
@click.option("--force", is_flag=True, help="Overwrite the --output file if it exists.")
@eval_option
@fail_cleanly
def answers(
    scenario: Path,
    ask: tuple[str, ...],
    key: bool,
    decimals: int | None,
    carry: str | None,
    output: Path | None,
    force: bool,
    evaluate: bool,
) -> None:
    """Write an answers file for SCENARIO: the worksheet's questions in sheet order, each
    with its number on the sheet (3(b)), its key, a comment saying what it is and an empty
    value to fill in. A student fills it in; `rnntrace verify` grades it.

    SCENARIO is a scenario file, or the assignment file that `rnntrace export` wrote beside
    a worksheet (then exactly its questions). Without --ask the questions are the
    worksheet's: the scenario's assignment.ask, else the hidden states, the outputs, the
    losses, the gradients and the updated parameters.

    \b
    Examples:
      rnntrace init review.yaml
      rnntrace answers review.yaml -o answers.yaml
      rnntrace answers review.yaml --ask 'h_*,y_*,L' -o short.yaml
      rnntrace export review.yaml -o hw.tex
      rnntrace answers hw.assignment.yaml --key -o key.yaml
    """
    from dataclasses import replace

    from rnntrace._internal.assignment import questions_for
    from rnntrace._internal.cli.sources import load_source
    from rnntrace._internal.engine import trace_scenario
    from rnntrace._internal.verify.template import answers_template

    source = load_source(scenario)
    source.refuse(ask=ask)
    loaded, assignment = evaluated(source.scenario, evaluate), source.assignment
    chain = carry or (assignment.carry if assignment else "exact")
    default = assignment.decimals if assignment is not None else loaded.numbers.decimals
    places = decimals if decimals is not None else default
    numbers = replace(loaded.numbers, decimals=places, carry=chain)
    if assignment is not None:
        numbers = replace(numbers, round_terms=assignment.round_terms)
    trace = trace_scenario(loaded, numbers)
    if assignment is not None:
        assignment.check(trace)
        questions = list(assignment.questions)
    else:
        questions = questions_for(trace, loaded.assignment, ask_patterns(ask))
    source_words = "Exact values" if chain == "exact" else "The rounded-by-hand chain's values"
    chunks = answers_template(
        trace,
        questions,
        scenario_file=scenario.name,
        key_decimals=places if key else None,
        source=source_words,
    )
    write(chunks, output, force)
    if output is not None:
        what = "answer key" if key else "answers template"
        click.echo(f"wrote {output} ({what}, {len(questions)} questions)", err=True)


@cli.command()
@click.argument("scenario", type=SCENARIO_ARG)
@click.argument("answer_paths", metavar="ANSWERS...", nargs=-1, required=True, type=Path)
@click.option(
    "--ask",
    "ask",
    multiple=True,
    metavar="KEYS",
    help=ASK_HELP + " Default: the worksheet's questions (see rnntrace answers).",
)
@points_option
@tolerance_options
@click.option(
    "--carry",
    type=click.Choice(["exact", "rounded"]),
    help="Judge against exact values, or against the rounded-by-hand chain "
    "(default: exact; with an assignment file, the chain of its worksheet).",
)
@click.option(
    "--carried-credit",
    type=click.Choice(["full", "half", "none"]),
    help="Points for a carried error in the second score (default: the scenario's "
    "assignment.carried_credit, else full).",
)
@format_option("verify")
@click.option("--csv", "csv_path", type=OUTPUT, help="Write a gradebook CSV here ('-': stdout).")
@output_option("verify", "Write the report to this file")
@click.option("--force", is_flag=True, help="Overwrite --output and --csv files if they exist.")
@eval_option
@fail_cleanly
def verify(
    scenario: Path,
    answer_paths: tuple[Path, ...],
    ask: tuple[str, ...],
    points: str | None,
    decimals: int | None,
    sigfigs: int | None,
    rtol: Decimal | None,
    atol: Decimal | None,
    carry: str | None,
    carried_credit: str | None,
    fmt: str,
    csv_path: Path | None,
    output: Path | None,
    force: bool,
    evaluate: bool,
) -> None:
    """Grade ANSWERS (answers files, or folders of them) against SCENARIO, quantity by
    quantity and entry by entry: correct, carried error (right from the student's own
    earlier wrong numbers), rounding drift, wrong, missing, wrong shape or unreadable.

    SCENARIO is a scenario file, or the assignment file that `rnntrace export` wrote
    beside a worksheet: then exactly its questions, points, tolerance and carried-error
    credit; or the manifest of `rnntrace vary`: then each file is graded against its
    student's own variant (the student id is the file's student field or PDF name field,
    else its file name). ANSWERS are answers files (YAML) or filled-in worksheet PDFs.

    Exit code 0 when every quantity is correct (or off only by rounding drift), 1 when
    any is not, 2 for bad input (with several files: after grading the others).

    \b
    Examples:
      rnntrace init review.yaml
      rnntrace export review.yaml -o hw.tex
      rnntrace answers hw.assignment.yaml --key -o key.yaml
      rnntrace verify hw.assignment.yaml key.yaml
      rnntrace verify hw.assignment.yaml key.yaml key.yaml --csv grades.csv
      rnntrace verify hw.assignment.yaml key.yaml --format json -o results.json
      rnntrace verify review.yaml key.yaml --carry rounded --carried-credit half

    With model.dropout the answers are judged against the trace with the masks (as
    `rnntrace run` shows it); --eval judges them against the model with dropout off.

    A folder grades every answers file and PDF in it: `rnntrace verify hw.assignment.yaml
    submissions/ --csv grades.csv`; with the manifest of `rnntrace vary`:
    `rnntrace verify variants/manifest.yaml submissions/ --csv grades.csv`.
    """
    from rnntrace._internal.verify.batch import answer_files

    fmt = file_format("verify", fmt, output)
    if csv_path is not None and str(csv_path) == "-" and fmt == "json" and output is None:
        raise click.UsageError("--csv - and --format json would both go to stdout; use -o")
    options = (decimals, sigfigs, rtol, atol)
    fixed = {"ask": ask, "points": points, "carry": carry, "carried_credit": carried_credit,
             "eval": evaluate or None}  # fmt: skip
    variants = _variants(scenario, tolerance=options, **fixed)
    if variants is not None:  # a manifest: each student against their own variant
        grader, credit, each = variants.first, variants.credit, variants
    else:
        grader, credit = _grader(scenario, ask, points, options, carry, carried_credit, evaluate)
        each = grader
    paths = answer_files(answer_paths)
    batch = len(paths) > 1 or any(p.is_dir() and not p.is_symlink() for p in answer_paths)
    results = _grade_with_progress(each, paths) if batch else [_single(each, paths[0])]
    if variants is not None:
        results = variants.flag_shared(results)
    carried_credit = carried_credit or (variants.credit if variants is not None else credit)
    if batch or results[0].grade is not None:
        _reports(results, grader, carried_credit, fmt, batch, csv_path, output, force)
    elif csv_path is not None:  # the one file's reason, in the gradebook too
        _reports(results, grader, carried_credit, "none", batch, csv_path, None, force)
    bad = sum(result.grade is None for result in results)
    if bad:
        if batch:
            click.echo(f"{bad} of {len(results)} answer files could not be graded", err=True)
        else:
            from rnntrace._internal.verify.report import clean

            click.echo(clean(results[0].error or ""), err=True)
        sys.exit(2)
    sys.exit(0 if all(result.grade and result.grade.all_correct for result in results) else 1)


def _grader(
    scenario: Path,
    ask: tuple[str, ...],
    points: str | None,
    tolerance: tuple[int | None, int | None, Decimal | None, Decimal | None],
    carry: str | None,
    carried_credit: str | None,
    evaluate: bool = False,
) -> tuple[Any, str]:
    """The grader of a scenario (with the command's options) or of an assignment file
    (which fixes questions, points and tolerance), and the carried-error credit."""
    from rnntrace._internal.assignment import parse_points
    from rnntrace._internal.cli.sources import load_source
    from rnntrace._internal.verify import Grader, Tolerance
    from rnntrace._internal.verify.assigned import assignment_grader

    source = load_source(scenario)
    decimals, sigfigs, rtol, atol = tolerance
    source.refuse(ask=ask, points=points, decimals=decimals, sigfigs=sigfigs, rtol=rtol, atol=atol,
                  carry=carry, carried_credit=carried_credit)  # fmt: skip
    loaded, assignment = evaluated(source.scenario, evaluate), source.assignment
    if assignment is None:
        rule = Tolerance.choose(decimals, sigfigs, rtol, atol, loaded.numbers.decimals)
        rules = parse_points(points) if points else []
        grader = Grader(loaded, rule, carry=carry or "exact", ask=ask_patterns(ask), points=rules)
        return grader, loaded.assignment.carried_credit
    return assignment_grader(assignment, loaded), assignment.carried_credit


def _variants(scenario: Path, **fixed: object) -> Any:
    """The graders of a manifest of variants (``rnntrace vary``), or None for a scenario or
    an assignment file. A manifest fixes questions, points and tolerance."""
    from rnntrace._internal.scenario.load import read_text
    from rnntrace._internal.variants import is_manifest, read_manifest

    text = read_text(scenario)
    if not is_manifest(text):
        return None
    for option, value in fixed.items():
        if value not in (None, (), (None, None, None, None)):
            name = "--decimals/--sigfigs/--rtol/--atol" if option == "tolerance" else (
                "--" + option.replace("_", "-"))  # fmt: skip
            raise RnntraceError(
                f"{name}: the manifest {scenario} fixes the questions, points, tolerance and "
                "grading of every variant; make the variants again to change them"
            )
    from rnntrace._internal.lms.classroom import VariantGraders

    return VariantGraders(read_manifest(text, str(scenario)))


def _single(grader: Any, path: Path) -> Any:
    from rnntrace._internal.verify.batch import grade_one

    return grade_one(grader, path)


def _grade_with_progress(grader: Any, paths: list[Path]) -> list[Any]:
    from rich.console import Console
    from rich.progress import Progress

    from rnntrace._internal.verify.batch import grade_files

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
    from rnntrace._internal.verify.export import csv_gradebook

    to_stdout = csv_path is not None and str(csv_path) == "-"
    if csv_path is not None:
        write(
            csv_gradebook(results, grader, carried_credit), None if to_stdout else csv_path, force
        )
    if fmt == "json" or (fmt == "text" and (not to_stdout or output is not None)):
        emit("verify", fmt, results, grader, carried_credit, batch, output=output, force=force)


def report_table(results: list[Any], grader: Any, carried_credit: str, batch: bool) -> Any:
    """The printer of ``verify --format text``: a table of the files (several), or of the
    quantities of the one file."""
    from rnntrace._internal.verify.report import batch_table, grade_table

    if batch:
        return batch_table(results, grader, carried_credit=carried_credit)
    return grade_table(
        results[0].grade, grader, carried_credit=carried_credit, unknown=results[0].unknown
    )
