"""The command line, through click's CliRunner: every command, option and exit code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from rnntrace._internal.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SENTIMENT = str(ROOT / "scenarios" / "sentiment.yaml")
I_LOVE_AI = str(ROOT / "scenarios" / "i-love-ai.yaml")
ANSI = re.compile(r"\x1b\[")


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


def test_every_command_has_help_with_an_example():
    import click

    names = cli.list_commands(click.Context(cli))
    assert {"run", "export", "answers", "verify", "train", "gradflow", "gradcheck"} <= set(names)
    for name in names:
        result = invoke(name, "--help")
        assert result.exit_code == 0, name
        command = cli.get_command(click.Context(cli), name)
        assert command is not None and command.help and "Example" in command.help, name


def test_run_prints_the_worked_solution_without_colour_when_piped():
    result = invoke("run", SENTIMENT)
    assert result.exit_code == 0, result.output
    assert not ANSI.search(result.output)
    for heading in (
        "Parameters",
        "Forward pass",
        "Backpropagation through time",
        "Gradients: sums over the time steps",
        "All sequences: totals",
        "Update: one SGD step",
    ):
        assert heading in result.output


def test_run_fits_in_80_columns():
    result = invoke("run", SENTIMENT)
    assert max(len(line.rstrip()) for line in result.output.splitlines()) <= 80


def test_run_writes_rows_out_term_by_term_like_the_seed():
    # seed 000, "I love AI", time step 1, row 1 of W_xh x_1
    out = invoke("run", I_LOVE_AI).output
    # carried rounded to 3 decimals, products too (round_terms): each with all 3 decimals
    assert "row 1: 0.5×0.8 + (−0.3)×0.3 = 0.400 − 0.090 = 0.310" in out
    assert "tanh(0.410) ≈ 0.388" in out


def test_phase_filter_shows_only_that_part():
    out = invoke("run", SENTIMENT, "--phase", "update").output
    assert "Update: one SGD step" in out
    assert "Forward pass" not in out and "Backpropagation" not in out


def test_steps_filter_limits_time_steps():
    out = invoke("run", SENTIMENT, "--phase", "forward", "--steps", "2-3").output
    assert "Time step 2: 'love'" in out and "Time step 3: 'this'" in out
    assert "Time step 1:" not in out and "Time step 4:" not in out


@pytest.mark.parametrize("bad", ["0", "3-1", "a-b", "x"])
def test_bad_steps_is_a_usage_error(bad):
    result = invoke("run", SENTIMENT, "--steps", bad)
    assert result.exit_code == 2
    assert "--steps" in result.output


def test_decimals_changes_display_only():
    exact4 = invoke("run", SENTIMENT, "--carry", "exact", "--format", "json").output
    exact2 = invoke(
        "run", SENTIMENT, "--carry", "exact", "--decimals", "2", "--format", "json"
    ).output
    assert json.loads(exact4)["steps"] == json.loads(exact2)["steps"]
    text = invoke("run", SENTIMENT, "--carry", "exact", "--decimals", "5").output
    assert "tanh(0.32) ≈ 0.30951" in text  # tanh(0.32) = 0.309507...


def test_carry_option_overrides_the_scenario():
    rounded = json.loads(invoke("run", SENTIMENT, "--format", "json").output)
    exact = json.loads(invoke("run", SENTIMENT, "--carry", "exact", "--format", "json").output)
    assert rounded["meta"]["numbers"]["carry"] == "rounded"
    assert exact["meta"]["numbers"]["carry"] == "exact"
    h1 = {s["key"]: s for s in rounded["steps"]}["s1.h_1"]
    assert h1["carried"] == [0.226, 0.31, 0.264]
    assert "carried" not in {s["key"]: s for s in exact["steps"]}["s1.h_1"]


def test_output_file_is_written_and_never_overwritten_without_force(tmp_path):
    target = tmp_path / "trace.json"
    assert invoke("run", SENTIMENT, "--format", "json", "-o", str(target)).exit_code == 0
    first = target.read_text()
    assert json.loads(first)["format"] == "rnntrace-trace"
    again = invoke("run", SENTIMENT, "--format", "json", "-o", str(target))
    assert again.exit_code == 2 and "already exists" in again.output
    assert target.read_text() == first
    forced = invoke(
        "run", SENTIMENT, "--carry", "exact", "--format", "json", "-o", str(target), "--force"
    )
    assert forced.exit_code == 0 and target.read_text() != first
    assert [p.name for p in tmp_path.iterdir()] == ["trace.json"]  # no temporary left


def test_text_output_to_a_file_has_no_colour(tmp_path):
    target = tmp_path / "solution.txt"
    assert invoke("run", SENTIMENT, "-o", str(target)).exit_code == 0
    text = target.read_text(encoding="utf-8")
    assert "Forward pass" in text and not ANSI.search(text)
    # the same text as piped to an 80-column console, rules included
    piped = invoke("run", SENTIMENT, env={"COLUMNS": "80", "FORCE_COLOR": None})
    assert text == piped.output
    assert max(len(line) for line in text.splitlines()) == 80


def test_no_color_is_respected_even_on_a_terminal():
    result = invoke("run", SENTIMENT, env={"NO_COLOR": "1", "FORCE_COLOR": ""})
    assert not ANSI.search(result.output)


def test_validate_describes_a_good_scenario():
    result = invoke("validate", SENTIMENT)
    assert result.exit_code == 0
    assert "valid: 2 sequences (10 time steps), D = 3, H = 3, K = 1" in result.output


def test_bad_scenario_gives_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(Path(SENTIMENT).read_text().replace("b_h:  [0.1, 0.1, 0.1]", "b_h: [0.1, 0.1]"))
    result = invoke("run", str(bad))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    # the hidden size is what most parameters agree on, so the odd one out is named
    assert re.match(
        rf"{re.escape(str(bad))}:\d+:\d+: params\.b_h: 2 entries, must be 3 entries because "
        r"W_xh has 3 rows and W_hh is 3×3$",
        lines[0],
    )


def test_debug_shows_the_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 2\n")
    result = invoke("--debug", "validate", str(bad))
    assert result.exit_code != 0 and result.exception is not None


def test_missing_file_is_exit_2(tmp_path):
    result = invoke("run", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2 and "no such file" in result.output


def test_init_writes_a_runnable_starter_and_never_overwrites(tmp_path):
    target = tmp_path / "scenario.yaml"
    assert invoke("init", str(target), "--example", "i-love-ai").exit_code == 0
    assert invoke("validate", str(target)).exit_code == 0
    target.write_text("my own work")
    result = invoke("init", str(target))
    assert result.exit_code == 2 and "already exists" in result.output
    assert target.read_text() == "my own work"


def test_schema_is_json_and_lists_the_documented_keys():
    schema = json.loads(invoke("schema").output)
    assert schema["$schema"].startswith("https://json-schema.org/")
    props = schema["properties"]
    assert set(props) >= {
        "version",
        "title",
        "input",
        "sequences",
        "model",
        "params",
        "notation",
        "train",
        "numbers",
    }
    assert props["model"]["properties"]["loss"]["enum"] == ["bce", "ce", "mse", "none"]
    assert props["numbers"]["properties"]["carry"]["enum"] == ["exact", "rounded"]
