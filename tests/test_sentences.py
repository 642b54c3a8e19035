"""The model's sentences (its equation, output, loss and update) are formula trees, built
once and printed by each printer: LaTeX as the textbook writes it, MathML that an XML parser
reads back into the expected structure, Unicode text; no printer parses another's output."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.render.html import prose_html
from rnntrace._internal.render.prose import Math, model_sentences, sentence
from rnntrace._internal.scenario import load_scenario
from rnntrace._internal.symbol import latex, text
from rnntrace._internal.symbol.mathml import mathml
from rnntrace._internal.symbol.tree import Symbol

ROOT = Path(__file__).resolve().parent.parent


def formulas(
    name: str, tmp_path: Path | None = None, head: str = "", **changes: str
) -> list[Symbol]:
    """The formulas of a bundled scenario's model sentences (its file changed: ``head``
    before it, ``changes`` replaced in it)."""
    path = ROOT / "scenarios" / f"{name}.yaml"
    if tmp_path is not None:
        source = head + path.read_text(encoding="utf-8")
        for old, new in changes.items():
            source = source.replace(old, new)
        path = tmp_path / path.name
        path.write_text(source, encoding="utf-8")
    trace = trace_scenario(load_scenario(path))
    return [p for line in model_sentences(trace) for p in line.parts if isinstance(p, Symbol)]


def test_the_sentences_of_the_simple_rnn_in_latex_and_text():
    found = formulas("sentiment")
    assert [latex(f) for f in found] == [
        r"h_t = \tanh(W_{xh} x_t + W_{hh} h_{t-1} + b_{h})",
        r"h_0 = \mathbf{0}",
        r"o_t = W_{ho} h_t + b_o",  # the scenario's notation
        r"\hat{y}_t = \sigma(o_t)",
        r"L_t = -\sum_k \left[y_k \log \hat{y}_k + (1 - y_k) \log(1 - \hat{y}_k)\right]",
        r"\theta' = \theta - \eta \, \frac{\partial L}{\partial \theta}",
        r"\eta = 0.1",
    ]
    hat = "y\u0302"
    assert text(found[0]) == "h_t = tanh(W_xh x_t + W_hh h_(t−1) + b_h)"
    assert text(found[2]) == "o_t = W_ho h_t + b_o"
    assert text(found[4]) == (f"L_t = −Σ_k [y_k log {hat}_k + (1 − y_k) log(1 − {hat}_k)]")
    assert text(found[5]) == "θ' = θ − η ∂L/∂θ"


def test_the_losses_and_heads_as_the_textbook_writes_them():
    hello = formulas("hello")
    assert r"L_t = -\log \hat{y}_{t,c} \text{ for the target class } c" in map(latex, hello)
    assert r"\hat{y}_t = \operatorname{softmax}(o_t)" in map(latex, hello)


def xml(tree: Symbol) -> ET.Element:
    return ET.fromstring(f"<math>{mathml(tree)}</math>")


def test_the_update_as_mathml_has_the_structure_of_the_formula():
    update = formulas("sentiment")[5]
    (row,) = xml(update)
    assert row.tag == "mrow"
    tags = [child.tag for child in row]
    # θ′ = θ − η (thin space) ∂L/∂θ
    assert tags == ["msup", "mo", "mi", "mo", "mi", "mspace", "mfrac"]
    assert [c.text for c in row[0]] == ["θ", "′"]
    assert [row[1].text, row[3].text] == ["=", "−"]
    over, under = row[6]
    assert [c.text for c in over] == ["∂", "L"] and [c.text for c in under] == ["∂", "θ"]


def test_the_cross_entropy_as_mathml_keeps_its_words_and_indices():
    hello = formulas("hello")
    loss = next(f for f in hello if "target class" in latex(f))
    root = xml(loss)
    assert root.find(".//mtext").text == " for the target class "
    (y_tc,) = [e for e in root.iter("msub") if e[0].tag == "mover"]
    assert [e.text for e in y_tc[1]] == ["t", ",", "c"]  # ŷ_{t,c}
    assert y_tc[0][1].text == "^"


def test_the_mean_squared_error_as_mathml_has_a_fraction_and_a_square(tmp_path):
    loss = formulas("sentiment", tmp_path, **{"loss: bce": "loss: mse"})[4]
    assert latex(loss) == r"L_t = \frac{1}{K} \sum_k (\hat{y}_k - y_k)^2"
    root = xml(loss)
    (fraction,) = root.iter("mfrac")
    assert [e.text for e in fraction] == ["1", "K"]
    square = [e for e in root.iter("msup") if e[1].text == "2"]
    assert len(square) == 1 and square[0][0][0].text == "("


@pytest.mark.parametrize("name", ["seq2seq", "stacked", "bidirectional"])
def test_the_model_of_several_parts_is_written_in_the_scenarios_notation(name, tmp_path):
    found = formulas(name, tmp_path, head="notation: {W_xh: U, W_hh: W, W_hy: V, b_y: c}\n")
    assert latex(found[0]) == r"h_t = \tanh(U x_t + W h_{t-1} + b_{h})"
    assert latex(found[2]) == "o_t = V h_t + c"


def test_no_page_converts_latex_to_mathml():
    with pytest.raises(TypeError):
        prose_html(sentence("rate ", Math(r"\eta = 0.1")))


@pytest.mark.parametrize("name", ["stacked", "bidirectional", "seq2seq"])
def test_the_model_of_several_parts_has_its_hidden_bias(name):
    """Every part of these scenarios has b_h (keys enc.b_h, l1.b_h, ...): the equation
    says so, as it does for a model of one part."""
    assert any(latex(f).endswith("+ b_{h})") for f in formulas(name)), formulas(name)


def test_a_given_initial_state_of_a_part_is_named(tmp_path):
    found = "".join(
        latex(f) if isinstance(f, Symbol) else f
        for line in model_sentences(trace_scenario(load_scenario(_stacked_with_h0(tmp_path))))
        for f in line.parts
    )
    assert "from the given h_{0}^{(1)} (the other initial states: 0)." in found, found


def _stacked_with_h0(tmp_path: Path) -> Path:
    source = (ROOT / "scenarios" / "stacked.yaml").read_text(encoding="utf-8")
    source = source.replace(
        "      b_h:  [0.1, 0.1]\n", "      b_h:  [0.1, 0.1]\n      h_0:  [0.5, -0.5]\n"
    )
    path = tmp_path / "stacked.yaml"
    path.write_text(source, encoding="utf-8")
    return path
