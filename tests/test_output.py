"""Where output goes and how wide it is: one table maps each command's --format to its
printer, and the width is decided when printing (COLUMNS, a pipe, a file, a terminal), the
same for rules and text."""

from __future__ import annotations

import importlib
import io
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from rich.console import Console

from rnntrace._internal.cli import cli
from rnntrace._internal.cli.output import FILE_WIDTH, FORMATS
from rnntrace._internal.render.text import MEASURE, render_text

ROOT = Path(__file__).resolve().parent.parent
SENTIMENT = str(ROOT / "scenarios" / "sentiment.yaml")
RULE = "\u2500"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _run(args: list[str], columns: str | None, monkeypatch) -> str:
    monkeypatch.delenv("COLUMNS", raising=False)
    env = {"COLUMNS": columns} if columns is not None else {}
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    return result.output


def _rules(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.endswith(RULE)]


def _widths(text: str) -> list[int]:
    return [len(line) for line in text.splitlines()]


@pytest.mark.parametrize("columns, width", [(None, 80), ("50", 50), ("100", 80), ("60", 60)])
def test_rules_and_text_are_as_wide_as_the_console_at_most_80(monkeypatch, columns, width):
    """A pipe without COLUMNS is 80 columns; COLUMNS decides otherwise, and the worked
    solution takes at most 80 of them: every rule exactly, every paragraph within."""
    text = _run(["run", SENTIMENT], columns, monkeypatch)
    rules = _rules(text)
    assert len(rules) >= 4 and {len(rule) for rule in rules} == {width}
    header = text.split("\n\n", 1)[0].splitlines()[1:]  # the paragraphs under the title
    assert header and max(len(line) for line in header) <= width - 4


def test_long_equations_are_broken_at_the_width_they_are_printed_in(monkeypatch):
    """At 50 columns the same worked solution, its long equations broken after ', ' or
    before ' = ', ' + ', ... (only what has no such place is left longer)."""
    wide = _run(["run", SENTIMENT], None, monkeypatch)
    narrow = _run(["run", SENTIMENT], "50", monkeypatch)
    assert sum(w > 50 for w in _widths(narrow)) < sum(w > 50 for w in _widths(wide)) / 4
    for line in narrow.splitlines():
        if len(line) > 50:  # nowhere to break it within the first 50 columns
            body = line.lstrip()
            assert not re.search(r", | [+−=≈] ", body[1 : 50 - (len(line) - len(body)) - 4])

    def squeezed(text: str) -> str:
        return re.sub(rf"[\s{RULE}]+", "", text)

    assert squeezed(narrow) == squeezed(wide)  # nothing lost or added, only line breaks


def test_a_file_is_80_columns_whatever_the_terminal(monkeypatch, tmp_path):
    out = tmp_path / "solution.txt"
    _run(["run", SENTIMENT, "-o", str(out)], "50", monkeypatch)
    text = out.read_text(encoding="utf-8")
    assert {len(rule) for rule in _rules(text)} == {FILE_WIDTH}
    assert text == _run(["run", SENTIMENT], None, monkeypatch)


def test_a_title_too_long_for_its_rule_is_written_whole(monkeypatch):
    title = "Sequence 1: 'i love this book its amazing' (label 1)"  # 52 columns
    text = _run(["run", SENTIMENT], "53", monkeypatch)  # a rule leaves 51 for its title
    assert f"\n{title}\n" + RULE * 53 + "\n" in text
    text = _run(["run", SENTIMENT], "40", monkeypatch)
    assert "\nSequence 1: 'i love this book its\namazing' (label 1)\n" + RULE * 40 + "\n" in text


@pytest.mark.parametrize("width", [44, 80, 120])
def test_in_a_terminal_in_colour_the_layout_is_the_same(width):
    """A colour terminal gets the same lines as a pipe of the same width, with styles."""
    from rnntrace._internal.engine import trace_scenario
    from rnntrace._internal.scenario import load_scenario

    trace = trace_scenario(load_scenario(Path(SENTIMENT)))

    def printed(**colour) -> str:
        buffer = io.StringIO()
        console = Console(file=buffer, width=width, highlight=False, **colour)
        console.print(render_text(trace), soft_wrap=True)
        return buffer.getvalue()

    coloured = printed(force_terminal=True, color_system="standard")
    plain = printed(color_system=None)
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured) == plain
    assert {len(rule) for rule in _rules(plain)} == {min(width, MEASURE)}


def test_verify_reports_use_the_same_width_rule(monkeypatch, tmp_path):
    answers = tmp_path / "a.yaml"
    _run(["answers", SENTIMENT, "--key", "-o", str(answers)], None, monkeypatch)
    for columns, width in ((None, 80), ("120", 120), ("60", 60)):
        text = _run(["verify", SENTIMENT, str(answers)], columns, monkeypatch)
        assert max(_widths(text)) <= width
        assert all(line == line.rstrip() for line in text.splitlines())
    assert max(_widths(_run(["verify", SENTIMENT, str(answers)], "120", monkeypatch))) > 80


def _command(name: str) -> click.Command:
    group: click.Group = cli
    ctx = click.Context(cli)
    *parents, last = name.split()
    for parent in parents:
        group = group.get_command(ctx, parent)  # type: ignore[assignment]
    command = group.get_command(ctx, last)
    assert command is not None
    return command


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_command_takes_its_formats_from_the_one_table(name):
    command = _command(name)
    option = next(p for p in command.params if p.name == "fmt")
    assert list(option.type.choices) == list(FORMATS[name])  # type: ignore[attr-defined]
    for fmt in FORMATS[name].values():
        module, function = fmt.printer.split(":")
        assert callable(getattr(importlib.import_module(f"rnntrace._internal.{module}"), function))
        if fmt.settings:
            module, cls = fmt.settings.split(":")
            assert hasattr(importlib.import_module(f"rnntrace._internal.{module}"), cls)
    takes_standalone = any(fmt.standalone for fmt in FORMATS[name].values())
    assert any(p.name == "standalone" for p in command.params) == takes_standalone


@pytest.mark.parametrize(
    "args",
    [["run", SENTIMENT, "--standalone"], ["run", SENTIMENT, "--format", "markdown",
     "--standalone"], ["gradflow", SENTIMENT, "--standalone"],
     ["train", SENTIMENT, "--epochs", "2", "--standalone"]],
)  # fmt: skip
def test_standalone_goes_with_the_formats_that_write_a_document(args):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "--standalone goes with --format latex" in result.output


@pytest.mark.parametrize(
    "command, name, starts",
    [(["run"], "solution.tex", "% Worked solution written by rnntrace"),
     (["run"], "solution.md", "# Sentiment of two book reviews"),
     (["run"], "solution.json", "{"),
     (["run"], "solution.txt", RULE),
     (["run", "--format", "text"], "solution.tex", RULE),
     (["gradflow"], "flow.tex", "%"),
     (["gradflow"], "flow.json", "{")],
)  # fmt: skip
def test_without_format_the_output_file_s_suffix_chooses_it(tmp_path, command, name, starts):
    out = tmp_path / name
    result = CliRunner().invoke(cli, [command[0], SENTIMENT, *command[1:], "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith(starts)
