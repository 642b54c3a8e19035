"""Delivery to learning platforms. The Gradescope autograder is unpacked into a temporary
``/autograder``-shaped folder and its ``run_autograder`` run as Gradescope runs it, for a
right, a wrong and a garbage submission; results.json is checked against the fields of
Gradescope's specification. The Moodle XML is parsed back with ElementTree, and every
sub-question's answer compared with the numbers of each variant computed independently
(the numpy reference of ``verify_reference``, on each variant's scenario file)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from verify_reference import student_values

from rnntrace._internal.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SENTIMENT = ROOT / "scenarios" / "sentiment.yaml"
TEST_FIELDS = {"score", "max_score", "status", "name", "output", "visibility"}
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
NUMERICAL = re.compile(r"\{(\d+):NUMERICAL:=([-0-9.]+):([0-9.]+)\}")


def invoke(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def variants(tmp_path_factory) -> Path:
    """Three variants of the sentiment scenario, computed exactly."""
    folder = tmp_path_factory.mktemp("class")
    scenario = folder / "exact.yaml"
    scenario.write_text(SENTIMENT.read_text().replace("carry: rounded", "carry: exact"))
    out = folder / "variants"
    result = invoke("vary", scenario, "--roster", _roster(folder), "--seed", "31", "-o", out,
                    "--jobs", "1")  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def _roster(folder: Path) -> Path:
    roster = folder / "roster.csv"
    roster.write_text("name,sid\nAnn Lee,A1\nBo Chen,B2\nCy Diaz,C3\n")
    return roster


def right_answers(variants: Path, student: str) -> dict:
    values = student_values(path=variants / student / "scenario.yaml")
    questions = yaml.safe_load((variants / student / "hw.assignment.yaml").read_text())
    return {q["key"]: np.round(values[q["key"]], 3).tolist() for q in questions["questions"]}


def run_autograder(root: Path, submission: dict | bytes, sid: str) -> dict:
    """One Gradescope run: the submission and its metadata in place, run_autograder run."""
    folder = root / "submission"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    if isinstance(submission, bytes):
        (folder / "answers.yaml").write_bytes(submission)
    else:
        (folder / "answers.yaml").write_text(yaml.safe_dump(submission))
    metadata = {
        "id": 123456,
        "created_at": "2026-11-26T14:22:32.365935-07:00",
        "assignment": {"id": 25828, "title": "RNN by hand", "total_points": "25.0"},
        "submission_method": "upload",
        "users": [{"email": "student@example.com", "id": 1234, "name": "Student", "sid": sid}],
        "previous_submissions": [],
    }
    (root / "submission_metadata.json").write_text(json.dumps(metadata))
    env = {**os.environ, "RNNTRACE_AUTOGRADER_ROOT": str(root)}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]  # python3: ours
    done = subprocess.run(
        ["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def check_spec(result: dict) -> None:
    """The fields Gradescope's specification gives results.json."""
    assert isinstance(result["score"], (int, float))
    assert isinstance(result.get("output", ""), str)
    assert result.get("visibility", "visible") in VISIBILITY
    for test in result["tests"]:
        assert set(test) >= TEST_FIELDS, set(test)
        assert test["status"] in ("passed", "failed")
        assert 0 <= test["score"] <= test["max_score"]
        assert test["visibility"] in VISIBILITY


def test_the_gradescope_autograder_grades_each_student_against_their_variant(variants, tmp_path):
    archive = tmp_path / "autograder.zip"
    result = invoke("export-lms", "gradescope", variants / "manifest.yaml", "-o", archive)
    assert result.exit_code == 0, result.output
    root = tmp_path / "autograder"
    with zipfile.ZipFile(archive) as unpacked:
        names = unpacked.namelist()
        assert "setup.sh" in names and "run_autograder" in names  # at the root of the zip
        unpacked.extractall(root / "source")
    assert "pikepdf" in (root / "source" / "setup.sh").read_text()

    right = run_autograder(root, right_answers(variants, "B2"), "B2")
    check_spec(right)
    total = sum(t["max_score"] for t in right["tests"])
    assert right["score"] == pytest.approx(total)
    assert "Graded answers.yaml against the variant of B2" in right["output"]
    assert all(t["status"] == "passed" for t in right["tests"])

    wrong = right_answers(variants, "B2")
    wrong["s1.h_1"] = [0.0, 0.0, 0.0]
    graded = run_autograder(root, wrong, "B2")
    check_spec(graded)
    failed = [t["name"] for t in graded["tests"] if t["status"] == "failed"]
    assert failed[0].startswith("s1.h_1:") and graded["score"] < total

    others = run_autograder(root, right_answers(variants, "C3"), "B2")  # someone else's
    assert others["score"] < total

    garbage = run_autograder(root, b"\x00\xff not yaml \x1b[31m", "B2")
    check_spec(garbage)
    assert garbage["score"] == 0 and garbage["tests"] == []
    assert garbage["output"].startswith("answers.yaml could not be read: answers.yaml:")
    assert str(root) not in garbage["output"]  # the server's paths are not the student's

    stranger = run_autograder(root, right_answers(variants, "B2"), "Z9")
    assert stranger["score"] == 0 and "No variant" in stranger["output"]


def test_moodle_questions_carry_every_variants_numbers(variants, tmp_path):
    path = tmp_path / "questions.xml"
    result = invoke("export-lms", "moodle", variants / "manifest.yaml", "-o", path)
    assert result.exit_code == 0, result.output
    raw = path.read_bytes()
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    raw.decode("utf-8")  # well-formed UTF-8
    assert b"<![CDATA[" in raw
    quiz = ET.fromstring(raw)
    category, *questions = quiz.findall("question")
    assert category.get("type") == "category"
    assert (
        category.findtext("category/text") == "$course$/top/rnntrace/Sentiment of two book reviews"
    )
    assert [q.get("type") for q in questions] == ["cloze"] * 3
    manifest = yaml.safe_load((variants / "manifest.yaml").read_text())
    for question, entry in zip(questions, manifest["variants"]):
        student = entry["student"]
        assert (
            question.findtext("name/text") == f"Sentiment of two book reviews (variant {student})"
        )
        text = question.findtext("questiontext/text")
        assert question.find("generalfeedback").get("format") == "markdown"
        values = student_values(path=variants / entry["folder"] / "scenario.yaml")
        assignment = yaml.safe_load((variants / entry["folder"] / "hw.assignment.yaml").read_text())
        found = NUMERICAL.findall(text)
        expected = [v for q in assignment["questions"] for v in np.ravel(values[q["key"]])]
        assert len(found) == len(expected)
        for (_, answer, tolerance), value in zip(found, expected):
            assert abs(float(answer) - value) <= float(tolerance)
            assert "e" not in answer.lower()  # positional decimals only


def test_moodle_text_from_the_scenario_cannot_open_a_subquestion(tmp_path):
    text = SENTIMENT.read_text().replace(
        'title: "Sentiment of two book reviews"',
        'title: "{1:NUMERICAL:=0:1} <script>x</script> $$\\\\alpha$$"',
    )
    assert "{1:NUMERICAL" in text and "b_y: b_o" in text
    text = text.replace("b_y: b_o", "b_y: 'b{1:SHORTANSWER:=a}'")  # passes the notation check
    scenario = tmp_path / "evil.yaml"
    scenario.write_text(text)
    out = tmp_path / "v"
    assert (
        invoke("vary", scenario, "--count", "1", "--seed", "1", "-o", out, "--jobs", "1").exit_code
        == 0
    )
    path = tmp_path / "q.xml"
    assert invoke("export-lms", "moodle", out / "manifest.yaml", "-o", path).exit_code == 0
    question = ET.parse(path).getroot().findall("question")[1]
    body = question.findtext("questiontext/text")
    title = body.split("</b>")[0]
    assert "<script>" not in title and "{" not in title and "$$" not in title
    assert len(NUMERICAL.findall(body)) == len(NUMERICAL.findall(body.split("</b>", 1)[1]))
    # every sub-question Moodle would find is one of rnntrace's
    assert re.findall(r"\{\d+:[A-Z]+:", body) == re.findall(r"\{\d+:NUMERICAL:", body)
    assert "SHORTANSWER" in body


def test_tiny_values_are_written_without_exponents():
    from rnntrace._internal.lms.moodle import plain_number

    assert plain_number(3e-05) == "0.00003"
    assert plain_number(-1.25e-07) == "-0.000000125"
    assert plain_number(0.0) == "0" and plain_number(-0.0) == "0"
