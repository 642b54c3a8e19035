"""`params.init` and `rnntrace init --random` (issue 13): the draws reproduced here with numpy
from the documented rule (one default_rng(seed), one standard_normal call a matrix, in the
order written out below per cell), their statistics, the outputs that show them, the
compiled tape and verify on a drawn model, and the errors."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from rnntrace._internal.cli import cli
from rnntrace._internal.engine import grad_key, trace_scenario
from rnntrace._internal.engine.compiled import CompiledTape
from rnntrace._internal.scenario import parse_scenario
from rnntrace._internal.scenario.model import NumberPolicy

# The separate-form weight matrices of each cell, in the order they are drawn (written out
# here from docs/scenario-format.md, not read from the registry).
ORDER = {
    "rnn": ["W_xh", "W_hh"],
    "lstm": ["W_fx", "W_fh", "W_ix", "W_ih", "W_cx", "W_ch", "W_ox", "W_oh"],
    "gru": ["W_zx", "W_zh", "W_rx", "W_rh", "W_hx", "W_hh"],
    "mgu": ["W_fx", "W_fh", "W_hx", "W_hh"],
}


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


INIT = "scheme: xavier, seed: 5, hidden: 4, outputs: 2"


def scenario_text(cell: str = "rnn", init: str = INIT, model: str = "", extra: str = "",
                  targets: str = "[0.2, 0.8]") -> str:  # fmt: skip
    return f"""
input: {{vectors: true}}
sequences:
  - inputs: [[0.5, -0.2, 0.1], [0.1, 0.4, -0.3]]
    label: {targets}
model: {{cell: {cell}, output: last, head: identity, loss: mse{model}}}
params:
  init: {{{init}}}
{extra}"""


def reference_draws(seed: int, blocks: list[tuple[str, tuple[int, int], str]], gain: float
                    ) -> dict[str, np.ndarray]:  # fmt: skip
    """The rule of docs/scenario-format.md, written again: normal blocks A·g/√n (n columns),
    orthogonal ones g·Q with Q's columns signed by diag(R)."""
    rng = np.random.default_rng(seed)
    out = {}
    for key, shape, rule in blocks:
        a = rng.standard_normal(shape)
        if rule == "orthogonal":
            q, r = np.linalg.qr(a)
            out[key] = gain * q @ np.diag(np.sign(np.diag(r)))
        else:
            out[key] = a * (gain / np.sqrt(shape[1]))
    return out


def test_xavier_draws_are_numpy_default_rng_in_the_documented_order():
    loaded = parse_scenario(scenario_text())
    want = reference_draws(5, [("W_xh", (4, 3), "normal"), ("W_hh", (4, 4), "normal"),
                               ("W_hy", (2, 4), "normal")], 1.0)  # fmt: skip
    for key, value in want.items():
        assert np.array_equal(loaded.params[key], value), key
    assert list(loaded.params) == ["W_xh", "W_hh", "b_h", "W_hy", "b_y", "h_0"]
    assert not loaded.params["b_h"].any() and not loaded.params["b_y"].any()
    assert loaded.given == {"W_xh", "W_hh", "b_h", "W_hy", "b_y"}  # h_0: zero, not trained


def test_xavier_gain_scales_the_standard_deviation():
    loaded = parse_scenario(scenario_text(init="scheme: xavier, seed: 9, hidden: 3, gain: 2.5, "
                                               "outputs: 2"))  # fmt: skip
    want = reference_draws(9, [("W_xh", (3, 3), "normal"), ("W_hh", (3, 3), "normal"),
                               ("W_hy", (2, 3), "normal")], 2.5)  # fmt: skip
    for key, value in want.items():
        assert np.array_equal(loaded.params[key], value), key


def test_xavier_statistics_follow_the_variance_rule():
    """Seed 001's W_hh ~ N(0, 1/n_h), and 1/n for a matrix of n columns."""
    text = scenario_text(init="scheme: xavier, seed: 1, hidden: 300, outputs: 2")
    loaded = parse_scenario(text)
    for key, n in (("W_hh", 300), ("W_xh", 3), ("W_hy", 300)):
        values = loaded.params[key].ravel()
        var = 1.0 / n
        assert abs(values.mean()) < 5 * np.sqrt(var / values.size), key
        # the sample variance has a standard error of var·sqrt(2/size)
        assert abs(values.var() - var) < 5 * var * np.sqrt(2 / values.size), key


@pytest.mark.parametrize("gain", [1.0, 0.8, 1.3])
def test_orthogonal_recurrent_matrix_has_spectral_radius_gain(gain):
    text = scenario_text(init=f"scheme: orthogonal, seed: 4, hidden: 6, gain: {gain}, outputs: 2")
    loaded = parse_scenario(text)
    W = loaded.params["W_hh"]
    assert np.allclose(W.T @ W, gain**2 * np.eye(6), rtol=0, atol=1e-12)
    assert np.allclose(np.abs(np.linalg.eigvals(W)), gain, rtol=0, atol=1e-12)
    want = reference_draws(4, [("W_xh", (6, 3), "normal"), ("W_hh", (6, 6), "orthogonal"),
                               ("W_hy", (2, 6), "normal")], 1.0)  # fmt: skip
    assert np.array_equal(loaded.params["W_xh"], want["W_xh"])  # not the gain: xavier, gain 1
    assert np.allclose(W, gain * want["W_hh"], rtol=0, atol=1e-15)
    assert np.array_equal(loaded.params["W_hy"], want["W_hy"])


def _blocks(cell: str, prefix: str, H: int, D: int, scheme: str) -> list:
    out = []
    for key in ORDER[cell]:
        recurrent = key.endswith("h") and key != "W_xh"
        shape = (H, H) if recurrent else (H, D)
        out.append((prefix + key, shape, "orthogonal" if scheme == "orthogonal" and recurrent
                    else "normal"))  # fmt: skip
    return out


TOPOLOGIES = {
    # topology keys, targets, part prefixes (input size of each part from D = 3, H = 2, K = 2)
    "standard": ("", "label: [0.2, 0.8]", [("", 3)]),
    "stacked": ("layers: 2,", "label: [0.2, 0.8]", [("l1.", 3), ("l2.", 2)]),
    "bidirectional": ("topology: bidirectional,", "label: [0.2, 0.8]", [("fw.", 3), ("bw.", 3)]),
    "encoder_decoder": ("topology: encoder_decoder, attention: additive, output: every,",
                        "targets: [[0.1, 0.2], [0.3, 0.4]]", [("enc.", 3), ("dec.", 2 + 2)]),
}  # fmt: skip


@pytest.mark.parametrize("scheme", ["xavier", "orthogonal"])
@pytest.mark.parametrize("topology", list(TOPOLOGIES))
@pytest.mark.parametrize("cell", list(ORDER))
def test_every_cell_and_topology_draws_in_order(cell, topology, scheme):
    keys, target, parts = TOPOLOGIES[topology]
    output = "" if "output:" in keys else "output: last,"
    text = f"""
input: {{vectors: true}}
sequences:
  - inputs: [[0.5, -0.2, 0.1], [0.1, 0.4, -0.3]]
    {target}
model: {{cell: {cell}, {keys} {output} head: identity, loss: mse}}
params:
  init: {{scheme: {scheme}, seed: 21, hidden: 2, outputs: 2, gain: 0.7, attention_size: 3}}
""".replace(", attention_size: 3", "" if topology != "encoder_decoder" else ", attention_size: 3")
    loaded = parse_scenario(text)
    blocks = [b for prefix, D in parts for b in _blocks(cell, prefix, 2, D, scheme)]
    if topology == "encoder_decoder":
        blocks += [("att.W_a", (3, 2), "normal"), ("att.U_a", (3, 2), "normal")]
        blocks += [("att.v_a", (1, 3), "normal")]  # a vector: one row of 3 columns
    width = 4 if topology == "bidirectional" else 2
    blocks.append(("W_hy", (2, width), "normal"))
    gain = 0.7
    want = reference_draws(21, [(k, s, r) for k, s, r in blocks], 1.0)
    for key, shape, rule in blocks:
        expected = want[key] * (gain if scheme == "xavier" or rule == "orthogonal" else 1.0)
        got = loaded.params[key].reshape(shape)
        assert np.allclose(got, expected, rtol=1e-15, atol=1e-15), key
    drawn = [k for k in loaded.params if k.rsplit(".", 1)[-1][:1] in ("W", "U") or k == "att.v_a"]
    assert sorted(drawn) == sorted(k for k, _, _ in blocks)
    trace_scenario(loaded)  # the drawn model traces


@pytest.mark.parametrize("cell", ["lstm", "gru", "mgu"])
def test_concatenated_form_holds_the_same_draws(cell):
    separate = parse_scenario(scenario_text(cell, "scheme: xavier, seed: 2, hidden: 3, outputs: 2"))
    joined = parse_scenario(scenario_text(cell, "scheme: xavier, seed: 2, hidden: 3, outputs: 2, "
                                                "form: concatenated"))  # fmt: skip
    assert joined.form == "concatenated"
    for key in ORDER[cell][::2]:
        whole = f"W_{key[2]}"
        assert np.array_equal(joined.params[whole], np.hstack(
            [separate.params[f"W_{key[2]}h"], separate.params[key]]))  # fmt: skip
    assert np.allclose(trace_scenario(joined)["L"].value, trace_scenario(separate)["L"].value,
                       rtol=1e-14)  # fmt: skip


def test_forget_bias_and_zero_biases():
    loaded = parse_scenario(scenario_text("lstm", "scheme: xavier, seed: 2, hidden: 3, outputs: 2,"
                                                  " forget_bias: 1.0"))  # fmt: skip
    assert loaded.params["b_f"].tolist() == [1.0, 1.0, 1.0]
    for key in ("b_i", "b_c", "b_o", "b_y", "h_0", "c_0"):
        assert not loaded.params[key].any(), key
    assert "b_f" in loaded.given and "c_0" not in loaded.given


def test_entries_given_beside_init_win_and_leave_the_other_draws():
    extra = "  W_hh: [[0.1, 0, 0, 0], [0, 0.1, 0, 0], [0, 0, 0.1, 0], [0, 0, 0, 0.1]]\n"
    extra += "  b_h: [1, 2, 3, 4]\n"
    mixed = parse_scenario(scenario_text(extra=extra))
    drawn = parse_scenario(scenario_text())
    assert np.array_equal(mixed.params["W_hh"], 0.1 * np.eye(4))
    assert mixed.params["b_h"].tolist() == [1, 2, 3, 4]
    assert np.array_equal(mixed.params["W_xh"], drawn.params["W_xh"])
    assert np.array_equal(mixed.params["W_hy"], drawn.params["W_hy"])
    assert mixed.init is not None
    assert [d.key for d in mixed.init.draws if d.replaced] == ["W_hh"]
    assert mixed.init.given == ("W_hh", "b_h")


def test_every_printer_shows_how_the_parameters_were_drawn():
    loaded = parse_scenario(scenario_text(init="scheme: orthogonal, seed: 3, hidden: 2, gain: 0.5,"
                                               " outputs: 2"))  # fmt: skip
    from rnntrace._internal.render.json import render_json
    from rnntrace._internal.render.latex import render_latex
    from rnntrace._internal.render.markdown import render_markdown

    trace = trace_scenario(loaded)
    for text in ("".join(render_latex(trace)), "".join(render_markdown(trace))):
        assert "Parameters drawn (params.init): scheme orthogonal, seed 3" in text
        assert "0.5 times an orthogonal matrix (spectral radius 0.5)" in text
        assert "variance 1/3" in text  # W_xh: 3 columns
    words = invoke_text(loaded)
    assert "Parameters drawn (params.init): scheme orthogonal, seed 3" in words
    document = json.loads("".join(render_json(trace)))
    init = document["meta"]["init"]
    assert (init["scheme"], init["seed"], init["gain"]) == ("orthogonal", 3, 0.5)
    assert [d["key"] for d in init["draws"]] == ["W_xh", "W_hh", "W_hy"]
    assert [d["rule"] for d in init["draws"]] == ["normal", "orthogonal", "normal"]
    assert init["draws"][0]["variance"] == pytest.approx(1 / 3)
    assert init["zeros"] == ["b_h", "b_y"]
    labels = {step["key"]: step["label"] for step in document["steps"]}
    assert labels["W_hh"].endswith("(drawn by params.init)")
    assert labels["b_h"].endswith("(params.init: zero)")


def invoke_text(loaded) -> str:
    import io

    from rich.console import Console

    from rnntrace._internal.render.text import render_text

    out = io.StringIO()
    Console(file=out, width=100, color_system=None).print(render_text(trace_scenario(loaded)))
    return " ".join(out.getvalue().split())


def test_written_parameters_have_no_init_in_json():
    text = scenario_text().replace(
        "  init: {scheme: xavier, seed: 5, hidden: 4, outputs: 2}",
        "  W_xh: [[1, 2, 3]]\n  W_hh: [[0.5]]\n  W_hy: [[1], [2]]",
    )
    from rnntrace._internal.render.json import render_json

    document = json.loads("".join(render_json(trace_scenario(parse_scenario(text)))))
    assert "init" not in document["meta"]


@pytest.mark.parametrize("cell", list(ORDER))
def test_compiled_tape_reproduces_the_traced_numbers_of_a_drawn_model(cell):
    loaded = parse_scenario(scenario_text(cell, "scheme: orthogonal, seed: 8, hidden: 3, "
                                                "outputs: 2"))  # fmt: skip
    trace = trace_scenario(loaded, NumberPolicy(decimals=4))
    trained = list(trace.meta.trained)
    outputs = ["L"] + [grad_key(p) for p in trained]
    got = CompiledTape(trace, outputs, trained).run({k: loaded.params[k] for k in trained})
    for key in outputs:
        assert np.allclose(got[key], trace[key].value, rtol=1e-12, atol=1e-14), key


def test_a_drawn_model_verifies_and_trains(tmp_path):
    path = tmp_path / "drawn.yaml"
    path.write_text(scenario_text("gru", "scheme: xavier, seed: 3, hidden: 2, outputs: 2"))
    key = tmp_path / "key.yaml"
    assert invoke("answers", str(path), "--key", "-o", str(key)).exit_code == 0
    result = invoke("verify", str(path), str(key))
    assert result.exit_code == 0, result.output
    assert invoke("train", str(path), "--epochs", "3").exit_code == 0


BAD = [
    ("scheme: xavir, hidden: 2, outputs: 2", "params.init.scheme", "expected one of xavier"),
    ("seed: 1, hidden: 2, outputs: 2", "params.init.scheme", "missing"),
    ("scheme: xavier, hidden: 2, outputs: 2, gain: 0", "params.init.gain", "positive"),
    ("scheme: xavier, hidden: 2, outputs: 2, forget_bias: 1", "params.init.forget_bias",
     "has no forget gate"),
    ("scheme: xavier, outputs: 2", "params.init.hidden", "missing"),
    ("scheme: xavier, hidden: 2, outputs: 2, seeds: 3", "params.init.seeds", "unknown key"),
    ("scheme: xavier, hidden: 0, outputs: 2", "params.init.hidden", "from 1 to 1000"),
    ("scheme: xavier, hidden: 2, outputs: 2, form: concatenated", "params.init.form",
     "has no gates to concatenate"),
]  # fmt: skip


@pytest.mark.parametrize(("init", "key", "words"), BAD)
def test_bad_init_is_one_line_with_file_line_col(tmp_path, init, key, words):
    path = tmp_path / "bad.yaml"
    path.write_text(scenario_text(init=init))
    result = invoke("validate", str(path))
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert re.match(rf"{re.escape(str(path))}:\d+:\d+: {re.escape(key)}: ", lines[0]), lines[0]
    assert words in lines[0]


@pytest.mark.parametrize(("extra", "key", "words"), [
    ("  W_hh: [[1, 0], [0, 1]]\n", "params.W_hh", "must be shape (4, 4)"),
    ("  W_h: [[1, 0]]\n", "params.W_h", "unknown key beside params.init"),
])  # fmt: skip
def test_bad_entry_beside_init(tmp_path, extra, key, words):
    path = tmp_path / "bad.yaml"
    path.write_text(scenario_text(extra=extra))
    result = invoke("run", str(path))
    assert result.exit_code == 2
    line = result.output.strip()
    assert "\n" not in line and f": {key}: " in line and words in line, line
    assert re.match(rf"{re.escape(str(path))}:\d+:\d+: ", line), line


def test_class_indices_do_not_tell_the_outputs_so_outputs_is_required(tmp_path):
    path = tmp_path / "bad.yaml"
    text = scenario_text(init="scheme: xavier, hidden: 2", targets="1")
    path.write_text(text.replace("head: identity, loss: mse", "head: softmax, loss: ce"))
    result = invoke("validate", str(path))
    assert result.exit_code == 2, result.output
    line = result.output.strip()
    assert "\n" not in line and ": params.init.outputs: missing" in line, line


@pytest.mark.parametrize(("model", "label", "K"), [
    ("head: identity, loss: mse", "[0.2, 0.8, 0.1]", 3),  # a list of numbers: K entries
    ("head: identity, loss: mse", "0.4", 1),  # one number: K = 1
    ("head: sigmoid, loss: bce", "1", 1),
    ("head: softmax, loss: ce", "[0.25, 0.75]", 2),  # a soft target
])  # fmt: skip
def test_outputs_follow_from_the_labels_when_not_given(model, label, K):
    text = scenario_text(init="scheme: xavier, seed: 5, hidden: 4", targets=label)
    scenario = parse_scenario(text.replace("head: identity, loss: mse", model))
    assert scenario.params["W_hy"].shape == (K, 4)
    assert scenario.params["b_y"].shape == (K,)
    # the same draws as when K is written out
    init = f"scheme: xavier, seed: 5, hidden: 4, outputs: {K}"
    written = parse_scenario(
        scenario_text(init=init, targets=label).replace("head: identity, loss: mse", model)
    )
    for key in ("W_xh", "W_hh", "W_hy"):
        np.testing.assert_array_equal(scenario.params[key], written.params[key])


def test_gated_entry_in_the_other_form_is_refused(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(scenario_text("lstm", extra="  W_f: [[0, 0, 0, 0, 0, 0, 0]]\n"))
    line = invoke("validate", str(path)).output.strip()
    assert ": params.W_f: params.init draws the separate form" in line, line


# -- rnntrace init --random ------------------------------------------------------------------


def test_init_random_writes_a_scenario_that_runs(tmp_path):
    path = tmp_path / "drawn.yaml"
    result = invoke("init", str(path), "--random", "xavier", "--hidden", "3", "--vocab",
                    "h e l o", "--seed", "4")  # fmt: skip
    assert result.exit_code == 0, result.output
    text = path.read_text()
    assert "init: {scheme: xavier, seed: 4, hidden: 3, outputs: 4}" in text
    run = invoke("run", str(path))
    assert run.exit_code == 0 and "Parameters drawn (params.init)" in run.output
    loaded = parse_scenario(text)
    want = reference_draws(4, [("W_xh", (3, 4), "normal"), ("W_hh", (3, 3), "normal"),
                               ("W_hy", (4, 3), "normal")], 1.0)  # fmt: skip
    assert all(np.array_equal(loaded.params[k], v) for k, v in want.items())
    assert invoke("train", str(path), "--epochs", "2").exit_code == 0
    again = invoke("init", str(path), "--random", "xavier", "--hidden", "3")
    assert again.exit_code == 2 and "already exists" in again.output
    forced = invoke("init", str(path), "--random", "xavier", "--hidden", "2", "--force")
    assert forced.exit_code == 0 and "hidden: 2" in path.read_text()


@pytest.mark.parametrize("cell", list(ORDER))
def test_init_random_write_numbers_traces_the_same_numbers(tmp_path, cell):
    drawn, written = tmp_path / "drawn.yaml", tmp_path / "written.yaml"
    common = ["--random", "orthogonal", "--hidden", "3", "--cell", cell, "--inputs", "2",
              "--seed", "6", "--gain", "0.9"]  # fmt: skip
    if cell in ("lstm", "mgu"):
        common += ["--forget-bias", "1"]
    assert invoke("init", str(drawn), *common).exit_code == 0
    assert invoke("init", str(written), *common, "--write-numbers").exit_code == 0
    assert "init:" not in written.read_text()
    a = trace_scenario(parse_scenario(drawn.read_text()))
    b = trace_scenario(parse_scenario(written.read_text()))
    assert [s.key for s in a] == [s.key for s in b]
    for step in a:
        assert np.array_equal(step.value, b[step.key].value), step.key


@pytest.mark.parametrize(("args", "words"), [
    (["--hidden", "3"], "--hidden goes with --random"),
    (["--random", "xavier"], "--random needs --hidden"),
    (["--random", "xavier", "--hidden", "2", "--example", "hello"], "--example and --random"),
    (["--random", "xavier", "--hidden", "2", "--vocab", "a"], "two or more"),
    (["--random", "xavier", "--hidden", "2", "--vocab", "a b", "--inputs", "2"], "give one"),
    (["--random", "xavier", "--hidden", "2", "--forget-bias", "1"], "lstm and mgu"),
    (["--random", "gaussian", "--hidden", "2"], "gaussian"),
])  # fmt: skip
def test_init_random_usage_errors(tmp_path, args, words):
    result = invoke("init", str(tmp_path / "x.yaml"), *args)
    assert result.exit_code == 2 and words in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "x.yaml").exists()


def test_trained_parameters_of_a_drawn_model_are_written_without_init(tmp_path):
    """`train -o` writes the trained numbers in place of params.init, parts created."""
    path, out = tmp_path / "drawn.yaml", tmp_path / "trained.yaml"
    path.write_text(
        "input: {one_hot: [a, b, c]}\nsequences:\n  - tokens: a b c\n    targets: b c a\n"
        "model: {cell: gru, output: every, head: softmax, loss: ce, topology: bidirectional}\n"
        "params:\n  init: {scheme: xavier, seed: 1, hidden: 2, outputs: 3}\n"
    )
    assert invoke("train", str(path), "--epochs", "2", "-o", str(out)).exit_code == 0
    trained = parse_scenario(out.read_text())
    assert trained.init is None and "init:" not in out.read_text()
    drawn = parse_scenario(path.read_text())
    assert set(trained.given) == set(drawn.given)
    for key in drawn.given:
        assert trained.params[key].shape == drawn.params[key].shape, key
    assert not np.allclose(trained.params["fw.W_zx"], drawn.params["fw.W_zx"])  # trained


def test_validate_says_the_parameters_are_drawn(tmp_path):
    path = tmp_path / "drawn.yaml"
    path.write_text(scenario_text())
    result = invoke("validate", str(path))
    assert result.exit_code == 0
    assert result.output.strip().endswith("; parameters drawn by params.init (xavier, seed 5)")
