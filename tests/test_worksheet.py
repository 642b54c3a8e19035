"""The worksheet and its answer key: the key's numbers are the trace's numbers (parsed back
from the LaTeX), the worksheet has a blank for every one of them and no answers, the rules
follow the scenario, and the key shows every worked step once."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.render.worksheet import SheetSettings, render_worksheet
from rnntrace._internal.scenario import load_scenario, parse_scenario
from rnntrace._internal.scenario.model import NumberPolicy

ROOT = Path(__file__).resolve().parent.parent
SENTIMENT = ROOT / "scenarios" / "sentiment.yaml"
ANSWER = re.compile(r"\\answer\{[-0.]+\}\{(-?\d+(?:\.\d+)?)\}")


def sheet(trace, questions=None, **settings) -> str:
    questions = trace.default_questions() if questions is None else questions
    return "".join(render_worksheet(trace, questions, SheetSettings(**settings)))


def parts(text: str) -> list[str]:
    """The text of each question part, up to the next part or question."""
    body = text.split("\\begin{questions}", 1)[1]
    return re.split(r"\\part(?:\[[\d.]+\])? |\\question ", body)[1:]


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.stem)
def test_the_keys_numbers_are_the_traces_numbers(path):
    trace = trace_scenario(load_scenario(path))
    questions = trace.default_questions()
    answered = [part for part in parts(sheet(trace, questions, key=True)) if "\\answer{" in part]
    assert len(answered) == len(questions)
    for step, part in zip(questions, answered):
        # a wide matrix may be written in blocks of columns: compare as sorted lists
        written = sorted(float(v) for v in ANSWER.findall(part.split("Worked solution")[0]))
        expected = sorted(np.ravel(step.carried))
        np.testing.assert_allclose(
            written, expected, atol=0.5 * 10.0**-trace.meta.decimals, err_msg=step.key
        )
        if trace.meta.carry == "rounded":  # the key shows exactly the numbers carried
            np.testing.assert_allclose(written, expected, atol=1e-12, err_msg=step.key)


def test_the_worksheet_has_a_blank_per_number_and_no_answers():
    trace = trace_scenario(load_scenario(SENTIMENT))
    questions = trace.default_questions()
    text = sheet(trace, questions)
    assert "\\answer{" not in text.split("\\begin{document}")[1]
    assert "Worked solution" not in text
    blanks = [part.count("\\blank{") for part in parts(text) if "\\blank{" in part]
    assert blanks == [step.carried.size for step in questions]


def test_a_matrix_gets_a_blank_matrix_of_its_shape():
    trace = trace_scenario(load_scenario(SENTIMENT))
    text = sheet(trace, trace.select(["W_hh_new"]))
    matrix = re.search(
        r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", re.split(r"\\part\[1\] ", text)[1]
    )
    assert matrix is not None
    rows = matrix.group(1).split("\\\\")
    assert len(rows) == 3 and all(row.count("\\blank{-0.000}") == 3 for row in rows)


def test_ask_chooses_the_questions_and_the_key_works_each_step_out_once():
    trace = trace_scenario(load_scenario(SENTIMENT))
    questions = trace.select(["h_2", "L", "dW_hh"])
    assert [s.key for s in questions] == ["s1.h_2", "s2.h_2", "L", "dW_hh"]
    text = sheet(trace, questions, key=True)
    assert len(parts(text)) == len(questions) + len({(s.phase, s.sequence) for s in questions})
    # h_2's worked solution includes h_1's steps; L's does not repeat them
    first = text.index("Worked solution")
    assert text.index(r"\tanh(z_{1})") > first
    assert text.count(r"h_{1} &= \tanh(z_{1})") == 2  # once per sequence
    assert text.count(r"h_{2} &= \tanh(z_{2})") == 2


def test_the_rules_state_the_scenarios_number_policy_and_the_carried_credit():
    text = SENTIMENT.read_text(encoding="utf-8")
    trace = trace_scenario(parse_scenario(text, "s.yaml"))
    rounded = sheet(trace)
    assert "Give every answer to 3 decimal places" in rounded
    assert "0.0005 becomes 0.001" in rounded
    assert "use the rounded value in the steps that follow" in rounded
    assert "right for the numbers you used gets full marks" in rounded
    assert "half marks" in sheet(trace, carried_credit="half")
    assert "no marks are carried forward" in sheet(trace, carried_credit="none")
    exact = trace_scenario(parse_scenario(text, "s.yaml"), NumberPolicy(decimals=4, carry="exact"))
    text = sheet(exact)
    assert "Keep full precision" in text and "4 decimal places" in text
    assert "0.00005 becomes 0.0001" in text


def test_the_data_gives_embeddings_parameters_and_sentences():
    trace = trace_scenario(load_scenario(SENTIMENT))
    text = sheet(trace)
    data = text.split("\\section*{The data}")[1].split("\\section*{Questions}")[0]
    assert (
        r"\text{\texttt{amazing}} &\mapsto \begin{bmatrix} 0.5 & 0.4 & 0.2 \end{bmatrix}^\top"
        in data
    )
    assert re.search(r"W_\{ho\} &?= \\begin\{bmatrix\} 0\.3 & 0\.2 & 0\.4 \\end\{bmatrix\}", data)
    assert r"Sequence 2: \texttt{i\ hate\ this\ book}, label \texttt{0}." in data
    assert "Name:" in text and "Answer key" not in text


def test_the_key_is_the_same_document_with_answers():
    trace = trace_scenario(load_scenario(SENTIMENT))
    blank = sheet(trace)
    key = sheet(trace, key=True)
    assert "Answer key" in key and "Name:" not in key
    stripped = re.sub(
        r"\\par\\medskip\\noindent\\textbf\{Worked solution\.\}.*?\\medskip\n",
        "",
        key,
        flags=re.DOTALL,
    )
    assert ANSWER.sub("", stripped).count("\\question") == blank.count("\\question")
