"""`rnntrace gradflow`: how the gradient vanishes or explodes back through time, and
`rnntrace gradcheck`: the traced BPTT gradients beside finite differences."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from rnntrace._internal.cli.base import SCENARIO_ARG, cli, eval_option, evaluated, fail_cleanly
from rnntrace._internal.cli.output import (
    check_standalone,
    emit,
    file_format,
    format_option,
    output_option,
    standalone_option,
)
from rnntrace._internal.errors import RnntraceError

# Each checked entry costs two traces of the scenario: beyond this, a check takes hours.
MAX_CHECKED_ENTRIES = 20_000

FORCE = click.option("--force", is_flag=True, help="Overwrite the --output file if it exists.")


@cli.command()
@click.argument("scenario", type=SCENARIO_ARG)
@click.option(
    "--sequence",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Which sequence of the scenario (1 = the first).",
)
@click.option(
    "--part",
    help="Which recurrent layer of a model of several: l1, l2, ... (stacked), fw, bw "
    "(bidirectional), enc, dec (encoder-decoder). Default: the first.",
)
@format_option("gradflow")
@standalone_option("gradflow")
@click.option("--matrices", is_flag=True, help="Text: also print every A_j and J_k in full.")
@click.option(
    "--k",
    "distance",
    type=click.IntRange(min=1),
    help="Simple RNN: the distance k of the introduction notes' derivation (S^k, and the "
    "notes' diag(f'(z_t))...diag(f'(z_(t-k+1))) U S^k U^-1 beside J_k). Default: t, the "
    "longest.",
)
@click.option(
    "--fixed-point-input",
    "fixed_input",
    default="first",
    show_default=True,
    help="Simple RNN: the constant input x of the fixed point h* = f(W_hh h* + W_xh x + "
    "b_h): 'first' (the input of the layer's first step, as recorded), 'zero', a token of "
    "the sequence (the input of the first step that read it), or comma-separated numbers "
    "(x itself, one per column of W_xh).",
)
@output_option("gradflow", "Write to this file (atomically) instead of the terminal")
@FORCE
@click.option("--allow-large", is_flag=True, help="Write JSON even beyond the size limit.")
@eval_option
@fail_cleanly
def gradflow(
    scenario: Path,
    sequence: int,
    part: str | None,
    fmt: str,
    standalone: bool,
    matrices: bool,
    distance: int | None,
    fixed_input: str,
    output: Path | None,
    force: bool,
    allow_large: bool,
    evaluate: bool,
) -> None:
    """Show how the gradient flows back through time in SCENARIO: does it vanish or explode?

    For t, the last step of the sequence, and each distance k = 1..t: the Jacobian
    J_k = ∂h_t/∂h_(t-k), the product of the step Jacobians A_j = diag(f'(z_j)) W_hh
    (for an LSTM over the state (h, c), with the cell-state path Π diag(f_j); for a GRU
    with its direct path Π diag(1 - z_j)), its norms, the eigenvalues and spectral radius
    ρ of W_hh, the estimate ρ · max f' and the bound Π ‖A_j‖, then a plot of ‖J_k‖
    against k on a log scale and the verdict: vanishing, exploding or stable, with its
    reason in one sentence. Values are exact float64, whatever numbers.carry says.
    With model.skip, A_j gains + α I; with recurrent dropout, A_j reads W_hh through
    step j's mask (training mode; --eval: dropout off).

    For the simple RNN (without skip or recurrent dropout) two sections follow
    (docs/gradflow.md): the introduction notes' derivation, W_hh = U S U^-1 (complex
    eigenvalues as a ± bi; a defective W_hh, cond(U) > 1e8, is said so), S^k for k = --k
    and the notes' product diag(f')...diag(f') U S^k U^-1 beside the ordered J_k with the
    difference the commutation step makes; and the reference notes' fixed point
    h* = f(W_hh h* + W_xh x + b_h) for the constant input --fixed-point-input, found by
    fixed-point iteration and by Newton's method from h = 0 (iterations and residual, or
    that it did not converge), with the eigenvalues of diag(f'(z*)) W_hh at h* and the
    verdict: stable when every |λ| < 1.

    \b
    Examples:
      rnntrace init review.yaml --example sentiment
      rnntrace gradflow review.yaml
      rnntrace gradflow review.yaml --format json | jq '.verdict'
      rnntrace gradflow review.yaml --format latex --standalone -o flow.tex
      rnntrace init lstm.yaml --example sentiment-lstm
      rnntrace gradflow lstm.yaml --sequence 2
      rnntrace init stacked.yaml --example stacked
      rnntrace gradflow stacked.yaml --part l2 --matrices
      rnntrace gradflow review.yaml --k 3 --fixed-point-input zero
    """
    from rnntrace._internal.analysis.gradcheck import exact
    from rnntrace._internal.analysis.gradflow import analyse, forward_pass, gc_paused
    from rnntrace._internal.scenario import load_scenario

    fmt = file_format("gradflow", fmt, output)
    check_standalone("gradflow", fmt, standalone)
    loaded = exact(evaluated(load_scenario(scenario), evaluate))
    with gc_paused():  # from the trace to the file: not only while each part runs
        flow = analyse(forward_pass(loaded, sequence), loaded, sequence, part, distance,
                       fixed_input)  # fmt: skip
        if fmt == "json" and not allow_large:
            from rnntrace._internal.engine.size import document_bytes, refuse_output
            from rnntrace._internal.render.gradflow_json import gradflow_size

            refuse_output(str(scenario), "json", document_bytes(*gradflow_size(flow)),
                          f"{flow.time:,} steps back, H = {flow.hidden}: every A_j and J_k",
                          "analyse a shorter sequence, write --format text, or pass "
                          "--allow-large")  # fmt: skip
        emit("gradflow", fmt, flow, output=output, force=force, standalone=standalone,
             matrices=matrices)  # fmt: skip


@cli.command()
@click.argument("scenario", type=SCENARIO_ARG)
@click.option(
    "--eps",
    type=float,
    default=1e-5,
    show_default=True,
    help="The step ε of the central differences (L(θ + ε) − L(θ − ε)) / 2ε.",
)
@click.option(
    "--tol",
    type=float,
    default=1e-6,
    show_default=True,
    help="The largest relative error ‖g_fd − g‖ / (‖g_fd‖ + ‖g‖) that passes.",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    help="Check only these parameters (repeatable; shell patterns such as 'W_*').",
)
@click.option("--entries", is_flag=True, help="Text: list every entry, BPTT beside finite diff.")
@click.option("--all", "every", is_flag=True,
              help="Check every entry (a large model has a random sample checked).")  # fmt: skip
@format_option("gradcheck")
@output_option("gradcheck", "Write to this file (atomically) instead of the terminal")
@FORCE
@fail_cleanly
def gradcheck(
    scenario: Path,
    eps: float,
    tol: float,
    params: tuple[str, ...],
    entries: bool,
    every: bool,
    fmt: str,
    output: Path | None,
    force: bool,
) -> None:
    """Check the BPTT gradients of SCENARIO against finite differences of the loss.

    For every entry of every trained parameter, the central difference
    (L(θ + ε) − L(θ − ε)) / 2ε of the total loss (the scenario traced again, in exact
    float64, for each), beside the gradient BPTT computed; per parameter the largest
    difference and the relative error ‖g_fd − g‖ / (‖g_fd‖ + ‖g‖). With
    train.bptt_window k the differences are of the objective the window differentiates
    (each loss L_s with h_(s-k) held constant; with dropout, each with the trace's masks
    of its steps), as a note says.

    Exit codes: 0 when every relative error is at most --tol, 1 when some is not (the
    gradients disagree), 2 for bad input (as every command).

    \b
    Examples:
      rnntrace init review.yaml --example sentiment
      rnntrace gradcheck review.yaml
      rnntrace init lstm.yaml --example sentiment-lstm
      rnntrace gradcheck lstm.yaml --param 'W_f*' --entries
      rnntrace init seq2seq.yaml --example seq2seq
      rnntrace gradcheck seq2seq.yaml --eps 1e-6 --tol 1e-5
      rnntrace init gru.yaml --example sentiment-gru
      rnntrace gradcheck gru.yaml --format json -o check.json
    """
    from rnntrace._internal.analysis.gradcheck import entries as count
    from rnntrace._internal.analysis.gradcheck import gradcheck as check_gradients
    from rnntrace._internal.scenario import load_scenario

    if not tol > 0:
        raise click.BadParameter("must be positive", param_hint="--tol")
    fmt = file_format("gradcheck", fmt, output)
    loaded = load_scenario(scenario)
    total = count(loaded, params, every)
    if total > MAX_CHECKED_ENTRIES:
        raise RnntraceError(
            f"{scenario}: {total:,} parameter entries would take {2 * total:,} traces; check at "
            f"most {MAX_CHECKED_ENTRIES:,} at a time (choose parameters with --param)"
        )
    progress, done = _progress(total)
    try:
        result = check_gradients(loaded, eps, tol, params, progress, every)
    finally:
        done()
    emit("gradcheck", fmt, result, output=output, force=force, entries=entries)
    if not result.passed:
        sys.exit(1)


def _progress(total: int) -> tuple[Any, Any]:
    """A progress bar on stderr for long checks (only on a terminal)."""
    if total < 200 or not sys.stderr.isatty():
        return None, lambda: None
    from rich.console import Console
    from rich.progress import Progress

    bar = Progress(console=Console(stderr=True), transient=True)
    task = bar.add_task("finite differences", total=total)
    bar.start()
    return (lambda n: bar.update(task, completed=n)), bar.stop


def gradflow_json(flow: Any) -> list[str]:
    """The printer of ``gradflow --format json``: the analysis as a JSON document (in
    chunks)."""
    from rnntrace._internal.render.gradflow_json import gradflow_document, json_chunks

    return json_chunks(gradflow_document(flow))


def gradcheck_json(result: Any) -> str:
    """The printer of ``gradcheck --format json``: the check as a JSON document."""
    from rnntrace._internal.render.gradflow_json import dumps, gradcheck_document

    return dumps(gradcheck_document(result))
