"""One structure for every printer: the terminal, LaTeX and Markdown write the same
headings, in the same order, for every bundled scenario (each read back from the printed
output, its markup taken off)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from rnntrace.cli import cli
from rnntrace.render.symbols import to_text

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
RULE = "\u2500"


def _printed(path: Path, fmt: str) -> str:
    result = CliRunner().invoke(cli, ["run", str(path), "--format", fmt, "--full"])
    assert result.exit_code == 0, result.output
    return result.output


def _plain(title: str) -> str:
    """A heading without quotes, code spans or maths markup, its maths in Unicode."""
    title = re.sub(r"\$([^$]*)\$", lambda m: to_text(m.group(1)), title)
    title = re.sub(r"\\texttt\{([^{}]*)\}", r"\1", title)
    title = re.sub(r"\\(.)", r"\1", title)  # escaped characters
    return re.sub(r"['`]", "", title).strip()


def text_headings(output: str) -> list[str]:
    """Headings of the terminal output: the ruled titles (after the scenario's own title),
    the titles after a blank line, and the time steps (the only other unindented lines that
    are not equations)."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.endswith(RULE) and line[0] != RULE)
    found = []
    for i, line in enumerate(lines[start:], start):
        if not line or line[0] == " ":
            continue
        if line.endswith(RULE):
            found.append(line.rstrip(RULE + " "))
        elif not lines[i - 1] or not re.search(r" [=≈] |^\[", line):
            found.append(line)
    return [_plain(title) for title in found]


def latex_headings(output: str) -> list[str]:
    found = re.findall(
        r"\\(?:subsection|subsubsection)\*\{(.*)\}|\\medskip\n\\textbf\{(.*)\}", output
    )
    return [_plain(a or b) for a, b in found]


def markdown_headings(output: str) -> list[str]:
    found = re.findall(r"^#{2,4} (.*)$", output, flags=re.M)
    return [_plain(title) for title in found]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_headings_are_the_same_in_every_printer(path: Path) -> None:
    text = text_headings(_printed(path, "text"))
    latex = latex_headings(_printed(path, "latex"))
    markdown = markdown_headings(_printed(path, "markdown"))
    assert text[0] == "Parameters" and "Forward pass" in text
    assert text == latex
    assert text == markdown


def test_decoder_and_bidirectional_headings_say_which_part() -> None:
    seq2seq = markdown_headings(_printed(ROOT / "scenarios" / "seq2seq.yaml", "markdown"))
    assert "Decoder step 1" in seq2seq
    assert all("(encoder)" in title for title in seq2seq if title.startswith("Time step"))
    both = markdown_headings(_printed(ROOT / "scenarios" / "bidirectional.yaml", "markdown"))
    assert "Time step 1: i (forward RNN)" in both and "Time step 6: amazing (backward RNN)" in both
