"""``--layout seed`` (issue 13): each stage of a time step one ``split`` block, forward in
seed 002's order (A_{t,i} one line each, α_t, Z_t, Ω_t = o_t, ŷ_t, L_t), BPTT in seed 000's
order (δo, the output layer's gradients, then δh, δz and the contributions to W_xh, W_hh
and b_h step by step, then the sums).

The oracle is numpy written here from the seeds' equations: A_{t,i} = h_i·h_t, α_t =
softmax(A_t), Z_t = Σ_i α_{t,i} h_i, Ω_t = V Z_t + c, ŷ_t = softmax(Ω_t), L_t = −log ŷ_t[y]
and their exact derivatives. The result of every equation in every block is parsed from
the printed LaTeX (and Markdown) and compared with it; the blocks' order is checked from
their left-hand sides. The documents compile with pdflatex (skipped where TeX Live is
missing, failed instead under RNNTRACE_REQUIRE_ORACLES=1).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from texbuild import compile_all

ROOT = Path(__file__).resolve().parent.parent
ATTENTION = ROOT / "scenarios" / "hello-attention.yaml"
SENTIMENT = ROOT / "scenarios" / "sentiment.yaml"
DECIMALS = 6
TOLERANCE = 0.5 * 10.0**-DECIMALS + 1e-12  # a number printed to 6 decimals, or exactly
LATEX_BLOCK = re.compile(
    r"\\begin\{equation\*\}\n\\begin\{split\}\n(.*?)\n\\end\{split\}\n\\end\{equation\*\}", re.S
)
MARKDOWN_BLOCK = re.compile(r"\$\$\n\\begin\{split\}\n(.*?)\n\\end\{split\}\n\$\$", re.S)


def rnntrace(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rnntrace", *args], capture_output=True, text=True, timeout=300
    )


def seed_output(scenario: Path, fmt: str = "latex", *extra: str) -> str:
    done = rnntrace("run", str(scenario), "--format", fmt, "--layout", "seed", "--carry",
                    "exact", "--decimals", str(DECIMALS), *extra)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


# -- reading the printed blocks ----------------------------------------------------------------


def equations(block: str) -> list[tuple[str, str]]:
    """The equations of a split block: (left-hand side, the rest), rows after the first
    of an equation (``&= ...``) joined to it."""
    out: list[tuple[str, str]] = []
    for row in block.split(" \\\\\n"):
        lhs, _, rhs = row.partition("&")
        if lhs.strip():
            out.append((lhs.strip(), rhs))
        else:
            out[-1] = (out[-1][0], out[-1][1] + " " + rhs)
    return out


def result(rhs: str) -> np.ndarray:
    """The number, vector or matrix after an equation's last ``=`` or ``\\approx``."""
    tail = re.split(r"=|\\approx", rhs)[-1]
    tail = re.sub(r"\\quad \\text\{\([^)]*\)\}", "", tail).strip()
    body = re.fullmatch(r"\\begin\{bmatrix\}(.*)\\end\{bmatrix\}", tail)
    if body is None:
        return np.array(float(tail))
    rows = [[float(cell) for cell in row.split("&")] for row in body.group(1).split(r"\\")]
    return np.array(rows)


def blocks(text: str, pattern: re.Pattern[str]) -> list[list[tuple[str, str]]]:
    return [equations(block) for block in pattern.findall(text)]


def sections(text: str) -> dict[str, str]:
    """The text under each part heading (LaTeX ``\\subsection*``), by its first words."""
    parts = re.split(r"\\subsection\*\{", text)[1:]
    return {part.split("}", 1)[0][:12]: part for part in parts}


def check_numbers(found: list[list[tuple[str, str]]], reference: dict[str, np.ndarray]) -> int:
    """Every equation's result equals the reference of its left-hand side (a row of a
    product, ``\\left(W x\\right)_{i}``, the reference's entry i); returns how many."""
    checked = 0
    for block in found:
        for lhs, rhs in block:
            entry = re.fullmatch(r"\\left\((.*)\\right\)_\{(\d+)\}", lhs)
            if entry is not None:
                expected = np.ravel(reference[entry.group(1)])[int(entry.group(2)) - 1]
            else:
                assert lhs in reference, f"no reference for {lhs!r}"
                expected = reference[lhs]
            got = result(rhs)
            assert got.size == np.size(expected), lhs
            assert np.allclose(np.ravel(got), np.ravel(expected), rtol=0, atol=TOLERANCE), (
                lhs,
                got,
                expected,
            )
            checked += 1
    return checked


# -- numpy, from the seeds' equations ------------------------------------------------------------


def softmax(v: np.ndarray) -> np.ndarray:
    e = np.exp(v - v.max())
    return e / e.sum()


DEFAULT_NAMES = {"W_hy": "W_{hy}", "b_y": "b_{y}", "o": "o", "Z": "Z", "A": "A"}


def attention_reference(
    scenario: Path = ATTENTION, names: dict[str, str] | None = None
) -> tuple[dict[str, np.ndarray], list[list[str]]]:
    """hello-attention by hand in numpy: every quantity by the LaTeX it is printed as (with
    ``names``, the LaTeX of renamed W_hy, b_y, o, Z, A), and the blocks' first left-hand
    sides in seed order (forward t = 1..T, backward T..1)."""
    shown = DEFAULT_NAMES | (names or {})
    sV, sc, so, sZ, sA = (shown[key] for key in ("W_hy", "b_y", "o", "Z", "A"))
    doc = yaml.safe_load(scenario.read_text())
    p = {k: np.array(v, dtype=float) for k, v in doc["params"].items()}
    W_xh, W_hh, b_h, V, c = p["W_xh"], p["W_hh"], p["b_h"], p["W_hy"], p["b_y"]
    vocab = doc["input"]["one_hot"]
    tokens, targets = doc["sequences"][0]["tokens"], doc["sequences"][0]["targets"]
    T, H = len(tokens), W_hh.shape[0]
    x = {t: np.eye(len(vocab))[vocab.index(tokens[t - 1])] for t in range(1, T + 1)}
    y = {t: vocab.index(targets[t - 1]) for t in range(1, T + 1)}
    h = {0: np.zeros(H)}
    ref: dict[str, np.ndarray] = {}
    A, alpha, Z, yhat = {}, {}, {}, {}
    for t in range(1, T + 1):
        z = W_xh @ x[t] + W_hh @ h[t - 1] + b_h
        h[t] = np.tanh(z)
        A[t] = np.array([h[i] @ h[t] for i in range(1, t + 1)])  # seed 002: A_{t,i} = h_i·h_t
        alpha[t] = softmax(A[t])
        Z[t] = sum(alpha[t][i - 1] * h[i] for i in range(1, t + 1))
        omega = V @ Z[t] + c  # Ω_t = V Z_t + c
        yhat[t] = softmax(omega)
        ref.update({
            f"x_{{{t}}}": x[t], f"W_{{xh}} x_{{{t}}}": W_xh @ x[t],
            f"W_{{hh}} h_{{{t - 1}}}": W_hh @ h[t - 1], f"z_{{{t}}}": z, f"h_{{{t}}}": h[t],
            f"e^{{{sA}_{{{t}}}}}": np.exp(A[t]), f"S^{{{sA}}}_{{{t}}}": np.exp(A[t]).sum(),
            f"\\alpha_{{{t}}}": alpha[t], f"{sZ}_{{{t}}}": Z[t], f"{sV} {sZ}_{{{t}}}": V @ Z[t],
            f"{so}_{{{t}}}": omega, f"e^{{{so}_{{{t}}}}}": np.exp(omega),
            f"S_{{{t}}}": np.exp(omega).sum(), f"\\hat{{y}}_{{{t}}}": yhat[t],
            f"L_{{{t}}}": -np.log(yhat[t][y[t]]),
        })  # fmt: skip
        ref.update({f"{sA}_{{{t},{i}}}": A[t][i - 1] for i in range(1, t + 1)})
    ref["L"] = sum(ref[f"L_{{{t}}}"] for t in range(1, T + 1))
    # backward, exact (attention_gradient: exact), the seed-000 way: from t = T down
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    dh_attention = {t: np.zeros(H) for t in range(1, T + 1)}  # what h_t gets via attention
    dz_next = np.zeros(H)
    for t in range(T, 0, -1):
        do = yhat[t] - np.eye(len(c))[y[t]]
        grads["W_hy"] += np.outer(do, Z[t])
        grads["b_y"] += do
        dZ = V.T @ do
        for i in range(1, t + 1):
            dh_attention[i] += alpha[t][i - 1] * dZ  # through the context
        dalpha = np.array([h[i] @ dZ for i in range(1, t + 1)])
        dA = alpha[t] * (dalpha - dalpha @ alpha[t])
        query = sum(dA[i - 1] * h[i] for i in range(1, t + 1))
        dh_attention[t] += query
        for i in range(1, t + 1):
            dh_attention[i] += dA[i - 1] * h[t]  # through the keys
        dh = dh_attention[t] + W_hh.T @ dz_next
        dz = dh * (1 - h[t] ** 2)
        grads["W_xh"] += np.outer(dz, x[t])
        grads["W_hh"] += np.outer(dz, h[t - 1])
        grads["b_h"] += dz
        ref.update({
            f"\\delta {so}_{{{t}}}": do,
            f"\\frac{{\\partial L}}{{\\partial {sV}}} \\mathrel{{+}}= \\delta {so}_{{{t}}} "
            f"{{{sZ}_{{{t}}}}}^\\top": np.outer(do, Z[t]),
            f"\\frac{{\\partial L}}{{\\partial {sc}}} \\mathrel{{+}}= \\delta {so}_{{{t}}}": do,
            f"{sV}^\\top \\delta {so}_{{{t}}}": dZ, f"\\delta \\alpha_{{{t}}}": dalpha,
            f"\\delta {sA}_{{{t}}}": dA, f"\\sum_i \\delta {sA}_{{{t},i}} h_i": query,
            f"W_{{hh}}^\\top \\delta z_{{{t + 1}}}": W_hh.T @ dz_next,
            f"\\delta h_{{{t}}}": dh, f"f'(z_{{{t}}})": 1 - h[t] ** 2, f"\\delta z_{{{t}}}": dz,
            f"\\frac{{\\partial L}}{{\\partial W_{{xh}}}} \\mathrel{{+}}= \\delta z_{{{t}}} "
            f"{{x_{{{t}}}}}^\\top": np.outer(dz, x[t]),
            f"\\frac{{\\partial L}}{{\\partial W_{{hh}}}} \\mathrel{{+}}= \\delta z_{{{t}}} "
            f"{{h_{{{t - 1}}}}}^\\top": np.outer(dz, h[t - 1]),
            f"\\frac{{\\partial L}}{{\\partial b_{{h}}}} \\mathrel{{+}}= \\delta z_{{{t}}}": dz,
            f"W_{{xh}}^\\top \\delta z_{{{t}}}": W_xh.T @ dz,
        })  # fmt: skip
        for i in range(1, t + 1):
            ref[f"\\alpha_{{{t},{i}}} \\delta {sZ}_{{{t}}}"] = alpha[t][i - 1] * dZ
            ref[f"\\delta {sA}_{{{t},{i}}} h_{{{t}}}"] = dA[i - 1] * h[t]
        dz_next = dz
    eta = doc["train"]["learning_rate"]
    for key, grad in grads.items():
        symbol = shown.get(key) or key.replace("_", "_{", 1) + "}"
        ref[f"\\frac{{\\partial L}}{{\\partial {symbol}}}"] = grad
        ref[f"{symbol}'"] = p[key] - eta * grad
    order = [
        [
            f"x_{{{t}}}",
            f"h_{{{t}}}",
            f"{sA}_{{{t},1}}",
            f"e^{{{sA}_{{{t}}}}}",
            f"{sZ}_{{{t}}}",
            f"{sV} {sZ}_{{{t}}}",
            f"e^{{{so}_{{{t}}}}}",
            f"L_{{{t}}}",
        ]
        for t in range(1, T + 1)
    ]
    for t in range(T, 0, -1):
        order.append([
            f"\\delta {so}_{{{t}}}", f"\\frac{{\\partial L}}{{\\partial {sV}}} \\mathrel{{+}}= "
            f"\\delta {so}_{{{t}}} {{{sZ}_{{{t}}}}}^\\top", f"{sV}^\\top \\delta {so}_{{{t}}}",
            f"\\delta {sA}_{{{t}}}", f"\\sum_i \\delta {sA}_{{{t},i}} h_i",
            f"\\delta {sA}_{{{t},1}} h_{{{t}}}",
            f"f'(z_{{{t}}})", f"\\frac{{\\partial L}}{{\\partial W_{{xh}}}} \\mathrel{{+}}= "
            f"\\delta z_{{{t}}} {{x_{{{t}}}}}^\\top", f"W_{{xh}}^\\top \\delta z_{{{t}}}",
        ])  # fmt: skip
    return ref, order


def firsts(found: list[list[tuple[str, str]]]) -> list[str]:
    return [block[0][0] for block in found]


# -- hello-attention ------------------------------------------------------------------------------


def test_attention_seed_layout_latex_prints_the_numpy_reference_block_by_block() -> None:
    reference, order = attention_reference()
    found = blocks(seed_output(ATTENTION), LATEX_BLOCK)
    assert check_numbers(found, reference) >= 100
    flat = [lhs for part in order for lhs in part]
    shown = [lhs for lhs in firsts(found) if lhs in flat]
    assert shown == flat  # every stage's block, in seed 002's and seed 000's order
    by_first = {block[0][0]: [lhs for lhs, _ in block] for block in found}
    assert by_first["A_{4,1}"] == ["A_{4,1}", "A_{4,2}", "A_{4,3}", "A_{4,4}"]  # one line per i
    assert by_first["e^{o_{2}}"] == ["e^{o_{2}}", "S_{2}", r"\hat{y}_{2}"]
    assert by_first["x_{2}"] == ["x_{2}", "W_{xh} x_{2}", "W_{hh} h_{1}", "z_{2}"]
    contributions = by_first[
        r"\frac{\partial L}{\partial W_{xh}} \mathrel{+}= \delta z_{3} {x_{3}}^\top"
    ]
    assert [lhs.split(r" \mathrel")[0] for lhs in contributions] == [
        r"\frac{\partial L}{\partial W_{xh}}",
        r"\frac{\partial L}{\partial W_{hh}}",
        r"\frac{\partial L}{\partial b_{h}}",
    ]
    sums = firsts(found)[-10:-5]  # the sums over time, then the update
    assert sums[0] == r"\frac{\partial L}{\partial W_{xh}}"


def test_attention_seed_layout_markdown_has_the_same_blocks_and_numbers() -> None:
    reference, _ = attention_reference()
    latex = blocks(seed_output(ATTENTION), LATEX_BLOCK)
    markdown = blocks(seed_output(ATTENTION, "markdown"), MARKDOWN_BLOCK)
    assert firsts(markdown) == firsts(latex)
    assert check_numbers(markdown, reference) == check_numbers(latex, reference)


# -- sentiment (seed 000's BPTT) ----------------------------------------------------------------

GRAD = r"\frac{{\partial L{of}}}{{\partial {p}}}"
PLUS = r"\frac{{\partial L}}{{\partial {p}}} \mathrel{{+}}= "


def sentiment_reference() -> tuple[dict[str, dict[str, np.ndarray]], list[list[str]]]:
    """The two reviews by hand in numpy (tanh RNN, sigmoid output at the last step, binary
    cross-entropy): the reference of each part of the document, and the blocks of review
    1's BPTT (their left-hand sides) in seed 000's order."""
    doc = yaml.safe_load(SENTIMENT.read_text())
    p = {k: np.array(v, dtype=float) for k, v in doc["params"].items()}
    W_xh, W_hh, b_h, W_ho, b_o = p["W_xh"], p["W_hh"], p["b_h"], p["W_hy"], p["b_y"]
    names = {"W_xh": "W_{xh}", "W_hh": "W_{hh}", "b_h": "b_{h}", "W_hy": "W_{ho}", "b_y": "b_o"}
    parts: dict[str, dict[str, np.ndarray]] = {}
    total = {k: np.zeros_like(v) for k, v in p.items()}
    losses = []
    for k, sequence in enumerate(doc["sequences"], start=1):
        xs = [
            np.array(doc["input"]["embeddings"][w], dtype=float) for w in sequence["tokens"].split()
        ]
        T, label = len(xs), float(sequence["label"])
        x = dict(enumerate(xs, start=1))
        h = {0: np.zeros(3)}
        ref: dict[str, np.ndarray] = {}
        for t in range(1, T + 1):
            z = W_xh @ x[t] + W_hh @ h[t - 1] + b_h
            h[t] = np.tanh(z)
            ref.update({f"x_{{{t}}}": x[t], f"W_{{xh}} x_{{{t}}}": W_xh @ x[t],
                        f"W_{{hh}} h_{{{t - 1}}}": W_hh @ h[t - 1], f"z_{{{t}}}": z,
                        f"h_{{{t}}}": h[t]})  # fmt: skip
        o = W_ho @ h[T] + b_o
        yhat = 1 / (1 + np.exp(-o))
        loss = -(label * np.log(yhat) + (1 - label) * np.log(1 - yhat))
        losses.append(float(loss[0]))
        ref.update({f"W_{{ho}} h_{{{T}}}": W_ho @ h[T], f"o_{{{T}}}": o,
                    rf"\hat{{y}}_{{{T}}}": yhat, f"L_{{{T}}}": loss,
                    f"L^{{({k})}}": loss})  # fmt: skip
        grads = {key: np.zeros_like(v) for key, v in p.items()}
        do = yhat - label  # dL/do of sigmoid and BCE together
        grads["W_hy"] += np.outer(do, h[T])
        grads["b_y"] += do
        ref.update({rf"\delta o_{{{T}}}": do,
                    PLUS.format(p="W_{ho}") + rf"\delta o_{{{T}}} {{h_{{{T}}}}}^\top":
                    np.outer(do, h[T]),
                    PLUS.format(p="b_o") + rf"\delta o_{{{T}}}": do,
                    rf"W_{{ho}}^\top \delta o_{{{T}}}": W_ho.T @ do})  # fmt: skip
        dh = W_ho.T @ do
        for t in range(T, 0, -1):
            dz = dh * (1 - h[t] ** 2)
            grads["W_xh"] += np.outer(dz, x[t])
            grads["W_hh"] += np.outer(dz, h[t - 1])
            grads["b_h"] += dz
            ref.update({
                rf"\delta h_{{{t}}}": dh, f"f'(z_{{{t}}})": 1 - h[t] ** 2, rf"\delta z_{{{t}}}": dz,
                PLUS.format(p="W_{xh}") + rf"\delta z_{{{t}}} {{x_{{{t}}}}}^\top":
                np.outer(dz, x[t]),
                PLUS.format(p="W_{hh}") + rf"\delta z_{{{t}}} {{h_{{{t - 1}}}}}^\top":
                np.outer(dz, h[t - 1]),
                PLUS.format(p="b_{h}") + rf"\delta z_{{{t}}}": dz,
                rf"W_{{xh}}^\top \delta z_{{{t}}}": W_xh.T @ dz,
                rf"W_{{hh}}^\top \delta z_{{{t}}}": W_hh.T @ dz,
            })  # fmt: skip
            dh = W_hh.T @ dz
        for key, grad in grads.items():
            ref[GRAD.format(of=f"^{{({k})}}", p=names[key])] = grad
            total[key] += grad
        parts[f"Sequence {k}: "] = ref
    eta = doc["train"]["learning_rate"]
    parts["All sequence"] = {"L": np.array(sum(losses))} | {
        GRAD.format(of="", p=names[key]): grad for key, grad in total.items()
    }
    parts["Update: one "] = {f"{names[key]}'": p[key] - eta * grad for key, grad in total.items()}
    T = len(doc["sequences"][0]["tokens"].split())
    order = [[r"\delta o_{6}"],
             [PLUS.format(p="W_{ho}") + r"\delta o_{6} {h_{6}}^\top",
              PLUS.format(p="b_o") + r"\delta o_{6}"],
             [r"W_{ho}^\top \delta o_{6}", r"\delta h_{6}"]]  # fmt: skip
    for t in range(T, 0, -1):
        if t < T:
            order.append([rf"W_{{hh}}^\top \delta z_{{{t + 1}}}", rf"\delta h_{{{t}}}"])
        order += [
            [f"f'(z_{{{t}}})", rf"\delta z_{{{t}}}"],
            [PLUS.format(p="W_{xh}") + rf"\delta z_{{{t}}} {{x_{{{t}}}}}^\top",
             PLUS.format(p="W_{hh}") + rf"\delta z_{{{t}}} {{h_{{{t - 1}}}}}^\top",
             PLUS.format(p="b_{h}") + rf"\delta z_{{{t}}}"],
            [rf"W_{{xh}}^\top \delta z_{{{t}}}"],
        ]  # fmt: skip
    order += [[GRAD.format(of="^{(1)}", p=name)] for name in names.values()]
    return parts, order


def test_sentiment_seed_layout_follows_seed_000_and_prints_the_numpy_reference() -> None:
    reference, order = sentiment_reference()
    parts = sections(seed_output(SENTIMENT))
    checked = 0
    for name, expected in reference.items():
        checked += check_numbers(blocks(parts[name], LATEX_BLOCK), expected)
    assert checked >= 150
    first = blocks(parts["Sequence 1: "], LATEX_BLOCK)
    backward = [[lhs for lhs, _ in block] for block in first]
    start = backward.index([r"\delta o_{6}"])
    assert backward[start:] == order  # seed 000: δo, output layer, then back through time, sums
    forward = [block[0] for block in backward[:start]]
    assert forward[-5:] == ["h_{6}", r"W_{ho} h_{6}", r"\hat{y}_{6}", "L_{6}", "L^{(1)}"]


# -- the documents compile; the model's sentences --------------------------------------------------


def test_seed_layout_documents_compile_with_pdflatex(tmp_path: Path) -> None:
    documents = {}
    for scenario in (ATTENTION, SENTIMENT):
        done = rnntrace("run", str(scenario), "--format", "latex", "--layout", "seed",
                        "--standalone")  # fmt: skip
        assert done.returncode == 0, done.stderr
        documents[scenario.stem] = done.stdout
    key = tmp_path / "key.tex"
    done = rnntrace("export", str(ATTENTION), "-o", str(key), "--key", "--layout", "seed")
    assert done.returncode == 0, done.stderr
    documents["key"] = key.read_text()
    assert r"\begin{split}" in documents["key"]
    for name, built in compile_all(tmp_path / "tex", documents).items():
        assert built.pdf is not None, (name, built.errors())
        assert built.overfull() == [], name


def constant_weights(tmp_path: Path) -> Path:
    text = ATTENTION.read_text()
    assert "attention_gradient: exact" in text
    path = tmp_path / "constant.yaml"
    path.write_text(
        text.replace("attention_gradient: exact", "attention_gradient: constant_weights")
    )
    return path


@pytest.mark.parametrize("fmt", ["latex", "markdown"])
@pytest.mark.parametrize("layout", ["standard", "seed"])
def test_attention_model_sentence_reads_the_context_and_states_constant_weights(
    tmp_path: Path, fmt: str, layout: str
) -> None:
    exact = rnntrace("run", str(ATTENTION), "--format", fmt, "--layout", layout).stdout
    assert r"$o_t = W_{hy} Z_t + b_{y}$" in exact  # seed 002's Ω_t = V Z_t + c
    assert r"o_t = W_{hy} h_t" not in exact
    assert "held constant" not in exact.split("Parameters")[0]
    held = rnntrace("run", str(constant_weights(tmp_path)), "--format", fmt, "--layout", layout)
    head = held.stdout.split("Parameters")[0]
    code = (
        "`attention_gradient: constant_weights`"
        if fmt == "markdown"
        else (r"\texttt{attention{\char95}gradient:\ constant{\char95}weights}")
    )
    assert (
        f"Convention ({code}): the attention weights are held constant in the backward pass; "
        "the path through the scores is left out, so the gradients are not the exact ones."
    ) in head


def test_standard_layout_is_the_default_output() -> None:
    for fmt in ("latex", "markdown"):
        plain = rnntrace("run", str(SENTIMENT), "--format", fmt).stdout
        assert (
            rnntrace("run", str(SENTIMENT), "--format", fmt, "--layout", "standard").stdout == plain
        )
        assert r"\begin{split}" not in plain


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["run", str(ATTENTION), "--layout", "seed"],
         "--layout seed goes with --format latex or markdown"),
        (["run", str(ATTENTION), "--format", "html", "--layout", "seed"], "latex or markdown"),
        (["export", str(ATTENTION), "--format", "html", "--layout", "seed"],
         "--layout seed goes with --format latex"),
    ],
)  # fmt: skip
def test_seed_layout_is_refused_with_other_formats(command: list[str], message: str) -> None:
    done = rnntrace(*command)
    assert done.returncode == 2
    assert message in done.stderr


# -- the seed's own notation (issue 13: any quantity renamed) -------------------------------------

SEED_002_NOTATION = {
    "W_hy": "V",
    "b_y": "c",
    "o": r"\Omega",
    "Z": r"\mathcal{Z}",
    "A": r"\mathcal{A}",
}


def test_attention_seed_layout_in_the_seeds_notation_prints_the_numpy_reference(
    tmp_path: Path,
) -> None:
    doc = yaml.safe_load(ATTENTION.read_text())
    doc["notation"] = SEED_002_NOTATION
    scenario = tmp_path / "seed-002.yaml"
    scenario.write_text(yaml.safe_dump(doc, sort_keys=False))
    reference, order = attention_reference(scenario, SEED_002_NOTATION)
    latex = seed_output(scenario)
    assert r"$\Omega_t = V \mathcal{Z}_t + c$" in latex  # seed 002's Ω_t = V Z_t + c
    for text, pattern in (
        (latex, LATEX_BLOCK),
        (seed_output(scenario, "markdown"), MARKDOWN_BLOCK),
    ):
        found = blocks(text, pattern)
        assert check_numbers(found, reference) >= 100  # every block's every result
        flat = [lhs for part in order for lhs in part]
        assert [lhs for lhs in firsts(found) if lhs in flat] == flat
        by_first = {block[0][0]: [lhs for lhs, _ in block] for block in found}
        assert by_first[r"\mathcal{A}_{3,1}"] == [rf"\mathcal{{A}}_{{3,{i}}}" for i in (1, 2, 3)]


def test_every_bundled_scenario_compiles_in_the_seed_layout(tmp_path: Path) -> None:
    """Every cell, topology and technique of the bundled scenarios, each stage a split
    block that pdflatex accepts and that stays on the page."""
    from rnntrace._internal.engine import trace_scenario
    from rnntrace._internal.render.latex import render_latex
    from rnntrace._internal.render.latex_base import LatexSettings
    from rnntrace._internal.scenario import load_scenario

    settings = LatexSettings(layout="seed")
    documents = {}
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        trace = trace_scenario(load_scenario(path))
        documents[path.stem] = "".join(render_latex(trace, settings=settings, standalone=True))
        assert r"\begin{align*}" not in documents[path.stem].split(r"\subsection*{Sequence")[1]
    for name, built in compile_all(tmp_path, documents).items():
        assert built.pdf is not None, (name, built.errors())
        assert built.overfull() == [], name
