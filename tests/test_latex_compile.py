"""The LaTeX documents compile with pdflatex as CI runs it (-halt-on-error -no-shell-escape):
every bundled scenario in every form, a hostile scenario whose tokens and title are made
of LaTeX's special characters (and print verbatim), and large matrices that stay on the
page. Skipped where pdflatex is missing; failed instead under RNNTRACE_REQUIRE_ORACLES=1.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml
from texbuild import compile_all

from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.render.latex import render_latex
from rnntrace._internal.render.latex_base import LatexSettings
from rnntrace._internal.render.worksheet import SheetSettings, render_worksheet
from rnntrace._internal.scenario import load_scenario, parse_scenario
from rnntrace._internal.trace import Trace

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
FORMS = ("fragment", "standalone", "sheet", "key")
# A fragment needs a document around it: the packages its first comment names, and the page
# it is laid out for (A4, 2 cm margins).
FRAGMENT_DOCUMENT = (
    "\\documentclass{article}\n\\usepackage[a4paper,margin=2cm]{geometry}\n"
    "\\usepackage{amsmath,amssymb,bm}\n\\begin{document}\n%s\\end{document}\n"
)
HOSTILE_TOKENS = [
    "50%",
    "C++",
    "$x$",
    "a_b",
    "{",
    "~",
    r"\input{/etc/passwd}",
    r"\write18{rm -rf /}",
]


def forms(trace: Trace, settings: LatexSettings | None = None) -> dict[str, str]:
    """The four LaTeX documents of a trace."""
    questions = trace.default_questions()
    return {
        "fragment": FRAGMENT_DOCUMENT % "".join(render_latex(trace, settings=settings)),
        "standalone": "".join(render_latex(trace, settings=settings, standalone=True)),
        "sheet": "".join(render_worksheet(trace, questions)),
        "key": "".join(render_worksheet(trace, questions, SheetSettings(key=True))),
    }


def hostile_yaml() -> str:
    """Tokens, title and description made of LaTeX's special characters."""
    rng = np.random.default_rng(3)
    doc = {
        "title": "Hostile: " + " ".join(HOSTILE_TOKENS) + " & # ^ | < > \\",
        "description": "Tokens " + " ".join(HOSTILE_TOKENS) + " -- with `quotes' and 100%.",
        "input": {
            "embeddings": {token: rng.normal(size=2).round(2).tolist() for token in HOSTILE_TOKENS}
        },
        "sequences": [{"tokens": HOSTILE_TOKENS, "label": 1}],
        "model": {"output": "last", "head": "sigmoid", "loss": "bce"},
        "params": {
            "W_xh": [[0.2, -0.1], [0.3, 0.4]],
            "W_hh": [[0.1, 0.2], [-0.2, 0.1]],
            "W_hy": [[0.5, -0.3]],
        },
        "numbers": {"decimals": 3, "carry": "rounded"},
    }
    return yaml.safe_dump(doc, allow_unicode=True)


def wide_yaml(hidden: int = 10, inputs: int = 12, steps: int = 3) -> str:
    """Matrices wider than a line of the page."""
    rng = np.random.default_rng(11)
    doc = {
        "input": {"vectors": True},
        "sequences": [
            {
                "inputs": rng.normal(size=(steps, inputs)).round(3).tolist(),
                "targets": [int(k) for k in rng.integers(0, 3, size=steps)],
            }
        ],
        "model": {"output": "every", "head": "softmax", "loss": "ce"},
        "params": {
            "W_xh": (rng.normal(size=(hidden, inputs)) * 0.3).round(3).tolist(),
            "W_hh": (rng.normal(size=(hidden, hidden)) * 0.3).round(3).tolist(),
            "b_h": rng.normal(size=hidden).round(3).tolist(),
            "W_hy": (rng.normal(size=(3, hidden)) * 0.3).round(3).tolist(),
        },
        "numbers": {"decimals": 4, "carry": "exact"},
    }
    return yaml.safe_dump(doc)


def trained_yaml() -> str:
    """The sentiment scenario trained with clipping, weight decay and truncated BPTT."""
    text = (ROOT / "scenarios" / "sentiment.yaml").read_text(encoding="utf-8")
    extra = "  learning_rate: 0.1\n  clip: 0.05\n  l2: 0.01\n  bptt: 2\n"
    return text.replace("  learning_rate: 0.1\n", extra)


def techniques_yaml() -> str:
    """The sentiment scenario with seed 001's training techniques (issue 13)."""
    text = (ROOT / "scenarios" / "sentiment.yaml").read_text(encoding="utf-8")
    extra = ("  learning_rate: 0.1\n  clip: 0.05\n  clip_eps: 0.000001\n  l2_penalty: 0.01\n"
             "  recurrent_decay: 0.1\n  lr_schedule: {kind: exponential, decay: 0.9}\n"
             "  bptt_window: 2\n")  # fmt: skip
    return text.replace("  learning_rate: 0.1\n", extra)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    documents = {}
    for path in SCENARIOS:
        for form, text in forms(trace_scenario(load_scenario(path))).items():
            documents[f"{path.stem}-{form}"] = text
    hostile = trace_scenario(parse_scenario(hostile_yaml(), "hostile.yaml"))
    for form, text in forms(hostile).items():
        documents[f"hostile-{form}"] = text
    trained = trace_scenario(parse_scenario(trained_yaml(), "trained.yaml"))
    for form, text in forms(trained).items():
        documents[f"trained-{form}"] = text
    techniques = trace_scenario(parse_scenario(techniques_yaml(), "techniques.yaml"))
    for form, text in forms(techniques).items():
        documents[f"techniques-{form}"] = text
    wide = trace_scenario(parse_scenario(wide_yaml(), "wide.yaml"))
    for form, text in forms(wide, LatexSettings(full=True)).items():
        documents[f"wide-{form}"] = text
    documents["wide-short"] = "".join(render_latex(wide, standalone=True))
    return compile_all(tmp_path_factory.mktemp("tex"), documents)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("scenario", [path.stem for path in SCENARIOS])
def test_every_bundled_scenario_compiles_in_every_form(built, scenario, form):
    result = built[f"{scenario}-{form}"]
    assert result.pdf is not None, result.errors()
    assert not [points for points in result.overfull() if points > 1.0], "off the page"


@pytest.mark.parametrize("form", FORMS)
def test_hostile_tokens_print_verbatim_and_execute_nothing(built, form):
    result = built[f"hostile-{form}"]
    assert result.pdf is not None, result.errors()
    text = re.sub(r"[ \t]+", " ", result.text())
    for token in HOSTILE_TOKENS:
        assert token in text, token
    assert "(/etc/passwd" not in result.log  # TeX never opened it
    assert "root:" not in text


def test_hostile_title_compiles_and_shows_its_words(built):
    text = built["hostile-standalone"].text()
    assert "Hostile:" in text and "100%" in text and "C++" in text


@pytest.mark.parametrize("form", FORMS)
def test_clipping_weight_decay_and_truncated_bptt_compile(built, form):
    result = built[f"trained-{form}"]
    assert result.pdf is not None, result.errors()
    assert not [points for points in result.overfull() if points > 1.0], "off the page"


@pytest.mark.parametrize("form", FORMS)
def test_training_techniques_compile(built, form):
    result = built[f"techniques-{form}"]
    assert result.pdf is not None, result.errors()
    assert not [points for points in result.overfull() if points > 1.0], "off the page"


@pytest.mark.parametrize("form", [*FORMS, "short"])
def test_wide_matrices_and_long_rows_stay_on_the_page(built, form):
    result = built[f"wide-{form}"]
    assert result.pdf is not None, result.errors()
    assert not [points for points in result.overfull() if points > 1.0], result.overfull()


def test_softmax_fractions_of_the_key_do_not_touch(tmp_path):
    """The key's softmax: the fractions of a column, read back from the PDF by position, each
    clear of the next (a denominator ends above the next numerator's top)."""
    from click.testing import CliRunner
    from oracles import require_executable

    from rnntrace._internal.cli import cli

    scenario = Path(__file__).resolve().parent.parent / "scenarios" / "hello-attention.yaml"
    out = tmp_path / "key.tex"
    result = CliRunner().invoke(cli, ["export", str(scenario), "-o", str(out), "--key"])
    assert result.exit_code == 0, result.output
    assert r"\dfrac{1.1487}{4.3677} \\[1.2em] \dfrac{0.9117}{4.3677}" in out.read_text()
    (built,) = compile_all(tmp_path / "pdf", {"key": out.read_text()}).values()
    assert built.pdf is not None, built.errors()
    html = subprocess.run([require_executable("pdftotext"), "-bbox", str(built.pdf), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    words = re.findall(
        r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]+)<', html
    )
    column = ["1.1487", "4.3677", "0.9117", "4.3677", "1.2599", "4.3677", "1.0473", "4.3677"]
    by_x: dict[str, list[tuple[float, float, str]]] = {}
    for left, top, bottom, word in words:  # the column's words share their left edge
        if word in column:
            by_x.setdefault(left, []).append((float(top), float(bottom), word))
    (boxes,) = [found for found in by_x.values() if [w for _, _, w in found] == column]
    gaps = [boxes[i + 1][0] - boxes[i][1] for i in range(1, len(boxes) - 1, 2)]
    assert min(gaps) > 2.0, gaps  # points between a denominator and the next numerator
