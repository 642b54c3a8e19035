"""`rnntrace answers` and `rnntrace verify` through click's CliRunner: reports, exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from verify_reference import answers_text, student_values

from rnntrace._internal.cli import cli
from rnntrace._internal.scenario import load_scenario
from rnntrace._internal.verify import Grader, Tolerance
from rnntrace._internal.verify.batch import grade_files

SENTIMENT = str(Path(__file__).resolve().parents[1] / "scenarios" / "sentiment.yaml")


ALL = ("--ask", "*")  # every quantity, not only the worksheet's questions


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def slipped_text(exact: dict[str, np.ndarray], name: str | None = None) -> str:
    h_2 = exact["s1.h_2"].copy()
    h_2[1] += 0.1
    values = {k: np.round(v, 4) for k, v in student_values({"s1.h_2": h_2}).items()}
    return (f"student: {name}\n" if name else "") + answers_text(values)


@pytest.fixture
def files(tmp_path: Path, exact) -> dict[str, Path]:
    """A right file, a file with a slip, a malformed one, in a folder."""
    folder = tmp_path / "submissions"
    folder.mkdir()
    paths = {
        "right": folder / "ada.yaml",
        "slip": folder / "bob.yaml",
        "bad": folder / "cy.yaml",
    }
    paths["right"].write_text(answers_text({k: np.round(v, 3) for k, v in exact.items()}))
    paths["slip"].write_text(slipped_text(exact, "Bob"))
    paths["bad"].write_text("s1.h_1: [0.226, 0.310, 0.264]\ns1.h_2: [0.4, 0.6\n")
    return paths


# -- rnntrace answers -------------------------------------------------------------------------
def test_answers_prints_a_template_to_fill_in():
    result = invoke("answers", SENTIMENT)
    assert result.exit_code == 0
    # the worksheet's questions, numbered as the sheet numbers them
    assert "# 1(b) s1.h_2: hidden state after 'love' (t = 2), 3 numbers\ns1.h_2:\n" in result.output


def test_answers_ask_limits_the_quantities():
    result = invoke("answers", SENTIMENT, "--ask", "h_*,L", "--ask", "dW_hh")
    keys = [line.split(":")[0] for line in result.output.splitlines() if line[:1].isalpha()]
    hidden = [f"s1.h_{t}" for t in range(1, 7)] + [f"s2.h_{t}" for t in range(1, 5)]
    assert keys == ["student", *hidden, "L", "dW_hh"]


def test_answers_ask_with_no_match_is_one_line_with_did_you_mean():
    result = invoke("answers", SENTIMENT, "--ask", "dW_hhh")
    assert result.exit_code == 2
    assert result.output == "--ask: no quantity is called 'dW_hhh' (did you mean 'dW_hh'?)\n"


def test_answers_key_fills_in_the_exact_values_and_never_overwrites(tmp_path):
    key = tmp_path / "key.yaml"
    assert invoke("answers", SENTIMENT, *ALL, "--key", "-o", str(key)).exit_code == 0
    assert "s1.h_2: [0.402, 0.610, 0.572]\n" in key.read_text()
    again = invoke("answers", SENTIMENT, *ALL, "--key", "-o", str(key))
    assert again.exit_code == 2 and "already exists; use --force" in again.output
    assert invoke("answers", SENTIMENT, *ALL, "--key", "-o", str(key), "--force").exit_code == 0


def test_answers_key_can_be_the_rounded_by_hand_chain():
    result = invoke("answers", SENTIMENT, "--key", "--carry", "rounded", "--ask", "s1.h_2")
    assert "s1.h_2: [0.402, 0.611, 0.572]\n" in result.output
    assert "rounded-by-hand chain" in result.output


# -- rnntrace verify: one file -------------------------------------------------------------------
def test_the_answer_key_verifies_with_exit_0(tmp_path):
    key = tmp_path / "key.yaml"
    invoke("answers", SENTIMENT, *ALL, "--key", "-o", str(key))
    result = invoke("verify", SENTIMENT, *ALL, str(key))
    assert result.exit_code == 0, result.output
    assert "145 quantities: 145 correct" in result.output
    assert "Score: 145.00 / 145 strict (100.0%)" in result.output
    assert "Tolerance: a number is right when it is within 0.51 units of the 3rd decimal" in (
        result.output
    )


def test_a_slip_exits_1_and_the_first_mistake_is_marked(files):
    result = invoke("verify", SENTIMENT, *ALL, str(files["slip"]))
    assert result.exit_code == 1
    out = result.output
    assert "▶ s1.h_2" in out and "wrong [2]" in out
    assert "[2] +0.1000 (+16.4%)" in out  # given − expected and relative difference
    assert "carried error ← s1.h_2" in out
    assert "First mistake: s1.h_2 (hidden state after 'love' (t = 2))" in out
    words = " ".join(out.split())  # the report is laid out for 80 columns
    assert "123 correct, 21 carried error, 1 wrong" in words
    assert "with full credit for carried errors" in words


def test_carried_credit_none_states_one_score(files):
    out = invoke("verify", SENTIMENT, *ALL, str(files["slip"]), "--carried-credit", "none").output
    assert "strict" in out and "credit for carried" not in out


def test_a_malformed_file_is_one_located_line_and_exit_2(files):
    result = invoke("verify", SENTIMENT, *ALL, str(files["bad"]))
    assert result.exit_code == 2
    assert result.output.startswith(f"{files['bad']}:3:1: ") and result.output.count("\n") == 1
    debug = CliRunner().invoke(cli, ["--debug", "verify", SENTIMENT, *ALL, str(files["bad"])])
    assert debug.exit_code == 2  # one file: its reason, never a traceback


def test_an_unknown_key_is_reported_and_the_rest_graded(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("s1.L_6: 0.378\ns1.h_22: 1\n")
    result = invoke("verify", SENTIMENT, str(path), "--ask", "s1.L_6")
    assert result.exit_code == 0, result.output
    assert "line 2:1: s1.h_22: unknown key (did you mean 's1.h_2'?)" in result.output


def test_an_unreadable_entry_shows_where_it_is(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("s1.L_6: zero point four\n")
    out = invoke("verify", SENTIMENT, str(path), "--ask", "s1.L_6").output
    assert "unreadable" in out and "line 1:9: expected a number, found 'zero point four'" in out


@pytest.mark.parametrize(
    "options, words",
    [
        (["--decimals", "2"], "2nd decimal of the expected value (|given − expected| ≤ 0.0051)"),
        (["--sigfigs", "3"], "0.51 units of the 3rd significant digit"),
        (["--rtol", "0.01"], "|given − expected| ≤ 0.000001 + 0.01 × |expected|"),
        (["--rtol", "0.01", "--atol", "0.001"], "≤ 0.001 + 0.01 × |expected|"),
        (["--carry", "rounded"], "rounded-by-hand chain (every intermediate rounded to 3"),
    ],
)
def test_the_tolerance_rule_is_stated_on_the_report(files, options, words):
    out = invoke("verify", SENTIMENT, *ALL, str(files["right"]), *options).output
    assert words in " ".join(out.split())


@pytest.mark.parametrize(
    "options", [["--decimals", "3", "--sigfigs", "3"], ["--sigfigs", "2", "--rtol", "0.1"]]
)
def test_two_tolerances_at_once_are_a_usage_error(files, options):
    result = invoke("verify", SENTIMENT, *ALL, str(files["right"]), *options)
    assert result.exit_code == 2 and "give one tolerance" in result.output


@pytest.mark.parametrize("bad", ["-1", "x", "nan"])
def test_a_bad_rtol_is_a_usage_error(files, bad):
    result = invoke("verify", SENTIMENT, *ALL, str(files["right"]), "--rtol", bad)
    assert result.exit_code == 2 and "--rtol" in result.output


def test_json_is_gradescope_results_with_every_entry(files):
    result = invoke("verify", SENTIMENT, *ALL, str(files["slip"]), "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["score"] == pytest.approx(145 - 1 / 3)
    assert len(doc["tests"]) == 145
    test = next(t for t in doc["tests"] if t["name"].startswith("s1.h_2:"))
    assert test["max_score"] == 1 and test["status"] == "failed"
    assert test["score"] == pytest.approx(2 / 3)
    extra = doc["extra_data"]["rnntrace"]
    assert extra["format"] == "rnntrace-verify" and extra["student"] == "Bob"
    assert extra["first_mistake"] == "s1.h_2"
    assert extra["strict_score"] < extra["score"]
    h_2 = next(i for i in extra["items"] if i["key"] == "s1.h_2")
    wrong = h_2["entries"][1]
    assert wrong["index"] == [2] and wrong["verdict"] == "wrong" and wrong["given"] == "0.7104"
    assert wrong["difference"] == pytest.approx(0.1, abs=1e-4)
    assert wrong["relative_difference"] == pytest.approx(0.1 / 0.6104, abs=1e-3)
    zh_3 = next(i for i in extra["items"] if i["key"] == "s1.zh_3")
    assert zh_3["verdict"] == "carried error" and zh_3["sources"] == ["s1.h_2"]
    assert "from_own_values" in zh_3["entries"][0]


# -- rnntrace verify: many files ------------------------------------------------------------------
def test_a_folder_is_graded_into_a_gradebook_and_a_bad_file_is_its_row(files, tmp_path):
    book = tmp_path / "grades.csv"
    folder = str(files["right"].parent)
    result = invoke("verify", SENTIMENT, *ALL, folder, "--csv", str(book))
    assert result.exit_code == 2  # bad input among them, after grading the others
    assert "1 of 3 answer files could not be graded" in result.output
    rows = list(csv.DictReader(io.StringIO(book.read_text())))
    assert [Path(r["file"]).name for r in rows] == ["ada.yaml", "bob.yaml", "cy.yaml"]
    ada, bob, cy = rows
    assert ada["score"] == ada["strict_score"] == "145" and ada["error"] == ""
    assert bob["student"] == "Bob" and float(bob["strict_score"]) < float(bob["score"])
    assert bob["s1.h_2"] == "0.6667" and bob["s1.zh_3"] == "1" and bob["s1.zx_3"] == "1"
    assert cy["error"].startswith(f"{files['bad']}:3:1: ") and cy["score"] == ""
    assert cy["s1.h_1"] == ""
    assert (
        list(rows[0])[6:]
        == Grader(load_scenario(SENTIMENT), Tolerance.decimals(3), ask=["*"]).checkable
    )  # one column per quantity, in trace order
    assert "first mistake: s1.h_2" in " ".join(result.output.split())


def test_several_good_files_exit_1_when_any_is_not_all_correct(files):
    result = invoke("verify", SENTIMENT, *ALL, str(files["right"]), str(files["slip"]))
    assert result.exit_code == 1
    both = invoke("verify", SENTIMENT, *ALL, str(files["right"]), str(files["right"]))
    assert both.exit_code == 0


def test_csv_to_stdout_replaces_the_table(files):
    result = invoke(
        "verify", SENTIMENT, *ALL, str(files["right"]), str(files["slip"]), "--csv", "-"
    )
    assert result.output.startswith("file,student,score,strict_score,max_score,error,s1.zx_1,")
    assert len(result.output.splitlines()) == 3


def test_batch_json_lists_each_file_or_its_error(files):
    folder = str(files["right"].parent)
    doc = json.loads(invoke("verify", SENTIMENT, *ALL, folder, "--format", "json").stdout)
    assert doc["format"] == "rnntrace-verify-batch"
    assert [("result" in f, "error" in f) for f in doc["files"]] == [
        (True, False),
        (True, False),
        (False, True),
    ]


def test_grade_files_reports_progress_once_per_file(files):
    grader = Grader(load_scenario(SENTIMENT), Tolerance.decimals(3), ask=["*"])
    ticks = []
    results = grade_files(grader, list(files.values()), lambda: ticks.append(1))
    assert len(ticks) == 3 and [r.error is None for r in results] == [True, True, False]


def test_an_empty_folder_is_an_error(tmp_path):
    result = invoke("verify", SENTIMENT, *ALL, str(tmp_path))
    assert result.exit_code == 2 and "no .yaml or .yml answer files" in result.output
