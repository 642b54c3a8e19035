"""`rnntrace export`: a student worksheet, its answer key and the assignment file, as
exam-class LaTeX (and PDFs: the worksheet with a form field on every blank)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from rnntrace._internal.cli.base import (
    SCENARIO_ARG,
    cli,
    fail_cleanly,
    number_policy_options,
    trace_loaded,
)
from rnntrace._internal.cli.output import check_layout, layout_option
from rnntrace._internal.cli.sources import ask_patterns, points_option, tolerance_options
from rnntrace._internal.errors import RnntraceError

if TYPE_CHECKING:
    from rnntrace._internal.assignment import Assignment, Question
    from rnntrace._internal.trace import Trace
    from rnntrace._internal.verify.tolerance import Tolerance

CARRIED_CREDIT = ("full", "half", "none")  # as rnntrace._internal.render.worksheet.CARRIED_CREDIT


@cli.command()
@click.argument("scenario", type=SCENARIO_ARG)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the worksheet here (hw.tex), its key beside it (hw-key.tex) and the "
    "assignment file (hw.assignment.yaml); without it, print the sheet.",
)
@click.option("--key", is_flag=True, help="Write only the answer key (to -o or the terminal).")
@click.option(
    "--ask",
    metavar="KEYS",
    help="The quantities to ask for, as keys, display names or shell patterns separated by "
    "commas (h_2,L,dW_hh or 'h_*'). Default: the scenario's assignment.ask, else the hidden "
    "states, the outputs, the losses, the gradients and the updated parameters.",
)
@points_option
@click.option(
    "--carried-credit",
    type=click.Choice(CARRIED_CREDIT),
    help="The grading rule the sheet states and verify applies: marks for an answer that is "
    "right for the student's own earlier (wrong) values (default: the scenario's "
    "assignment.carried_credit, else full).",
)
@number_policy_options
@tolerance_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["latex", "html"]),
    default="latex",
    show_default=True,
    help="latex: exam-class documents (and PDFs with --pdf); html: self-contained pages, the "
    "key interactive (click a number for its provenance).",
)
@layout_option("With --format latex: the layout of the answer key's worked solutions")
@click.option("--pdf", is_flag=True, help="Also build the PDFs (needs -o; uses latexmk/pdflatex).")
@click.option(
    "--fillable/--no-fillable",
    default=None,
    help="A PDF form field on every blank of the worksheet, for answers typed in a PDF "
    "reader (default: on with --pdf).",
)
@click.option("--force", is_flag=True, help="Overwrite the output files if they exist.")
@fail_cleanly
def export(
    scenario: Path,
    output: Path | None,
    key: bool,
    ask: str | None,
    points: str | None,
    carried_credit: str | None,
    carry: str | None,
    round_terms: bool | None,
    decimals: int | None,
    sigfigs: int | None,
    rtol: Decimal | None,
    atol: Decimal | None,
    fmt: str,
    layout: str,
    pdf: bool,
    fillable: bool | None,
    force: bool,
) -> None:
    """Write the worksheet for SCENARIO, its answer key and the assignment file.

    The worksheet is an exam-class document: the rules (decimals, rounding, whether later
    answers are graded from the student's own earlier values), the model, the data as
    matrices, and the numbered questions with their points, a blank for every number
    (each labelled with its key in the answers file) and room to work. The key is the same
    document with the answers and the worked steps. The assignment file lists the
    questions, points and tolerance: give it to `rnntrace answers` and `rnntrace verify`
    in place of the scenario. --pdf builds the PDFs, the worksheet with a form field on
    every blank, which `rnntrace verify` reads back.

    \b
    Examples:
      rnntrace init review.yaml
      rnntrace export review.yaml -o hw.tex --pdf
      rnntrace export review.yaml -o short.tex --ask 'h_*,L,dW_hh' --points 'dW_hh=3'
      rnntrace export review.yaml -o key.tex --key
      rnntrace export review.yaml -o seed-key.tex --key --layout seed
      rnntrace export review.yaml -o page.html --format html
    """
    from rnntrace._internal.assignment import parse_points, questions_for
    from rnntrace._internal.cli.sources import load_source
    from rnntrace._internal.verify.tolerance import Tolerance

    if pdf and output is None:
        raise click.UsageError("--pdf needs -o FILE.tex")
    if pdf and fmt == "html":
        raise click.UsageError("--pdf goes with --format latex")
    if fillable and key:
        raise click.UsageError("--fillable is for the worksheet; the key has its answers")
    check_layout(fmt, layout, ("latex",))
    source = load_source(scenario)
    if source.assignment is not None:
        raise RnntraceError(
            f"{scenario}: is an assignment file; export takes the scenario it was made from "
            f"({source.scenario_file})"
        )
    loaded = source.scenario
    from functools import partial

    from rnntrace._internal.engine.size import refuse_large

    trace = trace_loaded(
        loaded, carry, round_terms, partial(refuse_large, command="export", fmt=fmt)
    )
    rules = parse_points(points) if points else []
    patterns = ask_patterns([ask] if ask is not None else [])
    if ask is not None and not patterns:
        raise RnntraceError("--ask: expected keys separated by commas, e.g. h_2,L,dW_hh")
    questions = questions_for(trace, loaded.assignment, patterns, rules)
    credit = carried_credit or loaded.assignment.carried_credit
    fill = pdf if fillable is None else fillable
    other = None
    if fmt == "html":  # the key's page shows both the exact and the hand-rounded chain
        flipped = "exact" if trace.meta.carry == "rounded" else "rounded"
        other = trace_loaded(loaded, flipped, round_terms)
    if output is None:
        _print_sheet(trace, questions, key, credit, fill, other if fmt == "html" else False, layout)
        return
    tolerance = Tolerance.choose(decimals, sigfigs, rtol, atol, trace.meta.decimals)
    files = _outputs(output, key, pdf)
    for path in files:
        if path.exists() and not force:
            raise RnntraceError(f"{path}: already exists; use --force to overwrite it")
    html = other if fmt == "html" else False
    _write(trace, questions, output, key, credit, fill, pdf, force, html, layout)
    if not key:
        assignment = make_assignment(
            source.scenario_file, source.scenario_text, trace, questions, tolerance, credit
        )
        write_assignment_file(assignment, files[-1], force)
        click.echo(f"wrote {files[-1]} (the assignment: give it to rnntrace answers and verify)")


def key_path(sheet: Path) -> Path:
    """Where the key of a worksheet goes: ``hw.tex`` -> ``hw-key.tex``."""
    return sheet.with_name(sheet.stem + "-key" + sheet.suffix)


def assignment_path(sheet: Path) -> Path:
    """Where the assignment file of a worksheet goes: ``hw.tex`` -> ``hw.assignment.yaml``."""
    return sheet.with_name(sheet.stem + ".assignment.yaml")


def _outputs(output: Path, key: bool, pdf: bool) -> list[Path]:
    """Every file the command writes, the assignment file last."""
    sheets = [output] if key else [output, key_path(output)]
    pdfs = [sheet.with_suffix(".pdf") for sheet in sheets] if pdf else []
    return sheets + pdfs + ([] if key else [assignment_path(output)])


def _print_sheet(
    trace: Trace, questions: list[Question], key: bool, credit: str, fill: bool, html: Any,
    layout: str = "standard",
) -> None:  # fmt: skip
    from rnntrace._internal.cli.output import write
    from rnntrace._internal.render.worksheet import SheetSettings

    settings = SheetSettings(key=key, carried_credit=credit, fillable=fill and not key,
                             layout=layout)  # fmt: skip
    write(_sheet(trace, questions, settings, html))


def write_sheets(
    trace: Trace,
    questions: list[Question],
    output: Path,
    *,
    key_only: bool,
    credit: str,
    fill: bool,
    force: bool,
    html: Any = False,
    layout: str = "standard",
) -> list[tuple[Path, bool]]:
    """Write the worksheet and its key (or the key only) as .tex files (as HTML pages when
    ``html`` is not False: None, or the chain with the other carry; ``layout``: of the key's
    worked solutions); returns each path and whether it is the key."""
    from rnntrace._internal.files import write_atomic
    from rnntrace._internal.render.worksheet import SheetSettings

    sheets = [(output, True)] if key_only else [(output, False), (key_path(output), True)]
    for path, is_key in sheets:
        settings = SheetSettings(key=is_key, carried_credit=credit, fillable=fill and not is_key,
                                 layout=layout)  # fmt: skip
        write_atomic(path, _sheet(trace, questions, settings, html), force=force)
    return sheets


def _sheet(trace: Trace, questions: list[Question], settings: Any, html: Any) -> Any:
    """The chunks of a worksheet or key: LaTeX, or HTML unless ``html`` is False."""
    if html is False:
        from rnntrace._internal.render.worksheet import render_worksheet

        return render_worksheet(trace, questions, settings)
    from rnntrace._internal.render.html_sheet import render_sheet_html

    return render_sheet_html(trace, questions, settings, html)


def _write(
    trace: Trace,
    questions: list[Question],
    output: Path,
    key: bool,
    credit: str,
    fill: bool,
    pdf: bool,
    force: bool,
    html: Any = False,
    layout: str = "standard",
) -> None:
    """The worksheet and its key (or the key only), and their PDFs, said as they are made."""
    total = sum(q.points for q in questions)
    sheets = write_sheets(trace, questions, output, key_only=key, credit=credit, fill=fill,
                          force=force, html=html, layout=layout)  # fmt: skip
    for path, is_key in sheets:
        what = "the answer key" if is_key else "the worksheet" + (", fillable" if fill else "")
        click.echo(f"wrote {path} ({what}: {len(questions)} questions, {total:g} points)")
    if pdf:
        from rnntrace._internal.cli.pdf import build_pdf

        for path, _ in sheets:
            click.echo(f"wrote {build_pdf(path, force)}")


def make_assignment(
    scenario_file: Path,
    scenario_text: str,
    trace: Trace,
    questions: list[Question],
    tolerance: Tolerance,
    credit: str,
) -> Assignment:
    """The assignment of a worksheet of ``trace`` made from the scenario file given."""
    from rnntrace._internal.assignment import Assignment
    from rnntrace._internal.assignment.file import sha256

    return Assignment(
        file="",
        title=trace.meta.title,
        scenario_path=str(scenario_file),
        scenario_sha256=sha256(scenario_text.encode("utf-8")),
        decimals=trace.meta.decimals,
        carry=trace.meta.carry,
        round_terms=trace.meta.round_terms,
        tolerance=tolerance.as_data(),
        carried_credit=credit,
        questions=tuple(questions),
    )


def write_assignment_file(assignment: Assignment, path: Path, force: bool) -> None:
    """Write the assignment file; its scenario path is made relative to its folder."""
    import os
    from dataclasses import replace

    from rnntrace._internal.assignment import write_assignment
    from rnntrace._internal.files import write_atomic

    scenario = Path(assignment.scenario_path)
    relative = os.path.relpath(scenario.resolve(), path.resolve().parent)
    write_atomic(path, write_assignment(replace(assignment, scenario_path=relative)), force=force)
