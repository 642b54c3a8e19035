"""The public Python API: what it exports, that it agrees with the command line and with
numbers worked out here by hand (numpy), its errors, and its Jupyter displays."""

from __future__ import annotations

import doctest
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import rnntrace

ROOT = Path(__file__).resolve().parent.parent
SENTIMENT = ROOT / "scenarios" / "sentiment.yaml"
TWO_WORDS = """\
version: 1
title: "two words"
input:
  embeddings:
    good: [1.0, 0.0]
    day:  [0.0, 1.0]
sequences:
  - tokens: good day
    label: 1
model: {cell: rnn, output: last, head: sigmoid, loss: bce}
params:
  W_xh: [[0.5, -0.2], [0.1, 0.4]]
  W_hh: [[0.3, 0.0], [0.0, 0.3]]
  b_h:  [0.0, 0.1]
  W_hy: [[1.0, -1.0]]
  b_y:  [0.0]
numbers: {decimals: 3}
"""
W_XH = np.array([[0.5, -0.2], [0.1, 0.4]])
W_HH = np.array([[0.3, 0.0], [0.0, 0.3]])
B_H = np.array([0.0, 0.1])
W_HY = np.array([[1.0, -1.0]])


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rnntrace", *args], capture_output=True,
                          text=True, check=True, cwd=ROOT)  # fmt: skip


def test_all_is_exactly_the_documented_list():
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    section = text.split("## What is public", 1)[1].split("\n## ", 1)[0]
    documented = set()
    for line in section.splitlines():
        if line.startswith("| `"):  # a row of the table: its first cell names the public names
            documented.update(re.findall(r"`(\w+)", line.split("|")[1]))
    assert documented == set(rnntrace.__all__)
    assert all(getattr(rnntrace, name) is not None for name in rnntrace.__all__)


def test_docs_api_md_examples_run(monkeypatch):
    monkeypatch.chdir(ROOT)
    flags = doctest.ELLIPSIS
    result = doctest.testfile(str(ROOT / "docs" / "api.md"), module_relative=False,
                              optionflags=flags, verbose=False)  # fmt: skip
    assert result.attempted > 20
    assert result.failed == 0


def test_import_rnntrace_does_not_import_the_api_or_numpy():
    code = (
        "import sys, rnntrace; "
        "print(sorted(m for m in sys.modules if m.startswith(('rnntrace', 'numpy'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['rnntrace']"


def test_the_only_public_modules_are_the_package_and_its_main():
    package = Path(rnntrace.__file__).parent
    outside = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.relative_to(package).parts[0] != "_internal"
    )
    assert outside == ["__init__.py", "__main__.py"]


def test_public_classes_carry_their_public_name_and_survive_pickling():
    import pickle

    for name in ("Comparison", "NumericError", "Report", "RnntraceError", "ScenarioError",
                 "Trace", "Training"):  # fmt: skip
        cls = getattr(rnntrace, name)
        assert (cls.__module__, cls.__qualname__) == ("rnntrace", name)
    error = pickle.loads(pickle.dumps(rnntrace.RnntraceError("W_hh: expected shape (2, 2)")))
    assert type(error) is rnntrace.RnntraceError and str(error) == "W_hh: expected shape (2, 2)"


def test_trace_and_verify_stay_functions_when_the_internal_modules_are_imported():
    code = (
        "import rnntrace, rnntrace._internal.engine, importlib;"
        "importlib.import_module('rnntrace._internal.trace');"
        "import rnntrace._internal.verify.judge;"
        "print(type(rnntrace.trace).__name__, type(rnntrace.verify).__name__)"  # the API's
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["function", "function"]


def test_trace_values_are_the_rnn_equations_worked_in_numpy():
    tr = rnntrace.trace(TWO_WORDS, carry="exact")
    h = np.zeros(2)
    for t, x in enumerate([np.array([1.0, 0.0]), np.array([0.0, 1.0])], start=1):
        h = np.tanh(W_XH @ x + W_HH @ h + B_H)
        np.testing.assert_allclose(tr[f"h_{t}"].value, h, rtol=0, atol=1e-15)
    y = 1 / (1 + np.exp(-(W_HY @ h)))
    np.testing.assert_allclose(tr["y_2"].value, y, atol=1e-15)
    np.testing.assert_allclose(tr["L"].value, -np.log(y[0]), atol=1e-15)


def test_carry_rounded_rounds_every_intermediate_as_by_hand():
    tr = rnntrace.trace(TWO_WORDS, carry="rounded", decimals=2)
    h1 = np.round(np.tanh(np.round(W_XH @ [1.0, 0.0], 2) + B_H), 2)  # zx_1 rounded, z_1 exact
    np.testing.assert_allclose(tr["h_1"].carried, h1)
    assert tr.meta.decimals == 2 and tr.meta.carry == "rounded"


def test_a_step_has_its_value_and_operands_and_select_takes_one_pattern():
    tr = rnntrace.trace(SENTIMENT)
    step = tr["s1.h_2"]
    assert step.operands == ("s1.z_2",)
    assert list(tr.operands("s1.z_2")) == ["s1.zx_2", "s1.zh_2", "b_h"]
    assert [s.key for s in tr.select("s1.h_*")] == [f"s1.h_{t}" for t in range(1, 7)]
    assert [s.key for s in tr.select("L", "dW_hh")] == ["L", "dW_hh"]
    with pytest.raises(KeyError):
        tr.select("nothing_*")


def test_only_shows_one_time_step_in_every_printer():
    view = rnntrace.trace(SENTIMENT).only(steps=2, phases="forward")
    assert {s.time for s in view if s.time is not None} == {2}
    assert "Time step 2" in rnntrace.to_text(view) and "Time step 3" not in rnntrace.to_text(view)
    with pytest.raises(rnntrace.RnntraceError, match="phase"):
        rnntrace.trace(SENTIMENT).only(phases="sideways")


@pytest.mark.parametrize(
    ("printer", "args"),
    [
        ("to_text", []),
        ("to_latex", ["--format", "latex"]),
        ("to_markdown", ["--format", "markdown"]),
        ("to_json", ["--format", "json"]),
    ],
)
def test_printers_write_what_rnntrace_run_writes(printer, args, tmp_path):
    out = tmp_path / "out"
    _cli("run", str(SENTIMENT), "--steps", "1-2", *args, "-o", str(out))
    tr = rnntrace.trace(SENTIMENT)
    assert getattr(rnntrace, printer)(tr, steps="1-2") == out.read_text(encoding="utf-8")


def test_load_takes_a_path_text_or_a_dict_and_they_agree():
    import yaml

    from_text = rnntrace.trace(TWO_WORDS)
    from_dict = rnntrace.trace(yaml.safe_load(TWO_WORDS))
    assert from_text.keys() == from_dict.keys()
    for step in from_text:
        np.testing.assert_array_equal(step.value, from_dict[step.key].value)
    assert rnntrace.load(SENTIMENT).title == rnntrace.load(str(SENTIMENT)).title


def test_scenario_errors_carry_file_line_and_column():
    text = TWO_WORDS.replace("W_hh: [[0.3, 0.0], [0.0, 0.3]]", "W_hh: [[0.3, 0.0], [0.0]]")
    line = text.splitlines().index("  W_hh: [[0.3, 0.0], [0.0]]") + 1
    with pytest.raises(rnntrace.ScenarioError) as caught:
        rnntrace.load(text)
    assert caught.value.file == "<string>" and caught.value.line == line
    assert str(caught.value).startswith(f"<string>:{line}:")
    with pytest.raises(rnntrace.ScenarioError, match=r"^/no/such\.yaml: no such file"):
        rnntrace.load("/no/such.yaml")
    with pytest.raises(rnntrace.RnntraceError, match="carry"):
        rnntrace.trace(TWO_WORDS, carry="sometimes")


def test_with_params_changes_one_weight_and_compare_finds_what_follows_from_it():
    before = rnntrace.trace(TWO_WORDS, carry="exact")
    after = rnntrace.trace(rnntrace.with_params(TWO_WORDS, b_y=[1.0]), carry="exact")
    changed = rnntrace.compare(before, after).changed
    assert changed[0] == "b_y" and "o_2" in changed and "h_2" not in changed
    with pytest.raises(rnntrace.RnntraceError, match="not a parameter"):
        rnntrace.with_params(TWO_WORDS, W_zz=[1.0])


def test_verify_grades_a_dict_of_answers_against_numbers_worked_here():
    h = np.zeros(2)
    answers = {}
    for t, x in enumerate([np.array([1.0, 0.0]), np.array([0.0, 1.0])], start=1):
        h = np.tanh(W_XH @ x + W_HH @ h + B_H)
        answers[f"h_{t}"] = [round(float(v), 3) for v in h]
    report = rnntrace.verify(TWO_WORDS, answers, ask=["h_*"])
    assert report.verdicts == {"h_1": "correct", "h_2": "correct"} and report.all_correct
    answers["h_2"] = [0.9, 0.9]
    report = rnntrace.verify(TWO_WORDS, answers, ask=["h_*"])
    assert report.verdicts["h_2"] == "wrong" and report.score == 1.0
    assert "h_2" in report.to_text() and "wrong" in report._repr_html_()


def test_verify_reads_an_answers_file(tmp_path):
    key = tmp_path / "key.yaml"
    _cli("answers", str(SENTIMENT), "--key", "--ask", "h_*", "-o", str(key))
    report = rnntrace.verify(SENTIMENT, key, ask=["h_*"])
    assert report.all_correct and len(report.verdicts) == 10


def test_train_agrees_with_rnntrace_train():
    out = _cli("train", str(SENTIMENT), "--epochs", "20", "--lr", "0.3", "--format", "json")
    expected = json.loads(out.stdout)
    run = rnntrace.train(SENTIMENT, epochs=20, learning_rate=0.3)
    assert run.losses == expected["losses"]
    assert [f.epoch for f in run.result.reported] == [1, 10, 20]
    for key, value in expected["final_params"].items():
        np.testing.assert_array_equal(run.params[key], value)


def test_every_result_displays_itself_in_jupyter_and_ipython():
    tr = rnntrace.trace(TWO_WORDS)
    run = rnntrace.train(TWO_WORDS, epochs=5)
    report = rnntrace.verify(TWO_WORDS, {"h_1": [0.462, 0.197]}, ask=["h_1"])
    comparison = rnntrace.compare(tr, rnntrace.trace(rnntrace.with_params(TWO_WORDS, b_y=[1.0])))
    for shown in (tr, tr.only(steps=1), run, report, comparison):
        assert shown._repr_html_().lstrip().startswith("<")
        assert shown._repr_markdown_().strip()
        assert "<script" not in shown._repr_html_()
    for shown in (tr, run, report):
        assert shown._repr_latex_().strip()

    class Pretty:
        def __init__(self):
            self.out = []

        def text(self, text):
            self.out.append(text)

    for shown, words in ((tr, "h_2 = tanh(z_2)"), (run, "Training"), (report, "h_1")):
        printer = Pretty()
        shown._repr_pretty_(printer, False)
        assert words in "".join(printer.out)


def test_training_table_in_jupyter_shows_eta_penalty_and_total():
    """With a learning-rate schedule and an L2 penalty, the notebook's table has the columns
    `rnntrace train` prints: η of the epoch (η_0 / (1 + r (N − 1)), written out here), the
    penalty λ Σ‖W‖²_F and the total, which is loss + penalty."""
    text = (
        TWO_WORDS + "train: {learning_rate: 0.5, lr_schedule: {kind: time, decay: 0.5}, "
        "l2_penalty: 0.01}\n"
    )
    run = rnntrace.train(text, epochs=3, report=[1, 2, 3])
    md = run._repr_markdown_()
    lines = [line for line in md.splitlines() if line.startswith("|")]
    head = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert head == ["epoch", "loss", "η", "penalty", "total", "grad norm", "clipped"]
    for n, line in enumerate(lines[2:], start=1):
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert cells[0] == str(n)
        assert float(cells[2]) == pytest.approx(0.5 / (1 + 0.5 * (n - 1)), abs=5e-5)
        assert float(cells[4]) == pytest.approx(float(cells[1]) + float(cells[3]), abs=2e-4)
    assert len(lines) == 2 + 3
    # epoch 1's penalty by hand: 0.01 (‖W_xh‖² 0.46 + ‖W_hh‖² 0.18 + ‖W_hy‖² 2) = 0.0264
    assert lines[2].split("|")[4].strip() == "0.0264"
    assert "<th>η</th><th>penalty</th><th>total</th>" in run._repr_html_()
