"""One structure for every printer: the terminal, LaTeX and Markdown write the same
headings, in the same order, for every bundled scenario (each read back from the printed
output, its markup taken off), the titles of two scenarios are the ones written here by
hand, and only ``render/structure.py`` decides headings."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from rnntrace._internal.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "rnntrace" / "_internal"
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
RULE = "\u2500"


def _printed(path: Path, fmt: str) -> str:
    result = CliRunner().invoke(cli, ["run", str(path), "--format", fmt, "--full"])
    assert result.exit_code == 0, result.output
    return result.output


def _plain(title: str) -> str:
    """A heading without quotes, code spans or maths markup, its maths (only ever the
    learning rate, ``\\eta = 0.1``) in Unicode."""
    title = re.sub(r"\$([^$]*)\$", lambda m: m.group(1).replace("\\eta", "η"), title)
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
        if not line or line[0] in (" ", RULE):  # a rule alone is under a long title
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


# Every title of seq2seq, in order. The gradient of the decoder's initial state,
# W_hh^decᵀ δz^dec_1, stays under "Decoder step 1" where δz^dec_1 lives: no second
# "Decoder step 3" between the decoder's step 1 and the encoder's step 3.
SEQ2SEQ = [
    "Parameters",
    "Sequence 1: a b b",
    "Forward pass",
    "Time step 1: a (encoder)",
    "Time step 2: b (encoder)",
    "Time step 3: b (encoder)",
    "Decoder step 1",
    "Decoder step 2",
    "Decoder step 3",
    "Loss",
    "Backpropagation through time",
    "Decoder step 3",
    "Decoder step 2",
    "Decoder step 1",
    "Time step 3: b (encoder)",
    "Time step 2: b (encoder)",
    "Time step 1: a (encoder)",
    "Gradients: sums over the time steps",
    "Update: one SGD step, learning rate η = 0.1",
]
WORDS = ["i", "love", "this", "book", "its", "amazing"]
BIDIRECTIONAL_FORWARD = [
    "Parameters",
    "Sequence 1: i love this book its amazing (label 1)",
    "Forward pass",
    *(f"Time step {t}: {WORDS[t - 1]} (forward RNN)" for t in range(1, 7)),
    *(f"Time step {t}: {WORDS[t - 1]} (backward RNN)" for t in range(6, 0, -1)),
    "Time step 6: amazing",  # the output, read from both RNNs' states
    "Loss",
    "Backpropagation through time",
]


@pytest.mark.parametrize("fmt, extract", [("text", text_headings), ("latex", latex_headings),
                                          ("markdown", markdown_headings)])  # fmt: skip
def test_seq2seq_and_bidirectional_titles_are_the_ones_written_by_hand(fmt, extract) -> None:
    seq2seq = extract(_printed(ROOT / "scenarios" / "seq2seq.yaml", fmt))
    assert seq2seq == SEQ2SEQ
    both = extract(_printed(ROOT / "scenarios" / "bidirectional.yaml", fmt))
    assert both[: len(BIDIRECTIONAL_FORWARD)] == BIDIRECTIONAL_FORWARD
    assert both[-2:] == ["Gradients: sums over the time steps",
                         "Update: one SGD step, learning rate η = 0.1"]  # fmt: skip


def _calls_and_functions(path: Path) -> tuple[set[str], set[str]]:
    """The names called and the functions defined in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    called = {
        node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
    }
    defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    return called, defined


def test_one_headings_function() -> None:
    """Only render/structure.py makes Heading records or defines a headings function; the
    terminal, LaTeX and Markdown printers take theirs from it (``outline``)."""
    home = PACKAGE / "render" / "structure.py"
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == home:
            continue
        called, defined = _calls_and_functions(path)
        where = path.relative_to(ROOT)
        assert "Heading" not in called, f"{where} makes its own headings"
        assert not {"headings", "_headings"} & defined, f"{where} defines headings"
        assert "headings" not in called, f"{where} walks the headings itself, not via outline"
    for printer in ("text.py", "latex.py"):
        called, _ = _calls_and_functions(PACKAGE / "render" / printer)
        assert "outline" in called, f"render/{printer} does not use structure.outline"
    markdown = (PACKAGE / "render" / "markdown.py").read_text(encoding="utf-8")
    assert "class MarkdownPrinter(LatexPrinter)" in markdown  # the LaTeX printer's outline
