"""Every command's output: one table maps a command's ``--format`` to its printer, and one
function prints or writes what the printer makes.

Printers come in two kinds. ``rich`` printers make rich renderables, which the CLI's
Console lays out when it prints them, at the width it decides:

- on a terminal, the terminal's width (``COLUMNS`` overrides it), in colour;
- to a pipe or a redirect, the same width (``COLUMNS``, else the width of a terminal on
  stdin or stderr, else 80 columns), without colour and without spaces at the ends of lines;
- to a file (``-o``), 80 columns, whatever the terminal, so a file does not depend on the
  terminal it was written from.

A printer may take less than the width it is given (the worked solution of ``run`` takes
at most 80 columns). ``text`` printers make text (LaTeX, Markdown, JSON), written as it is.
"""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import click

from rnntrace._internal.records import record

FILE_WIDTH = 80  # the width of text written to a file with -o
RICH, TEXT = "rich", "text"


@record
class Format:
    """One output format of a command.

    ``printer``: ``module:function`` in ``rnntrace._internal``, imported when used.
    ``kind``: it makes ``rich`` renderables or ``text``. ``takes``: the command's options
    it is given as keyword arguments. ``settings``: ``module:Class`` of its ``settings``
    argument, made from the command's options of the same names. ``suffix``: a file
    written with ``-o`` and this suffix gets this format when ``--format`` is not given.
    ``standalone``: it can write a complete document. ``soft_wrap``: its lines are already
    broken to fit (the Console does not fold them)."""

    printer: str
    kind: str
    suffix: str = ""
    takes: tuple[str, ...] = ()
    settings: str = ""
    standalone: bool = False
    soft_wrap: bool = False
    help: str = ""


FORMATS: dict[str, dict[str, Format]] = {
    "run": {
        "text": Format("render.text:render_text", RICH, soft_wrap=True,
                       settings="render.text_base:TextSettings",
                       help="the worked solution"),
        "json": Format("render.json:render_json", TEXT, ".json", takes=("arrays",),
                       help="every step as data"),
        "latex": Format("render.latex:render_latex", TEXT, ".tex", standalone=True,
                        settings="render.latex_base:LatexSettings",
                        help="the worked solution as align* blocks (a fragment for notes)"),
        "markdown": Format("render.markdown:render_markdown", TEXT, ".md",
                           settings="render.latex_base:LatexSettings",
                           help="the same with $$ maths"),
        "html": Format("render.html:render_html", TEXT, ".html", takes=("other",),
                       settings="render.html:HtmlSettings",
                       help="one self-contained interactive page (click a number for its "
                       "provenance; exact and hand-rounded values)"),
    },
    "train": {
        "text": Format("render.training:render_training_text", RICH,
                       help="table and loss curve"),
        "json": Format("cli.output:json_text", TEXT,
                       help="the figures and the final parameters"),
        "latex": Format("render.training:render_training_latex", TEXT,
                        standalone=True, help="table and pgfplots figure"),
    },
    "gradflow": {
        "text": Format("render.gradflow_text:render_gradflow", RICH, soft_wrap=True,
                       takes=("matrices",), help="tables, a log plot and the verdict"),
        "json": Format("cli.gradflow:gradflow_json", TEXT, ".json",
                       help="every Jacobian, norm and eigenvalue as data"),
        "latex": Format("render.gradflow_latex:render_gradflow_latex", TEXT, ".tex",
                        standalone=True, help="the same as text, with a pgfplots figure"),
    },
    "gradcheck": {
        "text": Format("render.gradflow_text:render_gradcheck", RICH,
                       soft_wrap=True, takes=("entries",), help="a table per parameter"),
        "json": Format("cli.gradflow:gradcheck_json", TEXT, ".json",
                       help="every gradient entry of both kinds"),
    },
    "verify": {
        "text": Format("cli.verify:report_table", RICH, help="a table"),
        "json": Format("verify.export:json_report", TEXT, ".json",
                       help="Gradescope's results.json shape"),
    },
    "textgen train": {
        "text": Format("cli.textgen:report_lines", TEXT, help="the report"),
        "json": Format("cli.output:json_text", TEXT,
                       help="the report with the loss curve"),
        "latex": Format("render.textgen:render_textgen_latex", TEXT,
                        standalone=True, help="the report in LaTeX"),
    },
}  # fmt: skip


def format_option(command: str, default: str = "text") -> Callable[[Any], Any]:
    """The ``--format`` option of ``command``: its formats, each with its help."""
    formats = FORMATS[command]
    words = "; ".join(f"{name}: {fmt.help}" for name, fmt in formats.items())
    return click.option("--format", "fmt", type=click.Choice(list(formats)), default=default,
                        show_default=True, help=words + ".")  # fmt: skip


def output_option(command: str, what: str) -> Callable[[Any], Any]:
    """The ``-o`` option of ``command`` (``what`` it does), naming the suffixes that choose
    a format when ``--format`` is not given."""
    suffixes = [f"{fmt.suffix} ({name})" for name, fmt in FORMATS[command].items() if fmt.suffix]
    return click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                        help=f"{what}; without --format, a file named *{', *'.join(suffixes)} "
                        "gets that format.")  # fmt: skip


def file_format(command: str, fmt: str, output: Path | None) -> str:
    """The format to write: ``fmt``, or, when ``--format`` was not given, the format whose
    suffix the ``output`` file has (``-o solution.tex``: latex)."""
    from click.core import ParameterSource

    ctx = click.get_current_context(silent=True)
    if output is None or ctx is None or ctx.get_parameter_source("fmt") != ParameterSource.DEFAULT:
        return fmt
    by_suffix = {f.suffix: name for name, f in FORMATS[command].items() if f.suffix}
    return by_suffix.get(output.suffix.lower(), fmt)


def standalone_option(command: str) -> Callable[[Any], Any]:
    """The ``--standalone`` option, naming the formats of ``command`` that take it."""
    return click.option("--standalone", is_flag=True,
                        help=f"With --format {_standalone_formats(command)}: a complete "
                        "document instead of a fragment.")  # fmt: skip


def _standalone_formats(command: str) -> str:
    return " or ".join(name for name, fmt in FORMATS[command].items() if fmt.standalone)


LAYOUTS = ("standard", "seed")  # as rnntrace._internal.render.latex_base.LatexSettings.layout


def layout_option(what: str) -> Callable[[Any], Any]:
    """The ``--layout`` option (``what`` it lays out, with which formats)."""
    return click.option(
        "--layout", type=click.Choice(LAYOUTS), default="standard", show_default=True,
        help=f"{what}. standard: each step its own display; seed: as the seeds' worked "
        "examples, each stage of a time step one split block, forward in seed 002's order "
        "(pre-activation, h_t, the attention scores A_{t,i} one line each, the weights, Z_t, "
        "o_t, y_t, L_t) and backward in seed 000's order (delta o, the output layer's "
        "gradients, then back through time delta h, delta z and the contributions to W_xh, "
        "W_hh and b_h; then the sums).",
    )  # fmt: skip


def check_layout(fmt: str, layout: str, formats: tuple[str, ...]) -> None:
    """Refuse a ``--layout`` other than standard with a format it does not lay out (before
    the command does its work)."""
    if layout != "standard" and fmt not in formats:
        raise click.UsageError(f"--layout {layout} goes with --format {' or '.join(formats)}")


def check_standalone(command: str, fmt: str, standalone: bool) -> None:
    """Refuse ``--standalone`` with a format that writes no complete document (before the
    command does its work, not after)."""
    if standalone and not FORMATS[command][fmt].standalone:
        raise click.UsageError(f"--standalone goes with --format {_standalone_formats(command)}")


def emit(command: str, fmt: str, *args: Any, output: Path | None = None, force: bool = False,
         standalone: bool = False, **options: Any) -> None:  # fmt: skip
    """Print (or write to ``output``) ``command``'s output in format ``fmt``: its printer
    called with ``args``, the ``options`` it takes, its settings made from ``options``, and
    ``standalone`` if it can write a complete document."""
    check_standalone(command, fmt, standalone)
    chosen = FORMATS[command][fmt]
    kwargs = {name: options[name] for name in chosen.takes}
    if chosen.settings:
        settings = _imported(chosen.settings)
        kwargs["settings"] = settings(**{f.name: options[f.name] for f in fields(settings)
                                         if f.name in options})  # fmt: skip
    if chosen.standalone:
        kwargs["standalone"] = standalone
    made = _imported(chosen.printer)(*args, **kwargs)
    if chosen.kind == RICH:
        show(made, output, force, soft_wrap=chosen.soft_wrap)
    else:
        write([made] if isinstance(made, str) else made, output, force)


def _imported(where: str) -> Any:
    """``module:name`` of rnntrace._internal, imported."""
    module, name = where.split(":")
    return getattr(importlib.import_module(f"rnntrace._internal.{module}"), name)


def show(renderable: Any, output: Path | None = None, force: bool = False,
         soft_wrap: bool = False) -> None:  # fmt: skip
    """Lay out and print a rich renderable (or a list or an iterator of them) in the CLI's
    Console; see the module's docstring for the width."""
    from rich.console import Console, Group
    from rich.text import Text

    if isinstance(renderable, list | tuple | Iterator):
        items = list(renderable)
        if soft_wrap and all(isinstance(item, Text) for item in items):
            from rnntrace._internal.render.layout import Lines

            renderable = Lines(items)  # lines laid out already: far cheaper for rich
        else:
            renderable = Group(*items)
    if output is None:
        console = Console(highlight=False)
        if console.is_terminal:
            console.print(renderable, soft_wrap=soft_wrap)
            return
        width = console.width
    else:
        width = FILE_WIDTH
    buffer = io.StringIO()
    plain = Console(file=buffer, width=width, color_system=None, force_terminal=False,
                    highlight=False)  # fmt: skip
    plain.print(renderable, soft_wrap=soft_wrap)
    lines = buffer.getvalue().splitlines()
    write(["".join(line.rstrip() + "\n" for line in lines)], output, force)


def write(chunks: Iterable[str], output: Path | None = None, force: bool = False) -> None:
    """Text as it is: to ``output`` (atomically), else to standard output."""
    if output is not None:
        from rnntrace._internal.files import write_atomic

        write_atomic(output, chunks, force=force)
        return
    for chunk in chunks:
        click.echo(chunk, nl=False)


def json_text(document: Any) -> str:
    """A JSON document on one line, strict (RFC 8259: no NaN or Infinity; ValueError)."""
    import json

    return json.dumps(document, allow_nan=False) + "\n"
