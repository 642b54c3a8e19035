"""One printed symbol per quantity (issue 13): no two keys of a trace print the same symbol,
in LaTeX or in the terminal's Unicode, over every bundled scenario and the dropout,
attention and skip variants, with the default notation and with renames.

The symbols carry their time index (h_{3}, \\check{h}_{2}), so comparing whole symbols
compares them per time index. A value shown again under its own name (the fed-back output
x_2 = ŷ_1, an ``identity`` step) is one quantity and is left out."""

from __future__ import annotations

import copy
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_notation_quantities import _run, _scenario
from test_notation_quantities import (
    test_two_names_with_one_symbol_are_refused_in_one_line as _refused,  # the same checks
)

from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.scenario import parse_scenario
from rnntrace._internal.symbol.latex import latex
from rnntrace._internal.symbol.text import text

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
DROPOUT = {"input": 0.5, "recurrent": 0.5, "output": 0.5, "seed": 3}


def _variants() -> dict[str, dict[str, Any]]:
    """name -> scenario document: the bundled ones, and dropout of every kind added to each
    cell, to attention and to stacked layers (per-step and variational masks)."""
    docs = {path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
            for path in sorted(SCENARIOS.glob("*.yaml"))}  # fmt: skip
    out = dict(docs)
    for name in ("sentiment", "sentiment-lstm", "sentiment-gru", "sentiment-mgu", "hello",
                 "hello-attention", "stacked", "skip-dropout"):  # fmt: skip
        for variational in (False, True):
            doc = copy.deepcopy(docs[name])
            doc["model"]["dropout"] = {**DROPOUT, "variational": variational}
            out[f"{name}+dropout{'-variational' if variational else ''}"] = doc
    for name in ("sentiment", "hello"):
        doc = copy.deepcopy(out[f"{name}+dropout"])
        doc["model"]["skip"] = 0.5
        out[f"{name}+skip+dropout"] = doc
    # the GRU's and MGU's candidate renamed: it must still differ from the dropped state
    for name in ("sentiment-gru", "sentiment-mgu"):
        doc = copy.deepcopy(out[f"{name}+dropout"])
        doc["notation"] = {**(doc.get("notation") or {}), "h_tilde": "n", "h": r"\psi"}
        out[f"{name}+dropout+renamed"] = doc
    return out


VARIANTS = _variants()


def _shared(doc: dict[str, Any], name: str) -> dict[str, list[list[str]]]:
    """Per form (latex, text): the groups of keys that print one symbol."""
    trace = trace_scenario(parse_scenario(yaml.safe_dump(doc, sort_keys=False), f"{name}.yaml"))
    forms = {"latex": lambda s: re.sub(r"[{}\s]", "", latex(s)), "text": text}
    steps = [step for step in trace if step.op != "identity"]
    sequences = {step.key.split(".")[0] for step in steps if re.match(r"s\d+\.", step.key)}
    found: dict[str, list[list[str]]] = {}
    for form, show in forms.items():
        found[form] = []
        for sequence in sorted(sequences) or [""]:  # a sequence's keys and the shared ones
            keys: dict[str, list[str]] = defaultdict(list)
            for step in steps:
                if not re.match(r"s\d+\.", step.key) or step.key.startswith(sequence + "."):
                    keys[show(step.symbol)].append(step.key)
            found[form] += [sorted(group) for group in keys.values() if len(group) > 1]
    return found


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_no_two_keys_print_one_symbol(name: str) -> None:
    assert _shared(VARIANTS[name], name) == {"latex": [], "text": []}


def test_the_gru_candidate_and_dropped_state_print_apart() -> None:
    """The reviewer's case: n_1 (h̃_1, the candidate) and hd_1 (ȟ_1, h_1 after the
    recurrent mask), and their gradients; renamed, n and ψ̌."""
    for name, candidate, dropped in (("sentiment-gru+dropout", r"\tilde{h}_{1}", r"\check{h}_{1}"),
                                     ("sentiment-gru+dropout+renamed", "n_{1}",
                                      r"\check{\psi}_{1}")):  # fmt: skip
        doc = VARIANTS[name]
        trace = trace_scenario(parse_scenario(yaml.safe_dump(doc), "gru.yaml"))
        shown = {step.key: latex(step.symbol) for step in trace}
        prefix = "s1." if len(doc["sequences"]) > 1 else ""
        assert shown[f"{prefix}n_1"] == candidate
        assert shown[f"{prefix}hd_1"] == dropped
        assert shown[f"{prefix}dhd_1"] == rf"\delta {dropped}"
        assert text(next(s.symbol for s in trace if s.key == f"{prefix}hd_1")) == (
            "h\u030c_1" if name.endswith("dropout") else "ψ\u030c_1"
        )


# -- the load-time check (scenario/load_notation.py) ----------------------------------------
@pytest.mark.parametrize(
    ("source", "notation", "names", "symbol", "dropout"),
    [
        # the dropped state renamed onto the input
        ("skip-dropout.yaml", {"h_check": "x"}, ("h_check", "x"), "x", False),
        # the GRU's candidate renamed onto the dropped state
        (
            "sentiment-gru.yaml",
            {"h_tilde": r"\check{h}"},
            ("h_tilde", "h_check"),
            r"\check{h}",
            True,
        ),
        # \mathbf{Z} and Z: two symbols in LaTeX, one in the terminal
        ("hello-attention.yaml", {"o": r"\mathbf{Z}"}, ("o", "Z"), "Z in the terminal", False),
        # the initial state renamed to the state at step 1
        ("sentiment.yaml", {"h_0": "h_1"}, ("h_0", "h"), "h_1", False),
        ("sentiment-lstm.yaml", {"c_0": "c_t"}, ("c_0", "c"), "c_t", False),
        # the loss renamed to the learning rate, as a parameter renamed to it is refused
        ("hello.yaml", {"L": r"\eta"}, ("L", "the learning rate"), r"\eta", False),
        ("hello.yaml", {"W_hy": "L"}, ("W_hy", "L"), "L", False),
    ],
)
def test_names_with_one_symbol_are_refused_at_load(
    tmp_path: Path,
    source: str,
    notation: dict[str, str],
    names: tuple[str, str],
    symbol: str,
    dropout: bool,
) -> None:
    if dropout:
        doc = yaml.safe_load((SCENARIOS / source).read_text(encoding="utf-8"))
        doc["model"]["dropout"] = {"recurrent": 0.5, "seed": 1}
        (tmp_path / "src").mkdir()
        source_path = tmp_path / "src" / source
        source_path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    else:
        source_path = SCENARIOS / source
    _refused(tmp_path, source_path, notation, names, symbol)


def test_a_symbol_starts_with_a_letter_or_a_command(tmp_path: Path) -> None:
    path = _scenario(tmp_path, SCENARIOS / "hello.yaml", {"o": "5"})
    result = _run("run", path)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and re.match(rf"{re.escape(str(path))}:\d+:\d+: notation\.o: ", lines[0])
    assert "expected a symbol that starts with a letter or a command" in lines[0]
    assert "found '5'" in lines[0]


@pytest.mark.parametrize(
    ("source", "notation"),
    [
        ("skip-dropout.yaml", {"h_tilde": "x"}),  # no candidate in a simple RNN
        ("sentiment.yaml", {"h_0": "s_0", "h": "s"}),  # the initial state of s
        ("sentiment-gru.yaml", {"h_tilde": "n"}),
        ("hello.yaml", {"o": r"\mathbf{o}"}),  # the same quantity, bold
    ],
)
def test_names_that_print_apart_are_accepted(
    tmp_path: Path, source: str, notation: dict[str, str]
) -> None:
    assert _run("validate", _scenario(tmp_path, SCENARIOS / source, notation)).returncode == 0


# -- parameters in the step labels -----------------------------------------------------------
def _labels(path: Path) -> list[str]:
    result = _run("run", path, "--format", "json")
    assert result.returncode == 0, result.stderr
    return [step["label"] for step in json.loads(result.stdout)["steps"]]


def test_labels_write_a_renamed_parameter_as_its_symbol() -> None:
    """sentiment.yaml renames W_hy to W_{ho} and b_y to b_o: its labels say W_ho, b_o
    (as the terminal prints the symbols), never the keys W_hy, b_y."""
    labels = _labels(SCENARIOS / "sentiment.yaml")
    words = "\n".join(labels)
    assert not re.search(r"(?<![A-Za-z])(W_hy|b_y)(?![A-Za-z_])", words)
    assert "output term W_ho h_6" in labels
    assert "contribution of t = 6 to dL/dW_ho" in labels
    assert "gradient of the total loss with respect to b_o (sum over sequences)" in labels
    assert "input term W_xh x_1" in labels  # not renamed: its key


def test_labels_write_a_part_s_renamed_parameter(tmp_path: Path) -> None:
    path = _scenario(tmp_path, SCENARIOS / "seq2seq.yaml", {"W_hh": "U", "enc.W_xh": "V_e"})
    labels = set(_labels(path))
    assert "recurrent term U h_1 of the encoder" in labels  # the base key's symbol
    assert "gradient of the loss with respect to U^enc" in labels  # as the symbol prints
    assert "input term V_e x_1 of the encoder" in labels  # the part's own entry
    assert not any(re.search(r"(?<![A-Za-z.])W_hh|enc\.W_xh", label) for label in labels)
