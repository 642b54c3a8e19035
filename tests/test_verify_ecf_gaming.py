"""Error carried forward cannot be gamed: what follows from a trivial earlier answer (all
zeros, all equal, a copy of an input or a parameter) earns no carried-error credit, and the
reports say why. Each student here writes a trivial value and then works every later step
correctly from it; their numbers come from independent references written in plain numpy
from the RNN equations (tests/verify_reference.py for the sentiment scenario, and
``flat_values`` below), never from rnntrace's engine."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from grading import grade, item
from rich.console import Console
from verify_reference import answers_text, student_values

from rnntrace._internal.cli import cli
from rnntrace._internal.scenario import load_scenario
from rnntrace._internal.verify import Grader, Tolerance
from rnntrace._internal.verify.grade import CARRIED, CORRECT, WRONG
from rnntrace._internal.verify.report import grade_table, verdict_text

SENTIMENT = Path(__file__).resolve().parents[1] / "scenarios" / "sentiment.yaml"
DOC = yaml.safe_load(SENTIMENT.read_text(encoding="utf-8"))
TOL = 0.00051  # 0.51 units of the 3rd decimal


def moved(student: dict[str, np.ndarray], exact: dict[str, np.ndarray], key: str) -> np.ndarray:
    """The entries the student's earlier value moved away from the expected ones."""
    return np.abs(student[key] - exact[key]).ravel() > TOL


# h_1 of review 1 is [0.2260, 0.3095, 0.2636]; x_1 is the embedding of 'i'
TRIVIAL_H1 = {
    "zeros": ([0.0, 0.0, 0.0], "all zeros"),
    "all equal": ([0.5, 0.5, 0.5], "all equal (0.5)"),
    "copy of x_1": (DOC["input"]["embeddings"]["i"], "a copy of the input s1.x_1"),
    "copy of b_h": (DOC["params"]["b_h"], "a copy of the parameter b_h"),
    "row of W_hh": (DOC["params"]["W_hh"][1], "a copy of row 2 of the parameter W_hh"),
}


@pytest.mark.parametrize("case", sorted(TRIVIAL_H1))
def test_a_trivial_h_1_followed_through_earns_no_carried_credit(grader, exact, case):
    h_1, why = TRIVIAL_H1[case]
    student = student_values({"s1.h_1": h_1})
    result = grade(grader, answers_text(student))
    root = item(result, "s1.h_1")
    assert root.verdict == "wrong" and root.no_credit is None
    assert result.first_mistake is root
    assert "carried error" not in result.counts()
    followed = 0
    for judged in result.items:
        if judged.key == "s1.h_1":
            continue
        shift = moved(student, exact, judged.key)
        assert judged.entries.tolist() == np.where(shift, WRONG, CORRECT).tolist(), judged.key
        if shift.any():
            followed += 1
            assert judged.no_credit == f"s1.h_1 was {why}", judged.key
            assert verdict_text(judged).endswith(f"; no carried-error credit: s1.h_1 was {why}")
        else:
            assert judged.no_credit is None, judged.key
    assert followed > 20  # the forward pass of review 1, its BPTT, the totals, the update
    # no credit for what follows, whatever --carried-credit says
    unmoved = sum(float(np.mean(~moved(student, exact, i.key))) for i in result.items)
    assert result.score(1.0) == result.score(0.0) == pytest.approx(unmoved)


def test_a_slip_that_is_not_trivial_still_earns_carried_credit(grader, exact):
    h_1 = exact["s1.h_1"].copy()
    h_1[0] += 0.1  # one entry off: a real mistake, worked through honestly
    student = student_values({"s1.h_1": h_1})
    result = grade(grader, answers_text(student))
    assert [i.key for i in result.items if i.verdict == "wrong"] == ["s1.h_1"]
    assert all(i.no_credit is None for i in result.items)
    for judged in result.items[1:]:
        if judged.key != "s1.h_1":
            shift = moved(student, exact, judged.key)
            assert judged.entries.tolist() == np.where(shift, CARRIED, CORRECT).tolist()
    assert result.score(1.0) > result.score(0.5) > result.score(0.0)


def test_a_skipped_activation_is_a_real_mistake_and_earns_carried_credit(grader, exact):
    # h_1 written as z_1 (tanh forgotten): later steps are real work on the student's numbers
    student = student_values({"s1.h_1": exact["s1.z_1"]})
    result = grade(grader, answers_text(student))
    assert item(result, "s1.h_1").verdict == "wrong"
    assert item(result, "s1.h_2").verdict == "carried error"
    assert all(i.no_credit is None for i in result.items)


def test_zeros_for_a_small_but_not_negligible_gradient_are_trivial(grader, exact):
    # dh_5 is about −0.03 in every entry: nearly flat, but far from zero
    student = student_values({"s1.dh_5": [0.0, 0.0, 0.0]})
    result = grade(grader, answers_text(student))
    assert item(result, "s1.dh_5").verdict == "wrong"
    assert item(result, "s1.dz_5").no_credit == "s1.dh_5 was all zeros"
    assert "carried error" not in result.counts()


def test_zeros_for_a_gradient_that_rounds_to_zeros_a_decimal_coarser_are_not_gaming(grader, exact):
    # dz_3 is about [−0.0038, −0.0026, −0.0020]: 0.00 at 2 decimals, so zeros are honest
    # rounding, wrong at 3 decimals, and what follows from them is a carried error
    assert np.abs(exact["s1.dz_3"]).max() < 0.005
    student = student_values({"s1.dz_3": [0.0, 0.0, 0.0]})
    result = grade(grader, answers_text(student))
    assert item(result, "s1.dz_3").verdict == "wrong"
    assert result.counts()["carried error"] > 3
    assert all(i.no_credit is None for i in result.items)


def test_a_single_zero_is_trivial(grader, exact):
    # the logit o_6 written as 0 (true 0.778): ŷ = σ(0) = 0.5 and the rest follow easily
    student = student_values({"s1.o_6": [0.0]})
    result = grade(grader, answers_text(student))
    assert item(result, "s1.o_6").verdict == "wrong"
    assert item(result, "s1.y_6").no_credit == "s1.o_6 was 0"
    assert item(result, "s1.y_6").entries.tolist() == [WRONG]
    assert "carried error" not in result.counts()


def test_a_single_number_off_but_not_zero_earns_carried_credit(grader, exact):
    student = student_values({"s1.o_6": [0.5]})
    result = grade(grader, answers_text(student))
    assert item(result, "s1.y_6").verdict == "carried error"
    assert all(i.no_credit is None for i in result.items)


def test_any_trivial_root_takes_the_credit_even_beside_a_real_slip(grader, exact):
    # a real slip at h_1, then h_3 written as zeros: what follows h_3 depends on both
    h_1 = exact["s1.h_1"].copy()
    h_1[1] -= 0.05
    student = student_values({"s1.h_1": h_1, "s1.h_3": [0.0, 0.0, 0.0]})
    result = grade(grader, answers_text(student))
    assert item(result, "s1.h_2").verdict == "carried error"  # from the real slip only
    h_4 = item(result, "s1.h_4")
    assert h_4.verdict == "wrong" and h_4.no_credit == "s1.h_3 was all zeros"
    assert h_4.sources == ("s1.h_1", "s1.h_3")
    # what is demoted is not a new mistake: later quantities still name only the roots
    assert item(result, "s1.h_6").sources == ("s1.h_1", "s1.h_3")


# -- a scenario whose true values are flat --------------------------------------------------
FLAT = {
    "inputs": [[1.0, 2.0], [0.5, -1.0], [0.3, 0.7]],
    "W_hh": [[0.5, -0.3], [0.2, 0.4]],
    "b_h": [0.3, 0.3],
}
FLAT_YAML = f"""version: 1
title: "Flat hidden states"
input: {{vectors: true}}
sequences:
  - tokens: [a, b, c]
    inputs: {FLAT["inputs"]}
model: {{cell: rnn, activation: tanh, output: none, loss: none}}
params:
  W_xh: [[0.0, 0.0], [0.0, 0.0]]
  W_hh: {FLAT["W_hh"]}
  b_h: {FLAT["b_h"]}
numbers: {{decimals: 3}}
"""


def flat_values(overrides: dict[str, list[float]]) -> dict[str, np.ndarray]:
    """The flat scenario's forward pass in numpy, with the student's values in
    ``overrides`` and everything after computed from them. W_xh = 0, so every zx_t is all
    zeros, and h_1 = tanh(b_h) has equal entries."""
    W_hh, b_h = np.array(FLAT["W_hh"]), np.array(FLAT["b_h"])
    out: dict[str, np.ndarray] = {}

    def keep(key: str, value: np.ndarray) -> np.ndarray:
        out[key] = np.asarray(overrides.get(key, value), float)
        return out[key]

    h = np.zeros(2)
    for t in range(1, 4):
        zx = keep(f"zx_{t}", np.zeros(2))  # W_xh x_t with W_xh = 0
        zh = keep(f"zh_{t}", W_hh @ h)
        h = keep(f"h_{t}", np.tanh(keep(f"z_{t}", zx + zh + b_h)))
    return out


@pytest.fixture(scope="module")
def flat_grader(tmp_path_factory) -> Grader:
    path = tmp_path_factory.mktemp("flat") / "flat.yaml"
    path.write_text(FLAT_YAML, encoding="utf-8")
    return Grader(load_scenario(path), Tolerance.decimals(3), ask=["*"])


@pytest.mark.parametrize(
    ("key", "value"),
    [("h_1", [0.5, 0.5]), ("zx_2", [0.2, 0.2])],
    ids=["h_1 all equal where the truth is", "zx_2 all equal where the truth is zeros"],
)
def test_equal_numbers_where_the_true_value_is_flat_still_earn_carried_credit(
    flat_grader, key, value
):
    truth, student = flat_values({}), flat_values({key: value})
    assert np.ptp(truth[key]) < 1e-12  # the true value's entries are all equal
    result = grade(flat_grader, answers_text(student))
    assert [i.key for i in result.items if i.verdict == "wrong"] == [key]
    carried = [i for i in result.items if i.verdict == "carried error"]
    assert carried and {i.sources for i in carried} == {(key,)}
    assert all(i.no_credit is None for i in result.items)


def test_zeros_where_the_true_value_is_flat_but_not_zero_are_trivial(flat_grader):
    # h_1 = tanh(0.3) in both entries: zeros skip the step (W_hh h_1 = 0 after them)
    result = grade(flat_grader, answers_text(flat_values({"h_1": [0.0, 0.0]})))
    assert item(result, "h_2").verdict == "wrong"
    assert item(result, "h_2").no_credit == "h_1 was all zeros"


# -- the reports --------------------------------------------------------------------------------
@pytest.fixture
def zeros_file(tmp_path: Path) -> Path:
    path = tmp_path / "zeros.yaml"
    values = student_values({"s1.h_1": [0.0, 0.0, 0.0]})
    path.write_text(answers_text({k: np.round(v, 3) for k, v in values.items()}))
    return path


def test_the_json_report_says_why_carried_errors_earn_nothing(zeros_file):
    run = CliRunner().invoke(
        cli, ["verify", str(SENTIMENT), str(zeros_file), "--ask", "s1.h_*", "--format", "json"]
    )
    assert run.exit_code == 1, run.output
    doc = json.loads(run.output)
    data = doc["extra_data"]["rnntrace"]
    assert doc["score"] == data["strict_score"] == 0.0  # full credit for carried errors: none
    why = "no carried-error credit: s1.h_1 was all zeros"
    summaries = {i["key"]: i["summary"] for i in data["items"]}
    assert summaries["s1.h_1"] == "wrong"
    assert all(summaries[f"s1.h_{t}"] == f"wrong; {why}" for t in range(2, 7))
    outputs = {t["name"].split(":")[0]: t["output"] for t in doc["tests"]}
    assert outputs["s1.h_2"].startswith(f"wrong; {why}; [1] expected 0.4020, given 0.264")
    assert all("\n" not in output for output in outputs.values())


def test_the_text_report_says_why_carried_errors_earn_nothing(zeros_file):
    run = CliRunner().invoke(
        cli, ["verify", str(SENTIMENT), str(zeros_file), "--ask", "s1.h_1,s1.h_2"]
    )
    assert run.exit_code == 1
    assert "Score: 0.00 / 2" in run.output
    # on a wide terminal the verdict is one line of the table
    judge = Grader(load_scenario(SENTIMENT), Tolerance.decimals(3), ask=["s1.h_1", "s1.h_2"])
    report = grade_table(judge.grade(judge.read(zeros_file)), judge, carried_credit="full")
    buffer = io.StringIO()
    Console(file=buffer, width=200, color_system=None).print(report)
    row = next(line for line in buffer.getvalue().splitlines() if "s1.h_2" in line)
    assert "wrong; no carried-error credit: s1.h_1 was all zeros" in row
