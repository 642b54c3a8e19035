"""One assignment from worksheet to gradebook: the sheet, the answers template and the
grader ask the same questions in the same order; the assignment file fixes questions,
points and tolerance and refuses a scenario changed since; points and display names work
wherever a key does. The question lists are read back from each output independently
(the sheet's LaTeX, the template's YAML keys, the grader's JSON report, the assignment
file through yaml.safe_load)."""

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
from verify_reference import student_values

from rnntrace._internal.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
TAG = re.compile(r"\\tag\*\{\\footnotesize \\texttt\{(.*?)\}\}")
POINTS = re.compile(r"\\part\[([\d.]+)\] ")


def invoke(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


def sheet_keys(tex: str) -> list[str]:
    """The answers-file key printed beside each blank, in sheet order."""
    return [key.replace("{\\char95}", "_") for key in TAG.findall(tex)]


def template_keys(text: str) -> list[str]:
    doc = yaml.safe_load(text)
    return [key for key in doc if key != "student"]


def export(tmp_path: Path, scenario: Path, *options: str) -> Path:
    """Export into ``tmp_path`` (the scenario copied there); returns the sheet's path."""
    local = tmp_path / scenario.name
    if not local.exists():
        shutil.copyfile(scenario, local)
    sheet = tmp_path / "hw.tex"
    result = invoke("export", local, "-o", sheet, "--force", *options)
    assert result.exit_code == 0, result.output
    return sheet


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_sheet_template_and_grader_ask_the_same_questions(tmp_path, scenario):
    sheet = export(tmp_path, scenario)
    assignment = yaml.safe_load((tmp_path / "hw.assignment.yaml").read_text(encoding="utf-8"))
    listed = [q["key"] for q in assignment["questions"]]
    assert sheet_keys(sheet.read_text(encoding="utf-8")) == listed
    assert sheet_keys((tmp_path / "hw-key.tex").read_text(encoding="utf-8")) == listed
    for source in (tmp_path / scenario.name, tmp_path / "hw.assignment.yaml"):
        template = invoke("answers", source)
        assert template.exit_code == 0, template.output
        assert template_keys(template.output) == listed
        key = tmp_path / "key.yaml"
        assert invoke("answers", source, "--key", "-o", key, "--force").exit_code == 0
        report = invoke("verify", source, key, "--format", "json")
        graded = [test["name"].split(":")[0] for test in json.loads(report.stdout)["tests"]]
        assert graded == listed, source.name
    # the numbers are the exam class's: a question per run, parts (a) to (z) at most
    numbers = [q["number"] for q in assignment["questions"]]
    assert all(re.fullmatch(r"\d+\([a-z]\)", n) for n in numbers)
    assert numbers[0] == "1(a)"


def test_the_template_numbers_questions_as_the_sheet_does(tmp_path):
    export(tmp_path, ROOT / "scenarios" / "sentiment.yaml", "--ask", "h_2,L,dW_hh")
    text = invoke("answers", tmp_path / "hw.assignment.yaml").output
    numbered = re.findall(r"^# (\d+\([a-z]\)) (\S+):", text, re.MULTILINE)
    # s1.h_2 (forward, sequence 1), s2.h_2 (forward, sequence 2), L (loss), dW_hh (gradient)
    assert numbered == [("1(a)", "s1.h_2"), ("2(a)", "s2.h_2"), ("3(a)", "L"), ("4(a)", "dW_hh")]


def test_more_than_26_parts_start_a_new_question(tmp_path):
    export(tmp_path, ROOT / "scenarios" / "sentiment.yaml", "--ask", "*")
    questions = yaml.safe_load((tmp_path / "hw.assignment.yaml").read_text())["questions"]
    letters = [q["number"].split("(")[1].rstrip(")") for q in questions]
    assert "z" in letters and len(letters) == 145
    assert all(len(letter) == 1 for letter in letters)


def test_a_scenario_changed_since_the_export_is_refused(tmp_path):
    export(tmp_path, ROOT / "scenarios" / "sentiment.yaml")
    scenario = tmp_path / "sentiment.yaml"
    scenario.write_text(scenario.read_text() + "# edited\n")
    for command in (["answers"], ["verify", "nothing.yaml"]):
        result = invoke(command[0], tmp_path / "hw.assignment.yaml", *command[1:])
        assert result.exit_code == 2
        assert result.output.count("\n") == 1 and "has changed since" in result.output


@pytest.mark.parametrize(
    "option",
    [["--ask", "h_2"], ["--points", "L=2"], ["--decimals", "2"], ["--carried-credit", "none"],
     ["--carry", "exact"]],
)  # fmt: skip
def test_options_that_would_change_an_assignment_are_refused(tmp_path, option):
    export(tmp_path, ROOT / "scenarios" / "sentiment.yaml")
    key = tmp_path / "k.yaml"
    invoke("answers", tmp_path / "hw.assignment.yaml", "--key", "-o", key)
    result = invoke("verify", tmp_path / "hw.assignment.yaml", key, *option)
    assert result.exit_code == 2 and "fixes the questions" in result.output


def test_points_come_from_the_scenario_and_the_command_line(tmp_path):
    text = (ROOT / "scenarios" / "sentiment.yaml").read_text(encoding="utf-8")
    text += "assignment:\n  points: {'dW_*': 2, W_hh_new: 0.5}\n"
    scenario = tmp_path / "points.yaml"
    scenario.write_text(text, encoding="utf-8")
    sheet = export(tmp_path, scenario, "--points", "L=3")
    questions = yaml.safe_load((tmp_path / "hw.assignment.yaml").read_text())["questions"]
    worth = {q["key"]: q["points"] for q in questions}
    assert worth["dW_hh"] == worth["dW_hy"] == 2 and worth["db_y"] == 1 and worth["L"] == 3
    assert worth["W_hh_new"] == 0.5 and worth["s1.h_1"] == 1
    shown = [float(p) for p in POINTS.findall(sheet.read_text(encoding="utf-8"))]
    assert shown == [worth[q["key"]] for q in questions]
    assert "\\gradetable" in sheet.read_text(encoding="utf-8")
    # a student who gets everything right but dW_hh (worth 2) loses exactly 2 points
    exact = student_values()
    answers = {key: np.round(exact[key], 3).tolist() for key in worth}
    answers["dW_hh"] = (np.round(exact["dW_hh"], 3) + 0.25).tolist()
    answers["W_hh_new"] = (np.round(exact["W_hh_new"], 3) - 0.1 * 0.25).tolist()
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ann.yaml").write_text(yaml.safe_dump({"student": "Ann", **answers}))
    book = tmp_path / "grades.csv"
    result = invoke("verify", tmp_path / "hw.assignment.yaml", folder, "--csv", book)
    assert result.exit_code == 1, result.output
    row = next(csv.DictReader(io.StringIO(book.read_text())))
    total = sum(worth.values())
    assert float(row["max_score"]) == total
    assert float(row["strict_score"]) == pytest.approx(total - 2 - 0.5)  # W_hh_new wrong too
    assert float(row["score"]) == pytest.approx(total - 2)  # W_hh_new: carried error


def test_display_names_and_keys_both_choose_questions(tmp_path):
    scenario = ROOT / "scenarios" / "sentiment.yaml"  # notation: W_hy is W_{ho}, b_y is b_o
    by_name = invoke("answers", scenario, "--ask", "dW_ho,W_ho_new,b_o_new").output
    by_key = invoke("answers", scenario, "--ask", "dW_hy,W_hy_new,b_y_new").output
    assert template_keys(by_name) == template_keys(by_key) == ["dW_hy", "W_hy_new", "b_y_new"]
    result = invoke("answers", scenario, "--ask", "dW_hoo")
    assert result.exit_code == 2
    assert result.output == "--ask: no quantity is called 'dW_hoo' (did you mean 'dW_ho'?)\n"


def test_assignment_ask_in_the_scenario_sets_the_questions_and_is_located(tmp_path):
    text = (ROOT / "scenarios" / "sentiment.yaml").read_text(encoding="utf-8")
    good = tmp_path / "good.yaml"
    good.write_text(text + "assignment:\n  ask: [L, dW_hh]\n  carried_credit: half\n")
    assert template_keys(invoke("answers", good).output) == ["L", "dW_hh"]
    sheet = export(tmp_path, good)
    assert "half marks" in sheet.read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text + "assignment:\n  ask: [L, dW_hhx]\n")
    line = text.count("\n") + 2
    result = invoke("export", bad)
    assert result.exit_code == 2
    assert result.output == (
        f"{bad}:{line}:12: assignment.ask: no quantity is called 'dW_hhx' (did you mean 'dW_hh'?)\n"
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("version: 1", "version: 2"), "version: expected 1"),
        (("format: rnntrace-assignment", "format: rnntrace-assignment\nextra: 1"), "extra"),
        (("carried_credit: full", "carried_credit: most"), "carried_credit"),
        (('tolerance: {rule: "decimals", digits: 3}', 'tolerance: {rule: "x"}'), "rule"),
    ],
)
def test_a_broken_assignment_file_is_one_located_line(tmp_path, edit, message):
    export(tmp_path, ROOT / "scenarios" / "sentiment.yaml")
    path = tmp_path / "hw.assignment.yaml"
    text = path.read_text(encoding="utf-8")
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1]), encoding="utf-8")
    result = invoke("answers", path)
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert result.output.startswith(f"{path}:") and message in result.output


def test_export_never_overwrites_and_refuses_an_assignment_as_its_input(tmp_path):
    export(tmp_path, ROOT / "scenarios" / "sentiment.yaml")
    key = tmp_path / "hw-key.tex"
    key.write_text("mine")
    again = invoke("export", tmp_path / "sentiment.yaml", "-o", tmp_path / "hw.tex")
    assert again.exit_code == 2 and "already exists" in again.output
    assert key.read_text() == "mine"
    result = invoke("export", tmp_path / "hw.assignment.yaml")
    assert result.exit_code == 2 and "is an assignment file" in result.output


def test_an_answers_file_may_use_the_sheets_display_names(tmp_path):
    """The sheet writes ∂L/∂W_ho (notation W_hy: W_{ho}); dW_ho is taken for dW_hy."""
    export(tmp_path, ROOT / "scenarios" / "sentiment.yaml", "--ask", "dW_hy,b_y_new")
    exact = student_values()
    answers = tmp_path / "a.yaml"
    answers.write_text(
        f"dW_ho: {np.round(exact['dW_hy'], 3).tolist()}\n"
        f"b_o_new: {np.round(exact['b_y_new'], 3).tolist()}\n"
    )
    result = invoke("verify", tmp_path / "hw.assignment.yaml", answers, "--format", "json")
    verdicts = {
        i["key"]: i["verdict"] for i in json.loads(result.stdout)["extra_data"]["rnntrace"]["items"]
    }
    assert verdicts == {"dW_hy": "correct", "b_y_new": "correct"}


def test_an_assignment_naming_a_quantity_the_scenario_lacks_is_one_line(tmp_path):
    export(tmp_path, ROOT / "scenarios" / "sentiment.yaml")
    path = tmp_path / "hw.assignment.yaml"
    path.write_text(path.read_text().replace('key: "s1.h_2"', 'key: "s1.h_22"'))
    for command in (["verify", path, tmp_path / "sentiment.yaml"], ["answers", path]):
        result = invoke(*command)
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert "1(b) (s1.h_22) is not a quantity" in result.output
