"""``model.layout: rows`` in LaTeX and Markdown: every vector is written as a row
(``\\begin{bmatrix} a & b & c \\end{bmatrix}``), and each product ``x W`` conforms as
written: a 1×D row times a D×H matrix gives a 1×H row. The shapes are read back from the
printed ``bmatrix``es and compared with the sizes the scenario file states (D = H = 3
embeddings and hidden units, K = 1 output), worked out here, not taken from the printer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import rnntrace
from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.render.worksheet import render_worksheet
from rnntrace._internal.scenario import load_scenario
from rnntrace._internal.symbol import latex

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "sentiment-rows.yaml"
BLOCK = re.compile(r"\\begin\{(align\*|aligned|split)\}(.*?)\\end\{\1\}", re.S)
BMATRIX = re.compile(r"\\begin\{bmatrix\} (.*?) \\end\{bmatrix\}")


def dims(body: str) -> tuple[int, int]:
    """The rows and columns of a ``bmatrix`` body as printed."""
    rows = body.split(r" \\ ")
    widths = {len(row.split(" & ")) for row in rows}
    assert len(widths) == 1, body
    return len(rows), widths.pop()


def groups(document: str) -> list[tuple[str, str]]:
    """Each equation of the displays: its left-hand side and the rest (continuation rows,
    which start with ``&``, joined to the row they continue)."""
    out: list[tuple[str, str]] = []
    for _, body in BLOCK.findall(document):
        for row in re.split(r" \\\\\n", body.strip()):
            if row.startswith("&") and out:
                out[-1] = (out[-1][0], out[-1][1] + " " + row)
            elif " &" in row:
                lhs, rest = row.split(" &", 1)
                out.append((lhs.strip(), rest))
    return out


def sizes() -> dict[str, int]:
    """D, H and K as the scenario file states them (the embeddings, b_h, b_y)."""
    data = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    embeddings = data["input"]["embeddings"]
    return {
        "D": len(next(iter(embeddings.values()))),
        "H": len(data["params"]["b_h"]),
        "K": len(data["params"]["b_y"]),
    }


def documents() -> dict[str, str]:
    trace = rnntrace.trace(SCENARIO)
    return {
        f"{form}-{layout}": render(trace, layout=layout)
        for form, render in (("latex", rnntrace.to_latex), ("markdown", rnntrace.to_markdown))
        for layout in ("standard", "seed")
    }


DOCUMENTS = documents()
TRACE = rnntrace.trace(SCENARIO)


def value_dims(document: str, symbol: str) -> list[tuple[int, int]]:
    """The shape of the value written last in every equation whose left side is ``symbol``
    (or ends with it, as the seed layout's ``∂L/∂b_h += δz_6``)."""
    found = []
    for lhs, rest in groups(document):
        if lhs == symbol or lhs.endswith("= " + symbol):
            matrices = BMATRIX.findall(rest)
            if matrices:
                found.append(dims(matrices[-1]))
    return found


def given_dims(document: str, symbol: str) -> tuple[int, int]:
    """The shape of a given parameter or initial state, as the parameters list writes it
    (``W_{xh} &= [...] \\qquad W_{hh} = [...]``)."""
    pattern = re.escape(symbol) + r" &?= \\begin\{bmatrix\} (.*?) \\end\{bmatrix\}"
    match = re.search(r"(?:^|\\qquad )" + pattern, document, re.M)
    assert match is not None, symbol
    return dims(match.group(1))


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_vector_valued_step_is_a_row(name: str) -> None:
    document = DOCUMENTS[name]
    seen = set()
    for step in TRACE.steps:
        if step.value.ndim != 1 or step.value.size == 1:
            continue
        symbol = latex(step.symbol, name.startswith("markdown"))
        for shape in value_dims(document, symbol):
            assert shape == (1, step.value.size), (name, step.key, symbol, shape)
            seen.add(step.op)
    # inputs, pre-activations, states, deltas and the biases' contributions were all checked
    assert {"input", "vecmat", "add", "activation"} <= seen, seen


@pytest.mark.parametrize("name", DOCUMENTS)
def test_the_bias_is_a_row_among_the_parameters(name: str) -> None:
    assert given_dims(DOCUMENTS[name], "b_{h}") == (1, sizes()["H"]), name


@pytest.mark.parametrize("name", DOCUMENTS)
def test_each_product_x_W_conforms_as_written(name: str) -> None:
    """(1×D)(D×H) = 1×H for x_t W_xh, (1×H)(H×H) for h W_hh, (1×H)(H×K) for h W_hy."""
    document, mathjax = DOCUMENTS[name], name.startswith("markdown")
    n = sizes()
    want = {"W_xh": (n["D"], n["H"]), "W_hh": (n["H"], n["H"]), "W_hy": (n["H"], n["K"])}
    matrices = {key: given_dims(document, latex(TRACE[key].symbol, mathjax)) for key in want}
    assert matrices == want, name
    checked = 0
    for step in TRACE.steps:
        if step.op != "vecmat" or step.phase != "forward" or not step.key.startswith("s1."):
            continue
        vector, matrix = step.operands
        symbol = latex(TRACE[vector].symbol, mathjax)
        left = value_dims(document, symbol) or [given_dims(document, symbol)]
        assert left, (name, vector)
        rows, columns = matrices[matrix]
        assert all(shape == (1, rows) for shape in left), (name, vector, left, matrices[matrix])
        if columns > 1:
            product = value_dims(document, latex(step.symbol, mathjax))
            assert product and all(p == (1, columns) for p in product), (name, step.key)
        checked += 1
    assert checked >= 12, checked  # x W_xh and h W_hh at 6 steps, h_6 W_hy


def test_the_worksheet_writes_embeddings_and_answer_blanks_as_rows() -> None:
    """The sheet's embeddings (token ↦ row, not a transposed column) and each vector's
    blanks in a row of H."""
    H = sizes()["H"]
    trace = trace_scenario(load_scenario(SCENARIO))
    sheet = "".join(render_worksheet(trace, trace.default_questions()))
    embeddings = re.findall(r"&\\mapsto \\begin\{bmatrix\} (.*?) \\end\{bmatrix\}(\S*)", sheet)
    assert embeddings and all(dims(body) == (1, sizes()["D"]) for body, _ in embeddings)
    assert all(after != r"^\top" for _, after in embeddings), embeddings
    for t in (1, 2):
        blanks = re.search(re.escape(f"h_{{{t}}} &= ") + BMATRIX.pattern, sheet)
        assert blanks is not None and dims(blanks.group(1)) == (1, H), t
