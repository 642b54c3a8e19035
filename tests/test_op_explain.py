"""An op's explanation data (rnntrace/_internal/ops: its formula and the working of one
entry, as symbol trees) against hand arithmetic: every worked entry of every step whose op
is written from data, printed by the terminal's and by the LaTeX printer and then evaluated
as the arithmetic it shows, is the step's value; the formulas read as a textbook writes
them."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.ops import ACTIVATIONS, DEFINITIONS, explanation, fill
from rnntrace._internal.scenario import load_scenario
from rnntrace._internal.symbol import latex, text
from rnntrace._internal.symbol.tree import Name

ROOT = Path(__file__).resolve().parent.parent


def arithmetic(written: str) -> float:
    """The value of a worked entry as a person reads it: × and \\times multiply, ² and
    ^{2} square, − and - subtract, tanh/σ/relu/\\max(0, ·) are the functions themselves."""
    functions = {  # the longer spellings first
        "\\max(0, ": "R(", "max(0, ": "R(", "\\operatorname{relu}": "R", "relu": "R",
        "\\tanh": "T", "tanh": "T", "\\sigma": "S", "σ": "S",
    }  # fmt: skip
    out = written
    for name, python in functions.items():
        out = out.replace(name, python)
    out = out.replace("\\times", "*").replace("×", "*").replace("−", "-")
    out = out.replace("^{2}", "**2").replace("²", "**2")
    assert re.fullmatch(r"[0-9.e+\-*/() ,TSR]*", out), out  # nothing left but arithmetic
    scope = {"T": math.tanh, "S": lambda v: 1 / (1 + math.exp(-v)), "R": lambda v: max(0.0, v)}
    return float(eval(out, scope))  # noqa: S307 (digits and operators, checked above)


def traces():
    for name in ("sentiment-lstm", "sentiment-gru", "sentiment-mgu", "sentiment"):
        yield name, trace_scenario(load_scenario(ROOT / "scenarios" / f"{name}.yaml"))


def relu_trace(tmp_path: Path):
    source = (ROOT / "scenarios" / "sentiment.yaml").read_text(encoding="utf-8")
    path = tmp_path / "relu.yaml"
    path.write_text(source.replace("activation: tanh", "activation: relu"), encoding="utf-8")
    return trace_scenario(load_scenario(path))


def check_trace(trace) -> set[str]:
    """Every worked entry of every step written from data, in both printers, evaluated."""
    seen = set()
    for step in trace:
        explain = explanation(step.op, step.info)
        if explain is None or explain.each is None:
            continue
        values = trace.operand_values(step)
        symbols = [trace[key].symbol for key in step.operands]
        for j, want in enumerate(step.value.ravel()):

            def number(i: int, factor: bool, j: int = j, step=step, values=values) -> str:
                if i < 0:
                    return f"{float(step.value.ravel()[j]):g}"
                return f"({float(values[i].ravel()[j])!r})"

            for each in {explain.each, explain.terminal_each or explain.each}:
                tree = fill(each, symbols, number)
                for written in (text(tree), latex(tree)):
                    assert arithmetic(written) == pytest.approx(float(want), abs=1e-12), written
        seen.add(step.op if step.op not in ("activation", "activation_derivative")
                 else f"{step.op}:{step.info['activation']}")  # fmt: skip
    return seen


def test_every_worked_entry_is_the_steps_value_by_hand_arithmetic(tmp_path):
    seen = set()
    for _, trace in traces():
        seen |= check_trace(trace)
    seen |= check_trace(relu_trace(tmp_path))
    worked = {name for name, op in DEFINITIONS.items() if op.explain and op.explain.each}
    assert worked <= seen, worked - seen  # every op worked from data was checked
    assert {"activation:tanh", "activation:sigmoid", "activation:relu"} <= seen


def test_the_arithmetic_reader_refuses_what_is_not_arithmetic():
    with pytest.raises(AssertionError):
        arithmetic("import os")


@pytest.mark.parametrize(
    ("op", "activation", "terminal", "tex"),
    [
        ("tanh_back", None, "g ⊙ (1 − y²)", r"g \odot (1 - {y}^{2})"),
        ("sigmoid_back", None, "g ⊙ y(1 − y)", r"g \odot y \odot (1 - y)"),
        ("hadamard", None, "g ⊙ y", r"g \odot y"),
        ("subtract", None, "g − y", "g - y"),
        ("activation", "tanh", "tanh(g)", r"\tanh(g)"),
        ("activation", "sigmoid", "σ(g)", r"\sigma(g)"),
        ("activation", "relu", "relu(g)", r"\max(0, g)"),
        ("activation_derivative", "tanh", "1 − g²", "1 - {g}^{2}"),
        ("activation_derivative", "sigmoid", "g(1 − g)", r"g \odot (1 - g)"),
        ("activation_derivative", "relu", "1 if g > 0 else 0", "[g > 0]"),
    ],
)  # fmt: skip
def test_the_formulas_read_as_the_textbook_writes_them(op, activation, terminal, tex):
    explain = explanation(op, {"activation": activation})
    symbols = [Name("g"), Name("y")]
    assert text(fill(explain.terminal_formula(), symbols)) == terminal
    assert latex(fill(explain.formula, symbols)) == tex


def test_every_activation_has_its_working_in_its_entry():
    for name, act in ACTIVATIONS.items():
        assert act.explain.each is not None and act.explain_derivative.each is not None, name
