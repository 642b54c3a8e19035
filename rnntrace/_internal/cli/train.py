"""`rnntrace train`: SGD over epochs on the compiled tape, and one epoch traced in full."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from rnntrace._internal.cli.base import SCENARIO_ARG, cli, eval_option, evaluated, fail_cleanly
from rnntrace._internal.cli.output import (
    check_layout,
    check_standalone,
    emit,
    format_option,
    layout_option,
    standalone_option,
)
from rnntrace._internal.errors import RnntraceError

if TYPE_CHECKING:
    from rnntrace._internal.engine.training import Settings, TrainResult
    from rnntrace._internal.scenario.model import Scenario

# Epochs when neither --epochs nor train.epochs says: enough for a loss curve to show.
DEFAULT_EPOCHS = 100


def _report_epochs(text: str | None, epochs: int) -> list[int]:
    from rnntrace._internal.engine.training import default_report

    if not text:
        return default_report(epochs)
    try:
        marks = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        marks = []
    if not marks:
        raise RnntraceError(f"--report: expected epochs like 1,100,1000, found {text!r}")
    bad = [m for m in marks if not 1 <= m <= epochs]
    if bad:
        raise RnntraceError(f"--report: epoch {bad[0]} is not between 1 and {epochs}")
    return marks


def _bptt(text: str | None, default: int | None) -> int | None:
    if text is None:
        return default
    if text == "full":
        return None
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise RnntraceError(f"--bptt: expected full or a whole number k >= 1, found {text!r}")


@cli.command()
@click.argument("scenario", type=SCENARIO_ARG)
@click.option(
    "--epochs",
    type=click.IntRange(1, 10_000_000),
    help=f"Number of epochs (default: the scenario's train.epochs, else {DEFAULT_EPOCHS}).",
)
@click.option(
    "--lr",
    type=click.FloatRange(min=0, min_open=True),
    help="Learning rate η (default: train.learning_rate).",
)
@click.option(
    "--clip",
    type=click.FloatRange(min=0, min_open=True),
    help="Clip the gradients by their global norm at this value (default: train.clip).",
)
@click.option(
    "--l2",
    type=click.FloatRange(min=0),
    help="L2 weight decay λ: λθ is added to each gradient (default: train.l2).",
)
@click.option("--bptt", help="full, or k for truncated BPTT (default: train.bptt).")
@click.option(
    "--report", help="Epochs to report, e.g. 1,100,1000 (default: 1, 10, 100, …, and the last)."
)
@click.option(
    "--trace-epoch",
    type=click.IntRange(min=1),
    help="Print the full hand calculation of this epoch instead of training.",
)
@format_option("train")
@standalone_option("train")
@layout_option("With --trace-epoch and --format latex: the layout of the epoch's worked solution")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the scenario with the trained parameters to this file.",
)
@click.option("--force", is_flag=True, help="Overwrite the --output file if it exists.")
@click.option("--allow-large", is_flag=True, help="Write JSON even beyond the size limit.")
@eval_option
@fail_cleanly
def train(scenario: Path, epochs: int | None, lr: float | None, clip: float | None,
          l2: float | None, bptt: str | None, report: str | None, trace_epoch: int | None,
          fmt: str, standalone: bool, layout: str, output: Path | None, force: bool,
          allow_large: bool, evaluate: bool) -> None:  # fmt: skip
    """Train SCENARIO with SGD over all its sequences, epoch after epoch.

    Epoch N's loss is the loss before the N-th update (epoch 1 is the untrained model).
    Each epoch: the loss and BPTT (truncated with --bptt k), then clipping by the global
    norm (--clip), L2 weight decay (--l2), and the SGD step. The report is a table of the
    chosen epochs (total loss, loss per sequence, gradient norm, whether clipping fired) and
    a loss curve. Training runs on the engine's compiled tape: nothing is recorded or
    explained, except with --trace-epoch N, which prints the whole hand calculation of
    epoch N (the model as it stands after N − 1 updates, and its update). Seed 001's
    techniques come from the scenario's train section (lr_schedule, l2_penalty,
    recurrent_decay, clip_eps, bptt_window; docs/scenario-format.md): the table then shows
    each epoch's learning rate, and the penalty and total loss beside the data loss.
    With model.dropout each epoch draws its own masks (the seed rule of the scenario
    format; given masks serve every epoch); --eval trains with dropout off.

    \b
    Examples:
      rnntrace init hello.yaml --example hello
      rnntrace train hello.yaml --epochs 1000 --lr 0.5
      rnntrace train hello.yaml --epochs 1000 --report 1,10,100,1000 -o trained.yaml
      rnntrace init review.yaml --example sentiment
      rnntrace train review.yaml --epochs 50 --clip 1 --trace-epoch 50
      rnntrace train review.yaml --epochs 50 --trace-epoch 50 --format latex --layout seed
    """
    from rnntrace._internal.engine.training import Settings, techniques
    from rnntrace._internal.scenario import load_scenario

    check_standalone("train", fmt, standalone)
    check_layout(fmt, layout, ("latex",))
    if layout != "standard" and trace_epoch is None:
        raise click.UsageError(f"--layout {layout} goes with --trace-epoch N")
    loaded = evaluated(load_scenario(scenario), evaluate)
    t = loaded.train
    settings = Settings(
        epochs=epochs or t.epochs or DEFAULT_EPOCHS, learning_rate=lr or t.learning_rate,
        clip=clip if clip is not None else t.clip, l2=l2 if l2 is not None else t.l2,
        bptt=_bptt(bptt, t.bptt), **techniques(t),
    )  # fmt: skip
    if trace_epoch is not None:
        _print_epoch(
            loaded, settings, trace_epoch, fmt, standalone, output, force, allow_large, layout
        )
        return
    if output is not None:  # before training, not after
        from rnntrace._internal.files import check_target

        check_target(output, force)
    if not (epochs or t.epochs):
        click.echo(f"{DEFAULT_EPOCHS} epochs (the default; --epochs N or train.epochs in the "
                   "scenario to change it)", err=True)  # fmt: skip
    reported = _report_epochs(report, settings.epochs)
    if fmt == "json" and not allow_large:  # before training, not after
        _refuse_json(loaded, settings, len(reported))
    result = _run(loaded, settings, reported)
    from rnntrace._internal.engine.training import document

    try:
        emit("train", fmt, document(result, loaded), standalone=standalone)
    except ValueError:  # JSON is strict (RFC 8259): no Infinity
        if fmt != "json":
            raise
        raise RnntraceError(
            f"{scenario}: training reached numbers beyond float64 (a gradient norm or a "
            "parameter is infinite); lower the learning rate or clip the gradients"
        ) from None
    if output is not None:
        from rnntrace._internal.files import write_atomic
        from rnntrace._internal.scenario.write import with_params

        header = (f"Trained by rnntrace from {scenario.name}: {settings.describe()}; the loss "
                  f"went from {result.losses[0]:.6g} to {result.losses[-1]:.6g} (before the "
                  "last update).")  # fmt: skip
        write_atomic(output, [with_params(scenario, result.params, header)], force=force)
        click.echo(f"wrote {output}", err=True)


def _run(loaded: Scenario, settings: Settings, report: list[int]) -> TrainResult:
    """Train, with a progress bar on a terminal for long runs."""
    from rnntrace._internal.engine.training import train as run_training

    if settings.epochs < 2000 or not sys.stderr.isatty():
        return run_training(loaded, settings, report)
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task("training", total=settings.epochs)
        every = max(1, settings.epochs // 200)

        def tick(epoch: int) -> None:
            if epoch % every == 0 or epoch == settings.epochs:
                progress.update(task, completed=epoch)

        return run_training(loaded, settings, report, tick)


def _refuse_json(loaded: Scenario, settings: Settings, reported: int) -> None:
    """The size check of the JSON document: every epoch's loss, the reported epochs (loss,
    per sequence, gradient norm) and the trained parameters."""
    from rnntrace._internal.engine.size import document_bytes, refuse_output

    numbers = settings.epochs + reported * (2 + len(loaded.sequences))
    numbers += sum(value.size for value in loaded.params.values())
    refuse_output(loaded.file, "json", document_bytes(reported, numbers),
                  f"{settings.epochs:,} epochs, each epoch's loss",
                  "train fewer epochs, write --format text, or pass --allow-large")  # fmt: skip


def _print_epoch(loaded: Scenario, settings: Settings, epoch: int, fmt: str,
                 standalone: bool, output: Path | None, force: bool,
                 allow_large: bool, layout: str) -> None:  # fmt: skip
    """Epoch ``epoch``'s hand calculation, in any of `rnntrace run`'s formats (``layout``:
    of the LaTeX worked solution)."""
    from rnntrace._internal.cli.run import emit_trace
    from rnntrace._internal.engine.training import trace_epoch

    trace = trace_epoch(loaded, settings, epoch)
    if fmt == "text" and output is None:
        from rich.text import Text

        from rnntrace._internal.cli.output import show

        show(Text(f"Epoch {epoch} of {settings.epochs}: the model after {epoch - 1} updates "
                  f"({settings.describe()}).", style="bold"))  # fmt: skip
    emit_trace(trace, fmt, standalone=standalone, output=output, force=force,
               source=loaded.file, allow_large=allow_large,
               ways="rnntrace run --steps N-M traces a part, or pass --allow-large",
               layout=layout)  # fmt: skip
