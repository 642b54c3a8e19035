"""The HTML page without a browser: self-contained, well formed, every number where it
belongs, both chains embedded, user text escaped, MathML for the symbols."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import rnntrace
from rnntrace._internal.render.html_math import latex_mathml
from rnntrace._internal.symbol.mathml import mathml
from rnntrace._internal.symbol.tree import (
    Delta,
    Derivative,
    Name,
    PartMark,
    Primed,
    Row,
    Scripted,
    Styled,
    Time,
    Transposed,
    shifted,
    sub,
)

ROOT = Path(__file__).resolve().parent.parent
SENTIMENT = ROOT / "scenarios" / "sentiment.yaml"
VOID = {"meta", "br", "img", "input", "link", "hr", "col", "area", "base", "wbr", "source"}
MINUS = "\u2212"


class _Page(HTMLParser):
    """Checks that every element is closed in order; collects the number spans and data."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.numbers: list[tuple[int, int, str]] = []
        self.data_json = ""
        self.tags: set[str] = set()
        self._span: tuple[int, int] | None = None
        self._in_data = False

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        attributes = dict(attrs)
        if tag not in VOID:
            self.open.append(tag)
        if tag == "span" and attributes.get("class") == "n":
            self._span = (int(attributes["data-k"]), int(attributes["data-i"]))
        self._in_data = tag == "script" and attributes.get("id") == "rt-data"

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1:]}>"
        self.open.pop()
        self._in_data = False

    def handle_data(self, data):
        if self._span is not None:
            self.numbers.append((*self._span, data))
            self._span = None
        if self._in_data:
            self.data_json += data


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    assert parser.open == []
    return parser


def _fixed(value: float, decimals: int) -> str:
    """``value`` to ``decimals`` places, as a person writes it (the values are already rounded
    to that many places, so no halves are in doubt)."""
    text = f"{value:.{decimals}f}"
    return text.replace("-", MINUS) if float(text) != 0 else text.lstrip("-")


@pytest.fixture(scope="module")
def page() -> str:
    return rnntrace.to_html(rnntrace.trace(SENTIMENT))


def test_the_page_is_self_contained_and_well_formed(page):
    parsed = _parse(page)
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", page)  # nothing fetched
    assert "@import" not in page and "url(" not in page
    assert {"math", "details", "summary", "nav", "script", "style"} <= parsed.tags


def test_every_number_shown_is_the_hand_rounded_value_of_its_step(page):
    # sentiment.yaml carries numbers rounded to 3 decimals: the page shows that chain first
    tr = rnntrace.trace(SENTIMENT)
    data = json.loads(_parse(page).data_json)
    checked = 0
    for k, i, text in _parse(page).numbers:
        step = tr.raw.steps[k]
        assert step.key == data["k"][str(k)]
        if step.op not in ("given", "input"):
            assert text == _fixed(float(step.carried.ravel()[i]), 3), (step.key, i)
            checked += 1
    assert checked > 500


def test_both_chains_are_embedded_exact_and_rounded(page):
    data = json.loads(_parse(page).data_json)
    exact = rnntrace.trace(SENTIMENT, carry="exact")
    rounded = rnntrace.trace(SENTIMENT, carry="rounded")
    assert data["chain"] == "r"
    for k, key in data["k"].items():
        if exact[key].op in ("given", "input"):
            continue
        want_r = [_fixed(float(v), 3) for v in rounded[key].carried.ravel()]
        assert data["r"][k] == want_r
        got_x = np.array([float(t.replace(MINUS, "-")) for t in data["x"][k]])
        np.testing.assert_allclose(got_x, exact[key].value.ravel(), rtol=0, atol=0.51e-6)


def test_provenance_data_names_the_operands_and_the_equation_inputs(page):
    data = json.loads(_parse(page).data_json)
    index = {key: int(k) for k, key in data["k"].items()}
    h2 = str(index["s1.h_2"])
    assert [data["k"][str(o)] for o in data["o"][h2]] == ["s1.z_2"]
    # h_2 = tanh(W_xh x_2 + W_hh h_1 + b_h)
    sources = {data["k"][str(o)] for o in data["s"][h2]}
    assert sources == {"W_xh", "s1.x_2", "W_hh", "s1.h_1", "b_h"}


def test_the_contents_list_every_time_step_of_each_sequence(page):
    toc = page.split('<nav class="rt-toc"', 1)[1].split("</nav>", 1)[0]
    # forward and backward: 6 time steps of review 1, 4 of review 2
    assert toc.count("Time step ") == 2 * (6 + 4)
    anchors = re.findall(r'href="#(h\d+)"', toc)
    assert all(f'id="{anchor}"' in page for anchor in anchors)


def test_without_javascript_the_controls_stay_hidden_and_steps_are_open(page):
    assert '<div id="rt-controls" hidden>' in page
    assert page.count('<details class="rt-step"') == page.count("open>")


def test_user_text_is_escaped_everywhere(tmp_path):
    hostile = "<script>alert(1)</script>"
    text = (
        SENTIMENT.read_text(encoding="utf-8")
        .replace('title: "Sentiment of two book reviews"', f'title: "{hostile}"')
        .replace("description: >-", "description: >-\n  <img src=x onerror=alert(2)>")
    )
    out = rnntrace.to_html(rnntrace.trace(text))
    assert hostile not in out and "<img" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out


def test_the_embedded_data_cannot_close_its_script_element():
    text = (ROOT / "rnntrace" / "examples" / "hello.yaml").read_text(encoding="utf-8")
    out = rnntrace.to_html(rnntrace.trace(text))
    data = out.split('<script type="application/json" id="rt-data">', 1)[1].split("</script>")[0]
    assert "<" not in data and ">" not in data


@pytest.mark.parametrize(
    ("tex", "mathml"),
    [
        ("h_{2}", "<msub><mi>h</mi><mn>2</mn></msub>"),
        (r"\hat{y}_{6}",
         '<msub><mover accent="true"><mi>y</mi><mo>^</mo></mover><mn>6</mn></msub>'),
        (r"\frac{\partial L}{\partial b_o}",
         "<mfrac><mrow><mi>∂</mi><mi>L</mi></mrow><mrow><mi>∂</mi>"
         "<msub><mi>b</mi><mi>o</mi></msub></mrow></mfrac>"),
        (r"W_{hh}^\top \delta z_{2}",
         "<mrow><msubsup><mi>W</mi><mrow><mi>h</mi><mi>h</mi></mrow><mo>⊤</mo></msubsup>"
         "<mi>δ</mi><msub><mi>z</mi><mn>2</mn></msub></mrow>"),
        ("a<b", "<mrow><mi>a</mi><mo>&lt;</mo><mi>b</mi></mrow>"),
    ],
)  # fmt: skip
def test_latex_symbols_become_mathml(tex, mathml):
    assert latex_mathml(tex) == mathml


@pytest.mark.parametrize(
    ("tree", "expected"),
    [
        (sub("h", 2), "<msub><mi>h</mi><mn>2</mn></msub>"),
        (sub("W", "xh"), "<msub><mi>W</mi><mrow><mi>x</mi><mi>h</mi></mrow></msub>"),
        (sub("h", 3, "enc."), "<msubsup><mi>h</mi><mn>3</mn><mi>enc</mi></msubsup>"),
        (sub("z", 1, "fw."), "<msubsup><mi>z</mi><mn>1</mn><mo>→</mo></msubsup>"),
        (Scripted(Name("W"), sup=PartMark("l2.")),
         "<msup><mi>W</mi><mrow><mo>(</mo><mn>2</mn><mo>)</mo></mrow></msup>"),
        (Derivative(Name("L"), sub("b", "o")),
         "<mfrac><mrow><mi>∂</mi><mi>L</mi></mrow><mrow><mi>∂</mi>"
         "<msub><mi>b</mi><mi>o</mi></msub></mrow></mfrac>"),
        (Row((Transposed(sub("W", "hh")), Delta(sub("z", 2)))),
         "<mrow><msup><msub><mi>W</mi><mrow><mi>h</mi><mi>h</mi></mrow></msub><mo>⊤</mo></msup>"
         "<mrow><mi>δ</mi><msub><mi>z</mi><mn>2</mn></msub></mrow></mrow>"),
        (Scripted(Styled("hat", Name("y")), sub=Time(6)),
         '<msub><mover accent="true"><mi>y</mi><mo>^</mo></mover><mn>6</mn></msub>'),
        (Primed(sub("b", "h")), "<msup><msub><mi>b</mi><mi>h</mi></msub><mo>′</mo></msup>"),
        (shifted(sub("h", 2), 998), "<msub><mi>h</mi><mn>1000</mn></msub>"),
    ],
)  # fmt: skip
def test_symbol_trees_become_mathml(tree, expected):
    assert mathml(tree) == expected


def test_run_format_html_writes_the_page(tmp_path):
    out = tmp_path / "solution.html"
    subprocess.run([sys.executable, "-m", "rnntrace", "run", str(SENTIMENT), "--format", "html",
                    "-o", str(out)], check=True, cwd=ROOT)  # fmt: skip
    assert out.read_text(encoding="utf-8") == rnntrace.to_html(rnntrace.trace(SENTIMENT))
    by_suffix = tmp_path / "page.html"  # -o *.html without --format: the same page
    subprocess.run([sys.executable, "-m", "rnntrace", "run", str(SENTIMENT), "-o", str(by_suffix)],
                   check=True, cwd=ROOT)  # fmt: skip
    assert by_suffix.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")


def test_a_phase_and_steps_choose_the_part_shown():
    out = rnntrace.to_html(rnntrace.trace(SENTIMENT), steps=2, phases="forward")
    assert "Time step 2" in out and "Time step 3" not in out
    assert "Backpropagation" not in out


def test_export_format_html_writes_the_worksheet_its_key_and_the_assignment(tmp_path):
    sheet = tmp_path / "hw.html"
    subprocess.run([sys.executable, "-m", "rnntrace", "export", str(SENTIMENT), "--ask",
                    "s1.h_2,L,dW_hh", "--format", "html", "-o", str(sheet)],
                   check=True, cwd=ROOT, capture_output=True)  # fmt: skip
    worksheet = sheet.read_text(encoding="utf-8")
    key = (tmp_path / "hw-key.html").read_text(encoding="utf-8")
    assert (tmp_path / "hw.assignment.yaml").exists()
    _parse(worksheet), _parse(key)
    # a blank per number asked: h_2 (3), L (1), dW_hh (3 x 3); no answers, no script
    assert worksheet.count('class="rt-blank" title=') == 3 + 1 + 9
    assert "<script" not in worksheet
    rounded = rnntrace.trace(SENTIMENT, carry="rounded")
    for key_name in ("s1.h_2", "L", "dW_hh"):
        for value in rounded[key_name].carried.ravel():
            assert f">{_fixed(float(value), 3)}</span>" in key
    assert ">0.402</span>" not in worksheet  # h_2's first entry
    ids = re.findall(r' id="([^"]+)"', key)
    assert len(ids) == len(set(ids))


def test_export_pdf_goes_with_latex_only(tmp_path):
    done = subprocess.run([sys.executable, "-m", "rnntrace", "export", str(SENTIMENT), "--format",
                           "html", "--pdf", "-o", str(tmp_path / "hw.html")],
                          cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 2 and "--pdf goes with --format latex" in done.stderr


def test_a_large_page_packs_its_later_parts_and_loses_nothing(monkeypatch):
    import base64
    import zlib

    import rnntrace._internal.render.html as html_printer

    tr = rnntrace.trace(SENTIMENT)
    static = rnntrace.to_html(tr)
    monkeypatch.setattr(html_printer, "STATIC_BYTES", 0)
    large = rnntrace.to_html(tr)
    packed = re.findall(
        r'<script type="application/octet-stream" id="t\d+">([^<]*)</script>', large
    )
    assert len(packed) >= 3
    unpacked = large.split("<noscript>")[1].split("</noscript>")[1]
    for text in packed:
        inflated = zlib.decompress(base64.b64decode(text)).decode("utf-8")
        assert "</script" not in inflated
        unpacked = unpacked.replace(text, inflated, 1)
    keys = re.findall(r'<details class="rt-step" id="s\d+" data-key="([^"]+)"', static)
    assert re.findall(r'<details class="rt-step" id="s\d+" data-key="([^"]+)"', unpacked) == keys


def test_with_one_chain_only_the_page_has_no_other_to_show():
    # the engine's own trace, without the scenario to trace the other chain from
    exact = rnntrace.trace(SENTIMENT, carry="exact").raw
    data = json.loads(_parse(rnntrace.to_html(exact)).data_json)
    assert data["chain"] == "x" and "x" in data and "r" not in data


STACKED_CONCATENATED_LSTM = """\
version: 1
input:
  embeddings: {a: [0.1, 0.2], b: [0.3, -0.1]}
sequences:
  - {tokens: a b, label: 1}
model: {cell: lstm, layers: 2, output: last, head: sigmoid, loss: bce}
params:
  init: {scheme: xavier, seed: 1, hidden: 2, outputs: 1, form: concatenated}
"""


def test_row_by_row_work_of_a_column_slice_reads_those_columns():
    """A concatenated W_g = [W_gh, W_gx] is used by its columns (``info['cols']``): row r of
    W_gh[:, lo:hi]ᵀ δa is column lo + r of W_g against δa, entry (c, lo + r) in row-major
    order; the page's spans must point there (it raised IndexError before)."""
    tr = rnntrace.trace(STACKED_CONCATENATED_LSTM, carry="exact")
    page = rnntrace.to_html(tr)
    index = {key: int(k) for k, key in json.loads(_parse(page).data_json)["k"].items()}
    checked = 0
    for step in tr.raw.steps:
        if step.op != "matvec" or "cols" not in step.info or not step.info.get("transpose"):
            continue
        matrix, vector = step.operands
        height, width = tr[matrix].value.shape
        lo, hi = step.info["cols"]
        want = []
        for r in range(hi - lo):
            for c in range(height):
                flat = int(np.ravel_multi_index((c, lo + r), (height, width)))
                want += [(index[matrix], flat), (index[vector], c)]
            want.append((index[step.key], r))
        block = page.split(f'data-key="{step.key}"', 1)[1].split("</details>", 1)[0]
        work = block.split('<div class="rt-work">row 1:', 1)[1].split("</div>", 1)[0]
        got = [(int(k), int(i)) for k, i in re.findall(r"data-k=(\d+) data-i=(\d+)", work)]
        assert got == want, step.key
        checked += 1
    assert checked >= 16
