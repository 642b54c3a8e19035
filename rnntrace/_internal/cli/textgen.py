"""`rnntrace textgen`: train a character-level generator on a text, and write text with it."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from rnntrace._internal.cli.base import SCENARIO_ARG, cli, fail_cleanly
from rnntrace._internal.cli.output import check_standalone, emit, format_option, standalone_option
from rnntrace._internal.errors import RnntraceError

if TYPE_CHECKING:
    from rnntrace._internal.engine.textgen import TextSettings, TextState

TEXT_ARG = click.Path(dir_okay=False, path_type=Path)


@cli.group()
def textgen() -> None:
    """A character-level text generator: train it on a text, then write text with it.

    The model is an ordinary scenario, so `rnntrace run model.yaml --steps 1` shows the
    hand calculation of its first characters through the exact trained model.

    \b
    Examples:
      rnntrace textgen train kjv.txt -o model.yaml --epochs 1
      rnntrace textgen sample model.yaml --start "And " --length 300 --temperature 0.8
      rnntrace run model.yaml --phase forward --steps 1
    """


@textgen.command("train")
@click.argument("corpus", type=TEXT_ARG)
@click.option("-o", "--output", type=TEXT_ARG, required=True, help="The model file to write.")
@click.option("--force", is_flag=True, help="Overwrite the --output file if it exists.")
@click.option(
    "--hidden", type=click.IntRange(1, 1000), default=100, show_default=True, help="Hidden size H."
)
@click.option(
    "--window",
    type=click.IntRange(1, 10_000),
    default=25,
    show_default=True,
    help="Characters per window (truncated BPTT; the state is carried on).",
)
@click.option(
    "--epochs",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Passes over the text (a fraction is allowed).",
)
@click.option(
    "--optimizer", type=click.Choice(["sgd", "adagrad"]), default="adagrad", show_default=True
)
@click.option(
    "--lr",
    type=click.FloatRange(min=0, min_open=True),
    default=0.1,
    show_default=True,
    help="Learning rate η.",
)
@click.option(
    "--clip",
    type=click.FloatRange(min=0, min_open=True),
    default=5.0,
    show_default=True,
    help="Clip the gradients by their global norm (0: never).",
)
@click.option("--no-clip", is_flag=True, help="Do not clip.")
@click.option(
    "--init",
    type=click.Choice(["xavier", "orthogonal"]),
    default="xavier",
    show_default=True,
    help="Weights: Xavier uniform; orthogonal: W_hh orthogonal.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the initial weights.")
@click.option("--vocab", help="The characters of the model, in order (default: the text's).")
@click.option(
    "--every",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Windows per point of the loss curve.",
)
@click.option("--resume", type=SCENARIO_ARG, help="Go on training this model file.")
@format_option("textgen train")
@standalone_option("textgen train")
@fail_cleanly
def train_command(
    corpus: Path,
    output: Path,
    force: bool,
    hidden: int,
    window: int,
    epochs: float,
    optimizer: str,
    lr: float,
    clip: float,
    no_clip: bool,
    init: str,
    seed: int,
    vocab: str | None,
    every: int,
    resume: Path | None,
    fmt: str,
    standalone: bool,
) -> None:
    """Train a character-level RNN on the text CORPUS, as min-char-rnn does.

    Consecutive windows of --window characters, the hidden state carried from one to the
    next; after each window the gradients (BPTT over the window) are clipped by their
    global norm and the parameters updated by SGD or Adagrad. Ctrl-C writes the model so
    far. --resume goes on from a model file (its settings; --epochs more passes).

    \b
    Examples:
      rnntrace textgen train kjv.txt -o model.yaml --hidden 100 --epochs 2
      rnntrace textgen train kjv.txt -o model.yaml --resume model.yaml --force
    """
    from rnntrace._internal.engine.textgen import TextSettings, encode, new_state, vocabulary
    from rnntrace._internal.files import check_target
    from rnntrace._internal.scenario.load import read_text

    check_standalone("textgen train", fmt, standalone)
    check_target(output, force)
    text = read_text(corpus, "a text file")
    done_before = 0.0
    if resume is not None:
        from rnntrace._internal.engine.textgen_file import read_model, state_from

        scenario, chars, section = read_model(resume)
        if section is None:
            raise RnntraceError(
                f"{resume}: has no textgen section; it was not written by `rnntrace textgen train`"
            )
        settings, state, done_before = state_from(scenario, section)
    else:
        settings = TextSettings(
            hidden=hidden,
            window=window,
            optimizer=optimizer,
            learning_rate=lr,
            clip=None if no_clip or not clip else clip,
            init=init,
            seed=seed,
            every=every,
        )
        chars = vocabulary(text, vocab)
        state = new_state(len(chars), settings)
    codes = encode(text, chars)
    _train_and_write(
        text, codes, chars, settings, state, epochs, done_before, corpus, output, fmt, standalone
    )


def _train_and_write(
    text: str,
    codes: Any,
    chars: list[str],
    settings: TextSettings,
    state: TextState,
    epochs: float,
    done_before: float,
    corpus: Path,
    output: Path,
    fmt: str,
    standalone: bool,
) -> None:
    from rnntrace._internal.engine.textgen import WindowTape, train_text, windows_per_pass
    from rnntrace._internal.engine.textgen_file import model_text
    from rnntrace._internal.files import write_atomic
    from rnntrace._internal.scenario.load import parse_scenario

    w = settings.window
    per_pass = windows_per_pass(len(codes), w)
    if per_pass == 0:
        raise RnntraceError(f"{corpus}: {len(text)} characters; a window of {w} needs {w + 1}")
    windows = max(1, round(epochs * per_pass))
    first = state.windows

    def model(state: TextState) -> str:
        at = (state.windows % per_pass) * w
        passes = state.windows / per_pass
        return model_text(chars, text[at : at + w + 1], state, settings, str(corpus), passes)

    tape = WindowTape(parse_scenario(model(state), str(output)))
    began = time.perf_counter()
    interrupted = False
    try:
        with _progress(windows) as tick:
            train_text(tape, codes, settings, state, windows, tick)
    except KeyboardInterrupt:
        interrupted = True
    seconds = time.perf_counter() - began
    write_atomic(output, [model(state)], force=True)
    trained = state.windows - first
    if interrupted:
        click.echo(
            f"interrupted after {trained:,} of {windows:,} windows: wrote {output} (the "
            "model so far; --resume it to go on)",
            err=True,
        )
        sys.exit(130)
    doc = _document(settings, state, chars, text, corpus, trained, seconds, done_before)
    emit("textgen train", fmt, doc, standalone=standalone)
    click.echo(f"wrote {output}", err=True)


def report_lines(doc: dict[str, Any]) -> Iterator[str]:
    """The printer of ``textgen train --format text``: the report's lines."""
    from rnntrace._internal.render.textgen import render_textgen_text

    return (line + "\n" for line in render_textgen_text(doc))


def _document(
    settings: TextSettings,
    state: TextState,
    chars: list[str],
    text: str,
    corpus: Path,
    trained: int,
    seconds: float,
    before: float,
) -> dict[str, Any]:
    """The report as JSON-ready data (format rnntrace-textgen, version 1)."""
    from dataclasses import asdict

    from rnntrace._internal.engine.textgen import windows_per_pass

    return {
        "format": "rnntrace-textgen",
        "version": 1,
        "corpus": str(corpus),
        "characters": len(text),
        "vocabulary": chars,
        "settings": asdict(settings),
        "windows": state.windows,
        "windows_this_run": trained,
        "epochs": state.windows / windows_per_pass(len(text), settings.window),
        "seconds": seconds,
        "windows_per_second": trained / seconds if seconds else 0.0,
        "smooth_loss": state.smooth_loss,
        "curve": [[w, loss] for w, loss in state.curve],
        "note": "curve: [windows trained, mean loss per character (nats) over the last "
        f"{settings.every} windows]; smooth_loss: per character, 0.999 old + 0.001 new",
    }


class _progress:
    """A rich progress bar on a terminal (windows/s, the smoothed loss, time left); nothing
    otherwise. Used as a context manager giving the per-window callback."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.bar: Any = None

    def __enter__(self) -> Any:
        if not sys.stderr.isatty():
            return None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            TextColumn("training"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[speed]} windows/s"),
            TextColumn("loss {task.fields[loss]}"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.bar.__enter__()
        task = self.bar.add_task("training", total=self.total, speed="…", loss="…")
        began, every = time.perf_counter(), max(1, min(200, self.total // 500))
        done = [0]

        def tick(state: TextState, loss: float) -> None:
            done[0] += 1
            if done[0] % every == 0 or done[0] == self.total:
                speed = done[0] / max(time.perf_counter() - began, 1e-9)
                self.bar.update(
                    task, completed=done[0], speed=f"{speed:,.0f}", loss=f"{state.smooth_loss:.4f}"
                )

        return tick

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@textgen.command("sample")
@click.argument("model", type=SCENARIO_ARG)
@click.option("--start", help="The text to start from (default: the model's first character).")
@click.option(
    "--length",
    type=click.IntRange(0, 1_000_000),
    default=300,
    show_default=True,
    help="Characters to write after the start text.",
)
@click.option(
    "--temperature",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Divides the logits before the softmax; 0 takes the most likely character.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the draws.")
@click.option(
    "--trace",
    "trace_steps",
    type=click.IntRange(min=0),
    default=0,
    help="Show the first N sampling steps by hand.",
)
@fail_cleanly
def sample_command(
    model: Path, start: str | None, length: int, temperature: float, seed: int, trace_steps: int
) -> None:
    """Write text with MODEL (a model file of `textgen train`, or any scenario of a simple RNN
    over a one-hot vocabulary with a softmax output).

    \b
    Examples:
      rnntrace textgen sample model.yaml --start "And God" --length 300 --temperature 0.8
      rnntrace textgen sample model.yaml --start T --length 20 --trace 3
      rnntrace textgen sample model.yaml --temperature 0   # always the most likely
    """
    from rnntrace._internal.engine.sampling import sample
    from rnntrace._internal.engine.textgen_file import read_model

    scenario, chars, _ = read_model(model)
    start = start if start is not None else scenario.sequences[0].tokens[0]
    result = sample(scenario.params, chars, start, length, temperature, seed, trace_steps)
    if trace_steps:
        from rnntrace._internal.render.textgen import render_sample_trace

        for line in render_sample_trace(result.steps, chars, temperature):
            click.echo(line)
        click.echo("")
    click.echo(result.text)
