"""Symbols are data: trees rendered to LaTeX and Unicode, checked against strings written
by hand here (not against the old regex converter), notation parsed once, hostile notation
refused, and no printer reading labels or another printer's output."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
import yaml
from texbuild import compile_all
from topology_oracles import KINDS, random_config, to_doc

from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.errors import ScenarioError
from rnntrace._internal.scenario.load import load_scenario
from rnntrace._internal.scenario.notation import check_notation, parse_notation
from rnntrace._internal.symbol import latex, text
from rnntrace._internal.symbol.tree import (
    Apply,
    Command,
    Delimited,
    Delta,
    Derivative,
    Group,
    Name,
    PartMark,
    Primed,
    Row,
    Scripted,
    Styled,
    Time,
    Transposed,
    indices,
    op,
    paren,
    retimed,
    row,
    shifted,
    sub,
    upright,
    with_sup,
)

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
W_hh = sub("W", "hh")
W_enc = with_sup(W_hh, PartMark("enc."))

CASES = [  # (tree, LaTeX, Unicode), all written out by hand
    (sub("h", 3), "h_{3}", "h_3"),
    (sub("h", 3, "dec."), "h^{dec}_{3}", "h^dec_3"),
    (sub("h", 2, "fw."), r"h^{\rightarrow}_{2}", "h^→_2"),
    (sub("h", 2, "bw."), r"h^{\leftarrow}_{2}", "h^←_2"),
    (sub("z", 1, "l2."), "z^{(2)}_{1}", "z^(2)_1"),
    (sub("a", indices("f", 3), "enc."), "a^{enc}_{f,3}", "a^enc_f,3"),
    (W_enc, "W_{hh}^{enc}", "W_hh^enc"),
    (Transposed(W_hh), r"W_{hh}^\top", "W_hhᵀ"),
    (Transposed(W_enc), r"{W_{hh}^{enc}}^\top", "W_hh^encᵀ"),  # no double superscript
    (Transposed(Scripted(sub("W", "f"), sub=Name("[h]"))), r"{W_{f}}_{[h]}^\top", "W_f_[h]ᵀ"),
    (Primed(W_enc), "{W_{hh}^{enc}}'", "W_hh^enc'"),
    (Primed(Primed(Name("W"))), "W''", "W''"),
    (sub(Styled("hat", Name("y")), 6), r"\hat{y}_{6}", "y\u0302_6"),
    (sub(Styled("tilde", Name("h")), 2, "enc."), r"\tilde{h}^{enc}_{2}", "h\u0303^enc_2"),
    (Styled("bar", Name("x")), r"\bar{x}", "x\u0304"),
    (sub("alpha", indices(3, "1")), r"\alpha_{3,1}", "α_3,1"),
    (Delta(sub("z", 3)), r"\delta z_{3}", "δz_3"),
    (
        row(Delta(sub("z", 2)), Transposed(Group(sub("x", 2)))),
        r"\delta z_{2} {x_{2}}^\top",
        "δz_2 x_2ᵀ",
    ),
    (Derivative(Name("L"), W_hh), r"\frac{\partial L}{\partial W_{hh}}", "∂L/∂W_hh"),
    (
        Derivative(with_sup(Name("L"), Name("(2)")), sub("b", "y")),
        r"\frac{\partial L^{(2)}}{\partial b_{y}}",
        "∂L^(2)/∂b_y",
    ),  # sequence 2 of several
    (Apply(Primed(Name("f")), sub("z", 4)), "f'(z_{4})", "f'(z_4)"),
    (Delta(Apply(Command("tanh"), sub("c", 1))), r"\delta \tanh(c_{1})", "δtanh(c_1)"),
    (paren(Name("1"), op("-"), sub("z", 2)), "(1 - z_{2})", "(1 − z_2)"),
    (row(sub("r", 1), op("odot"), sub("h", 0)), r"r_{1} \odot h_{0}", "r_1 ⊙ h_0"),
    (Delimited("bracket", Row((sub("h", 0), sub("x", 1)), ", ")), "[h_{0}, x_{1}]", "[h_0, x_1]"),
    (Delimited("norm", Name("g")), r"\lVert g \rVert", "‖ g ‖"),
    (
        Delta(Scripted(Group(sub("c", 2)), sup=upright("next"))),
        r"\delta {c_{2}}^{\mathrm{next}}",
        "δc_2^next",
    ),
    (sub(Name("0"), upright("cut")), r"0_{\mathrm{cut}}", "0_cut"),
    (Scripted(Name("S"), sub=Time(4), sup=Name("A"), sup_first=True), "S^{A}_{4}", "S^A_4"),
    (Scripted(Name("W"), sub=Name("xh")), "W_{xh}", "W_xh"),  # a multi-character subscript
]


@pytest.mark.parametrize(("tree", "tex", "plain"), CASES)
def test_a_symbol_tree_prints_as_written_by_hand(tree, tex, plain):
    assert latex(tree) == tex
    assert text(tree) == plain


NOTATION = [  # user LaTeX -> (LaTeX printed back, Unicode)
    ("W_{ho}", "W_{ho}", "W_ho"),
    ("b_o", "b_o", "b_o"),
    (r"\mathbf{W}_{hh}", r"\mathbf{W}_{hh}", "W_hh"),
    (r"\mathbf W", r"\mathbf W", "W"),
    (r"\hat{W}", r"\hat{W}", "W\u0302"),
    (r"\boldsymbol{\theta}", r"\boldsymbol{\theta}", "θ"),
    (r"\alpha_t", r"\alpha_t", "α_t"),
    (r"\Omega_{xy}", r"\Omega_{xy}", "Ω_xy"),
    ("{V^{2}}", "{V^{2}}", "V^2"),
    ("W'", "W'", "W'"),
    (r"\tilde{c}_{t-1}", r"\tilde{c}_{t-1}", "c\u0303_(t−1)"),
]


@pytest.mark.parametrize(("source", "tex", "plain"), NOTATION)
def test_notation_is_parsed_once_into_a_tree_that_prints_back(source, tex, plain):
    assert check_notation(source) is None
    tree = parse_notation(source)
    assert latex(tree) == tex
    assert text(tree) == plain


def test_a_part_mark_on_user_notation_never_makes_a_double_script():
    tree = with_sup(parse_notation("{V^{2}}"), PartMark("dec."))
    assert latex(Transposed(tree)) == r"{{V^{2}}^{dec}}^\top"
    assert latex(Transposed(with_sup(parse_notation("W_{ho}"), PartMark("l1.")))) == (
        r"{W_{ho}^{(1)}}^\top"
    )


def test_an_unrolled_symbol_is_its_template_moved_in_time():
    template = row(Transposed(W_hh), Delta(sub("z", indices("f", 2))), sub("h", 1))
    moved = shifted(template, 5)
    assert latex(moved) == r"W_{hh}^\top \delta z_{f,7} h_{6}"
    assert moved == retimed(template, 5) and hash(moved) == hash(retimed(template, 5))


HOSTILE = [
    r"\input{/etc/passwd}", r"\write18{rm -rf /}", r"W^^5c", r"\def\x{1}", r"\catcode",
    "W<script>", '<b onmouseover="x">', "W$", r"W\\", "W\n", "W%", "`W`", r"\immediate",
]  # fmt: skip


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_notation_is_refused(source):
    assert check_notation(source) is not None


def test_hostile_notation_in_a_scenario_fails_at_load_with_file_line_column(tmp_path):
    text_ = (ROOT / "scenarios" / "hello.yaml").read_text()
    path = tmp_path / "bad.yaml"
    path.write_text(text_ + "notation:\n  W_hh: \\input{/etc/passwd}\n")
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert re.search(r"bad\.yaml:\d+:\d+: notation\.W_hh: \\input is not allowed", str(error.value))


def test_a_name_cannot_carry_markup_or_tex_specials():
    for bad in ("<b>", "\\x", "a{b}", "$", "a_b", "x y", "`"):
        with pytest.raises(ValueError):
            Name(bad)
    with pytest.raises(ValueError):
        Command("input")
    with pytest.raises(ValueError):
        Styled("write", Name("x"))


def _random_scenarios(tmp_path: Path) -> list[Path]:
    """Every topology and cell, with truncated BPTT, clipping and weight decay."""
    paths = []
    for n, (kind, cell) in enumerate(itertools.product(KINDS, ("rnn", "lstm", "gru"))):
        doc = to_doc(random_config(n, kind, cell))
        doc.setdefault("train", {}).update({"bptt": 1 + n % 2, "clip": 0.5, "l2": 0.01})
        paths.append(tmp_path / f"{n}.yaml")
        paths[-1].write_text(yaml.safe_dump(doc), encoding="utf-8")
    return paths


def test_every_symbol_of_every_topology_and_cell_compiles(tmp_path):
    symbols = set()
    for path in SCENARIOS + _random_scenarios(tmp_path):
        for step in trace_scenario(load_scenario(path)):
            assert not isinstance(step.symbol, str), step.key
            symbols.add(latex(step.symbol))
    assert any("^{dec}" in s for s in symbols) and any("^{(2)}" in s for s in symbols)
    body = "\n".join(f"${s}$\\par" for s in sorted(symbols))
    document = (
        "\\documentclass{article}\\usepackage{amsmath,amssymb,bm}\n"
        f"\\begin{{document}}\n{body}\n\\end{{document}}\n"
    )
    built = compile_all(tmp_path, {"symbols": document})["symbols"]
    assert built.pdf is not None, built.errors()


def test_steps_carry_their_part_and_whether_they_were_given():
    trace = trace_scenario(load_scenario(ROOT / "scenarios" / "seq2seq.yaml"))
    parts = {step.part for step in trace}
    assert {"enc.", "dec."} <= parts
    assert trace["enc.h_1"].part == "enc." and trace["L"].part == ""
    hello = trace_scenario(load_scenario(ROOT / "scenarios" / "hello.yaml"))
    assert "h_0" in hello and hello["h_0"].given is (
        "h_0" in load_scenario(ROOT / "scenarios" / "hello.yaml").given
    )


# -- architecture: printers build labels from data and never parse symbols ------------------
RENDER = ROOT / "rnntrace" / "_internal" / "render"


def test_no_printer_searches_or_splits_a_label():
    for path in RENDER.glob("*.py"):
        source = path.read_text()
        assert "in step.label" not in source, path.name
        assert ".label.split" not in source, path.name
        assert not re.search(r"in \w+\[[^]]+\]\.label", source), path.name


def test_no_printer_repairs_or_regex_parses_symbols():
    assert not (RENDER / "texfix.py").exists()
    for path in RENDER.glob("*.py"):
        source = path.read_text()
        assert "fix_scripts" not in source, path.name
        assert not re.search(r"re\.\w+\([^\n]*symbol", source), path.name
    for name in ("text_base.py", "text_steps.py", "latex_base.py", "latex_steps.py", "json.py"):
        assert "to_text" not in (RENDER / name).read_text(), name


def test_a_shifted_symbols_latex_is_that_of_the_tree_retimed():
    """An unrolled step's symbol (``Shifted``) is written from a template of its body: the
    same LaTeX as the new tree with every time index moved, for every shift."""
    from rnntrace._internal.symbol import tree
    from rnntrace._internal.symbol.latex import latex

    Name, Time, Row, Scripted = tree.Name, tree.Time, tree.Row, tree.Scripted

    h = Scripted(Name("h"), sub=Time(2), sup=tree.PartMark("enc."), sup_first=True)
    bodies = [
        h,
        Row((Name("W"), tree.Command("odot"), Scripted(Name("x"), sub=Time(1)))),
        Row((Scripted(Name("z"), sub=Row((Name("f"), Time(3)), ",")), Time(0)), ","),
        tree.Styled("mathrm", Time(4), braced=False),
        Scripted(Name("10000000000123"), sub=Time(1)),  # digits that look like a mark
    ]
    for body in bodies:
        for by in (0, 1, 7, 99_998, 10**6, -1, -2):
            for mathjax in (False, True):
                shifted, retimed = tree.Shifted(body, by), tree.retimed(body, by)
                assert latex(shifted, mathjax) == latex(retimed, mathjax)
