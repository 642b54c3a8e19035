"""Skip connections and dropout (issue 13) at the command line: bad values refused in one
line (file:line:col, the key, expected and found; exit 2), ``--eval``, the printers, and
``verify`` / ``answers`` on a trace with masks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from rnntrace._internal.cli import cli

BASE = """\
version: 1
title: skip and dropout
input:
  vectors: true
sequences:
  - inputs: [[0.5, -1.0], [0.3, 0.8], [-0.2, 0.4]]
    targets: [0, 1, 1]
model:
  output: every
  head: softmax
  loss: ce
  skip: 0.3
  dropout: {input: 0.5, recurrent: 0.5, output: 0.25, seed: 3}
params:
  W_xh: [[0.5, -0.3], [0.2, 0.1]]
  W_hh: [[0.4, -0.2], [0.3, 0.6]]
  b_h:  [0.1, -0.1]
  W_hy: [[0.3, -0.2], [0.1, 0.4]]
  b_y:  [0.05, 0.0]
  h_0: [0.2, -0.1]
"""

STACKED = """\
version: 1
input:
  vectors: true
sequences:
  - inputs: [[0.5, -1.0], [0.3, 0.8]]
    targets: [[0.1], [0.2]]
model:
  output: every
  loss: mse
  layers: [{skip: false}, {skip: true}]
params:
  layers:
    - W_xh: [[0.5, -0.3], [0.2, 0.1]]
      W_hh: [[0.4, -0.2], [0.3, 0.6]]
    - W_xh: [[0.3, 0.2], [-0.4, 0.1]]
      W_hh: [[0.2, 0.1], [-0.1, 0.3]]
  W_hy: [[0.3, -0.2]]
"""


def run(tmp_path: Path, text: str, *args: str, name: str = "s.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return CliRunner().invoke(cli, [args[0], str(path), *args[1:]])


BAD = {  # change of BASE (or STACKED) -> the key and words of the one-line message
    "skip text": (BASE, "  skip: 0.3", "  skip: high", "model.skip", "expected a number"),
    "skip on an LSTM": (
        BASE,
        "  skip: 0.3",
        "  skip: 0.3\n  cell: lstm",
        "model.skip",
        "applies to model.cell 'rnn' (the simple RNN) only; this model is 'lstm'",
    ),
    "skip on a GRU": (
        BASE.replace("model:\n", "model:\n  cell: gru\n"),
        "  dropout: {input: 0.5, recurrent: 0.5, output: 0.25, seed: 3}",
        "",
        "model.skip",
        "applies to model.cell 'rnn' (the simple RNN) only; this model is 'gru'",
    ),
    "rate 1": (
        BASE,
        "recurrent: 0.5",
        "recurrent: 1",
        "model.dropout.recurrent",
        "expected a rate p with 0 <= p < 1, found 1",
    ),
    "negative rate": (
        BASE,
        "input: 0.5",
        "input: -0.1",
        "model.dropout.input",
        "expected a rate p with 0 <= p < 1, found -0.1",
    ),
    "unknown dropout key": (
        BASE,
        "seed: 3}",
        "seed: 3, hidden: 0.2}",
        "model.dropout.hidden",
        "unknown key",
    ),
    "seed text": (BASE, "seed: 3}", "seed: x}", "model.dropout.seed", "expected a whole number"),
    "variational text": (
        BASE,
        "seed: 3}",
        "seed: 3, variational: 2}",
        "model.dropout.variational",
        "expected true or false",
    ),
    "masks and seed": (
        BASE,
        "seed: 3}",
        "seed: 3, masks: {input: [[1, 0]]}}",
        "model.dropout.seed",
        "expected a seed or masks, found both",
    ),
    "a mask of 2": (
        BASE,
        "seed: 3}",
        "masks: {input: [[1, 2], [1, 1], [0, 1]], recurrent: "
        "[[1, 1], [1, 1], [1, 1]], output: [[1, 0], [1, 1], [0, 1]]}}",
        "model.dropout.masks.input[0]",
        "expected a mask of 0s and 1s, found 2",
    ),
    "a missing mask": (
        BASE,
        "seed: 3}",
        "masks: {input: [[1, 0], [1, 1], [0, 1]]}}",
        "model.dropout.masks.recurrent",
        "missing: model.dropout.recurrent is 0.5",
    ),
    "a mask without a rate": (
        BASE,
        "input: 0.5, recurrent: 0.5, output: 0.25, seed: 3}",
        "input: 0.5, masks: {input: [[1, 0], [1, 1], [0, 1]], output: [[1, 1], [1, 1], [1, 1]]}}",
        "model.dropout.masks.output",
        "a mask needs a rate",
    ),
    "masks of the wrong size": (
        BASE,
        "input: 0.5, recurrent: 0.5, output: 0.25, seed: 3}",
        "input: 0.5, masks: {input: [[1, 0, 1], [1, 1, 1], [0, 1, 1]]}}",
        "model.dropout.masks.input",
        "expected masks of 2 entries, found 3",
    ),
    "too few masks": (
        BASE,
        "input: 0.5, recurrent: 0.5, output: 0.25, seed: 3}",
        "input: 0.5, masks: {input: [[1, 0], [1, 1]]}}",
        "model.dropout.masks.input",
        "expected a mask for each of 3 time steps, found 2",
    ),
    "dropout in another topology": (
        BASE,
        "  loss: ce",
        "  loss: ce\n  topology: bidirectional",
        "model.dropout",
        "dropout goes with topology 'standard'",
    ),
    "layers list item": (
        STACKED,
        "{skip: true}]",
        "{skip: yes please}]",
        "model.layers[1].skip",
        "expected true or false",
    ),
    "layers list key": (
        STACKED,
        "{skip: true}]",
        "{skipping: true}]",
        "model.layers[1].skipping",
        "unknown key",
    ),
    "layer skip and residual": (
        STACKED,
        "  loss: mse",
        "  loss: mse\n  residual: true",
        "model.residual",
        "expected false with a layer's skip",
    ),
    "layer skip of unequal sizes": (
        STACKED,
        "{skip: false}, {skip: true}",
        "{skip: true}, {skip: true}",
        "model.layers[0].skip",
        None,
    ),
}


@pytest.mark.parametrize("case", BAD.values(), ids=list(BAD))
def test_bad_values_are_refused_in_one_line(tmp_path: Path, case: tuple) -> None:
    text, old, new, key, words = case
    assert old in text
    bad = text.replace(old, new, 1)
    if key == "model.layers[0].skip":  # layer 1 skips: its input x_t (2) and state (3) differ
        bad = bad.replace(
            "inputs: [[0.5, -1.0], [0.3, 0.8]]", "inputs: [[0.5, -1.0, 1], [0.3, 0.8, 1]]"
        )
        bad = bad.replace(
            "W_xh: [[0.5, -0.3], [0.2, 0.1]]", "W_xh: [[0.5, -0.3, 1], [0.2, 0.1, 1]]"
        )
        words = "expected equal sizes: the layer's state has 2 entries, the input x_t 3"
    result = run(tmp_path, bad, "run")
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert re.match(rf"^\S*s\.yaml:\d+:\d+: {re.escape(key)}: ", lines[0]), lines[0]
    assert words in lines[0], lines[0]


def test_layer_skip_on_an_lstm_is_refused(tmp_path: Path) -> None:
    text = STACKED.replace("model:\n", "model:\n  cell: lstm\n")
    result = run(tmp_path, text, "run")
    assert result.exit_code == 2
    assert re.search(
        r"s\.yaml:11:11: model\.layers: a layer's skip applies to model\.cell "
        r"'rnn' \(the simple RNN\) only; this model is 'lstm'",
        result.output,
    )


def test_every_printer_shows_the_masks_and_the_skip(tmp_path: Path) -> None:
    text = run(tmp_path, BASE, "run").output
    for line in (
        "α = 0.3",
        "m_x,1 = [2, 0]",
        "x̃_1 = m_x,1 ⊙ x_1",
        "h_1 = f(z_1) + α h_0",
        "α δh_3 = 0.3 × δh_3",
        "Convention: dropout (input p = 0.5, recurrent p = 0.5, ",
    ):
        assert line in text, line
    latex = run(tmp_path, BASE, "run", "--format", "latex").output
    assert r"h_{1} &= f(z_{1}) + \alpha h_{0}" in latex
    assert r"\tilde{x}_{1} &= m_{x,1} \odot x_{1}" in latex
    markdown = run(tmp_path, BASE, "run", "--format", "markdown").output
    assert r"+ \alpha h_{t-1}$" in markdown and "m_{x,1}" in markdown
    doc = json.loads(run(tmp_path, BASE, "run", "--format", "json").output)
    masks = {s["key"]: s for s in doc["steps"] if s.get("info", {}).get("dropout")}
    assert set(masks) == {f"m_{k}_{t}" for k in "xry" for t in (1, 2, 3)}
    step = masks["m_x_1"]
    assert step["info"]["p"] == 0.5 and step["info"]["draw"] == [3, 1, 1, 1, 0, 1]
    assert step["info"]["mask"] in ([0.0, 1.0], [1.0, 0.0], [0.0, 0.0], [1.0, 1.0])


def test_eval_traces_without_dropout(tmp_path: Path) -> None:
    plain = BASE.replace("  dropout: {input: 0.5, recurrent: 0.5, output: 0.25, seed: 3}\n", "")
    evaluated = run(tmp_path, BASE, "run", "--eval", "--format", "json").output
    without = run(tmp_path, plain, "run", "--format", "json", name="plain.yaml").output
    a, b = json.loads(evaluated), json.loads(without)
    assert [s["key"] for s in a["steps"]] == [s["key"] for s in b["steps"]]
    assert [s["value"] for s in a["steps"]] == [s["value"] for s in b["steps"]]
    assert run(tmp_path, BASE, "run").output != run(tmp_path, BASE, "run", "--eval").output


def test_verify_grades_against_the_trace_with_its_masks(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(BASE, encoding="utf-8")
    runner = CliRunner()
    for flags, name in (([], "key.yaml"), (["--eval"], "eval-key.yaml")):
        result = runner.invoke(cli, ["answers", str(scenario), "--key", "-o",
                                     str(tmp_path / name), *flags])  # fmt: skip
        assert result.exit_code == 0, result.output
    ok = runner.invoke(cli, ["verify", str(scenario), str(tmp_path / "key.yaml")])
    assert ok.exit_code == 0, ok.output
    ok = runner.invoke(cli, ["verify", str(scenario), str(tmp_path / "eval-key.yaml"), "--eval"])
    assert ok.exit_code == 0, ok.output
    mixed = runner.invoke(cli, ["verify", str(scenario), str(tmp_path / "eval-key.yaml")])
    assert mixed.exit_code == 1, mixed.output


def test_train_and_its_traced_epoch_agree(tmp_path: Path) -> None:
    out = run(tmp_path, BASE, "train", "--epochs", "4", "--format", "json").output
    losses = json.loads(out)["losses"]
    third = run(tmp_path, BASE, "train", "--epochs", "4", "--trace-epoch", "3", "--format",
                "json").output  # fmt: skip
    steps = {s["key"]: s for s in json.loads(third)["steps"]}
    assert abs(steps["L"]["value"] - losses[2]) < 1e-12
    assert steps["m_x_1"]["info"]["draw"][1] == 3  # the masks of epoch 3
    plain = run(tmp_path, BASE, "train", "--epochs", "4", "--eval", "--format", "json").output
    assert json.loads(plain)["losses"] != losses


def test_gradflow_notes_the_skip(tmp_path: Path) -> None:
    result = run(tmp_path, BASE, "gradflow")
    assert result.exit_code == 0, result.output
    assert "A_j = diag(f'(z_j)) W_hh + α I" in " ".join(result.output.split())
    assert "recurrent dropout: W_hh reads m_j ⊙ h_(j−1)" in " ".join(result.output.split())
    evaluated = run(tmp_path, BASE, "gradflow", "--eval")
    assert "recurrent dropout" not in evaluated.output


def test_the_scenario_of_the_docs_validates() -> None:
    from rnntrace._internal.scenario import parse_scenario

    docs = Path(__file__).resolve().parent.parent / "docs" / "scenario-format.md"
    blocks = re.findall(r"```yaml\n(.*?)```", docs.read_text(encoding="utf-8"), re.S)
    ours = [b for b in blocks if "dropout:" in b]
    assert ours
    scenario = parse_scenario(ours[0], "docs")
    assert scenario.model.skip == 0.3 and scenario.model.dropout is not None
    assert yaml.safe_load(ours[0])["model"]["dropout"]["seed"] == 3
