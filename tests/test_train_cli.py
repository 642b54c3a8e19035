"""`rnntrace train` through click's CliRunner: the table, --report, JSON, LaTeX, -o trained.yaml,
--trace-epoch N, and the errors (exit 2, one line)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from rnntrace._internal.cli import cli
from rnntrace._internal.engine.training import Settings, default_report, trace_epoch, train
from rnntrace._internal.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
HELLO = str(SCENARIOS / "hello.yaml")
SENTIMENT = str(SCENARIOS / "sentiment.yaml")
I_LOVE_AI = str(SCENARIOS / "i-love-ai.yaml")
# sentiment with these settings: clipping fires in some epochs (1 to 3 among them) and not in
# others (30 among them), and truncation cuts both reviews
CLIPPED = ["--epochs", "30", "--lr", "0.05", "--clip", "0.3", "--l2", "0.01", "--bptt", "2"]


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def ok(*args: str):
    result = invoke(*args)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def one_line_error(*args: str, expect: str = "") -> str:
    result = invoke(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    assert expect in lines[0], lines[0]
    return lines[0]


def as_json(*args: str) -> dict:
    return json.loads(ok(*args, "--format", "json").stdout)


def table_epochs(text: str) -> list[int]:
    """The epoch column of the printed table."""
    rows = [line for line in text.splitlines() if "│" in line]
    return [int(row.split("│")[0].strip().replace(",", "")) for row in rows]


def table_rows(text: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.split("│")] for line in text.splitlines() if "│" in line]


# -- the table ------------------------------------------------------------------------------


def test_the_table_lists_the_reported_epochs() -> None:
    out = ok("train", HELLO, "--epochs", "20", "--report", "1,5,20").stdout
    assert table_epochs(out) == [1, 5, 20]
    assert "Epoch N's loss is the loss before the N-th update" in out
    assert "(epoch 1: the untrained" in out
    assert "20 epochs, learning rate 0.1, no clipping, no weight decay, full BPTT" in out
    doc = as_json("train", HELLO, "--epochs", "20", "--report", "1,5,20")
    for row, epoch in zip(table_rows(out), (1, 5, 20)):
        assert row[1] == f"{doc['losses'][epoch - 1]:.4f}"
        assert row[-1] == "no"
    sparkline = [line for line in out.splitlines() if line.startswith("loss ")]
    assert len(sparkline) == 1 and sparkline[0].endswith(f"{doc['losses'][-1]:.4f}")


@pytest.mark.parametrize("epochs,marks", [(1, [1]), (9, [1, 9]), (10, [1, 10]),
                                          (250, [1, 10, 100, 250]),
                                          (1000, [1, 10, 100, 1000])])  # fmt: skip
def test_default_report(epochs: int, marks: list[int]) -> None:
    assert default_report(epochs) == marks
    assert table_epochs(ok("train", HELLO, "--epochs", str(epochs)).stdout) == marks


def test_several_sequences_and_clipping_in_the_table() -> None:
    out = ok("train", SENTIMENT, *CLIPPED, "--report", "1,2,30").stdout
    assert "clipping at global norm 0.3, L2 weight decay 0.01, truncated BPTT, k = 2" in " ".join(
        out.split()
    )
    header = next(line for line in out.splitlines() if "┃" in line)
    assert "seq 1" in header and "seq 2" in header and "clipped" in header
    doc = as_json("train", SENTIMENT, *CLIPPED, "--report", "1,2,30")
    rows = table_rows(out)
    assert [row[-1] for row in rows] == ["yes" if r["clipped"] else "no" for r in doc["reported"]]
    assert {row[-1] for row in rows} == {"yes", "no"}
    for row, figures in zip(rows, doc["reported"]):
        assert row[2:4] == [f"{v:.4f}" for v in figures["sequence_losses"]]
        assert row[4] == f"{figures['grad_norm']:.4f}"


# -- --report, --bptt ---------------------------------------------------------------------------


@pytest.mark.parametrize("text,marks", [(" 5, 1,,5 ", [1, 5]), ("20", [20]), ("3,2,1", [1, 2, 3])])
def test_report_parsing(text: str, marks: list[int]) -> None:
    assert table_epochs(ok("train", HELLO, "--epochs", "20", "--report", text).stdout) == marks
    doc = as_json("train", HELLO, "--epochs", "20", "--report", text)
    assert [r["epoch"] for r in doc["reported"]] == marks


@pytest.mark.parametrize("text,expect", [
    ("1,x", "--report: expected epochs like 1,100,1000"),
    ("1.5", "--report: expected epochs like 1,100,1000"),
    (",", "--report: expected epochs like 1,100,1000, found ','"),
    (" , ", "--report: expected epochs like 1,100,1000"),
    ("0", "--report: epoch 0 is not between 1 and 20"),
    ("-3", "--report: epoch -3 is not between 1 and 20"),
    ("5,21", "--report: epoch 21 is not between 1 and 20"),
])  # fmt: skip
def test_report_errors(text: str, expect: str) -> None:
    one_line_error("train", HELLO, "--epochs", "20", "--report", text, expect=expect)


@pytest.mark.parametrize("text", ["0", "x", "1.5", "-2", ""])
def test_bptt_errors(text: str) -> None:
    one_line_error("train", HELLO, "--epochs", "3", "--bptt", text, expect="--bptt")


def test_bptt_full_and_k(tmp_path: Path) -> None:
    """--bptt full overrides the file's train.bptt; --bptt k is what train.bptt: k does."""
    text = (
        Path(SENTIMENT)
        .read_text(encoding="utf-8")
        .replace("train:\n  learning_rate: 0.1", "train:\n  learning_rate: 0.1\n  bptt: 2")
    )
    cut = tmp_path / "cut.yaml"
    cut.write_text(text, encoding="utf-8")
    from_file = as_json("train", str(cut), "--epochs", "5")
    assert from_file["settings"]["bptt"] == 2
    cut_losses = as_json("train", SENTIMENT, "--epochs", "5", "--bptt", "2")["losses"]
    assert from_file["losses"] == cut_losses
    full = as_json("train", str(cut), "--epochs", "5", "--bptt", "full")
    assert full["settings"]["bptt"] == "full"
    assert full["losses"] == as_json("train", SENTIMENT, "--epochs", "5")["losses"]
    assert full["losses"][-1] != from_file["losses"][-1]


# -- JSON -------------------------------------------------------------------------------------


def test_json_fields() -> None:
    doc = as_json("train", SENTIMENT, *CLIPPED, "--report", "1,10,30")
    assert doc["format"] == "rnntrace-training" and doc["version"] == 1
    assert "before the N-th update" in doc["note"]
    assert doc["settings"] == {"epochs": 30, "learning_rate": 0.05, "clip": 0.3, "l2": 0.01,
                               "bptt": 2}  # fmt: skip
    assert doc["sequences"] == ["i love this book its amazing", "i hate this book"]
    assert [r["epoch"] for r in doc["reported"]] == [1, 10, 30]
    for r in doc["reported"]:
        assert set(r) == {"epoch", "loss", "sequence_losses", "grad_norm", "clipped"}
        assert r["loss"] == doc["losses"][r["epoch"] - 1]
        assert sum(r["sequence_losses"]) == pytest.approx(r["loss"], rel=1e-12)
        assert r["clipped"] == (r["grad_norm"] > 0.3)
    assert len(doc["losses"]) == 30
    scenario = load_scenario(SENTIMENT)
    assert list(doc["final_params"]) == ["W_xh", "W_hh", "b_h", "W_hy", "b_y"]
    settings = Settings(30, 0.05, clip=0.3, l2=0.01, bptt=2)
    result = train(scenario, settings, [1, 10, 30])
    assert doc["losses"] == result.losses  # JSON floats read back exactly
    for key, value in doc["final_params"].items():
        assert np.shape(value) == np.shape(scenario.params[key])
        assert np.array_equal(value, result.params[key])


def test_json_defaults_come_from_the_scenario() -> None:
    doc = as_json("train", HELLO)
    # hello.yaml sets no train.epochs: rnntrace train's default, 100 epochs (a loss curve)
    assert doc["settings"] == {"epochs": 100, "learning_rate": 0.1, "clip": None, "l2": 0.0,
                               "bptt": "full"}  # fmt: skip
    assert len(doc["losses"]) == 100


def test_the_default_number_of_epochs_is_said() -> None:
    result = CliRunner().invoke(cli, ["train", HELLO])
    assert result.exit_code == 0
    assert "100 epochs (the default" in result.stderr
    assert "100 epochs" not in CliRunner().invoke(cli, ["train", HELLO, "--epochs", "3"]).stderr


# -- LaTeX ----------------------------------------------------------------------------------------


def test_latex_fragment() -> None:
    out = ok("train", SENTIMENT, *CLIPPED, "--format", "latex").stdout
    assert "\\documentclass" not in out
    assert "before the $N$-th update" in out
    assert "\\addplot" in out and "\\begin{tabular}" in out


def test_latex_standalone_compiles(tmp_path: Path) -> None:
    from texbuild import compile_one

    out = ok("train", SENTIMENT, *CLIPPED, "--format", "latex", "--standalone").stdout
    assert out.startswith("\\documentclass") and "pgfplots" in out
    tex = tmp_path / "training.tex"
    tex.write_text(out, encoding="utf-8")
    built = compile_one(tex)
    assert built.returncode == 0 and built.pdf is not None, built.errors()
    assert not built.errors()


def test_latex_standalone_compiles_with_a_log_axis(tmp_path: Path) -> None:
    """A loss that falls by more than a factor of 100 is drawn on a log axis."""
    from texbuild import compile_one

    out = ok("train", str(SCENARIOS / "seq2seq.yaml"), "--epochs", "400", "--lr", "0.5",
             "--format", "latex", "--standalone").stdout  # fmt: skip
    assert "semilogyaxis" in out
    tex = tmp_path / "log.tex"
    tex.write_text(out, encoding="utf-8")
    built = compile_one(tex)
    assert built.returncode == 0 and not built.errors(), built.errors()


# -- -o trained.yaml -------------------------------------------------------------------------------


def _params_equal(scenario, final: dict) -> None:
    for key, value in final.items():
        np.testing.assert_allclose(scenario.params[key], value, rtol=1e-11, atol=1e-13,
                                   err_msg=key)  # fmt: skip


@pytest.mark.parametrize("name", ["sentiment", "hello-attention", "seq2seq", "stacked",
                                  "bidirectional", "sentiment-lstm", "sentiment-gru"])  # fmt: skip
def test_output_writes_a_scenario_with_the_trained_params(tmp_path: Path, name: str) -> None:
    path = str(SCENARIOS / f"{name}.yaml")
    out = tmp_path / "trained.yaml"
    result = ok("train", path, "--epochs", "12", "--lr", "0.05", "-o", str(out))
    assert f"wrote {out}" in result.stderr
    trained = load_scenario(out)  # validates
    doc = as_json("train", path, "--epochs", "12", "--lr", "0.05")
    assert sorted(doc["final_params"]) == sorted(trained.given)
    _params_equal(trained, doc["final_params"])
    original = load_scenario(path)
    for key in original.params:  # what is not trained is as it was
        if key not in doc["final_params"]:
            assert np.array_equal(trained.params[key], original.params[key])
    assert trained.model == original.model
    assert [seq.tokens for seq in trained.sequences] == [seq.tokens for seq in original.sequences]
    for new, old in zip(trained.sequences, original.sequences):
        assert np.array_equal(new.inputs, old.inputs)
    assert out.read_text(encoding="utf-8").startswith(f"# Trained by rnntrace from {name}.yaml")
    # training the trained scenario goes on where the run stopped
    more = as_json("train", path, "--epochs", "13", "--lr", "0.05")
    again = as_json("train", str(out), "--epochs", "1")
    assert again["losses"][0] == pytest.approx(more["losses"][12], rel=1e-9)


def test_output_is_never_overwritten_without_force(tmp_path: Path) -> None:
    out = tmp_path / "trained.yaml"
    out.write_text("keep me\n", encoding="utf-8")
    result = invoke("train", HELLO, "--epochs", "5", "-o", str(out))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "already exists; use --force" in lines[0]
    assert result.stdout == ""  # refused before training, not after printing the table
    assert out.read_text(encoding="utf-8") == "keep me\n"
    ok("train", HELLO, "--epochs", "5", "-o", str(out), "--force")
    _params_equal(load_scenario(out), as_json("train", HELLO, "--epochs", "5")["final_params"])


def test_output_keeps_words_yaml_reads_as_booleans(tmp_path: Path) -> None:
    """Tokens such as yes, no, on are written back as they were (not as true/false)."""
    source = tmp_path / "yes-no.yaml"
    source.write_text(
        "version: 1\ntitle: 'yes, no'\ninput:\n  one_hot: [yes, no, on, 0x1]\n"
        "sequences:\n  - tokens: [yes, no, on]\n    targets: [no, on, 0x1]\n"
        "model: {cell: rnn, output: every, head: softmax, loss: ce}\n"
        "params:\n  W_xh: [[0.5, -0.3, 0.2, 0.1]]\n  W_hh: [[0.4]]\n"
        "  W_hy: [[0.3], [-0.2], [0.5], [0.1]]\n",
        encoding="utf-8",
    )
    out = tmp_path / "trained.yaml"
    ok("train", str(source), "--epochs", "3", "-o", str(out))
    before, after = load_scenario(source), load_scenario(out)
    assert [seq.tokens for seq in after.sequences] == [seq.tokens for seq in before.sequences]
    assert [seq.tokens for seq in after.sequences] == [("yes", "no", "on")]
    assert after.title == before.title
    assert "one_hot: [yes, no, on, 0x1]" in out.read_text(encoding="utf-8")


# -- --trace-epoch ---------------------------------------------------------------------------------


def _loss_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("L = "))


@pytest.mark.parametrize("epoch", [1, 2, 7, 30])
def test_trace_epoch_shows_that_epochs_loss_and_update(epoch: int) -> None:
    out = ok("train", SENTIMENT, *CLIPPED, "--trace-epoch", str(epoch)).stdout
    doc = as_json("train", SENTIMENT, *CLIPPED, "--report", str(epoch))
    loss = doc["losses"][epoch - 1]
    assert out.startswith(f"Epoch {epoch} of 30: the model after {epoch - 1} updates")
    assert _loss_line(out).endswith(f"≈ {loss:.3f}")  # the scenario shows 3 decimals
    # the recorded loss is exactly the training loss of that epoch
    settings = Settings(30, 0.05, clip=0.3, l2=0.01, bptt=2)
    trace = trace_epoch(load_scenario(SENTIMENT), settings, epoch)
    assert float(trace["L"].value) == pytest.approx(loss, rel=1e-12)
    assert float(trace["grad_norm"].value) == pytest.approx(doc["reported"][0]["grad_norm"],
                                                            rel=1e-12)  # fmt: skip
    # the update: the global norm, clipping (fired or not), the decay, the step
    assert "‖ g ‖ = √(" in out
    if doc["reported"][0]["clipped"]:
        assert "(clipping fired: the gradients are scaled down)" in out
        assert "nothing is clipped" not in out
    else:
        assert "(the norm is within the limit: nothing is clipped)" in out
        assert "clipping fired" not in out
    assert "κ = min(1, 0.3 / ‖ g ‖)" in out
    assert "(κ ∂L/∂W_xh + 0.01 W_xh)" in out
    assert "W_xh' = W_xh − 0.05 × (κ ∂L/∂W_xh + 0.01 W_xh)" in out
    # the cuts of truncated BPTT
    assert "truncated BPTT (k = 2): nothing flows back from step 3 to step 2" in out
    assert "truncated BPTT (k = 2): nothing flows back from step 5 to step 4" in out


def test_trace_epoch_fired_and_not_fired_both_shown() -> None:
    doc = as_json("train", SENTIMENT, *CLIPPED, "--report", ",".join(map(str, range(1, 31))))
    fired = [r["epoch"] for r in doc["reported"] if r["clipped"]]
    calm = [r["epoch"] for r in doc["reported"] if not r["clipped"]]
    assert fired and calm
    assert "clipping fired" in ok("train", SENTIMENT, *CLIPPED, "--trace-epoch",
                                  str(fired[-1])).stdout  # fmt: skip
    assert "nothing is clipped" in ok("train", SENTIMENT, *CLIPPED, "--trace-epoch",
                                      str(calm[0])).stdout  # fmt: skip


def test_trace_epoch_without_clipping_or_decay_shows_plain_sgd() -> None:
    out = ok("train", HELLO, "--epochs", "10", "--trace-epoch", "10").stdout
    doc = as_json("train", HELLO, "--epochs", "10")
    assert _loss_line(out).endswith(f"≈ {doc['losses'][9]:.4f}")  # hello shows 4 decimals
    assert "κ" not in out and "‖ g ‖" not in out
    assert "clipping fired" not in out and "nothing is clipped" not in out
    assert "W_xh' = W_xh − 0.1 × ∂L/∂W_xh" in out
    assert "truncated BPTT (k" not in out and "0_cut" not in out


def test_trace_epoch_out_of_range() -> None:
    one_line_error("train", SENTIMENT, *CLIPPED, "--trace-epoch", "31",
                   expect="--trace-epoch: expected 1 to 30, found 31")  # fmt: skip
    result = invoke("train", SENTIMENT, *CLIPPED, "--trace-epoch", "0")  # click's own check
    assert result.exit_code == 2 and "--trace-epoch" in result.stderr


# -- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [[], ["--trace-epoch", "1"], ["--format", "json"]])
def test_nothing_to_train(extra: list[str]) -> None:
    one_line_error("train", I_LOVE_AI, "--epochs", "5", *extra, expect="nothing to train")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_huge_learning_rate_overflows_the_loss(fmt: str) -> None:
    line = one_line_error("train", HELLO, "--epochs", "50", "--lr", "1e308", "--format", fmt,
                          expect="the loss is not finite")  # fmt: skip
    assert re.match(r"epoch \d+: the loss is not finite", line)
    assert "learning rate 1e+308 is probably too large" in line


def test_non_finite_parameters_after_the_last_update(tmp_path: Path) -> None:
    """The last update overflows (the loss before it was finite): an error, not a file (or
    JSON) of infinities."""
    out = tmp_path / "trained.yaml"
    line = one_line_error("train", HELLO, "--epochs", "2", "--lr", "1e150", "--l2", "1e10",
                          "-o", str(out), expect="not finite")  # fmt: skip
    assert line.startswith("epoch 2: the parameters after the last update are not finite")
    assert not out.exists()
    one_line_error("train", HELLO, "--epochs", "2", "--lr", "1e150", "--l2", "1e10",
                   "--format", "json", expect="not finite")  # fmt: skip


def test_an_update_overflowing_at_once_is_one_line() -> None:
    """The first update already overflows: found while tracing the epoch to compile it."""
    one_line_error("train", HELLO, "--epochs", "1", "--lr", "1e300", "--l2", "1e10",
                   expect="is not finite")  # fmt: skip


def test_missing_file_is_one_line() -> None:
    one_line_error("train", "no-such.yaml", expect="no such file")
