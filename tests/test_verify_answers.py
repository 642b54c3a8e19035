"""Answers files: the template, reading numbers as written, and every kind of malformed input."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from rnntrace._internal.errors import ScenarioError
from rnntrace._internal.verify import Grader, parse_answers
from rnntrace._internal.verify.grade import Grade, ItemGrade
from rnntrace._internal.verify.template import answers_template, value_text

SENTIMENT = Path(__file__).resolve().parents[1] / "scenarios" / "sentiment.yaml"


def read(grader: Grader, text: str):
    return parse_answers(text, "answers.yaml", grader.checkable, grader._order)


def grade(grader: Grader, text: str) -> Grade:
    return grader.grade(read(grader, text))


def item(result: Grade, key: str) -> ItemGrade:
    return next(i for i in result.items if i.key == key)


def failure(grader: Grader, text: str) -> str:
    with pytest.raises(ScenarioError) as caught:
        read(grader, text)
    message = str(caught.value)
    assert "\n" not in message
    return message


# -- the template ---------------------------------------------------------------------------
def test_template_lists_every_checkable_key_in_trace_order_with_an_empty_value(grader):
    text = "".join(answers_template(grader.expected, grader.questions, scenario_file="s.yaml"))
    keys = [line.split(":")[0] for line in text.splitlines() if line and line[0] not in "# "]
    assert keys == ["student", *grader.checkable]
    assert re.search(
        r"# 1\([a-z]\) s1.h_2: hidden state after 'love' \(t = 2\), 3 numbers\ns1.h_2:\n", text
    )
    assert re.search(r"# \d+\([a-z]\) dW_hh: gradient of the total loss with respect to W_hh", text)
    assert "a 3×3 matrix (3 rows of 3 numbers)" in text


def test_blank_template_reads_as_all_missing(grader):
    text = "".join(answers_template(grader.expected, grader.questions, scenario_file="s.yaml"))
    result = grade(grader, text)
    assert result.counts() == {"missing": len(grader.checkable)}
    assert result.student is None and result.name == "answers.yaml"


def test_key_values_are_rounded_half_up_to_the_decimals():
    import numpy as np

    assert value_text(np.array(0.0005), 3) == "0.001"
    assert value_text(np.array([-0.0004, 0.25]), 1) == "[0.0, 0.3]"
    assert value_text(np.array([[1.0, -2.0]]), 2) == "[[1.00, -2.00]]"


# -- numbers as written ---------------------------------------------------------------------
def test_numbers_keep_their_written_precision(grader):
    answer = read(grader, "s1.h_1: [0.10, 1.0000, 3]\n").answers["s1.h_1"]
    assert answer.written == (Decimal("0.10"), Decimal("1.0000"), Decimal("3"))
    assert answer.texts == ("0.10", "1.0000", "3")
    assert list(answer.half_units) == [0.005, 0.00005, 0.5]


def test_the_minus_sign_rnntrace_prints_reads_as_a_minus(grader):
    result = grade(grader, "s1.do_6: \u22120.315\n")
    assert item(result, "s1.do_6").verdict == "correct"


def test_a_quoted_number_and_exponent_forms_are_numbers(grader):
    answer = read(grader, "s1.h_1: ['0.226', 3.1e-1, 2.64E-1]\n").answers["s1.h_1"]
    assert answer.readable and answer.written[1] == Decimal("3.1e-1")


def test_student_name_is_read(grader):
    assert read(grader, "student: Ada Lovelace\ns1.L_6: 0.378\n").student == "Ada Lovelace"


# -- malformed values: judged, located, the rest still graded --------------------------------
@pytest.mark.parametrize(
    "value, found",
    [
        ("abc", "'abc' (a string)"),
        ("yes", "'yes' (a boolean)"),
        ("'0,378'", "(write decimals with a point: 0.5)"),
        ("1e999", "expected a finite number"),
        (".nan", "'.nan'"),
        ("{a: 1}", "a mapping"),
    ],
)
def test_a_word_for_a_number_is_unreadable_with_line_and_column(grader, value, found):
    result = grade(grader, f"s1.h_1: [0.226, 0.310, 0.264]\ns1.L_6: {value}\n")
    judged = item(result, "s1.L_6")
    assert judged.verdict == "unreadable"
    assert judged.message.startswith("line 2:9: expected a")
    assert found in judged.message
    assert item(result, "s1.h_1").verdict == "correct"


def test_one_unreadable_entry_leaves_the_others_judged(grader):
    judged = item(grade(grader, "s1.h_1: [0.226, x, 0.999]\n"), "s1.h_1")
    assert judged.verdict == "unreadable"
    assert judged.entries.tolist() == [0, 4, 3]  # correct, unreadable, wrong
    assert judged.message == "line 1:17: expected a number, found 'x' (a string)"


def test_an_empty_entry_in_a_list_is_unreadable(grader):
    judged = item(grade(grader, "s1.h_1:\n  - 0.226\n  -\n  - 0.264\n"), "s1.h_1")
    assert judged.verdict == "unreadable"
    assert judged.message == "line 3:4: expected a number, found nothing (empty)"


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("s1.h_1", "[0.226, 0.310]", "expected 3 numbers, found a list of 2"),
        ("s1.h_1", "0.226", "expected 3 numbers, found a single number"),
        ("s1.L_6", "[0.378, 1]", "expected 1 number, found a list of 2"),
        ("dW_hh", "[[1, 2, 3], [4, 5], [6, 7, 8]]", "found rows of different lengths (3, 2, 3)"),
        ("dW_hh", "[[1, 2, 3], 4, [6, 7, 8]]", "found a list that mixes numbers and rows"),
        ("dW_hh", "[[[1]]]", "found lists nested three deep"),
        ("s1.h_1", "[]", "expected 3 numbers, found an empty list"),
        ("dW_hh", "[1, 2, 3]", "expected a 3×3 matrix (3 rows of 3 numbers), found a list of 3"),
    ],
)
def test_wrong_shape_says_what_was_expected_and_found(grader, key, value, message):
    judged = item(grade(grader, f"{key}: {value}\n"), key)
    assert judged.verdict == "wrong shape"
    assert message in judged.message
    assert judged.credit(1.0) == 0.0


@pytest.mark.parametrize(
    "key, value",
    [
        ("s1.L_6", "[0.378]"),  # a list of one for a number
        ("s1.y_6", "0.685"),  # a number for a vector of one
        ("s1.dW_hy_6", "[-0.210, -0.259, -0.247]"),  # one list for a 1×3 matrix
        ("s1.dW_hy_6", "[[-0.210, -0.259, -0.247]]"),
    ],
)
def test_lists_of_one_are_the_same_as_their_item(grader, key, value):
    assert item(grade(grader, f"{key}: {value}\n"), key).verdict == "correct"


def test_a_missing_key_is_missing_and_scores_zero(grader):
    result = grade(grader, "s1.h_1: [0.226, 0.310, 0.264]\n")
    assert item(result, "s1.h_2").verdict == "missing"
    assert item(result, "s1.h_2").credit(1.0) == 0.0
    assert not result.all_correct


# -- malformed files: bad input, one located line --------------------------------------------
def unknown(grader: Grader, text: str) -> list[str]:
    """The keys of a file that are reported, not graded (the rest of the file is graded)."""
    return [str(found) for found in read(grader, text).unknown]


def test_an_unknown_key_is_reported_with_did_you_mean_and_the_rest_graded(grader):
    text = "s1.h_1: [0.226, 0.310, 0.264]\ns1.h_22: 0.5\n"
    assert unknown(grader, text) == ["line 2:1: s1.h_22: unknown key (did you mean 's1.h_2'?)"]
    assert item(grade(grader, text), "s1.h_1").verdict == "correct"


def test_a_key_without_its_sequence_prefix_suggests_the_prefixed_one(grader):
    assert unknown(grader, "h_2: [0.4, 0.6, 0.5]\n") == [
        "line 1:1: h_2: unknown key; with several sequences a key starts with its "
        "sequence: s1.h_2, s2.h_2"
    ]


def test_given_data_is_not_an_answer(grader):
    assert unknown(grader, "W_xh: [[1, 2, 3]]\n") == [
        "line 1:1: W_xh: is given in the scenario, not a quantity to compute"
    ]


def test_duplicate_key_names_the_first_line(grader):
    message = failure(grader, "s1.L_6: 0.378\ns1.h_1: [1, 2, 3]\ns1.L_6: 0.4\n")
    assert message == "answers.yaml:3:1: s1.L_6: duplicate key (first given on line 1)"


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n  # another\n"])
def test_an_empty_file_is_an_error(grader, text):
    message = failure(grader, text)
    assert message.startswith("answers.yaml:1:1: the file is empty; expected answers")


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "- 1\n- 2\n",
            "answers.yaml:1:1: expected a mapping (key: value lines), found a list of 2",
        ),
        ("s1.L_6: [0.378\n", "answers.yaml:2:1: YAML syntax:"),
        ("s1.L_6: !!python/object:os.system 1\n", "unsupported YAML tag"),
    ],
)
def test_a_file_that_is_not_an_answers_mapping_is_an_error(grader, text, message):
    assert message in failure(grader, text)


def test_aliases_cannot_blow_a_file_up(grader):
    row = "[" + ", ".join(["1"] * 1000) + "]"
    text = f"s1.h_1: &r {row}\ndW_hh: [" + ", ".join(["*r"] * 300) + "]\n"
    judged = item(grade(grader, text), "dW_hh")
    assert judged.verdict == "wrong shape" and "more than 250,000 numbers" in judged.message
