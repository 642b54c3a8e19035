"""``notation`` renames any traced quantity (o, Z, A, h, ...), writes time indices as x[t]
(``index_style: bracket``) and refuses two names that would print the same symbol.

The outputs are checked by parsing them (which symbols occur in the maths), never against
the code's own output; the values against the default notation's run and numpy."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from rnntrace._internal.cli import cli

ROOT = Path(__file__).resolve().parent.parent
ATTENTION = ROOT / "scenarios" / "hello-attention.yaml"
SEED_002 = {"W_hy": "V", "b_y": "c", "o": r"\Omega", "Z": r"\mathcal{Z}", "A": r"\mathcal{A}"}


def _scenario(tmp_path: Path, source: Path, notation: dict[str, str] | None) -> Path:
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data.pop("notation", None)
    if notation is not None:
        data["notation"] = notation
    path = tmp_path / source.name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "rnntrace", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def _output(path: Path, fmt: str, *more: str) -> str:
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["run", str(path), "--format", fmt, *more])
    assert result.exit_code == 0, result.output
    return result.output


# -- collisions --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "notation", "names", "symbol"),
    [
        # the output bias renamed to the output gate's bias: two parameters print b_o
        ("sentiment-lstm.yaml", {"b_y": "b_o"}, ("b_y", "b_o"), "b_o"),
        # the logits renamed to the pre-activation's default symbol
        ("hello.yaml", {"o": "z"}, ("o", "z"), "z"),
        # two renamed quantities with one symbol
        ("hello.yaml", {"o": r"\Omega", "y_hat": r"\Omega"}, ("y_hat", "o"), r"\Omega"),
        # the LSTM's output gate renamed to the logits' symbol
        ("sentiment-lstm.yaml", {"og": "o"}, ("og", "o"), "o"),
        # the GRU's update gate renamed to its reset gate's symbol
        ("sentiment-gru.yaml", {"z": "r"}, ("z", "r"), "r"),
        # a parameter renamed to the learning rate's eta
        ("hello.yaml", {"W_hy": r"\eta"}, ("W_hy", "the learning rate"), r"\eta"),
    ],
)
def test_two_names_with_one_symbol_are_refused_in_one_line(
    tmp_path: Path, source: str, notation: dict[str, str], names: tuple[str, str], symbol: str
) -> None:
    path = _scenario(tmp_path, ROOT / "scenarios" / source, notation)
    result = _run("run", path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    # file:line:col of the later entry of the two, both names and the symbol
    entry = list(notation)[-1] if names[0] in notation else names[0]
    text = path.read_text(encoding="utf-8").splitlines()
    start = text.index("notation:")
    row = next(i for i, line in enumerate(text, 1)
               if i > start and line.strip().startswith(f"{entry}:"))  # fmt: skip
    col = text[row - 1].index(":") + 3
    assert lines[0].startswith(f"{path}:{row}:{col}: notation.{entry}: "), lines[0]
    assert f"{names[0]} and {names[1]} would both print {symbol}" in lines[0]


def test_the_seed_002_notation_of_the_attention_model_is_accepted(tmp_path: Path) -> None:
    path = _scenario(tmp_path, ATTENTION, SEED_002)
    assert _run("validate", path).returncode == 0


def test_a_quantity_not_in_the_model_may_take_another_default_letter(tmp_path: Path) -> None:
    # an RNN without attention has no scores A
    path = _scenario(tmp_path, ROOT / "scenarios" / "hello.yaml", {"o": "A"})
    assert _run("validate", path).returncode == 0


def test_a_parameter_may_have_a_quantitys_letter(tmp_path: Path) -> None:
    # the output bias c beside the cell states c_t: c and c_3 are different symbols
    path = _scenario(tmp_path, ROOT / "scenarios" / "sentiment-lstm.yaml", {"b_y": "c"})
    assert _run("validate", path).returncode == 0


def test_an_unknown_index_style_is_refused(tmp_path: Path) -> None:
    path = _scenario(tmp_path, ROOT / "scenarios" / "hello.yaml", {"index_style": "round"})
    result = _run("run", path)
    assert result.returncode == 2
    assert "notation.index_style: expected one of subscript, bracket, found 'round'" in (
        result.stderr
    )


# -- renamed quantities in every printer ---------------------------------------------------
def _math_of_latex(document: str) -> str:
    """The maths of a LaTeX or Markdown document ($...$, $$...$$, align* blocks), with text,
    typewriter words and subscripts taken out, \\mathcal{Z} written mathcalZ."""
    blocks = re.findall(r"\\begin\{align\*\}(.*?)\\end\{align\*\}", document, re.S)
    blocks += re.findall(r"\$\$(.*?)\$\$", document, re.S)
    blocks += re.findall(r"(?<!\$)\$([^$]+)\$(?!\$)", document)
    maths = "\n".join(blocks)
    maths = re.sub(r"\\(text|texttt|operatorname|mathrm)\{[^{}]*\}", " ", maths)
    maths = re.sub(r"\\(mathcal|mathbf)\{([A-Za-z])\}", r"\1\2", maths)  # one name
    previous = None
    while previous != maths:  # innermost subscripts first: x_{t_{1}}
        previous = maths
        maths = re.sub(r"_\{[^{}]*\}|_[A-Za-z0-9]", "", maths)
    return re.sub(r"\\[A-Za-z]+", " ", maths)


def _letters(maths: str) -> set[str]:
    """The one-letter identifiers of some maths (a letter between non-letters)."""
    return set(re.findall(r"(?<![A-Za-z])([A-Za-z])(?![A-Za-z])", maths))


@pytest.fixture(scope="module")
def renamed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    notation = {**SEED_002, "h": r"\mathbf{h}"}
    return _scenario(tmp_path_factory.mktemp("renamed"), ATTENTION, notation)


@pytest.mark.parametrize("fmt", ["latex", "markdown"])
def test_renamed_quantities_print_in_latex_and_markdown(renamed: Path, fmt: str) -> None:
    document = _output(renamed, fmt)
    for symbol in (r"\Omega_{1}", r"\mathcal{Z}_{4}", r"\mathcal{A}_{4}", r"\delta \Omega_{4}"):
        assert symbol in document
    assert r"S^{\mathcal{A}}_{4}" in document  # the sum over the renamed scores
    assert r"\mathbf{h}_{3}" in document and r"\mathbf{h}_t" in document
    letters = _letters(_math_of_latex(document))
    for default in ("o", "Z", "A", "h"):
        assert default not in letters, default
    assert {"W", "V", "c", "x", "z", "L", "S", "e"} <= letters  # the others are still there


def test_renamed_quantities_print_in_unicode_in_the_terminal(renamed: Path) -> None:
    text = _output(renamed, "text")
    for symbol in ("Ω_1", "𝒵_4", "𝒜_4", "δΩ_4", "S^𝒜_4", "h_3"):
        assert symbol in text, symbol
    maths = re.sub(r"'[^']*'", "", text)  # tokens are quoted
    for default in ("o", "Z", "A"):
        assert not re.search(rf"(?<![A-Za-z]){default}(?=[_^\[ᵀ]|/)", maths), default
    assert "∂L/∂Ω = ŷ − y" in text  # the note of the output error


def test_renamed_quantities_in_json_symbols_and_html(renamed: Path) -> None:
    steps = {s["key"]: s for s in json.loads(_output(renamed, "json"))["steps"]}
    assert steps["o_2"]["symbol"] == r"\Omega_{2}"
    assert steps["Z_2"]["symbol"] == r"\mathcal{Z}_{2}"
    assert steps["A_2"]["symbol"] == r"\mathcal{A}_{2}"
    assert steps["do_2"]["symbol"] == r"\delta \Omega_{2}"
    assert steps["h_2"]["symbol"] == r"\mathbf{h}_{2}"
    html = _output(renamed, "html")
    assert '<mi mathvariant="script">Z</mi>' in html and "<mi>Ω</mi>" in html


def test_renamed_quantities_leave_every_value_as_it_was(renamed: Path) -> None:
    default = {s["key"]: s for s in json.loads(_output(ATTENTION, "json"))["steps"]}
    steps = {s["key"]: s for s in json.loads(_output(renamed, "json"))["steps"]}
    assert steps.keys() == default.keys()
    for key, step in steps.items():
        assert step["value"] == default[key]["value"], key
    # and the numbers are the scenario's: h_1 = tanh(0.5), o_1 = V Z_1 with Z_1 = h_1
    h_1 = np.tanh(0.5)
    assert np.allclose(steps["h_1"]["value"], [h_1], atol=1e-12)
    assert np.allclose(steps["o_1"]["value"], np.array([0.3, -0.2, 0.5, 0.1]) * h_1, atol=1e-12)


def test_the_worksheet_and_its_key_use_the_renamed_symbols(renamed: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    sheet = tmp_path / "hw.tex"
    args = ["export", str(renamed), "-o", str(sheet), "--ask", "o_1,Z_2"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    for document in (sheet, tmp_path / "hw-key.tex"):
        text = document.read_text(encoding="utf-8")
        assert r"\Omega_{1}" in text and r"\mathcal{Z}_{2}" in text
        assert not re.search(r"(?<![A-Za-z\\{])[oZ]_\{", text)


# -- index style ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bracketed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = ROOT / "scenarios" / "hello.yaml"
    return _scenario(tmp_path_factory.mktemp("bracket"), source, {"index_style": "bracket"})


def test_bracket_index_style_in_the_terminal(bracketed: Path) -> None:
    text = _output(bracketed, "text")
    for symbol in ("x[1]", "h[1]", "z[2]", "o[3]", "δz[2]", "W_hh h[1]", "ŷ[2]", "h[0]"):
        assert symbol in text, symbol
    assert not re.search(r"(?<![A-Za-z])[xhzo]_\(?[0-9t]", text)


@pytest.mark.parametrize("fmt", ["latex", "markdown"])
def test_bracket_index_style_in_latex_and_markdown(bracketed: Path, fmt: str) -> None:
    document = _output(bracketed, fmt)
    for symbol in ("x[1]", "h[1]", "h[t-1]", r"\hat{y}[2]", r"\delta z[2]"):
        assert symbol in document, symbol
    assert not re.search(r"(?<![A-Za-z\\])[xhzo]_(\{?[0-9]|t)", document)
    # the parameters keep their subscripts
    assert "W_{hh}" in document


def test_bracket_index_style_leaves_every_value_as_it_was(bracketed: Path) -> None:
    default = {s["key"]: s["value"] for s in
               json.loads(_output(ROOT / "scenarios" / "hello.yaml", "json"))["steps"]}  # fmt: skip
    steps = {s["key"]: s for s in json.loads(_output(bracketed, "json"))["steps"]}
    assert {key: s["value"] for key, s in steps.items()} == default
    assert steps["h_2"]["symbol"] == "h[2]"


def test_bracket_index_style_with_a_gate_index_and_a_renamed_quantity(tmp_path: Path) -> None:
    notation = {"index_style": "bracket", "f": r"\phi"}
    path = _scenario(tmp_path, ROOT / "scenarios" / "sentiment-lstm.yaml", notation)
    steps = {s["key"]: s["symbol"] for s in json.loads(_output(path, "json"))["steps"]}
    assert steps["s1.af_2"] == "a_{f}[2]"  # the gate's letter stays a subscript
    assert steps["s1.ai_2"] == "a_{i}[2]"  # the input gate's letter i is not a position
    assert steps["s1.f_2"] == r"\phi[2]"
    assert steps["s1.c_1"] == "c[1]"


def test_bracket_index_style_of_attention_positions(tmp_path: Path) -> None:
    path = _scenario(tmp_path, ATTENTION, {"index_style": "bracket"})
    steps = {s["key"]: s["symbol"] for s in json.loads(_output(path, "json"))["steps"]}
    assert steps["alpha_2"] == r"\alpha[2]"
    assert steps["dh_ctx_4_1"] == r"\alpha[4,1] \delta Z[4]"
    assert steps["dh_q_4"] == r"\sum_i \delta A[4,i] h[i]"


# -- the schema ----------------------------------------------------------------------------
def test_the_schema_takes_the_new_notation_keys() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from click.testing import CliRunner

    schema = json.loads(CliRunner().invoke(cli, ["schema"]).output)
    validator = jsonschema.Draft202012Validator(schema)
    data = yaml.safe_load(ATTENTION.read_text(encoding="utf-8"))
    data["notation"] = {**SEED_002, "index_style": "bracket", "y_hat": r"\hat{p}"}
    assert list(validator.iter_errors(data)) == []
    data["notation"]["index_style"] = "round"
    assert list(validator.iter_errors(data))
    notation = schema["properties"]["notation"]["properties"]
    assert notation["o"]["default"] == "o" and notation["alpha"]["default"] == r"\alpha"
    assert notation["index_style"]["default"] == "subscript"
