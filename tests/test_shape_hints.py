"""A wrong-shaped parameter is told the shape the other parameters and the labels state, in
either layout: the matrix being checked does not vote on its own shape, b_y states K before
the labels and W_hy, and a matrix written transposed is told so. The right shape is worked out
here from the sizes each scenario states (D from the input, H from b_h, K from b_y or the
labels), not taken from the loader."""

from __future__ import annotations

import numpy as np
import pytest

from rnntrace._internal.errors import ScenarioError
from rnntrace._internal.scenario import parse_scenario

SENTIMENT = {  # embeddings of D = 2 entries, H = 3, one sigmoid output: K = 1
    "input": "  embeddings:\n    a: [1, 0]\n    b: [0, 1]\n",
    "sequences": "  - tokens: a b a\n    label: 1\n",
    "model": "output: last, head: sigmoid, loss: bce",
    "sizes": {"D": 2, "H": 3, "K": 1},
}
HELLO = {  # one-hot over 4 characters: D = 4, H = 2, softmax over K = 4 (b_y has 4 entries)
    "input": "  one_hot: [h, e, l, o]\n",
    "sequences": "  - tokens: hell\n    split: chars\n    targets: ello\n",
    "model": "output: every, head: softmax, loss: ce",
    "sizes": {"D": 4, "H": 2, "K": 4},
}
COLUMNS = {"W_xh": ("H", "D"), "W_hh": ("H", "H"), "W_hy": ("K", "H")}


def shape_of(key: str, layout: str, sizes: dict[str, int]) -> tuple[int, int]:
    """The shape a matrix must have: (H, D), (H, H), (K, H) in columns, transposed in rows."""
    letters = COLUMNS[key][:: -1 if layout == "rows" else 1]
    return sizes[letters[0]], sizes[letters[1]]


def scenario(base: dict, layout: str, wrong: dict[str, tuple[int, int]], b_y: bool = True) -> str:
    """The scenario with every matrix of the right shape but those in ``wrong``."""
    sizes = base["sizes"]
    lines = [f"  {key}: {np.full(wrong.get(key, shape_of(key, layout, sizes)), 0.1).tolist()}"
             for key in COLUMNS]  # fmt: skip
    lines.append(f"  b_h: {[0.0] * sizes['H']}")
    lines += [f"  b_y: {[0.0] * sizes['K']}"] if b_y else []
    return (f"version: 1\ninput:\n{base['input']}sequences:\n{base['sequences']}"
            f"model: {{{base['model']}, layout: {layout}}}\nparams:\n"
            + "\n".join(lines) + "\n")  # fmt: skip


def refusal(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "bad.yaml")
    return info.value


@pytest.mark.parametrize("layout", ["columns", "rows"])
@pytest.mark.parametrize("base", [SENTIMENT, HELLO], ids=["sentiment", "hello"])
@pytest.mark.parametrize("key", ["W_xh", "W_hy"])
def test_a_transposed_matrix_is_told_its_shape_and_that_it_looks_transposed(
    key: str, base: dict, layout: str
) -> None:
    right = shape_of(key, layout, base["sizes"])
    if right[0] == right[1]:
        pytest.skip("a square matrix transposed has the right shape")
    exc = refusal(scenario(base, layout, {key: right[::-1]}))
    assert exc.path == f"params.{key}", str(exc)
    assert f"shape {right[::-1]}, must be shape {right} because" in exc.message, str(exc)
    assert "transposed" in exc.message, str(exc)


@pytest.mark.parametrize("layout", ["columns", "rows"])
@pytest.mark.parametrize("base", [SENTIMENT, HELLO], ids=["sentiment", "hello"])
def test_a_wrong_sized_square_W_hh_does_not_outvote_the_others(base: dict, layout: str) -> None:
    H = base["sizes"]["H"]
    exc = refusal(scenario(base, layout, {"W_hh": (H + 1, H + 1)}))
    assert exc.path == "params.W_hh", str(exc)
    assert f"must be shape {(H, H)} because" in exc.message, str(exc)
    assert "transposed" not in exc.message, str(exc)


@pytest.mark.parametrize("layout", ["columns", "rows"])
def test_W_hy_with_too_many_outputs_is_told_b_y_s_K(layout: str) -> None:
    """The reviewer's case: W_hy [[0.3, 0.2, 0.4]] in rows (K = 3 columns) next to b_y [0.1]."""
    H, K = SENTIMENT["sizes"]["H"], SENTIMENT["sizes"]["K"]
    wrong = (H, H)  # K = 3 read from W_hy itself, in either layout
    exc = refusal(scenario(SENTIMENT, layout, {"W_hy": wrong}))
    right = shape_of("W_hy", layout, SENTIMENT["sizes"])
    assert f"must be shape {right} because" in exc.message, str(exc)
    assert f"b_y has {K} entry" in exc.message, str(exc)


@pytest.mark.parametrize("layout", ["columns", "rows"])
def test_without_b_y_the_labels_state_K(layout: str) -> None:
    right = shape_of("W_hy", layout, SENTIMENT["sizes"])
    exc = refusal(scenario(SENTIMENT, layout, {"W_hy": right[::-1]}, b_y=False))
    assert f"must be shape {right} because" in exc.message, str(exc)
    assert "each label has 1 entry" in exc.message and "transposed" in exc.message, str(exc)


def test_a_bidirectional_W_hy_written_transposed() -> None:
    """The output layer of a multi-part model: K from b_y, the width from [h→, h←]."""
    text = """\
version: 1
input:
  embeddings: {a: [1, 0], b: [0, 1]}
sequences:
  - {tokens: a b, label: 1}
model: {topology: bidirectional, output: last, head: sigmoid, loss: bce}
params:
  forward: {W_xh: [[0.1, 0.2], [0.3, 0.4]], W_hh: [[0.1, 0.2], [0.3, 0.4]]}
  backward: {W_xh: [[0.1, 0.2], [0.3, 0.4]], W_hh: [[0.1, 0.2], [0.3, 0.4]]}
  W_hy: [[0.1], [0.2], [0.3], [0.4]]
  b_y: [0]
"""
    exc = refusal(text)
    assert exc.path == "params.W_hy", str(exc)
    assert "shape (4, 1), must be shape (1, 4) because b_y has 1 entry" in exc.message, str(exc)
    assert "transposed" in exc.message, str(exc)
