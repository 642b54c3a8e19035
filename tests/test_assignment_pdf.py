"""Answers typed into the worksheet PDF, end to end, for each kind of model: export a
fillable worksheet with pdflatex, fill its fields with pypdf as a PDF reader would (right
answers, a wrong one, a carried error, an empty field, a word), grade the PDF alone and a
folder of such PDFs, and check every verdict and the gradebook.

The numbers typed in are computed here, not by rnntrace: the sentiment RNN by the numpy
reference of ``verify_reference`` (with a slip in a hidden state carried forward through
everything after it), the LSTM, the GRU and a bidirectional RNN by the PyTorch float64
references of the cell and topology tests; their follow-through values (the loss from a
wrong output, an update from a wrong gradient) by the formulas written below."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from oracles import require_executable, require_module, require_torch
from verify_reference import student_values

from rnntrace._internal.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SENTIMENT = ROOT / "scenarios" / "sentiment.yaml"
RIGHT = ("correct", "rounding drift")


def invoke(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


def field_name(key: str, index: tuple[int, ...]) -> str:
    """The field scheme of docs/assignment.md, written out again here."""
    return key.replace(".", ":") + "".join(f"/{i + 1}" for i in index)


def fields_of(key: str, value: np.ndarray, decimals: int) -> dict[str, str]:
    value = np.asarray(value, float)
    return {
        field_name(key, index): f"{v:.{decimals}f}".replace("-", "\u2212")
        for index, v in np.ndenumerate(value)
    }


def fill(blank: Path, out: Path, values: dict[str, str], student: str | None) -> None:
    """Type ``values`` into the form fields of ``blank``, page by page, as a reader does."""
    pypdf = require_module("pypdf", "pip install pypdf")
    reader = pypdf.PdfReader(blank)
    writer = pypdf.PdfWriter(clone_from=reader)
    wanted = dict(values)
    if student is not None:
        wanted["student"] = student
    for page in writer.pages:
        names = {a.get_object().get("/T") for a in page.get("/Annots", [])}
        here = {k: v for k, v in wanted.items() if k in names}
        if here:
            writer.update_page_form_field_values(page, here, auto_regenerate=False)
    with out.open("wb") as handle:
        writer.write(handle)


def export(tmp_path: Path, scenario_text: str, name: str) -> tuple[Path, dict]:
    """The fillable worksheet PDF and the assignment (as YAML data) of a scenario."""
    require_executable("pdflatex")
    scenario = tmp_path / f"{name}.yaml"
    scenario.write_text(scenario_text, encoding="utf-8")
    sheet = tmp_path / f"{name}-hw.tex"
    result = invoke("export", scenario, "-o", sheet, "--pdf", "--fillable")
    assert result.exit_code == 0, result.output
    assignment = yaml.safe_load(sheet.with_name(f"{name}-hw.assignment.yaml").read_text())
    return sheet.with_suffix(".pdf"), assignment


def grade(assignment_file: Path, *paths: Path, csv_path: Path | None = None) -> dict:
    extra = ["--csv", csv_path] if csv_path else []
    result = invoke("verify", assignment_file, *paths, "--format", "json", *extra)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def verdicts(report: dict) -> dict[str, str]:
    items = report["extra_data"]["rnntrace"]["items"]
    return {item["key"]: item["verdict"] for item in items}


def check_class(tmp_path, name, scenario_text, reference, slips, decimals):
    """Export, fill one right PDF and one with ``slips`` (key -> (value typed, the verdict
    it must get)), an empty field and a word, then grade each and the folder."""
    pdf, assignment = export(tmp_path, scenario_text, name)
    questions = [q["key"] for q in assignment["questions"]]
    right = {}
    for key in questions:
        right.update(fields_of(key, reference[key], decimals))
    filled = tmp_path / "class"
    filled.mkdir(exist_ok=True)
    fill(pdf, filled / f"{name}-ann.pdf", right, "Ann")
    slipped = dict(right)
    for key, (value, _) in slips.items():
        slipped.update(fields_of(key, value, decimals))
    first = questions[0]
    others = [key for key in questions if key not in slips]
    empty_key, word_key = others[-1], others[-2]
    for field in fields_of(empty_key, reference[empty_key], decimals):
        slipped.pop(field)
    word_field = next(iter(fields_of(word_key, reference[word_key], decimals)))
    slipped[word_field] = "zero point four"
    fill(pdf, filled / f"{name}-bob.pdf", slipped, '=HYPERLINK("x")')
    assignment_file = pdf.with_name(f"{name}-hw.assignment.yaml")

    ann = verdicts(grade(assignment_file, filled / f"{name}-ann.pdf"))
    assert set(ann) == set(questions)
    assert all(v in RIGHT for v in ann.values()), {k: v for k, v in ann.items() if v not in RIGHT}
    bob_report = grade(assignment_file, filled / f"{name}-bob.pdf")
    bob = verdicts(bob_report)
    for key, (_, verdict) in slips.items():
        assert bob[key] == verdict, (key, bob[key])
    assert bob[empty_key] == "missing"
    assert bob[word_key] == "unreadable"
    untouched = set(questions) - set(slips) - {empty_key, word_key}
    assert all(bob[k] in RIGHT for k in untouched), {k: bob[k] for k in untouched}
    assert first in ann and bob_report["extra_data"]["rnntrace"]["student"].endswith('"x")')

    book = tmp_path / f"{name}.csv"
    batch = grade(assignment_file, filled, csv_path=book)
    files = {Path(f["file"]).name: f for f in batch["files"]}
    assert verdicts(files[f"{name}-ann.pdf"]["result"]) == ann
    assert verdicts(files[f"{name}-bob.pdf"]["result"]) == bob
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(book.read_text()))}
    total = sum(q["points"] for q in assignment["questions"])
    assert float(rows["Ann"]["score"]) == pytest.approx(total)
    bob_row = rows['\'=HYPERLINK("x")']  # a formula in a name is neutralised
    assert float(bob_row["score"]) < total
    assert float(bob_row[empty_key]) == 0 and float(bob_row[word_key]) < 1


def test_sentiment_rnn_in_a_filled_pdf(tmp_path):
    """A slip in s1.h_2 carried forward through everything after it (the numpy
    reference), and a wrong s2.h_1 not carried (the student then went on correctly). The
    scenario computed exactly, so that a right answer is the reference's value rounded."""
    exact = student_values()
    slip = student_values({"s1.h_2": [0.402, 0.711, 0.572]})
    slips = {
        "s1.h_2": (slip["s1.h_2"], "wrong"),
        "s1.h_3": (slip["s1.h_3"], "carried error"),
        "s1.h_4": (slip["s1.h_4"], "carried error"),
        "s2.h_1": (exact["s2.h_1"] + 0.05, "wrong"),
    }
    text = SENTIMENT.read_text(encoding="utf-8")
    assert "carry: rounded" in text
    check_class(tmp_path, "rnn", text.replace("carry: rounded", "carry: exact"), exact, slips, 3)


def _follow_through(reference: dict, trained: list[str], lr: float) -> tuple[str, dict]:
    """A wrong gradient and the update re-done from it: W' = W − η (their gradient)."""
    param = trained[0]
    wrong = np.asarray(reference["d" + param]) + 0.25
    update = np.asarray(reference[param]) - lr * wrong
    return param, {"d" + param: (wrong, "wrong"), param + "_new": (update, "carried error")}


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_cells_in_a_filled_pdf(tmp_path, cell):
    torch = require_torch()
    from cell_oracles import random_cell_config, to_yaml
    from test_cells_torch_oracle import explicit_reference

    rng = np.random.default_rng(4242 + len(cell))
    cfg = random_cell_config(rng, cell, output="last", head_loss=("sigmoid", "bce"), bias=True)
    reference, _ = explicit_reference(torch, cfg)
    reference = {**reference, **{k: np.asarray(v) for k, v in cfg.params.items()}}
    lr = cfg.learning_rate if cfg.learning_rate is not None else 0.1
    trained = [k for k in cfg.params if k.startswith("W_")]
    _, slips = _follow_through(reference, trained, lr)
    check_class(tmp_path, cell, to_yaml(cfg), reference, slips, 4)


def test_bidirectional_rnn_in_a_filled_pdf(tmp_path):
    torch = require_torch()
    from topology_oracles import random_config, reference, to_doc, to_yaml

    cfg = random_config(3, "bidirectional", "rnn")
    ref = reference(torch, cfg)
    doc = to_doc(cfg)
    params = {k: np.asarray(v) for k, v in doc["params"].items()}
    lr = float(doc.get("train", {}).get("learning_rate", 0.1))
    ref = {**ref, **params}
    trained = [k for k in params if k.split(".")[-1].startswith("W_")]
    param = trained[0]
    grad = param.rsplit(".", 1)
    grad_key = f"{grad[0]}.d{grad[1]}" if len(grad) == 2 else "d" + param
    wrong = np.asarray(ref[grad_key]) + 0.25
    slips = {
        grad_key: (wrong, "wrong"),
        param + "_new": (np.asarray(ref[param]) - lr * wrong, "carried error"),
    }
    check_class(tmp_path, "birnn", to_yaml(cfg), ref, slips, 4)


def test_pdflatex_alone_builds_the_grade_table(tmp_path, monkeypatch):
    """Without latexmk, pdflatex runs twice, so the grade table has its numbers."""
    require_executable("pdflatex")
    pdftotext = require_executable("pdftotext")
    import subprocess

    from rnntrace._internal.cli import pdf as pdf_module

    real_which = shutil.which
    monkeypatch.setattr(
        pdf_module.shutil, "which", lambda n: None if n == "latexmk" else real_which(n)
    )
    scenario = tmp_path / "s.yaml"
    shutil.copyfile(SENTIMENT, scenario)
    result = invoke("export", scenario, "-o", tmp_path / "hw.tex", "--pdf", "--ask", "L,dW_hh")
    assert result.exit_code == 0, result.output
    text = subprocess.run(
        [pdftotext, str(tmp_path / "hw.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert re.search(r"Question:\s*1\s*2\s*Total\s*Points:\s*1\s*1\s*2\b", text), text
    assert "??" not in text
