"""Golden files: the LaTeX fragment, the Markdown, the worksheet and the key of one small
scenario (tests/golden/tiny.yaml), compared character for character.

The golden files are a deliberate snapshot, never rewritten by a normal test run. After a
change to the output that you mean, regenerate them and review the diff before committing:

    RNNTRACE_UPDATE_GOLDEN=1 python -m pytest tests/test_golden_latex.py
    git diff tests/golden/
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.render.latex import render_latex
from rnntrace._internal.render.markdown import render_markdown
from rnntrace._internal.render.worksheet import SheetSettings, render_worksheet
from rnntrace._internal.scenario import load_scenario

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("RNNTRACE_UPDATE_GOLDEN", "") == "1"


def outputs() -> dict[str, str]:
    trace = trace_scenario(load_scenario(GOLDEN / "tiny.yaml"))
    questions = trace.default_questions()
    return {
        "tiny.tex": "".join(render_latex(trace)),
        "tiny.md": "".join(render_markdown(trace)),
        "tiny-sheet.tex": "".join(render_worksheet(trace, questions)),
        "tiny-key.tex": "".join(render_worksheet(trace, questions, SheetSettings(key=True))),
    }


@pytest.mark.parametrize("name", ["tiny.tex", "tiny.md", "tiny-sheet.tex", "tiny-key.tex"])
def test_output_matches_the_golden_file(name):
    text = outputs()[name]
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
        pytest.skip(f"rewrote {path}; review it with git diff")
    assert path.exists(), f"{path} missing: run RNNTRACE_UPDATE_GOLDEN=1 pytest {__file__}"
    assert text == path.read_text(encoding="utf-8")
