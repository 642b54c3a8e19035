"""LSTM and GRU beyond the oracles: the concatenated form against its split form, the
bundled cell scenarios by hand (rounded to 3 decimals at every step), the terminal and
JSON output of cell scenarios, and the loader's errors for cells."""

from __future__ import annotations

import json
import math
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pytest
import yaml
from cell_oracles import (
    GRU_VARIANTS,
    CellConfig,
    parse_config,
    random_cell_config,
    to_yaml,
    trace_config,
)
from click.testing import CliRunner
from oracles import SeqSpec

from rnntrace._internal.cli import cli
from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.errors import ScenarioError
from rnntrace._internal.scenario import load_scenario, parse_scenario
from rnntrace._internal.scenario.model import NumberPolicy
from rnntrace._internal.symbol.latex import latex_sentence

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
LSTM_FILE = SCENARIOS / "sentiment-lstm.yaml"
GRU_FILE = SCENARIOS / "sentiment-gru.yaml"
TIGHT = {"rtol": 1e-12, "atol": 1e-12}


# -- the concatenated form is its split form ----------------------------------------------

CONCAT_CASES = [("lstm", "reset_before", "new"), ("gru", "reset_before", "new"),
                ("gru", "reset_before", "keep_old")]  # fmt: skip


def gate_letters(cell: str) -> str:
    return "fico" if cell == "lstm" else "zrh"


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("cell,variant,update", CONCAT_CASES)
def test_concatenated_form_traces_as_its_split_form(cell, variant, update, seed):
    """W_g acting on [h, x] (seed 001) gives the same states, gates, loss, deltas and
    input gradients as W_gh, W_gx (seed 003); dW_g = [dW_gh  dW_gx], also per step."""
    rng = np.random.default_rng(600 + 10 * seed + CONCAT_CASES.index((cell, variant, update)))
    cfg = random_cell_config(
        rng,
        cell,
        form="concatenated",
        variant=variant,
        update=update,
        head_loss=[("sigmoid", "bce"), ("softmax", "ce"), ("identity", "mse")][seed % 3],
    )
    split = cfg.split()
    split_params = parse_config(cfg).split_params()  # the first H columns act on h
    assert set(split_params) == set(parse_config(split).params)
    for key, value in parse_config(split).params.items():
        np.testing.assert_array_equal(split_params[key], value, err_msg=key)
    joined_trace, split_trace = trace_config(cfg), trace_config(split)
    common = [step.key for step in split_trace if step.key in joined_trace]
    pre = "s1." if len(cfg.sequences) > 1 else ""
    states = ["c_1", "f_1", "i_1", "cc_1", "og_1", "dc_1"] if cell == "lstm" else ["z_1", "r_1"]
    compared = [pre + k for k in ["h_1", "n_1" if cell == "gru" else "tc_1", "dh_1", "dx_1"]]
    assert set(compared + [pre + k for k in states] + ["L", "dW_hy"]) <= set(common)
    for key in common:
        np.testing.assert_allclose(joined_trace[key].value, split_trace[key].value, **TIGHT,
                                   err_msg=key)  # fmt: skip
    H = cfg.sizes[1]
    only_joined = {step.key for step in joined_trace} - set(common)
    only_split = {step.key for step in split_trace} - set(common)
    for key in only_joined:  # the joined keys: W_f (and its gradients, update) hx_t, pf_t
        name = key.rsplit(".", 1)[-1]
        base = name.split("_")[0]
        if base in ("hx", "rhx"):  # [h_{t-1}, x_t] or [r ⊙ h_{t-1}, x_t]
            t = name.split("_")[1]
            prefix = key[: len(key) - len(name)]
            h_key = prefix + (f"rh_{t}" if base == "rhx" else f"h_{int(t) - 1}")
            h = split_trace[h_key].value if h_key in split_trace else split_trace["h_0"].value
            want = np.concatenate([h, split_trace[prefix + f"x_{t}"].value])
        elif base.startswith("p") and len(base) == 2:  # p{g}_t = W_g [h, x] = x{g}_t + h{g}_t
            g, t = base[1], name.split("_")[1]
            prefix = key[: len(key) - len(name)]
            want = split_trace[prefix + f"x{g}_{t}"].value + split_trace[prefix + f"h{g}_{t}"].value
        else:  # W_g, dW_g, dW_g_t, W_g_new (sN.dW_g...): the split pair side by side
            g = name.split("W_")[1][0]
            pair = [key.replace(f"W_{g}", f"W_{g}{side}", 1) for side in "hx"]
            want = np.hstack([split_trace[k].value for k in pair])
            assert want.shape[1] == H + cfg.sizes[0]
        np.testing.assert_allclose(joined_trace[key].value, want, **TIGHT, err_msg=key)
    # nothing else differs: the split trace's own keys are exactly the split pairs' and the
    # separate products
    for key in only_split:
        name = key.rsplit(".", 1)[-1]
        assert re.fullmatch(r"[xh][a-z]_\d+|d?W_[a-z][xh](_\d+|_new)?", name), key
    joined_meta = joined_trace.meta
    assert [k for k in joined_meta.params if k.startswith("W_")] == [
        f"W_{g}" for g in gate_letters(cell)
    ] + ["W_hy"]  # displayed in the form the user wrote
    assert "concatenated" in latex_sentence(joined_meta.conventions[0])
    assert "concatenated" not in latex_sentence(split_trace.meta.conventions[0])


# -- the bundled scenarios by hand --------------------------------------------------------

MILLI = Decimal("0.001")


def r3(x) -> Decimal:
    """Round half up to 3 decimals, as a person does."""
    return Decimal(x).quantize(MILLI, rounding=ROUND_HALF_UP)


def dec(values) -> list:
    """Numbers from the YAML as exact decimals (they are written with one decimal)."""
    if isinstance(values, list):
        return [dec(v) for v in values]
    return Decimal(repr(float(values)))


def matvec(W, v) -> list[Decimal]:
    """Each row's products added exactly, then the sum rounded (round_terms off)."""
    return [r3(sum((w * x for w, x in zip(row, v)), Decimal(0))) for row in W]


def add(*vectors) -> list[Decimal]:
    return [r3(sum(parts, Decimal(0))) for parts in zip(*vectors)]


def had(u, v) -> list[Decimal]:
    return [r3(a * b) for a, b in zip(u, v)]


def sigma(v) -> list[Decimal]:
    return [r3(repr(1.0 / (1.0 + math.exp(-float(a))))) for a in v]


def tanh(v) -> list[Decimal]:
    return [r3(repr(math.tanh(float(a)))) for a in v]


def hand_forward(doc: dict) -> dict[str, list[Decimal]]:
    """The forward pass and the loss of every sequence of a bundled cell scenario, the way a
    person does it with 3 decimals, keyed as the trace keys them."""
    P = {k: dec(v) for k, v in doc["params"].items()}
    emb = {k: dec(v) for k, v in doc["input"]["embeddings"].items()}
    cell = doc["model"]["cell"]
    H = len(P["W_hy"][0])
    out: dict[str, list[Decimal]] = {}
    for number, seq in enumerate(doc["sequences"], start=1):
        pre = f"s{number}."
        h = c = [Decimal(0)] * H
        tokens = seq["tokens"].split()
        for t, token in enumerate(tokens, start=1):
            x = emb[token]
            v: dict[str, list[Decimal]] = {}
            for g in gate_letters(cell)[: 4 if cell == "lstm" else 2]:
                v[f"x{g}"] = matvec(P[f"W_{g}x"], x)
                v[f"h{g}"] = matvec(P[f"W_{g}h"], h)
                v[f"a{g}"] = add(v[f"x{g}"], v[f"h{g}"], P[f"b_{g}"])
            if cell == "lstm":
                v["f"], v["i"] = sigma(v["af"]), sigma(v["ai"])
                v["cc"], v["og"] = tanh(v["ac"]), sigma(v["ao"])
                v["fc"], v["ic"] = had(v["f"], c), had(v["i"], v["cc"])
                v["c"] = c = add(v["fc"], v["ic"])
                v["tc"] = tanh(c)
                v["h"] = had(v["og"], v["tc"])
            else:  # reset_before, update new (the file says so)
                v["z"], v["r"] = sigma(v["az"]), sigma(v["ar"])
                v["rh"] = had(v["r"], h)
                v["xh"] = matvec(P["W_hx"], x)
                v["hh"] = matvec(P["W_hh"], v["rh"])
                v["ah"] = add(v["xh"], v["hh"], P["b_h"])
                v["n"] = tanh(v["ah"])
                v["omz"] = [r3(1 - z) for z in v["z"]]
                v["keep"], v["new"] = had(v["omz"], h), had(v["z"], v["n"])
                v["h"] = add(v["keep"], v["new"])
            h = v["h"]
            out.update({f"{pre}{name}_{t}": value for name, value in v.items()})
        T = len(tokens)
        o = add(matvec(P["W_hy"], h), P["b_y"])
        y = sigma(o)
        label = seq["label"]
        p = y[0] if label == 1 else 1 - y[0]
        out[f"{pre}o_{T}"], out[f"{pre}y_{T}"] = o, y
        out[f"{pre}L_{T}"] = out[f"{pre}L"] = [r3(repr(-math.log(float(p))))]
    out["L"] = add(*[out[f"s{n}.L"] for n in range(1, len(doc["sequences"]) + 1)])
    return out


@pytest.mark.parametrize("path", [LSTM_FILE, GRU_FILE], ids=["lstm", "gru"])
def test_bundled_cell_scenario_is_the_hand_calculation(path):
    """Rounded mode: every carried number has 3 decimals, and the forward pass (first time
    step onwards, both reviews) and the loss equal a hand calculation in exact decimals
    rounded half up at every step."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    scenario = load_scenario(path)
    assert (scenario.numbers.carry, scenario.numbers.decimals) == ("rounded", 3)
    trace = trace_scenario(scenario)
    assert trace.meta.carry == "rounded"
    for step in trace:
        carried = np.asarray(step.carried, dtype=float)
        assert np.allclose(carried * 1000, np.round(carried * 1000), rtol=0, atol=1e-6), step.key
    hand = hand_forward(doc)
    first = [key for key in hand if key.endswith("_1") and key.startswith("s1.")]
    assert len(first) == (21 if scenario.model.cell == "lstm" else 17)  # every quantity of t = 1
    problems = []
    for key, want in hand.items():
        by_hand = [float(v) for v in want]
        if not np.array_equal(np.atleast_1d(trace[key].carried), by_hand):
            problems.append(f"{key}: engine {trace[key].carried.tolist()}, by hand {by_hand}")
    assert not problems, "\n".join(problems[:20])
    # the same trace with hand rounding given on the command line's way (NumberPolicy)
    again = trace_scenario(scenario, NumberPolicy(3, carry="rounded"))
    assert [float(v) for v in hand["s1.h_1"]] == np.asarray(again["s1.h_1"].carried).tolist()


def test_hand_values_of_the_lstm_first_step():
    """Spot values of t = 1 of the LSTM file, worked out on paper (h_0 = c_0 = 0):
    a_f = W_fx x_1 + b_f = [0.13, 0.15] + 0.5, c_1 = i_1 ⊙ c~_1, h_1 = o_1 ⊙ tanh(c_1)."""
    trace = trace_scenario(load_scenario(LSTM_FILE))
    expected = {
        "s1.af_1": [0.63, 0.65],
        "s1.f_1": [0.652, 0.657],  # σ(0.63) = 0.6525, σ(0.65) = 0.6570
        "s1.ai_1": [0.11, 0.21],
        "s1.i_1": [0.527, 0.552],
        "s1.ac_1": [0.15, 0.15],
        "s1.cc_1": [0.149, 0.149],
        "s1.og_1": [0.557, 0.552],
        "s1.ic_1": [0.079, 0.082],  # 0.527 × 0.149 = 0.0785, 0.552 × 0.149 = 0.0822
        "s1.c_1": [0.079, 0.082],
        "s1.h_1": [0.044, 0.045],  # 0.557 × 0.079 = 0.0440, 0.552 × 0.082 = 0.0453
    }
    for key, want in expected.items():
        assert np.asarray(trace[key].carried).tolist() == want, key


# -- terminal and JSON output -------------------------------------------------------------


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def squeeze(text: str) -> str:
    """Text without any whitespace (so wrapped lines compare as one)."""
    return "".join(text.split())


def conventions_of(cell: str, variant: str, update: str, form: str) -> list[str]:
    """The conventions as the terminal writes them (the equations in Unicode)."""
    if cell == "lstm":
        return [
            "Convention: the cell state c_t = f_t ⊙ c_(t−1) + i_t ⊙ c̃_t and the hidden state "
            "h_t = og_t ⊙ tanh(c_t), with the output gate og_t (the output logits are o_t)"
        ] + (["LSTM (gates written concatenated, acting on [h_(t−1), x_t])"]
             if form == "concatenated" else [])  # fmt: skip
    phrases = [
        "Convention: the reset gate acts on h_(t−1) before the recurrent product: "
        "h̃_t = tanh(W_hx x_t + W_hh (r_t ⊙ h_(t−1)) + b_h)"
        if variant == "reset_before"
        else "Convention: the reset gate acts after the recurrent product (PyTorch, cuDNN): "
        "h̃_t = tanh(W_hx x_t + b_h + r_t ⊙ (W_hh h_(t−1) + b_hh))",
        "Convention: the update gate keeps the previous state where z_t is 0: "
        "h_t = (1 − z_t) ⊙ h_(t−1) + z_t ⊙ h̃_t"
        if update == "new"
        else "Convention: the update gate keeps the previous state where z_t is 1 (PyTorch): "
        "h_t = (1 − z_t) ⊙ h̃_t + z_t ⊙ h_(t−1)",
    ]
    return phrases + (["GRU (gates written concatenated"] if form == "concatenated" else [])


def check_terminal(
    output: str, cell: str, variant: str, update: str, form: str, trains: bool = True
) -> None:
    lines = output.splitlines()
    too_wide = [line for line in lines if len(line.rstrip()) > 80]
    assert not too_wide, f"{len(too_wide)} lines over 80 columns, e.g.\n" + "\n".join(too_wide[:3])
    for phrase in conventions_of(cell, variant, update, form):
        assert squeeze(phrase) in squeeze(output), phrase
    assert sum(line.startswith("Convention:") for line in lines) == (1 if cell == "lstm" else 2)
    headings = ["Parameters", "Forward pass"] + (["Backpropagation through time"] if trains else [])
    for heading in headings:
        assert heading in output


@pytest.mark.parametrize("path", [LSTM_FILE, GRU_FILE], ids=["lstm", "gru"])
def test_bundled_cell_scenarios_fit_in_80_columns_and_name_conventions(path):
    result = invoke("run", str(path))
    assert result.exit_code == 0, result.output
    cell = "lstm" if "lstm" in path.name else "gru"
    check_terminal(result.output, cell, "reset_before", "new", "separate")
    assert "Update: one SGD step" in result.output


TERMINAL_CASES = [("lstm", "reset_before", "new", "separate"),
                  ("lstm", "reset_before", "new", "concatenated")] + [
    ("gru", *case) for case in GRU_VARIANTS
]  # fmt: skip


@pytest.mark.parametrize("case", TERMINAL_CASES, ids=["-".join(c) for c in TERMINAL_CASES])
@pytest.mark.parametrize(
    "numbers", ["{decimals: 4, carry: exact}", "{decimals: 3, carry: rounded}"]
)
def test_random_cell_scenarios_fit_in_80_columns_and_name_conventions(case, numbers, tmp_path):
    cell, variant, update, form = case
    seed = 700 + TERMINAL_CASES.index(case) + (50 if "rounded" in numbers else 0)
    cfg = random_cell_config(
        np.random.default_rng(seed), cell, variant=variant, update=update, form=form, max_T=3,
        max_sequences=2,
    )  # fmt: skip
    path = tmp_path / "cell.yaml"
    path.write_text(to_yaml(cfg, numbers), encoding="utf-8")
    result = invoke("run", str(path))
    assert result.exit_code == 0, result.output
    check_terminal(result.output, cell, variant, update, form, cfg.trains)


def test_wide_concatenated_gate_matrix_fits_in_80_columns(tmp_path):
    rng = np.random.default_rng(6)
    D, H = 5, 4  # W_g is 4 × 9
    params = {f"W_{g}": rng.uniform(-1, 1, (H, H + D)) for g in "fico"}
    params["W_hy"] = rng.uniform(-1, 1, (1, H))
    seq = SeqSpec(rng.uniform(-1, 1, (1, D)), {1: [1.0]})
    cfg = CellConfig("lstm", "concatenated", "last", "sigmoid", "bce", params, [seq])
    path = tmp_path / "wide.yaml"
    path.write_text(to_yaml(cfg), encoding="utf-8")
    result = invoke("run", str(path))
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80


STEP_FIELDS = {"key", "symbol", "label", "sequence", "time", "phase", "op", "operands",
               "shape", "value"}  # fmt: skip
META_FIELDS = {"title", "description", "model", "sizes", "input", "numbers", "learning_rate",
               "params", "trained", "symbols", "sequences"}  # fmt: skip
# The README's key tables: per time step t (and t-1 for the parts sent back to h_{t-1})
LSTM_KEYS = ["x", "af", "ai", "ac", "ao", "f", "i", "cc", "og", "fc", "ic", "c", "tc", "h",
             "dh", "dog", "dao", "dtc", "dc_h", "dc", "df", "daf", "di", "dai", "dcc", "dac",
             "dx_f", "dx_i", "dx_c", "dx_o", "dx"]  # fmt: skip
LSTM_NOT_LAST = ["dh_next", "dc_next", "dh_f", "dh_i", "dh_c", "dh_o"]
GRU_KEYS = ["x", "az", "ar", "z", "r", "xh", "hh", "ah", "n", "omz", "keep", "new", "h", "dh",
            "dn", "dah", "nmh", "dz", "daz", "dr", "dar", "dx_z", "dx_r", "dx_h", "dx"]  # fmt: skip
GRU_NOT_LAST = ["dh_next", "dh_keep", "dh_z", "dh_r", "dh_h"]


def documented_keys(cell: str, form: str, variant: str, T: int) -> list[str]:
    keys = []
    for t in range(1, T + 1):
        names = list(LSTM_KEYS if cell == "lstm" else GRU_KEYS)
        if cell == "gru" and form == "concatenated":  # the candidate's product is ph_t
            names = [name for name in names if name not in ("xh", "hh")]
        if t < T:
            names += LSTM_NOT_LAST if cell == "lstm" else GRU_NOT_LAST
        if cell == "gru":
            names += ["rh", "drh"] if variant == "reset_before" else ["rhh", "dhh"]
        for g in gate_letters(cell) if form == "separate" or cell == "lstm" else "zr":
            if form == "separate":
                names += [f"dW_{g}x", f"dW_{g}h"] + ([f"x{g}", f"h{g}"] if g != "h" else [])
            else:
                names += [f"dW_{g}", f"p{g}", "hx"]
        if cell == "gru" and form == "concatenated":
            names += ["dW_h", "ph", "rhx"]
        keys += [f"{name}_{t}" for name in names]
    return keys


@pytest.mark.parametrize(
    "source",
    ["lstm-file", "gru-file", "lstm-concatenated", "gru-reset_after", "gru-concatenated"],
)
def test_json_output_of_cells_has_the_documented_fields_and_keys(source, tmp_path):
    if source.endswith("file"):
        path = LSTM_FILE if source.startswith("lstm") else GRU_FILE
        cell, form, variant = source[:-5], "separate", "reset_before"
    else:
        cell, how = source.split("-")
        variant = "reset_after" if how == "reset_after" else "reset_before"
        form = "separate" if how == "reset_after" else "concatenated"
        cfg = random_cell_config(
            np.random.default_rng(800 + len(source)), cell, form=form, variant=variant,
            output="every", head_loss=("softmax", "ce"), bias=True, h0=True, c0=True,
        )  # fmt: skip
        path = tmp_path / "cell.yaml"
        path.write_text(to_yaml(cfg), encoding="utf-8")
    result = invoke("run", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["format"] == "rnntrace-trace" and doc["version"] == 1
    meta = doc["meta"]
    assert set(meta) >= META_FIELDS
    assert meta["model"]["cell"] == cell
    rounded = meta["numbers"]["carry"] == "rounded"
    records = {record["key"]: record for record in doc["steps"]}
    for record in doc["steps"]:
        assert set(record) >= STEP_FIELDS | ({"carried"} if rounded else set()), record["key"]
        assert record["phase"] in {"given", "forward", "loss", "backward", "gradient", "update"}
        assert set(record["operands"]) <= set(records), record["key"]
    params = meta["params"]
    for name in meta["trained"]:
        assert {f"d{name}", f"{name}_new"} <= set(records), name
    for name in params:
        assert name in records
    for seq in meta["sequences"]:
        T = len(seq["tokens"])
        want = [seq["prefix"] + key for key in documented_keys(cell, form, variant, T)]
        for t in seq["output_steps"]:
            want += [seq["prefix"] + f"{name}_{t}" for name in ("oh", "o", "y", "L", "do",
                                                                  "dW_hy", "dh_out")]  # fmt: skip
        missing = [key for key in want if key not in records]
        assert not missing, missing
    if cell == "gru" and variant == "reset_after":
        assert "s1.hb_1" in records or "hb_1" in records  # b_hh given: inside the reset


def test_every_op_of_the_cells_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ops = set()
    for path in (LSTM_FILE, GRU_FILE):
        ops |= {step.op for step in trace_scenario(load_scenario(path))}
    cfg = random_cell_config(np.random.default_rng(1), "lstm", form="concatenated")
    ops |= {step.op for step in trace_config(cfg)}
    section = readme.split("`op` the operation", 1)[1].split(";", 1)[0]
    assert not [op for op in sorted(ops) if f"`{op}`" not in section]


def test_dc_0_only_when_c_0_is_given():
    cfg = random_cell_config(np.random.default_rng(3), "lstm", head_loss=("sigmoid", "bce"),
                             h0=True, c0=False)  # fmt: skip
    keys = {step.key.rsplit(".", 1)[-1] for step in trace_config(cfg)}
    assert "dh_0" in keys
    assert "dc_0" not in keys


# -- loader errors for cells --------------------------------------------------------------

LSTM_DOC = """\
version: 1
input: {vectors: true}
sequences:
  - inputs: [[0.1, 0.2]]
    label: 1
model: {cell: lstm, output: last, head: sigmoid, loss: bce}
params:
  W_fx: [[0.1, 0.2]]
  W_fh: [[0.3]]
  W_ix: [[0.1, 0.2]]
  W_ih: [[0.3]]
  W_cx: [[0.1, 0.2]]
  W_ch: [[0.3]]
  W_ox: [[0.1, 0.2]]
  W_oh: [[0.3]]
  W_hy: [[0.5]]
"""
LSTM_CONCAT = """\
version: 1
input: {vectors: true}
sequences:
  - inputs: [[0.1, 0.2]]
    label: 1
model: {cell: lstm, output: last, head: sigmoid, loss: bce}
params:
  W_f: [[0.1, 0.2, 0.3]]
  W_i: [[0.1, 0.2, 0.3]]
  W_c: [[0.1, 0.2, 0.3]]
  W_o: [[0.1, 0.2, 0.3]]
  W_hy: [[0.5]]
"""
GRU_DOC = LSTM_DOC.replace("cell: lstm", "cell: gru").replace(
    "  W_ox: [[0.1, 0.2]]\n  W_oh: [[0.3]]\n", ""
)
for _old, _new in (("W_f", "W_z"), ("W_i", "W_r"), ("W_cx", "W_hx"), ("W_ch", "W_hh")):
    GRU_DOC = GRU_DOC.replace(_old, _new)
GRU_CONCAT = (
    LSTM_CONCAT.replace("cell: lstm", "cell: gru")
    .replace("  W_o: [[0.1, 0.2, 0.3]]\n", "")
    .replace("W_f:", "W_z:")
    .replace("W_i:", "W_r:")
    .replace("W_c:", "W_h:")
)


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def fails(text: str, path: str, *phrases: str, line: int | None = None) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "cell.yaml")
    exc = info.value
    assert exc.path == path, str(exc)
    assert "\n" not in str(exc) and str(exc).startswith("cell.yaml:")
    for phrase in phrases:
        assert phrase in exc.message, f"{phrase!r} not in {str(exc)!r}"
    if line is not None:
        assert exc.line == line, str(exc)
    return exc


def test_the_error_documents_are_valid_as_written():
    for text, form in ((LSTM_DOC, "separate"), (LSTM_CONCAT, "concatenated"),
                       (GRU_DOC, "separate"), (GRU_CONCAT, "concatenated")):  # fmt: skip
        assert parse_scenario(text, "cell.yaml").form == form


def test_mixing_the_two_forms_of_a_gate():
    fails(LSTM_CONCAT + "  W_fx: [[0.1, 0.2]]\n", "params.W_fx", "W_f", "two forms",
          "write every gate in one form", line=13)  # fmt: skip
    fails(LSTM_DOC + "  W_o: [[0.1, 0.2, 0.3]]\n", "params.W_fx", "W_o", "two forms")
    fails(GRU_CONCAT + "  W_hx: [[0.1, 0.2]]\n", "params.W_hx", "W_z", "two forms")


def test_concatenated_matrix_of_the_wrong_shape_names_h_and_d():
    exc = fails(edit(LSTM_CONCAT, "W_f: [[0.1, 0.2, 0.3]]", "W_f: [[0.1, 0.2]]"), "params.W_f",
                "shape (1, 2), must be shape (1, 3)", line=8)  # fmt: skip
    assert "W_i has 1 row" in exc.message  # H = 1, from the other gates
    assert "input vectors have 2 entries" in exc.message  # D = 2
    exc = fails(edit(LSTM_CONCAT, "W_c: [[0.1, 0.2, 0.3]]", "W_c: [[0.1, 0.2, 0.3], [1, 2, 3]]"),
                "params.W_c", "shape (2, 3), must be shape (1, 3)")  # fmt: skip
    assert "1 row" in exc.message and "2 entries" in exc.message
    fails(edit(GRU_CONCAT, "W_h: [[0.1, 0.2, 0.3]]", "W_h: [[0.1, 0.2, 0.3, 0.4]]"),
          "params.W_h", "must be shape (1, 3)", "input vectors have 2 entries")  # fmt: skip


def test_concatenated_shape_reason_says_each_thing_once():
    exc = fails(edit(LSTM_CONCAT, "W_f: [[0.1, 0.2, 0.3]]", "W_f: [[0.1, 0.2]]"), "params.W_f")
    assert exc.message.count("W_i has 1 row") == 1, exc.message


def test_reset_after_with_concatenated_matrices():
    text = edit(GRU_CONCAT, "cell: gru", "cell: gru, gru_variant: reset_after")
    fails(text, "params.W_z", "concatenated form goes with gru_variant reset_before",
          "write W_hx and W_hh separately")  # fmt: skip


def test_settings_of_another_cell():
    fails(edit(LSTM_DOC, "cell: lstm", "cell: lstm, activation: tanh"), "model.activation",
          "applies to model.cell 'rnn' only", "'lstm'")  # fmt: skip
    fails(edit(GRU_DOC, "cell: gru", "cell: gru, activation: relu"), "model.activation",
          "'rnn' only")  # fmt: skip
    rnn = edit(LSTM_DOC, "cell: lstm", "cell: rnn, gru_variant: reset_after")
    fails(rnn, "model.gru_variant", "applies to model.cell 'gru' only", "'rnn'")
    fails(edit(LSTM_DOC, "cell: lstm", "cell: lstm, update_gate: keep_old"),
          "model.update_gate", "'gru' only", "'lstm'")  # fmt: skip
    fails(edit(GRU_DOC, "cell: gru", "cell: gru, gru_variant: after"), "model.gru_variant",
          "reset_before, reset_after", "did you mean 'reset_after'")  # fmt: skip


def test_a_parameter_of_another_cell_is_named_as_such():
    fails(LSTM_DOC + "  W_xh: [[0.1, 0.2]]\n", "params.W_xh",
          "unknown parameter for model.cell 'lstm'", "it is a parameter of 'rnn'")  # fmt: skip
    fails(GRU_DOC + "  c_0: [0.1]\n", "params.c_0", "model.cell 'gru'", "a parameter of 'lstm'")
    fails(GRU_DOC + "  W_fx: [[0.1, 0.2]]\n", "params.W_fx", "a parameter of 'lstm'")
    fails(LSTM_DOC + "  b_hh: [0.1]\n", "params.b_hh", "model.cell 'lstm'", "a parameter of")


@pytest.mark.parametrize(
    "doc,drop,path,what",
    [
        (
            LSTM_DOC,
            "  W_ix: [[0.1, 0.2]]\n",
            "params.W_ix",
            "input gate: input matrix, shape (H, D)",
        ),
        (
            LSTM_DOC,
            "  W_oh: [[0.3]]\n",
            "params.W_oh",
            "output gate: recurrent matrix, shape (H, H)",
        ),
        (
            LSTM_CONCAT,
            "  W_c: [[0.1, 0.2, 0.3]]\n",
            "params.W_c",
            "candidate cell: matrix acting on [h_(t-1), x_t], shape (H, H+D)",
        ),
        (GRU_DOC, "  W_hx: [[0.1, 0.2]]\n", "params.W_hx", "candidate state: input matrix"),
        (GRU_DOC, "  W_rh: [[0.3]]\n", "params.W_rh", "reset gate: recurrent matrix"),
        (GRU_CONCAT, "  W_z: [[0.1, 0.2, 0.3]]\n", "params.W_z", "update gate: matrix acting on"),
    ],
    ids=["lstm-W_ix", "lstm-W_oh", "lstm-W_c", "gru-W_hx", "gru-W_rh", "gru-W_z"],
)
def test_missing_gate_matrices(doc, drop, path, what):
    fails(edit(doc, drop, ""), path, "missing", what)
