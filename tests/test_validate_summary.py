"""``rnntrace validate``'s one-line summary names every model and train key the scenario
sets away from its default, beside the ones it always names (cell, topology, attention,
output, head, loss), and nothing for a scenario that sets none."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from rnntrace._internal.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

GENERATE = """\
version: 1
input:
  one_hot: [h, e, l, o]
sequences:
  - {tokens: h, targets: [e, l, l, o]}
  - {tokens: e, targets: [l, l, o, h]}
model: {topology: generate, head: softmax, loss: ce}
params:
  W_xh: [[0.5, -0.3, 0.2, 0.1], [0.1, 0.4, -0.2, 0.3]]
  W_hh: [[0.4, 0.1], [-0.2, 0.3]]
  W_hy: [[0.3, -0.1], [-0.2, 0.4], [0.5, 0.2], [0.1, -0.3]]
train:
  scheduled_sampling: SAMPLING
"""


def summary(tmp_path: Path, text: str) -> str:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    return result.output.strip()


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("sentiment-rows", ["loss bce, layout rows;"]),
        ("i-love-ai", ["loss none, head_steps [3];"]),
        ("skip-dropout", ["skip 0.5", "dropout (input 0.5, output 0.5, recurrent 0.5, seed 7)"]),
    ],
)
def test_a_bundled_scenario_s_own_keys_are_named(tmp_path: Path, name: str, words: list) -> None:
    line = summary(tmp_path, (SCENARIOS / f"{name}.yaml").read_text(encoding="utf-8"))
    for word in words:
        assert word in line, line


def test_a_scenario_with_only_defaults_names_nothing_more(tmp_path: Path) -> None:
    line = summary(tmp_path, (SCENARIOS / "sentiment.yaml").read_text(encoding="utf-8"))
    assert line.endswith("output last, head sigmoid, loss bce; numbers rounded, 3 decimals")


@pytest.mark.parametrize(
    ("sampling", "words"),
    [
        ("{epsilon0: 0.9, decay: 0.8, seed: 1}",
         "scheduled sampling (epsilon0 0.9, decay 0.8, seed 1);"),
        ("{coins: [[1, 0, 1], [0, 0, 1]]}", "scheduled sampling (given coins);"),
    ],
)  # fmt: skip
def test_scheduled_sampling_is_named(tmp_path: Path, sampling: str, words: str) -> None:
    line = summary(tmp_path, GENERATE.replace("SAMPLING", sampling))
    assert words in line, line


SEPARATE = """\
version: 1
input:
  one_hot: [a, b]
sequences:
  - {tokens: a b b, targets: b b a}
model:
  topology: encoder_decoder
  attention: {kind: dot, context: separate}
  head: softmax
  loss: ce
params:
  encoder: {W_xh: [[0.5, -0.4], [0.2, 0.3]], W_hh: [[0.3, 0.1], [-0.1, 0.2]]}
  decoder:
    W_xh: [[0.2, -0.1], [0.3, 0.2]]
    W_hh: [[0.1, 0.2], [0.2, -0.1]]
    W_ch: [[0.4, 0.1], [-0.2, 0.5]]
  W_hy: [[0.6, -0.3], [-0.4, 0.5]]
"""


def test_a_separate_attention_context_is_named(tmp_path: Path) -> None:
    line = summary(tmp_path, SEPARATE)
    assert "dot attention," in line and "loss ce, attention context separate;" in line, line
