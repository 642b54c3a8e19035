"""The LaTeX and Markdown printers: every op has one, they write the seed's worked-example
form with the trace's numbers, the scenario's notation, escaped user text, and rows that
stay within the line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from oracles import HEAD_LOSS, random_config, to_yaml
from test_latex_compile import wide_yaml

from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.ops import ACTIVATIONS, OPS, explanation
from rnntrace._internal.render.latex import LatexPrinter, render_latex
from rnntrace._internal.render.latex_base import LINE_PT, LatexSettings
from rnntrace._internal.render.markdown import MarkdownPrinter, render_markdown
from rnntrace._internal.render.prose import Display
from rnntrace._internal.render.select import Selection
from rnntrace._internal.render.texwidth import tex_width
from rnntrace._internal.scenario import load_scenario, parse_scenario
from rnntrace._internal.scenario.model import NumberPolicy
from rnntrace._internal.symbol.label import Label
from rnntrace._internal.trace import Step

ROOT = Path(__file__).resolve().parent.parent
SENTIMENT = ROOT / "scenarios" / "sentiment.yaml"
I_LOVE_AI = ROOT / "scenarios" / "i-love-ai.yaml"
_NUMBER = r"-?\d+(?:\.\d+)?"


def latex(path: Path = SENTIMENT, **kwargs) -> str:
    return "".join(render_latex(trace_scenario(load_scenario(path)), **kwargs))


def align_rows(text: str) -> list[str]:
    """Every row of every align* block."""
    blocks = re.findall(r"\\begin\{align\*\}\n(.*?)\n\\end\{align\*\}", text, re.DOTALL)
    return [row for block in blocks for row in block.split(" \\\\\n")]


def last_matrix(row: str) -> list[float]:
    """The numbers of the last bmatrix of a row (or its last number)."""
    matrices = re.findall(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", row)
    body = matrices[-1] if matrices else row.rsplit(" ", 1)[-1]
    return [float(v) for v in re.findall(_NUMBER, body)]


def explained(op: str) -> bool:
    """Whether every step of ``op`` is written out from the op's explanation data."""
    return all(explanation(op, {"activation": name}) is not None for name in ACTIVATIONS)


@pytest.mark.parametrize("printer", [LatexPrinter, MarkdownPrinter])
def test_every_op_has_a_latex_and_a_markdown_printer(printer):
    missing = [op for op in [*OPS, "given", "input"]
               if not hasattr(printer, f"_print_{op}") and not explained(op)]  # fmt: skip
    assert not missing, (
        f"add explanation data (rnntrace/_internal/ops) or a _print_<op> method for {missing}"
    )


def test_an_op_without_a_printer_fails_loudly():
    trace = trace_scenario(load_scenario(SENTIMENT))
    step = trace["s1.h_1"]
    odd = Step(
        "odd", "o", None, None, "forward", "no_such_op", (), step.value, step.value, Label("none")
    )
    with pytest.raises(NotImplementedError, match="no_such_op"):
        list(LatexPrinter(trace).step_items(odd))


def test_rows_are_expanded_term_by_term_like_seed_000():
    text = latex()
    # seed 000, time step 1: W_xh x_1 with its terms, products and sums
    assert r"0.2 \times 0.1 + 0.4 \times 0.2 + 0.1 \times 0.3" in text
    assert r"0.02 + 0.08 + 0.03 \\ 0.01 + 0.06 + 0.15 \\ 0.04 + 0.04 + 0.09" in text
    # carried rounded to 3 decimals: every carried value is written with all 3 (0.130)
    assert r"\begin{bmatrix} 0.130 \\ 0.220 \\ 0.170 \end{bmatrix}" in text
    # tanh, then \approx before the rounded hidden state
    assert re.search(
        r"h_\{1\} &= \\tanh\(z_\{1\}\) = \\begin\{bmatrix\} \\tanh\(0\.230\) .*?\\end\{bmatrix\} "
        r"\\approx \\begin\{bmatrix\} 0\.226 \\\\ 0\.310 \\\\ 0\.264 \\end\{bmatrix\}",
        text,
    )


def test_the_numbers_written_are_the_traces_numbers():
    # each step's display ends with its value: parse it back and compare with the trace
    trace = trace_scenario(load_scenario(SENTIMENT))
    printer = LatexPrinter(trace)
    checked = 0
    for step in trace:
        if step.op in ("given", "input") or step.value.ndim == 2:
            continue
        rows = [
            row
            for item in printer.step_items(step)
            if isinstance(item, Display)
            for row in item.rows
        ]
        written = last_matrix(rows[-1])
        np.testing.assert_allclose(written, np.ravel(step.carried), atol=1e-12, err_msg=step.key)
        checked += 1
    assert checked > 100


def test_the_scenarios_notation_is_used_throughout():
    text = latex()
    assert "W_{ho}" in text and "b_o" in text
    assert "W_{hy}" not in text and "b_{y}" not in text
    renamed = SENTIMENT.read_text(encoding="utf-8").replace(
        "  W_hy: W_{ho}\n  b_y: b_o", "  W_xh: U\n  W_hh: W\n  W_hy: V\n  b_y: c"
    )
    trace = trace_scenario(parse_scenario(renamed, "uwv.yaml"))
    text = "".join(render_latex(trace)) + "".join(render_markdown(trace))
    assert "U x_{1}" in text and r"W^\top \delta z_{6}" in text and r"\partial V}" in text
    assert "W_{xh}" not in text and "W_{hy}" not in text


def test_output_is_ascii_whatever_the_tokens():
    text = (
        I_LOVE_AI.read_text(encoding="utf-8")
        .replace("[I, love, AI]", "[Ich, liebe, KI-Modelle–café]")
        .replace("Forward pass of 'I love AI'", "Vorwärts — naïve «test» 中文")
    )
    trace = trace_scenario(parse_scenario(text, "de.yaml"))
    out = "".join(render_latex(trace, standalone=True))
    assert out.isascii()
    assert r"caf\'{e}" in out and "[U+4E2D]" in out and "--" in out


def test_steps_and_phase_limit_what_is_shown():
    trace = trace_scenario(load_scenario(SENTIMENT))
    text = "".join(render_latex(trace, Selection(frozenset({"forward"}), 2, 3)))
    assert "Time step 2: \\texttt{love}" in text and "Time step 3: \\texttt{this}" in text
    assert "Time step 1:" not in text and "Time step 4:" not in text
    assert "Backpropagation" not in text and "subsection*{Update" not in text


def test_fragment_and_standalone():
    fragment = latex()
    assert "\\documentclass" not in fragment and fragment.startswith("% ")
    standalone = latex(standalone=True)
    assert standalone.startswith("\\documentclass{article}")
    assert standalone.rstrip().endswith("\\end{document}") and fragment in standalone


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("carry", ["exact", "rounded"])
def test_random_scenarios_keep_every_row_within_the_line(seed, carry):
    rng = np.random.default_rng(500 + seed)
    cfg = random_config(
        rng, head_loss=HEAD_LOSS[seed % len(HEAD_LOSS)], max_size=12 if seed % 3 else 4
    )
    trace = trace_scenario(
        parse_scenario(to_yaml(cfg), "random.yaml"), NumberPolicy(decimals=3, carry=carry)
    )
    for settings in (LatexSettings(), LatexSettings(full=True)):
        rows = align_rows("".join(render_latex(trace, settings=settings)))
        lhs = max(tex_width(row.split("&", 1)[0]) for row in rows)
        widest = max(tex_width(row.split("&", 1)[1]) for row in rows if "&" in row)
        # a row wider than the line is a single matrix too wide to split (never in full mode)
        assert lhs + widest <= LINE_PT + 60 or not settings.full, (lhs, widest)


def test_large_objects_are_shortened_unless_full():
    trace = trace_scenario(parse_scenario(wide_yaml(hidden=12, inputs=10), "big.yaml"))
    short = "".join(render_latex(trace))
    assert r"row expansion of a 12$\times$10 product omitted" in short
    assert r"\vdots" in short and r"\cdots" in short
    full = "".join(render_latex(trace, settings=LatexSettings(full=True)))
    assert r"\vdots" not in full and r"\left(W_{xh} x_{1}\right)_{12}" in full
    assert "(columns 1--" in full  # a 12-column matrix is split into blocks that fit


def test_markdown_has_dollar_maths_escaped_text_and_code_span_tokens():
    trace = trace_scenario(load_scenario(SENTIMENT))
    text = "".join(render_markdown(trace))
    blocks = re.findall(r"^\$\$\n(.*?)\n\$\$$", text, re.DOTALL | re.MULTILINE)
    assert len(blocks) > 100 and text.count("$$") == 2 * len(blocks)
    assert all("\n\n" not in block and block.startswith("\\begin{aligned}") for block in blocks)
    assert "#### Time step 2: `love`" in text
    assert r"0.2 \times 0.1 + 0.4 \times 0.2 + 0.1 \times 0.3" in text
    assert "align*" not in text and "\\texttt" not in text


def test_markdown_uses_boldsymbol_for_bm():
    text = SENTIMENT.read_text(encoding="utf-8").replace("W_hy: W_{ho}", "W_hy: \\bm{V}")
    trace = trace_scenario(parse_scenario(text, "bm.yaml"))
    assert "\\bm{V}" in "".join(render_latex(trace))
    markdown = "".join(render_markdown(trace))
    assert "\\boldsymbol{V}" in markdown and "\\bm" not in markdown


def test_lstm_and_gru_conventions_are_typeset_maths_and_the_gate_is_not_the_logits():
    from click.testing import CliRunner

    from rnntrace._internal.cli import cli

    def run(name: str, fmt: str) -> str:
        path = Path(__file__).resolve().parent.parent / "scenarios" / name
        result = CliRunner().invoke(cli, ["run", str(path), "--format", fmt])
        assert result.exit_code == 0, result.output
        return result.output

    lstm = run("sentiment-lstm.yaml", "latex")
    assert r"$h_t = \mathrm{og}_t \odot \tanh(c_t)$" in lstm
    assert r"$c_t = f_t \odot c_{t-1} + i_t \odot \tilde{c}_t$" in lstm
    assert "c~" not in lstm and "seed" not in lstm
    gru = run("sentiment-gru.yaml", "markdown")
    assert r"$h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde{h}_t$" in gru
    assert "seed" not in gru and "h~" not in gru
    steps = {
        step["key"]: step["symbol"]
        for step in json.loads(run("sentiment-lstm.yaml", "json"))["steps"]
    }
    assert steps["s1.og_6"] == r"\mathrm{og}_{6}" and steps["s1.o_6"] == "o_{6}"


def test_markdown_writes_every_bm_symbol_as_boldsymbol_and_latex_keeps_bm():
    """Notation in \\bm for the matrices and the biases: the Markdown (MathJax)
    has \\boldsymbol wherever the LaTeX has \\bm, in the header, the displays and the
    remarks; the LaTeX itself is unchanged."""
    text = SENTIMENT.read_text(encoding="utf-8").replace(
        "notation:\n  W_hy: W_{ho}\n  b_y: b_o\n",
        "notation:\n  W_hy: \\bm{V}\n  b_y: \\bm b_o\n  W_xh: \\bm{U}\n  W_hh: \\bm W\n"
        "  b_h: \\bm{b}\n",
    )
    trace = trace_scenario(parse_scenario(text, "bm.yaml"))
    tex = "".join(render_latex(trace))
    markdown = "".join(render_markdown(trace))
    assert tex.count("\\bm") > 50 and "\\boldsymbol" not in tex
    assert "\\bm" not in markdown
    assert markdown.count("\\boldsymbol{U}") == tex.count("\\bm{U}") > 0
    assert markdown.count("\\boldsymbol W") == tex.count("\\bm W") > 0
    assert markdown.count("\\boldsymbol b_o") == tex.count("\\bm b_o") > 0


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "scenarios").glob("*.yaml")),
    ids=lambda p: p.stem,
)
def test_model_sentence_writes_a_two_letter_index_as_one_subscript(path):
    """``W_xh`` written raw in TeX is W_x followed by h: the model's equation of a model of
    several parts (stacked, bidirectional, encoder-decoder) once printed the bare keys."""
    maths = " ".join(re.findall(r"\$([^$]*)\$", latex(path)))
    assert not re.findall(r"(?<![\\A-Za-z])[A-Za-z]_[A-Za-z]{2,}", maths)
