"""``notation`` reaches gradflow (text, LaTeX, JSON), the BPTT-window sentence and the
traced epoch of ``train``: with every quantity renamed, no output prints a default letter.

As in test_notation_quantities, the outputs are parsed (which letters occur in the maths),
never compared with the code's own output; the numbers with the default notation's run,
which tests/test_gradflow.py checks against PyTorch."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_notation_quantities import _letters, _math_of_latex, _scenario

from rnntrace._internal.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
# every quantity gradflow and the window sentence write of, renamed to a letter of its own
RENAMED = {"x": r"\chi", "h": r"\psi", "z": r"\zeta", "f": r"\phi", "c": r"\mathcal{C}",
           "m": r"\mu", "L": r"\mathcal{L}", "o": r"\Omega"}  # fmt: skip
# the default letters that must not print, with the scenarios that have them
DEFAULTS = ("h", "x", "z", "c", "m")
# simple RNN (fixed point, derivation), LSTM (c, forget gates), GRU (1 − z), MGU (1 − f),
# skip and dropout (notes, no derivation), fed back (a note), stacked, row vectors
GRADFLOW = ["sentiment", "sentiment-lstm", "sentiment-gru", "sentiment-mgu", "skip-dropout",
            "generate", "stacked", "sentiment-rows"]  # fmt: skip


def _invoke(*args: str | Path) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def _renamed(tmp_path: Path, name: str, **more: str) -> Path:
    source = SCENARIOS / f"{name}.yaml"
    import yaml

    own = yaml.safe_load(source.read_text(encoding="utf-8")).get("notation") or {}
    return _scenario(tmp_path, source, {**own, **RENAMED, **more})


def _text_leaks(text: str) -> list[str]:
    """Default letters used as quantities in Unicode maths: h_5, x_t, z_(j−1), c[3], h*,
    ∂h/∂..., a bare h or x in an equation ('from h = 0'). Quoted tokens are left out."""
    maths = re.sub(r"'[^']*'|sequence \d+: [^;]*;", "", text)
    found = re.findall(r"(?<![A-Za-z_])([hxzcm])(?=[_\[*]|\s?=\s|/∂| [+−] | ⊙)", maths)
    return [letter for letter in found if letter in DEFAULTS]


# -- gradflow ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", GRADFLOW)
def test_gradflow_text_prints_no_default_letter(tmp_path: Path, name: str) -> None:
    text = _invoke("gradflow", _renamed(tmp_path, name))
    assert _text_leaks(text) == [], _text_leaks(text)
    assert "ψ_(t−k)" in text  # J_k = ∂ψ_t/∂ψ_(t−k), the column of the distances
    assert _text_leaks("from h = 0, h_(t−k), ∂h_t/∂x_1, z_j, c[3], h*") == list("hhhxzch")


@pytest.mark.parametrize("name", GRADFLOW)
def test_gradflow_latex_prints_no_default_letter(tmp_path: Path, name: str) -> None:
    document = _invoke("gradflow", _renamed(tmp_path, name), "--format", "latex")
    letters = _letters(_math_of_latex(document))
    for default in DEFAULTS:
        assert default not in letters, default
    assert r"\psi_{t-k}" in document


@pytest.mark.parametrize("name", GRADFLOW)
def test_gradflow_json_words_and_symbols_are_renamed(tmp_path: Path, name: str) -> None:
    doc = json.loads(_invoke("gradflow", _renamed(tmp_path, name), "--format", "json"))
    words = [doc["verdict"]["reason"], *doc["notes"], *doc["conventions"]]
    words += [doc[part].get("reason") or doc[part].get("statement") or ""
              for part in ("eigen", "fixed_point")]  # fmt: skip
    for sentence in words:
        assert _text_leaks(sentence) == [], sentence
    symbols = [doc["target"]["symbol"]] + [s["symbol"] for s in doc["steps"]]
    symbols += [d["source"]["symbol"] for d in doc["distances"]]
    letters = _letters(_math_of_latex("".join(f"${s}$" for s in symbols)))
    assert not letters & set(DEFAULTS), letters


def _numbers(value: Any) -> Any:
    """The numbers of a JSON document (its strings left out)."""
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items() if not isinstance(v, str)}
    if isinstance(value, list):
        return [_numbers(v) for v in value if not isinstance(v, str)]
    return value


@pytest.mark.parametrize("name", ["sentiment", "sentiment-lstm"])
def test_gradflow_numbers_are_the_default_notations(tmp_path: Path, name: str) -> None:
    renamed = json.loads(_invoke("gradflow", _renamed(tmp_path, name), "--format", "json"))
    default = json.loads(_invoke("gradflow", SCENARIOS / f"{name}.yaml", "--format", "json"))
    assert _numbers(renamed) == _numbers(default)


def test_gradflow_of_the_brief_example(tmp_path: Path) -> None:
    # notation {h: s, W_hh: U} on sentiment printed h_t = s_6, ∂s_6/∂h_(t−k), ... W_hh
    path = _scenario(tmp_path, SCENARIOS / "sentiment.yaml",
                     {"W_hy": "W_{ho}", "b_y": "b_o", "h": "s", "W_hh": "U"})  # fmt: skip
    text = _invoke("gradflow", path)
    for written in ("s_t = s_6", "∂s_6/∂s_(t−k)", "A_j = ∂s_j/∂s_(j−1) = diag(f′(z_j)) U",
                    "s* = f(U s* + W_xh x + b_h)", "ρ(U)",
                    # the eigenvectors' matrix is not U, which the notation gave W_hh
                    "derivation: U = Q S Q⁻¹", "cond(Q)", "U^6 = Q S^6 Q⁻¹"):  # fmt: skip
        assert written in text, written
    assert "W_hh" not in text and not re.search(r"(?<![A-Za-z_])h(?=[_*])", text)
    latex = _invoke("gradflow", path, "--format", "latex")
    assert r"$s^* = f(U s^* + W_{xh} x + b_h)$" in latex
    assert r"\operatorname{diag}(f'(z_j))\, U" in latex and "W_{hh}" not in latex
    assert "$U = Q S Q^{-1}$" in latex and "{U}^{6} = Q S^{6} Q^{-1}" in latex


def test_gradflow_in_bracket_index_style(tmp_path: Path) -> None:
    path = _renamed(tmp_path, "sentiment-lstm", index_style="bracket")
    text = _invoke("gradflow", path)
    for written in ("∂ψ[t]/∂ψ[t−k]", "∂(ψ[j], 𝒞[j])/∂(ψ[j−1], 𝒞[j−1])", "φ[j]", "ψ[5]"):
        assert written in text, written
    assert not re.search(r"(?:ψ|𝒞|φ)_", text)
    latex = _invoke("gradflow", path, "--format", "latex")
    assert r"\frac{\partial \psi[6]}{\partial \psi[t-k]}" in latex
    assert r"\|\partial \mathcal{C}[t]/\partial \mathcal{C}[t-k]\|_2" in latex


# -- the BPTT-window sentence and the traced epoch ------------------------------------------
def _windowed(tmp_path: Path, notation: dict[str, str]) -> Path:
    import yaml

    data = yaml.safe_load((SCENARIOS / "hello.yaml").read_text(encoding="utf-8"))
    data["train"]["bptt_window"] = 2
    data["notation"] = notation
    path = tmp_path / "windowed.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_the_window_sentence_in_the_scenarios_notation(tmp_path: Path) -> None:
    default = _invoke("run", _windowed(tmp_path, {}), "--format", "latex")
    assert r"each loss $L_s$ is backpropagated through at most k steps ($\delta h_t^{(L_s)}$)" in (
        default
    )
    path = _windowed(tmp_path, RENAMED)
    for fmt in ("latex", "markdown"):
        document = _invoke("run", path, "--format", fmt)
        window = re.search(r"BPTT window k = 2: .*", document)
        assert window is not None
        assert r"$\mathcal{L}_s$" in window.group(0) and r"\delta \psi_t" in window.group(0)
        assert not _letters(_math_of_latex(window.group(0))) & {"L", "h"}
    bracket = _invoke("run", _windowed(tmp_path, {**RENAMED, "index_style": "bracket"}),
                      "--format", "latex")  # fmt: skip
    assert r"$\delta \psi[t]^{(\mathcal{L}[s])}$" in bracket


@pytest.mark.parametrize("fmt", ["text", "latex", "markdown", "html", "json"])
@pytest.mark.parametrize("renamed", [False, True], ids=["default", "renamed"])
def test_every_format_runs_with_the_window(tmp_path: Path, fmt: str, renamed: bool) -> None:
    """``run --format html`` with a window once raised TypeError ('LaTeX has no MathML
    form'): every format writes the window's sentence, in the scenario's notation."""
    document = _invoke("run", _windowed(tmp_path, RENAMED if renamed else {}), "--format", fmt)
    if fmt == "json":
        assert json.loads(document)["steps"]
        return
    window = re.search(r"BPTT window \(?k = 2\)?: .*", document)  # text: its notes
    assert window is not None, fmt
    if fmt == "html":  # MathML: the loss L_s, renamed to a script L (mathvariant="script")
        loss = '<mi mathvariant="script">L</mi>' if renamed else "<mi>L</mi>"
        assert f"<msub>{loss}<mi>s</mi></msub>" in window.group(0)
        assert ("<mi>ψ</mi>" in window.group(0)) is renamed


def test_the_traced_epoch_of_train_is_in_the_scenarios_notation(tmp_path: Path) -> None:
    path = _windowed(tmp_path, RENAMED)
    document = _invoke("train", path, "--epochs", "2", "--trace-epoch", "2", "--format", "latex",
                       "--layout", "seed")  # fmt: skip
    letters = _letters(_math_of_latex(document))
    for default in ("h", "x", "z", "o", "L"):
        assert default not in letters, default
    text = _invoke("train", path, "--epochs", "2", "--trace-epoch", "2")
    assert "ψ_1" in text and not re.search(r"(?<![A-Za-z_'])[hxzo]_\d", text)


# -- step labels and worksheets -------------------------------------------------------------
# every quantity a label names, renamed (the parameters keep their own symbols); a: \kappa,
# as \varphi and f's \phi both print φ in the terminal (refused at load)
ALL_RENAMED = {**RENAMED, "i": r"\iota", "og": r"\omega", "r": r"\mathcal{R}",
               "y": r"\Upsilon", "A": r"\mathcal{A}", "alpha": r"\beta", "Z": r"\mathcal{Z}",
               "e": r"\epsilon", "q": r"\mathcal{Q}", "a": r"\kappa"}  # fmt: skip
LABELLED = ["sentiment", "sentiment-lstm", "sentiment-gru", "sentiment-mgu", "hello-attention",
            "seq2seq", "skip-dropout", "stacked", "bidirectional", "sentiment-rows"]  # fmt: skip
# a default letter as a label writes a quantity: dL/dh_3, h_(t-1), c~_2, y_hat, [h, x], W_fh h
_LABEL_LEAK = re.compile(
    r"(?<![A-Za-z_'])d?(h|x|z|c|f|i|r|og|o|y|y_hat|L|Z|A|alpha|e|m|a)"
    r"(?=_\d|_\(|_[its]\b|~|\^enc|\^dec|/d|, x\]|\]| at t| / \(1| ~ B|\)|\s\*|\s·)"
)


def _label_leaks(label: str) -> list[str]:
    label = re.sub(r"'[^']*'|\(target [^)]*\)", "", label)  # the tokens
    label = re.sub(r"skip (weight|connection\S*:) alpha|: alpha d", "", label)  # the skip's α
    return [m.group(0) for m in _LABEL_LEAK.finditer(label)]


def test_the_leak_finder_finds_default_letters() -> None:
    found = _label_leaks("dL/dh_3, part of dc_2 from h_2, dL/dc~_1, h_(t-1) after dropout, "
                         "[h, x] at t = 1, dL/dy_hat at t = 2, sum of alpha_i h_i")  # fmt: skip
    assert found == ["dL", "dh", "dc", "h", "dL", "dc", "h", "h", "x", "dL", "dy_hat", "alpha",
                     "h"], found  # fmt: skip
    assert _label_leaks("dℒ/dψ_3, part of d𝒞_2 from ψ_2, skip weight alpha (model.skip)") == []


@pytest.mark.parametrize("name", LABELLED)
def test_step_labels_spell_the_renamed_quantities(tmp_path: Path, name: str) -> None:
    path = _renamed(tmp_path, name, **ALL_RENAMED)
    steps = json.loads(_invoke("run", path, "--format", "json"))["steps"]
    leaks = {s["key"]: s["label"] for s in steps if _label_leaks(s["label"])}
    assert leaks == {}, list(leaks.items())[:5]
    default = json.loads(_invoke("run", SCENARIOS / f"{name}.yaml", "--format", "json"))["steps"]
    assert len(default) == len(steps)
    # the finder finds the default letters in the default labels of the same steps
    assert any(_label_leaks(s["label"]) for s in default)


def test_labels_of_a_renamed_quantity_and_the_bracket_style(tmp_path: Path) -> None:
    path = _renamed(tmp_path, "sentiment-lstm", index_style="bracket")
    labels = {s["key"]: s["label"] for s in
              json.loads(_invoke("run", path, "--format", "json"))["steps"]}  # fmt: skip
    assert labels["s1.dh_3"].startswith("dℒ/dψ[3]")
    assert "𝒞[2]" in labels["s1.dc_2"]


def _worksheet_maths(document: str) -> set[str]:
    """The one-letter identifiers of a worksheet's maths, keys (\\texttt) and the sigmoid's
    definition σ(x) = 1/(1 + e^{-x}) (a dummy variable) left out."""
    document = re.sub(r"\\texttt\{(?:[^{}]|\{[^{}]*\})*\}", " ", document)
    document = document.replace(r"\sigma(x) = 1 / (1 + e^{-x})", " ")
    return _letters(_math_of_latex(document))


@pytest.mark.parametrize("name", ["hello-attention", "sentiment-lstm"])
def test_worksheets_and_keys_print_no_default_letter(tmp_path: Path, name: str) -> None:
    path = _renamed(tmp_path, name, **ALL_RENAMED)
    sheet = tmp_path / "hw.tex"
    _invoke("export", path, "-o", sheet)
    for document in (sheet, tmp_path / "hw-key.tex"):
        text = document.read_text(encoding="utf-8")
        letters = _worksheet_maths(text)
        for default in ("h", "x", "z", "o", "y", "L", "Z", "A", "m"):
            assert default not in letters, (document.name, default)
    assert r"\Upsilon_{1}" in sheet.read_text(encoding="utf-8") or name != "hello-attention"


def test_gradcheck_writes_the_loss_and_the_window_in_the_scenarios_notation(
    tmp_path: Path,
) -> None:
    default = _invoke("gradcheck", _windowed(tmp_path, {}))
    assert "(L(θ + ε) − L(θ − ε)) / 2ε" in default
    assert "each loss L_s with h_(s-k) held at its value" in default.replace("\n", " ")
    text = _invoke("gradcheck", _windowed(tmp_path, RENAMED)).replace("\n", " ")
    assert "(ℒ(θ + ε) − ℒ(θ − ε)) / 2ε" in text and "the total loss is ℒ =" in text
    assert "each loss ℒ_s with ψ_(s-k) held at its value (dℒ_s/dψ_(s-k) taken as 0)" in text
    assert not re.search(r"(?<![A-Za-z_])(L|h)(?=[_(])", re.sub(r"'[^']*'", "", text))
