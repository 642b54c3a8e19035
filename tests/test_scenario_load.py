"""Valid scenarios load into the right Scenario: sizes, sequences, tokens, targets, defaults."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnntrace._internal.scenario import Scenario, load_scenario, parse_scenario
from rnntrace._internal.scenario.model import ModelSpec, NumberPolicy, TrainSpec
from rnntrace._internal.symbol import latex

ROOT = Path(__file__).resolve().parent.parent
# The simple RNN's parameters, in display order.
RNN_PARAMS = ["W_xh", "W_hh", "b_h", "W_hy", "b_y", "h_0"]
SCENARIOS = ROOT / "scenarios"


def parse(text: str, file: str = "test.yaml") -> Scenario:
    return parse_scenario(text, file)


def targets_of(scenario: Scenario, number: int) -> dict[int, tuple[str, int | None]]:
    """{step: (text, class index)} of sequence ``number`` (1-based)."""
    seq = scenario.sequences[number - 1]
    return {step: (t.text, t.index) for step, t in seq.targets.items()}


# -- the bundled scenarios ----------------------------------------------------------------


def test_sentiment_scenario() -> None:
    s = load_scenario(SCENARIOS / "sentiment.yaml")
    assert s.file == str(SCENARIOS / "sentiment.yaml")
    assert s.title == "Sentiment of two book reviews"
    assert s.description and "\n" not in s.description  # folded block scalar `>-`
    assert s.sizes == {"D": 3, "H": 3, "K": 1}
    assert s.input_kind == "embeddings"
    assert list(s.vocabulary) == ["i", "love", "this", "book", "its", "amazing", "hate"]
    np.testing.assert_array_equal(s.vocabulary["love"], [0.4, 0.1, 0.5])

    assert [seq.number for seq in s.sequences] == [1, 2]
    first, second = s.sequences
    assert first.tokens == ("i", "love", "this", "book", "its", "amazing")
    assert second.tokens == ("i", "hate", "this", "book")
    assert first.length == 6 and second.length == 4
    assert first.inputs.shape == (6, 3) and second.inputs.shape == (4, 3)
    np.testing.assert_array_equal(first.inputs[5], [0.5, 0.4, 0.2])  # amazing
    np.testing.assert_array_equal(second.inputs[1], [0.7, 0.8, 0.1])  # hate

    # many-to-one: the label is the target of the last step only
    assert list(first.targets) == [6] and list(second.targets) == [4]
    assert first.targets[6].text == "1" and first.targets[6].index is None
    np.testing.assert_array_equal(first.targets[6].vector, [1.0])
    np.testing.assert_array_equal(second.targets[4].vector, [0.0])
    assert s.output_steps(first) == [6]

    assert s.model == ModelSpec(
        cell="rnn", activation="tanh", output="last", head="sigmoid", loss="bce"
    )
    assert set(s.params) == set(RNN_PARAMS)
    assert s.given == frozenset({"W_xh", "W_hh", "b_h", "W_hy", "b_y"})
    np.testing.assert_array_equal(s.params["W_hy"], [[0.3, 0.2, 0.4]])
    np.testing.assert_array_equal(s.params["b_y"], [0.1])
    np.testing.assert_array_equal(s.params["h_0"], np.zeros(3))  # omitted: zeros
    assert s.params["W_xh"].shape == (3, 3)
    assert {key: latex(symbol) for key, symbol in s.notation.items()} == {
        "W_hy": "W_{ho}",
        "b_y": "b_o",
    }  # parsed once into symbol trees, printed back as written
    assert s.train == TrainSpec(learning_rate=0.1, epochs=None, bptt=None, clip=None)  # unset
    assert s.numbers.decimals == 3
    assert s.numbers.carry == "rounded" and s.numbers.rounded
    assert s.numbers.round_terms is False


def test_i_love_ai_scenario() -> None:
    s = load_scenario(SCENARIOS / "i-love-ai.yaml")
    assert s.title == "Forward pass of 'I love AI'"
    assert s.description is None
    assert s.input_kind == "vectors" and dict(s.vocabulary) == {}
    assert s.sizes == {"D": 2, "H": 3, "K": 2}
    (seq,) = s.sequences
    assert seq.tokens == ("I", "love", "AI")
    np.testing.assert_array_equal(seq.inputs, [[0.8, 0.3], [0.9, 0.7], [0.6, 0.4]])
    assert dict(seq.targets) == {}  # loss none, no targets
    assert s.model == ModelSpec(output="every", head="softmax", loss="none", head_steps=(3,))
    assert s.output_steps(seq) == [1, 2, 3]
    assert s.given == frozenset({"W_xh", "W_hh", "b_h", "W_hy", "b_y"})
    np.testing.assert_array_equal(s.params["b_h"], [0.1, -0.2, 0.0])
    np.testing.assert_array_equal(s.params["h_0"], np.zeros(3))
    assert s.numbers == NumberPolicy(decimals=3, carry="rounded", round_terms=True)
    assert s.notation == {}


@pytest.mark.parametrize("name", sorted(p.name for p in SCENARIOS.glob("*.yaml")))
def test_packaged_examples_match_the_scenarios_folder(name: str) -> None:
    """`rnntrace init` copies rnntrace/examples; they must stay loadable and the same."""
    packaged = ROOT / "rnntrace" / "examples" / name
    assert packaged.read_text(encoding="utf-8") == (SCENARIOS / name).read_text(encoding="utf-8")
    load_scenario(packaged)


def test_load_and_parse_agree(tmp_path: Path) -> None:
    text = (SCENARIOS / "sentiment.yaml").read_text(encoding="utf-8")
    path = tmp_path / "copy.yaml"
    path.write_text(text, encoding="utf-8")
    a, b = load_scenario(path), parse(text, str(path))
    assert a.title == b.title and a.model == b.model and a.sizes == b.sizes
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)


# -- defaults -----------------------------------------------------------------------------

MINIMAL = """\
input:
  embeddings: {a: [1, 0], b: [0, 1]}
sequences:
  - tokens: a b
params:
  W_xh: [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]
  W_hh: [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]]
  W_hy: [[1, 2, 3]]
"""


def test_defaults_of_a_minimal_scenario(tmp_path: Path) -> None:
    path = tmp_path / "minimal.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    s = load_scenario(path)
    assert s.title == "minimal.yaml"  # the file name, without the folder
    assert s.description is None
    assert s.model == ModelSpec()
    assert (s.model.cell, s.model.activation, s.model.output, s.model.head, s.model.loss) == (
        "rnn", "tanh", "last", "identity", "none",
    )  # fmt: skip
    assert s.numbers == NumberPolicy()
    assert s.numbers.decimals == 4 and s.numbers.carry == "exact" and not s.numbers.rounded
    assert s.numbers.round_terms is False
    assert s.train.learning_rate == 0.1
    assert s.train == TrainSpec(learning_rate=0.1, epochs=None, bptt=None, clip=None)  # unset
    assert s.notation == {}
    assert s.sizes == {"D": 2, "H": 3, "K": 1}
    # omitted biases and h_0 are zeros of the right size and are not "given"
    assert s.given == frozenset({"W_xh", "W_hh", "W_hy"})
    np.testing.assert_array_equal(s.params["b_h"], np.zeros(3))
    np.testing.assert_array_equal(s.params["h_0"], np.zeros(3))
    np.testing.assert_array_equal(s.params["b_y"], np.zeros(1))
    assert list(s.params) == list(RNN_PARAMS)  # display order
    assert dict(s.sequences[0].targets) == {}


def test_parse_default_file_name() -> None:
    assert parse_scenario(MINIMAL).title == "<scenario>"


def test_version_1_is_accepted() -> None:
    assert parse("version: 1\n" + MINIMAL).sizes["H"] == 3


def test_output_none_needs_no_W_hy_and_has_no_b_y() -> None:
    text = MINIMAL.replace("  W_hy: [[1, 2, 3]]\n", "") + "model: {output: none}\n"
    s = parse(text)
    assert s.sizes == {"D": 2, "H": 3, "K": 0}
    assert "W_hy" not in s.params and "b_y" not in s.params
    assert s.output_steps(s.sequences[0]) == []


def test_h_from_w_xh_when_b_h_is_omitted() -> None:
    s = parse(MINIMAL)
    assert s.params["b_h"].shape == (3,)


def test_one_row_matrix_may_be_written_flat() -> None:
    s = parse(MINIMAL.replace("W_hy: [[1, 2, 3]]", "W_hy: [1, 2, 3]"))
    np.testing.assert_array_equal(s.params["W_hy"], [[1, 2, 3]])


def test_a_lone_number_is_a_vector_of_one() -> None:
    s = parse(MINIMAL + "  b_y: 0.5\n")
    np.testing.assert_array_equal(s.params["b_y"], [0.5])
    assert "b_y" in s.given


def test_numbers_and_train_settings() -> None:
    s = parse(
        MINIMAL
        + "numbers: {decimals: 0, carry: rounded, round_terms: true}\n"
        + "train: {learning_rate: 0.5, epochs: 3, bptt: 2, clip: 1.5}\n"
    )
    assert s.numbers == NumberPolicy(decimals=0, carry="rounded", round_terms=True)
    assert s.train == TrainSpec(learning_rate=0.5, epochs=3, bptt=2, clip=1.5)
    s = parse(MINIMAL + "numbers: {decimals: 12}\ntrain: {bptt: full, clip: null}\n")
    assert s.numbers.decimals == 12
    assert s.train.bptt is None and s.train.clip is None


def test_yaml_number_spellings() -> None:
    s = parse(MINIMAL + "  b_y: [1_000]\n  b_h: [+1, -.5, 1.5e+3]\n")
    np.testing.assert_array_equal(s.params["b_y"], [1000.0])
    np.testing.assert_array_equal(s.params["b_h"], [1.0, -0.5, 1500.0])


def test_aliases_are_allowed_within_budget() -> None:
    text = MINIMAL.replace("W_xh:", "b_h: &zero [0, 0, 0]\n  h_0: *zero\n  W_xh:")
    s = parse(text)
    assert s.given >= {"b_h", "h_0"}
    np.testing.assert_array_equal(s.params["h_0"], np.zeros(3))


def test_windows_line_endings_and_byte_order_mark() -> None:
    s = parse("\ufeff" + MINIMAL.replace("\n", "\r\n"))
    assert s.sizes == {"D": 2, "H": 3, "K": 1}


# -- tokens -------------------------------------------------------------------------------

CHARS = """\
input:
  one_hot: [h, e, l, o]
sequences:
  - tokens: hello
    split: chars
    targets: ello.
model: {output: every, head: softmax, loss: ce}
params:
  W_xh: [[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]]
  W_hh: [[0.1, 0.2], [0.3, 0.4]]
  W_hy: [[1, 2], [3, 4], [5, 6], [7, 8]]
"""


def test_one_hot_vocabulary_and_split_chars() -> None:
    s = parse(CHARS.replace("ello.", "elloh"))
    assert s.input_kind == "one_hot"
    assert list(s.vocabulary) == ["h", "e", "l", "o"]
    np.testing.assert_array_equal(s.vocabulary["l"], [0, 0, 1, 0])
    assert s.sizes == {"D": 4, "H": 2, "K": 4}
    (seq,) = s.sequences
    assert seq.tokens == ("h", "e", "l", "l", "o")
    np.testing.assert_array_equal(seq.inputs, np.eye(4)[[0, 1, 2, 2, 3]])


def test_ce_targets_as_a_string_of_vocabulary_tokens() -> None:
    """`targets: elloh` with `split: chars` is split like the tokens; each is a class."""
    s = parse(CHARS.replace("ello.", "elloh"))
    (seq,) = s.sequences
    assert targets_of(s, 1) == {1: ("e", 1), 2: ("l", 2), 3: ("l", 2), 4: ("o", 3), 5: ("h", 0)}
    np.testing.assert_array_equal(seq.targets[4].vector, [0, 0, 0, 1])
    assert s.output_steps(seq) == [1, 2, 3, 4, 5]


def test_ce_targets_as_a_list_of_tokens_and_indices() -> None:
    s = parse(CHARS.replace("targets: ello.", "targets: [e, 2, l, 3, h]"))
    assert targets_of(s, 1) == {1: ("e", 1), 2: ("2", 2), 3: ("l", 2), 4: ("3", 3), 5: ("h", 0)}


def test_ce_targets_string_split_on_words() -> None:
    text = CHARS.replace("tokens: hello\n    split: chars", "tokens: h e l l o").replace(
        "ello.", "e l l o h"
    )
    s = parse(text)
    assert s.sequences[0].tokens == ("h", "e", "l", "l", "o")
    assert [t for t, _ in targets_of(s, 1).values()] == ["e", "l", "l", "o", "h"]


def test_digit_tokens_a_string_of_targets_is_tokens_a_list_is_indices() -> None:
    text = """\
input:
  one_hot: ['3', '2', '1', '0']
sequences:
  - tokens: "0123"
    split: chars
    targets: "1230"
  - tokens: [0, 1]
    targets: [1, 2]
model: {output: every, head: softmax, loss: ce}
params:
  W_xh: [[0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4]]
  W_hh: [[0.1, 0.2], [0.3, 0.4]]
  W_hy: [[1, 2], [3, 4], [5, 6], [7, 8]]
"""
    s = parse(text)
    # the string's characters are vocabulary tokens: '1' is the token at index 2
    assert targets_of(s, 1) == {1: ("1", 2), 2: ("2", 1), 3: ("3", 0), 4: ("0", 3)}
    # in a list, whole numbers are class indices
    assert targets_of(s, 2) == {1: ("1", 1), 2: ("2", 2)}
    assert s.sequences[1].tokens == ("0", "1")


def test_ce_label_as_a_vocabulary_token_for_many_to_one() -> None:
    text = CHARS.replace("output: every", "output: last").replace("targets: ello.", "label: o")
    s = parse(text)
    assert targets_of(s, 1) == {5: ("o", 3)}


def test_ce_label_as_a_class_index() -> None:
    text = CHARS.replace("output: every", "output: last").replace("targets: ello.", "label: 0")
    s = parse(text)
    assert targets_of(s, 1) == {5: ("0", 0)}
    np.testing.assert_array_equal(s.sequences[0].targets[5].vector, [1, 0, 0, 0])


def test_tokens_as_a_list() -> None:
    s = parse(MINIMAL.replace("tokens: a b", "tokens: [b, a, b]"))
    assert s.sequences[0].tokens == ("b", "a", "b")
    np.testing.assert_array_equal(s.sequences[0].inputs, [[0, 1], [1, 0], [0, 1]])


def test_tokens_in_block_style_and_extra_whitespace() -> None:
    s = parse(MINIMAL.replace("tokens: a b", "tokens: '  a\tb   a '"))
    assert s.sequences[0].tokens == ("a", "b", "a")
    s = parse(MINIMAL.replace("tokens: a b", "tokens:\n      - b\n      - a"))
    assert s.sequences[0].tokens == ("b", "a")


@pytest.mark.parametrize(
    "word", ["no", "yes", "on", "off", "null", "~", "true", "False", "Y", "n", "1", "1.50", "0x1F"]
)
def test_yaml_1_1_gotchas_stay_strings(word: str) -> None:
    """A token that YAML 1.1 would read as a boolean, null or number stays the text written."""
    text = f"""\
input:
  embeddings:
    {word}: [1, 0]
    other: [0, 1]
sequences:
  - tokens: {word} other {word}
  - tokens: [{word}, other]
model: {{output: none}}
params:
  W_xh: [[1, 1]]
  W_hh: [[1]]
"""
    s = parse(text)
    assert list(s.vocabulary) == [word, "other"]
    assert s.sequences[0].tokens == (word, "other", word)
    assert s.sequences[1].tokens == (word, "other")
    np.testing.assert_array_equal(s.sequences[1].inputs, [[1, 0], [0, 1]])


def test_yaml_1_1_gotchas_in_one_hot_vocabulary_and_ce_targets() -> None:
    text = """\
input:
  one_hot: [no, yes, on, null]
sequences:
  - tokens: [no, yes, on, null]
    targets: [yes, on, null, no]
model: {output: every, head: softmax, loss: ce}
params:
  W_xh: [[0.1, 0.2, 0.3, 0.4]]
  W_hh: [[0.5]]
  W_hy: [[1], [2], [3], [4]]
"""
    s = parse(text)
    assert list(s.vocabulary) == ["no", "yes", "on", "null"]
    assert s.sequences[0].tokens == ("no", "yes", "on", "null")
    assert targets_of(s, 1) == {1: ("yes", 1), 2: ("on", 2), 3: ("null", 3), 4: ("no", 0)}


def test_title_and_description_stay_text() -> None:
    s = parse(MINIMAL + "title: no\ndescription: 3\n")
    assert s.title == "no" and s.description == "3"


# -- vectors, labels and targets of other losses ----------------------------------------

VECTORS = """\
input: {vectors: true}
sequences:
  - inputs: [[1, 2], [3, 4], [5, 6]]
    label: [0.5, 1.5]
  - tokens: [x, y]
    inputs: [[0, 1], [1, 0]]
    label: [-1, 2]
model: {output: last, loss: mse}
params:
  W_xh: [[1, 0], [0, 1], [1, 1]]
  W_hh: [[0, 0, 0], [0, 0, 0], [0, 0, 0]]
  W_hy: [[1, 0, 0], [0, 1, 0]]
"""


def test_input_vectors_with_mse_labels() -> None:
    s = parse(VECTORS)
    assert s.input_kind == "vectors"
    assert s.sizes == {"D": 2, "H": 3, "K": 2}
    first, second = s.sequences
    assert first.tokens == ("x1", "x2", "x3")  # default names for unnamed steps
    assert second.tokens == ("x", "y")
    np.testing.assert_array_equal(first.inputs, [[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(first.targets[3].vector, [0.5, 1.5])
    assert first.targets[3].text == "[0.5, 1.5]"
    np.testing.assert_array_equal(second.targets[2].vector, [-1, 2])


def test_mse_per_step_targets() -> None:
    text = (
        VECTORS.replace("output: last", "output: every")
        .replace("label: [0.5, 1.5]", "targets: [[0, 1], [1, 0], [0.5, 0.5]]")
        .replace("label: [-1, 2]", "targets: [[1, 1], [2, 2]]")
    )
    s = parse(text)
    assert sorted(s.sequences[0].targets) == [1, 2, 3]
    np.testing.assert_array_equal(s.sequences[0].targets[3].vector, [0.5, 0.5])
    np.testing.assert_array_equal(s.sequences[1].targets[2].vector, [2, 2])


def test_bce_label_may_be_a_fraction() -> None:
    text = (SCENARIOS / "sentiment.yaml").read_text(encoding="utf-8")
    s = parse(text.replace("label: 0\n", "label: 0.25\n"))
    np.testing.assert_array_equal(s.sequences[1].targets[4].vector, [0.25])


def test_label_without_loss_is_kept_for_display() -> None:
    s = parse(MINIMAL.replace("tokens: a b", "tokens: a b\n    label: good"))
    target = s.sequences[0].targets[2]
    assert target.text == "good" and target.vector.size == 0
