"""`rnntrace export`: a student worksheet, or its answer key, as an exam-class LaTeX file."""

from __future__ import annotations

import difflib
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING

import click

from rnntrace.cli.base import SCENARIO_ARG, cli, fail_cleanly, number_policy_options, trace_file
from rnntrace.errors import RnntraceError

if TYPE_CHECKING:
    from rnntrace.trace import Step, Trace

CARRIED_CREDIT = ("full", "half", "none")  # as rnntrace.render.worksheet.CARRIED_CREDIT


@cli.command()
@click.argument("scenario", type=SCENARIO_ARG)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the .tex file here (atomically); without it, print it.",
)
@click.option("--key", is_flag=True, help="The answer key: answers and worked steps filled in.")
@click.option(
    "--ask",
    metavar="KEYS",
    help="The quantities to ask for, as keys or shell patterns separated by commas "
    "(h_2,L,dW_hh or 'h_*'). Default: the hidden states, the outputs, the losses, the "
    "gradients and the updated parameters.",
)
@click.option(
    "--carried-credit",
    type=click.Choice(CARRIED_CREDIT),
    default="full",
    show_default=True,
    help="The grading rule the sheet states: marks for an answer that is right for the "
    "student's own earlier (wrong) values: full, half or none.",
)
@number_policy_options
@click.option("--pdf", is_flag=True, help="Also build the PDF (needs -o; uses latexmk/pdflatex).")
@click.option("--force", is_flag=True, help="Overwrite the output files if they exist.")
@fail_cleanly
def export(
    scenario: Path,
    output: Path | None,
    key: bool,
    ask: str | None,
    carried_credit: str,
    carry: str | None,
    round_terms: bool | None,
    pdf: bool,
    force: bool,
) -> None:
    """Write a student worksheet for SCENARIO, or with --key its answer key, as LaTeX.

    An exam-class document: the rules (decimals, rounding, whether later answers are
    graded from the student's own earlier values), the model, the data as matrices, and
    the questions with blanks sized for the answers. The key is the same document with
    the answers and the full worked steps filled in.

    \b
    Examples:
      rnntrace export scenarios/sentiment.yaml -o sheet.tex
      rnntrace export scenarios/sentiment.yaml -o key.tex --key --pdf
      rnntrace export scenarios/sentiment.yaml -o sheet.tex --ask h_2,L,dW_hh
    """
    from rnntrace.render.worksheet import SheetSettings, render_worksheet

    if pdf and output is None:
        raise click.UsageError("--pdf needs -o FILE.tex")
    if pdf and output is not None and output.with_suffix(".pdf").exists() and not force:
        raise RnntraceError(
            f"{output.with_suffix('.pdf')}: already exists; use --force to overwrite it"
        )
    trace = trace_file(scenario, carry, round_terms)
    questions = ask_steps(trace, ask)
    chunks = render_worksheet(trace, questions, SheetSettings(key, carried_credit))
    if output is None:
        for chunk in chunks:
            click.echo(chunk, nl=False)
        return
    from rnntrace.files import write_atomic

    write_atomic(output, chunks, force=force)
    kind = "answer key" if key else "worksheet"
    click.echo(f"wrote {output} (the {kind}: {len(questions)} questions)")
    if pdf:
        from rnntrace.cli.pdf import build_pdf

        click.echo(f"wrote {build_pdf(output, force)}")


def ask_steps(trace: Trace, ask: str | None) -> list[Step]:
    """The steps that ``--ask`` names (default: the trace's default questions)."""
    if ask is None:
        questions = trace.default_questions()
        if not questions:
            raise RnntraceError("this scenario has no quantities to ask for")
        return questions
    patterns = [part.strip() for part in ask.split(",") if part.strip()]
    if not patterns:
        raise RnntraceError("--ask: expected keys separated by commas, e.g. h_2,L,dW_hh")
    chosen: set[str] = set()
    for pattern in patterns:
        chosen.update(step.key for step in _matching(trace, pattern))
    return [step for step in trace if step.key in chosen]


def _matching(trace: Trace, pattern: str) -> list[Step]:
    """The quantities a pattern names. Given data is never a question, so a pattern such
    as ``h_*`` that matches the parameter ``h_0`` also means every sequence's ``h_t``."""
    try:
        hits = [step for step in trace.select([pattern]) if step.op not in ("given", "input")]
    except KeyError:
        keys = sorted({trace.base_key(step) for step in trace.checkable()})
        close = difflib.get_close_matches(pattern, keys, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else " (keys look like h_2, L, dW_hh)"
        raise RnntraceError(f"--ask: no quantity is called {pattern!r}{hint}") from None
    if not hits:
        hits = [s for s in trace.checkable() if fnmatchcase(trace.base_key(s), pattern)]
    if not hits:
        raise RnntraceError(f"--ask: {pattern!r} names only given data, nothing to compute")
    return hits
