"""`rnntrace run --format latex|markdown` and `rnntrace export`: options, files, errors."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from oracles import require_executable

from rnntrace._internal.cli import cli
from rnntrace._internal.cli.export import CARRIED_CREDIT
from rnntrace._internal.render import worksheet

ROOT = Path(__file__).resolve().parent.parent
SENTIMENT = str(ROOT / "scenarios" / "sentiment.yaml")


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


def test_run_writes_a_latex_fragment_a_document_or_markdown():
    fragment = invoke("run", SENTIMENT, "--format", "latex")
    assert fragment.exit_code == 0, fragment.output
    assert "\\begin{align*}" in fragment.output and "\\documentclass" not in fragment.output
    document = invoke("run", SENTIMENT, "--format", "latex", "--standalone")
    assert document.output.startswith("\\documentclass{article}")
    markdown = invoke("run", SENTIMENT, "--format", "markdown", "--steps", "1")
    assert markdown.exit_code == 0 and "$$\n\\begin{aligned}" in markdown.output
    assert "Time step 1: `i`" in markdown.output and "Time step 2:" not in markdown.output


def test_standalone_goes_with_latex_only():
    result = invoke("run", SENTIMENT, "--format", "markdown", "--standalone")
    assert result.exit_code == 2 and "--standalone goes with --format latex" in result.output


def test_run_latex_to_a_file_never_overwrites_without_force(tmp_path):
    out = tmp_path / "solution.tex"
    assert invoke("run", SENTIMENT, "--format", "latex", "-o", str(out)).exit_code == 0
    first = out.read_text(encoding="utf-8")
    again = invoke("run", SENTIMENT, "--format", "latex", "--standalone", "-o", str(out))
    assert again.exit_code == 2 and "already exists; use --force" in again.output
    assert out.read_text(encoding="utf-8") == first
    forced = invoke(
        "run", SENTIMENT, "--format", "latex", "--standalone", "-o", str(out), "--force"
    )
    assert forced.exit_code == 0 and out.read_text(encoding="utf-8").startswith("\\documentclass")


def test_export_writes_the_worksheet_and_the_key(tmp_path):
    sheet, key = tmp_path / "sheet.tex", tmp_path / "key.tex"
    result = invoke("export", SENTIMENT, "-o", str(sheet))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"wrote {sheet} (the worksheet: 25 questions, 25 points)",
        f"wrote {tmp_path / 'sheet-key.tex'} (the answer key: 25 questions, 25 points)",
        f"wrote {tmp_path / 'sheet.assignment.yaml'} (the assignment: give it to rnntrace "
        "answers and verify)",
    ]
    assert invoke("export", SENTIMENT, "-o", str(key), "--key").exit_code == 0
    assert "\\documentclass[10pt]{exam}" in sheet.read_text(encoding="utf-8")
    assert "\\blank{" in sheet.read_text(encoding="utf-8")
    assert "\\answer{" in key.read_text(encoding="utf-8")
    again = invoke("export", SENTIMENT, "-o", str(sheet))
    assert again.exit_code == 2 and "already exists" in again.output


def test_ask_patterns_mean_the_computed_quantities():
    # 'h_*' matches the given h_0 by its full key, and so means every sequence's h_t
    result = invoke("export", SENTIMENT, "--ask", "h_*")
    assert result.exit_code == 0, result.output
    assert result.output.count("\\part[1] ") == 10  # h_1..h_6 and h_1..h_4


def test_export_to_standard_output_with_chosen_questions_and_rules():
    result = invoke("export", SENTIMENT, "--ask", "h_2, L,dW_hh", "--carried-credit", "none")
    assert result.exit_code == 0, result.output
    assert result.output.count("\\part[1] ") == 4  # s1.h_2, s2.h_2, L, dW_hh
    assert "no marks are carried forward" in result.output


@pytest.mark.parametrize(
    ("ask", "message"),
    [
        ("h_9", "--ask: no quantity is called 'h_9' (did you mean 'h_6'?)"),
        ("dW_hx", "--ask: no quantity is called 'dW_hx' (did you mean 'dW_xh'?)"),
        ("W_xh", "--ask: 'W_xh' names only given data, nothing to compute"),
        (" , ", "--ask: expected keys separated by commas"),
    ],
)
def test_bad_ask_is_one_line_and_exit_2(ask, message):
    result = invoke("export", SENTIMENT, "--ask", ask)
    assert result.exit_code == 2
    assert result.output.startswith(message) and result.output.count("\n") == 1


def test_pdf_needs_an_output_file():
    result = invoke("export", SENTIMENT, "--pdf")
    assert result.exit_code == 2 and "--pdf needs -o FILE.tex" in result.output


def test_pdf_without_tex_says_how_to_install_it(tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    out = tmp_path / "sheet.tex"
    result = invoke("export", SENTIMENT, "-o", str(out), "--pdf", env={"PATH": str(empty)})
    assert result.exit_code == 2
    assert "pdflatex is not installed" in result.output and "apt-get install" in result.output
    assert out.exists() and not out.with_suffix(".pdf").exists()


def test_pdf_is_built_next_to_the_tex_file(tmp_path):
    require_executable("pdflatex")
    out = tmp_path / "key.tex"
    result = invoke("export", SENTIMENT, "-o", str(out), "--key", "--pdf")
    assert result.exit_code == 0, result.output
    pdf = out.with_suffix(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and f"wrote {pdf}" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["key.pdf", "key.tex"]  # nothing else
    ordinary = tmp_path / "ordinary"
    ordinary.write_text("")  # the mode any new file gets under this umask
    mode = stat.S_IMODE(ordinary.stat().st_mode)
    assert stat.S_IMODE(pdf.stat().st_mode) == stat.S_IMODE(out.stat().st_mode) == mode
    ordinary.unlink()
    kept = invoke("export", SENTIMENT, "-o", str(tmp_path / "other.tex"), "--pdf")
    assert kept.exit_code == 0
    (tmp_path / "third.pdf").write_bytes(b"mine")
    refused = invoke("export", SENTIMENT, "-o", str(tmp_path / "third.tex"), "--pdf")
    assert refused.exit_code == 2 and "third.pdf: already exists" in refused.output
    assert not (tmp_path / "third.tex").exists()  # refused before anything was written


def test_a_tex_error_is_reported_in_one_line(tmp_path, monkeypatch):
    # a fake pdflatex that fails the way TeX does: a log with '! ...' and 'l.N'
    fake = tmp_path / "bin"
    fake.mkdir()
    script = fake / "pdflatex"
    script.write_text(
        "#!/bin/sh\nfor a; do f=$a; done\nb=${f%.tex}\n"
        "printf '! Undefined control sequence.\\nl.42 \\\\oops\\n' > $b.log\nexit 1\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    out = tmp_path / "sheet.tex"
    env = {"PATH": f"{fake}{os.pathsep}/usr/bin:/bin"}
    monkeypatch.setenv("PATH", env["PATH"])
    monkeypatch.setattr("shutil.which", lambda name: str(script) if name == "pdflatex" else None)
    result = invoke("export", SENTIMENT, "-o", str(out), "--pdf", env=env)
    assert result.exit_code == 2
    assert "pdflatex failed: Undefined control sequence. (line 42)" in result.output


def test_the_cli_offers_the_worksheets_carried_credit_rules():
    assert CARRIED_CREDIT == worksheet.CARRIED_CREDIT
