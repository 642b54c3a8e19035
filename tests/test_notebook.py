"""examples/lecture.ipynb runs from top to bottom without errors (nbclient and ipykernel,
test-only dependencies), and shows what it says it shows."""

from __future__ import annotations

import os
from pathlib import Path

from oracles import require_module

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "examples" / "lecture.ipynb"


def _executed(monkeypatch):
    nbformat = require_module("nbformat", "pip install nbclient")
    nbclient = require_module("nbclient", "pip install nbclient")
    require_module("ipykernel", "pip install ipykernel")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # the kernel imports this checkout's rnntrace, whatever is installed
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    monkeypatch.setenv("PYTHONPATH", path)
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT)}})  # fmt: skip
    client.execute()
    return notebook


def _html(cell) -> str:
    return "".join(out.get("data", {}).get("text/html", "") for out in cell.outputs)


def test_the_lecture_notebook_runs_and_shows_a_step_and_a_change(monkeypatch):
    notebook = _executed(monkeypatch)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for cell in code:
        assert all(out.output_type != "error" for out in cell.outputs), cell.source
    # every result displays itself as HTML, not as the text a terminal would show
    trace_html, step_html = _html(code[0]), _html(code[1])
    assert "Is the review positive?" in trace_html and "<math" in trace_html
    assert "Time step 2" in step_html and "Time step 1" not in step_html
    # W_hh acts on h_1, and h_0 is zero: the change reaches h_2 but not h_1
    changed = _html(code[3])
    assert "<td>zh_2</td>" in changed and "<td>h_2</td>" in changed
    assert "<td>h_1</td>" not in changed
    assert "loss before" in "".join(out.get("text", "") for out in code[4].outputs)
