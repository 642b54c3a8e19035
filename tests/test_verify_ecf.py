"""Verdicts and error carried forward, against independent references: hand arithmetic, and a
plain-numpy sentiment RNN (tests/verify_reference.py) for a student who slipped on a hidden
state and carried the slip forward through the forward pass, BPTT and the update."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from grading import grade, item
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from verify_reference import answers_text, student_values

from rnntrace._internal.ops import evaluate
from rnntrace._internal.scenario import load_scenario
from rnntrace._internal.verify import Grader, Tolerance
from rnntrace._internal.verify.grade import CARRIED, CORRECT, DRIFT, WRONG, Grade

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SENTIMENT = SCENARIOS / "sentiment.yaml"
TOL = 0.00051  # 0.51 units of the 3rd decimal


def slipped(exact: dict[str, np.ndarray], key: str, entry: int, by: float) -> np.ndarray:
    value = exact[key].copy()
    value[entry] += by
    return value


def test_the_reference_covers_every_checkable_key(grader, exact):
    assert set(exact) == set(grader.checkable)


def test_answers_from_the_exact_values_are_all_correct(grader, exact):
    for decimals in (3, 6):
        text = answers_text({k: np.round(v, decimals) for k, v in exact.items()})
        result = grade(grader, text)
        assert result.counts() == {"correct": len(exact)}
        assert result.all_correct and result.first_mistake is None
        assert result.score(0.0) == result.max_score == len(exact)


def test_one_slipped_hidden_state_is_wrong_and_what_follows_from_it_carried(grader, exact):
    # the student slips on entry 2 of h_2 and carries their value through everything after
    student = student_values({"s1.h_2": slipped(exact, "s1.h_2", 1, 0.1)})
    result = grade(grader, answers_text(student))
    assert item(result, "s1.h_2").entries.tolist() == [CORRECT, WRONG, CORRECT]
    assert result.first_mistake.key == "s1.h_2"
    carried = 0
    for judged in result.items:
        if judged.key == "s1.h_2":
            continue
        moved = np.abs(student[judged.key] - exact[judged.key]).ravel() > TOL
        assert judged.entries.tolist() == np.where(moved, CARRIED, CORRECT).tolist(), judged.key
        if moved.any():
            assert judged.sources == ("s1.h_2",), judged.key
            carried += 1
    # forward from t = 3, the output, BPTT of review 1, its sums, the totals and the update
    assert carried == 21
    assert all(i.verdict == "correct" for i in result.items if i.key.startswith("s2."))


def test_the_carried_chain_through_the_forward_pass_matches_hand_arithmetic(grader):
    # h_2 written with 0.710 for 0.610; by hand, from the student's own numbers:
    # W_hh h_2 = 0.3·0.402 + 0.2·0.710 + 0.1·0.572 = 0.1206 + 0.142 + 0.0572 = 0.3198
    #            0.5·0.402 + 0.4·0.710 + 0.2·0.572 = 0.201 + 0.284 + 0.1144 = 0.5994
    #            0.1·0.402 + 0.3·0.710 + 0.4·0.572 = 0.0402 + 0.213 + 0.2288 = 0.482
    # z_3 = W_xh x_3 + W_hh h_2 + b_h = [0.15, 0.14, 0.19] + [0.320, 0.599, 0.482] + 0.1
    z_3 = [0.570, 0.839, 0.772]
    h_3 = [round(math.tanh(z), 3) for z in z_3]  # 0.515, 0.685, 0.648
    text = (
        "s1.h_2: [0.402, 0.710, 0.572]\n"
        "s1.zh_3: [0.320, 0.599, 0.482]\n"
        f"s1.z_3: {z_3}\n"
        f"s1.h_3: {h_3}\n"
    )
    sub = Grader(
        load_scenario(SENTIMENT), Tolerance.decimals(3), ask=["s1.h_2", "s1.z*_3", "s1.h_3"]
    )
    result = grade(sub, text)
    verdicts = {i.key: i.verdict for i in result.items}
    assert verdicts == {
        "s1.h_2": "wrong",
        "s1.zx_3": "missing",
        "s1.zh_3": "carried error",
        "s1.z_3": "carried error",
        "s1.h_3": "carried error",
    }
    assert item(result, "s1.h_3").sources == ("s1.h_2",)
    assert item(result, "s1.h_3").own.tolist() == pytest.approx([math.tanh(z) for z in z_3])


def test_steps_the_student_did_not_write_are_redone_from_their_own_numbers(grader, exact):
    # asked only the hidden states: h_3 follows from h_2 through the unwritten zh_3 and z_3
    student = student_values({"s1.h_2": slipped(exact, "s1.h_2", 0, -0.05)})
    hidden = [key for key in student if key.startswith("s1.h_")]
    sub = Grader(load_scenario(SENTIMENT), Tolerance.decimals(3), ask=["s1.h_*"])
    result = grade(sub, answers_text(student, hidden))
    assert [i.verdict for i in result.items] == ["correct", "wrong"] + ["carried error"] * 4
    assert {i.sources for i in result.items[2:]} == {("s1.h_2",)}


def test_a_value_the_student_did_not_give_does_not_count_as_theirs(grader, exact):
    # h_3 computed from a slipped h_2 that the student never wrote down: simply wrong
    student = student_values({"s1.h_2": slipped(exact, "s1.h_2", 1, 0.1)})
    result = grade(grader, answers_text(student, ["s1.h_3"]))
    assert item(result, "s1.h_3").verdict == "wrong"


def test_a_student_who_rounds_as_they_go_and_slips_is_wrong_only_at_the_slip(grader, exact):
    # by hand: every intermediate rounded to 3 decimals, one slip in h_2, carried forward
    h_2 = np.round(slipped(exact, "s1.h_2", 1, 0.1), 3)
    student = student_values({"s1.h_2": h_2}, carry_decimals=3)
    exact_student = student_values({"s1.h_2": slipped(exact, "s1.h_2", 1, 0.1)})
    result = grade(grader, answers_text(student))
    assert [i.key for i in result.items if i.verdict == "wrong"] == ["s1.h_2"]
    for judged in result.items:
        moved = np.abs(exact_student[judged.key] - exact[judged.key]).ravel()
        if judged.key != "s1.h_2":  # clearly moved by the slip: carried; untouched: right
            assert (judged.entries[moved > 3 * TOL] == CARRIED).all(), judged.key
        assert (judged.entries[moved == 0] <= DRIFT).all(), judged.key


def test_rounding_as_you_go_without_a_slip_is_correct_or_rounding_drift(grader):
    result = grade(grader, answers_text(student_values(carry_decimals=3)))
    assert set(result.counts()) == {"correct", "rounding drift"}
    assert result.all_correct
    # the README's hand chain: tanh(0.710) = 0.611, where the exact h_2 is 0.6104
    assert item(result, "s1.h_2").entries.tolist() == [CORRECT, DRIFT, CORRECT]


def test_rounding_drift_without_the_earlier_steps_written_is_found_by_the_rounded_chain(grader):
    result = grade(grader, "s1.h_2: [0.402, 0.611, 0.572]\n")
    assert item(result, "s1.h_2").entries.tolist() == [CORRECT, DRIFT, CORRECT]


def test_carry_rounded_judges_against_the_hand_chain(exact):
    hand = Grader(load_scenario(SENTIMENT), Tolerance.decimals(3), carry="rounded")
    result = grade(hand, "s1.h_2: [0.402, 0.611, 0.572]\n")
    assert item(result, "s1.h_2").verdict == "correct"
    exact_text = answers_text({k: np.round(v, 6) for k, v in exact.items()})
    assert "wrong" not in grade(hand, exact_text).counts()  # exact work is drift, not wrong
    assert "rounded-by-hand chain" in hand.rule


def test_scores_give_carried_errors_full_half_or_no_credit(grader, exact):
    student = student_values({"s1.h_2": slipped(exact, "s1.h_2", 1, 0.1)})
    result = grade(grader, answers_text(student))
    n = len(exact)
    assert result.score(1.0) == pytest.approx(n - 1 / 3)  # one wrong entry of three
    assert result.score(0.0) == pytest.approx(n - 1 / 3 - 21 + result_partial(result))
    assert result.score(0.0) < result.score(0.5) < result.score(1.0)


def result_partial(result: Grade) -> float:
    """Points the strict score still gives the 21 carried quantities (their right entries)."""
    carried = [i for i in result.items if i.verdict == "carried error"]
    return sum(float(np.mean(i.entries == CORRECT)) for i in carried)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    t=st.integers(min_value=1, max_value=5),
    entry=st.integers(min_value=0, max_value=2),
    by=st.sampled_from([-0.3, -0.05, 0.02, 0.2]),
)
def test_any_single_slip_in_a_hidden_state_is_wrong_there_and_carried_after(
    grader, exact, t, entry, by
):
    key = f"s1.h_{t}"
    student = student_values({key: slipped(exact, key, entry, by)})
    result = grade(grader, answers_text(student))
    assert [i.key for i in result.items if i.verdict == "wrong"] == [key]
    for judged in result.items:
        moved = np.abs(student[judged.key] - exact[judged.key]).ravel() > TOL
        if judged.key != key:
            assert judged.entries.tolist() == np.where(moved, CARRIED, CORRECT).tolist()


@pytest.mark.parametrize("name", sorted(path.name for path in SCENARIOS.glob("*.yaml")))
def test_error_carried_forward_works_for_every_bundled_scenario_by_re_doing_ops(name):
    # a student who re-does every op of the calculation on their own numbers (ops are checked
    # against PyTorch elsewhere), with one slip in the first hidden state
    scenario = load_scenario(SCENARIOS / name)
    judge = Grader(scenario, Tolerance.decimals(3), ask=["*"])
    first = next(s for s in judge.expected if s.phase == "forward" and "h_1" in s.key)
    values = {s.key: s.carried for s in judge.expected if s.op in ("given", "input")}
    for step in judge.expected:
        if step.op in ("given", "input"):
            continue
        args = [values[k] for k in step.operands]
        values[step.key] = evaluate(step.op, args, step.info, None)
        if step.key == first.key:
            values[step.key] = values[step.key] + 0.05
    student = {key: values[key] for key in judge.checkable}
    result = grade(judge, answers_text(student))
    assert [i.key for i in result.items if i.verdict == "wrong"] == [first.key]
    assert result.counts()["carried error"] > 3
    for judged in result.items:
        assert judged.verdict in ("correct", "carried error", "wrong"), judged.key
        if judged.verdict == "carried error":
            assert judged.sources == (first.key,)


def test_answers_to_quantities_not_asked_are_ignored_and_not_the_students_own(exact):
    student = student_values({"s1.h_2": slipped(exact, "s1.h_2", 1, 0.1)})
    only_h3 = Grader(load_scenario(SENTIMENT), Tolerance.decimals(3), ask=["s1.h_3"])
    result = grade(only_h3, answers_text(student, ["s1.h_2", "s1.h_3"]))
    assert [i.key for i in result.items] == ["s1.h_3"]
    assert result.ignored == ("s1.h_2",)
    assert item(result, "s1.h_3").verdict == "wrong"  # h_2 was not asked: not their own
