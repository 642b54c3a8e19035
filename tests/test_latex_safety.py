"""User text reaches LaTeX and Markdown escaped; notation is a checked, safe LaTeX subset that
always compiles in the places rnntrace puts it (W^\\top, W', \\partial W)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from texbuild import compile_all

from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.render.latex import render_latex
from rnntrace._internal.render.texescape import latex_text, latex_word, markdown_text, markdown_word
from rnntrace._internal.render.worksheet import SheetSettings, render_worksheet
from rnntrace._internal.scenario import parse_scenario
from rnntrace._internal.scenario.notation import check_notation

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = [
    "50%", "C++", "$x$", "a_b", "{", "}", "~", "^", "#", "&", "\\", r"\input{/etc/passwd}",
    r"\write18{rm -rf /}", "^^5cinput", "a--b", "!`", "\n\\def\\x{}", "\x00", "é", "中",
]  # fmt: skip
# What escaped text may contain: character codes, escaped specials, accents, \texttt, ...
_SAFE = re.compile(
    r"\{\\char\d+\}|\\[$%#&]|\\texttt(?=\{)|\\ |\\[`'^\"~=.uvHcdbr](?=\{)|\\[ij]\b|"
    r"\\(?:ss|ae|AE|oe|OE|o|O|l|L|i|j|ldots|S|P|copyright|pounds)\{\}|"
    r"\$\\(?:times|pm|cdot|to|leftarrow|approx|le|ge|infty|[A-Za-z]+)\$|\$\^\\circ\$|\$-\$"
)


@pytest.mark.parametrize("escape", [latex_text, latex_word])
@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_has_no_live_latex(escape, text):
    rest = _SAFE.sub("", escape(text))
    assert not re.search(r"[\\$%#&^_~]", rest), (text, escape(text), rest)
    depth = 0
    for char in rest:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    assert rest.count("{") == rest.count("}")
    assert "\n" not in escape(text)


def test_markdown_text_cannot_become_markup_html_or_maths():
    assert markdown_text("<script>alert(1)</script>") == "\\<script\\>alert(1)\\</script\\>"
    assert markdown_text("$x$ *y* [a](b) _c_ `d`") == "\\$x\\$ \\*y\\* \\[a\\](b) \\_c\\_ \\`d\\`"
    assert markdown_text("1. item") == "1\\. item" and markdown_text("# h") == "\\# h"
    assert markdown_word("a`b") == "``a`b``" and markdown_word("`x") == "`` `x ``"


SAFE_NOTATION = [
    "U", "W_{ho}", r"\mathbf{W}_{hh}", r"\hat{W}", "{V^{2}}", "W'", "W''", r"\alpha_t",
    r"\bm W", r"\tilde{c}_{t}", "{W^{(1)}}_{hh}", r"\boldsymbol{\theta}", "a_1{b}_2",
]  # fmt: skip
REFUSED_NOTATION = [
    (r"\input{x}", r"\input is not allowed"),
    (r"\include{x}", r"\include is not allowed"),
    (r"\write18{x}", r"\write is not allowed"),
    (r"\openout1", r"\openout is not allowed"),
    (r"\catcode`\^=0", r"\catcode is not allowed"),
    (r"\def\x{y}", r"\def is not allowed"),
    (r"\csname input\endcsname", r"\csname is not allowed"),
    ("W^^5cinput", "'^^' is not allowed"),
    ("α", "use ASCII LaTeX"),
    ("V^2", "a superscript at the top level"),
    ("W_a_b", "a double subscript"),
    ("{a^b^c}", "a double superscript"),
    ("W'_x", "a prime"),
    (r"\hat{W}'", "double superscript"),  # compiled, it was a "Double superscript"
    (r"{\hat{W}'}", "double superscript"),  # so was this
    (r"\mathbf W'", "double superscript"),
    (r"{W^{(1)}}'", "double superscript"),
    ("W_", "_ needs an argument"),
    (r"\hat", r"\hat needs an argument"),
    ("W\\\\x", r"\\ is not allowed"),
    ("W_{x", "unbalanced braces"),
    ("a\tb", "is not allowed in a symbol"),
]


@pytest.mark.parametrize("symbol", SAFE_NOTATION)
def test_safe_notation_is_accepted(symbol):
    assert check_notation(symbol) is None


@pytest.mark.parametrize(("symbol", "message"), REFUSED_NOTATION)
def test_unsafe_notation_is_refused_with_a_clear_message(symbol, message):
    problem = check_notation(symbol)
    assert problem is not None and message in problem


def test_documents_with_every_kind_of_safe_notation_compile(tmp_path):
    text = (ROOT / "scenarios" / "sentiment.yaml").read_text(encoding="utf-8")
    notations = [SAFE_NOTATION[i : i + 5] for i in range(0, len(SAFE_NOTATION), 5)]
    documents = {}
    for n, symbols in enumerate(notations):
        symbols = (symbols + SAFE_NOTATION)[:5]
        entries = "".join(
            f"  {key}: {json.dumps(symbol)}\n"
            for key, symbol in zip(["W_xh", "W_hh", "b_h", "W_hy", "b_y"], symbols)
        )
        scenario = (
            text.split("notation:")[0]
            + "notation:\n"
            + entries
            + "train:"
            + text.split("train:")[1]
        )
        trace = trace_scenario(parse_scenario(scenario, f"n{n}.yaml"))
        questions = trace.default_questions()
        documents[f"solution{n}"] = "".join(render_latex(trace, standalone=True))
        documents[f"key{n}"] = "".join(render_worksheet(trace, questions, SheetSettings(key=True)))
    for name, built in compile_all(tmp_path, documents).items():
        assert built.pdf is not None, (name, built.errors())
