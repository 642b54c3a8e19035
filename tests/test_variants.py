"""Per-student variants: reproducible from the seed (and, for a roster, from each student's
id alone), distinct, on the scenario's grid, and nice — each rule checked on a case that
breaks it, and draws that break it redrawn. Grading a class against a manifest: each
student against their own variant, with the numbers typed in computed independently
(the numpy reference of ``verify_reference``, run on each variant's scenario file)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from verify_reference import student_values

from rnntrace._internal.cli import cli
from rnntrace._internal.scenario.model_more import Grid
from rnntrace._internal.symbol.label import Label
from rnntrace._internal.trace import Step, Trace
from rnntrace._internal.variants import NiceRules, VariantMaker, first_problem
from rnntrace._internal.variants.draw import draw, generator, own_grid

ROOT = Path(__file__).resolve().parent.parent
SENTIMENT = ROOT / "scenarios" / "sentiment.yaml"
HELLO = ROOT / "scenarios" / "hello.yaml"


def invoke(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


def vary(tmp_path: Path, name: str, *options: object) -> Path:
    out = tmp_path / name
    result = invoke("vary", SENTIMENT, "-o", out, "--jobs", "1", *options)
    assert result.exit_code == 0, result.output
    return out


def files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def body(scenario_text: str) -> str:
    """A variant's scenario without its header and title (which name the student)."""
    return "\n".join(
        line for line in scenario_text.splitlines()
        if not line.startswith("#") and not line.startswith("title:")
    )  # fmt: skip


# -- reproducible and distinct --------------------------------------------------------------
def test_the_same_seed_gives_the_same_bytes(tmp_path):
    first = files(vary(tmp_path, "a", "--count", "4", "--seed", "11"))
    again = files(vary(tmp_path, "b", "--count", "4", "--seed", "11"))
    assert first == again and "manifest.yaml" in first and "3/hw-key.tex" in first
    other = files(vary(tmp_path, "c", "--count", "4", "--seed", "12"))
    assert other["1/scenario.yaml"] != first["1/scenario.yaml"]


def test_a_students_variant_depends_on_the_seed_and_their_id_only(tmp_path):
    (tmp_path / "one.csv").write_text("name,student_id\nAnn,s1\nBo,s2\nCy,s3\n")
    (tmp_path / "two.csv").write_text("student_id\ns3\nzz\n")
    one = vary(tmp_path, "one", "--roster", tmp_path / "one.csv", "--seed", "5")
    two = vary(tmp_path, "two", "--roster", tmp_path / "two.csv", "--seed", "5")
    assert (one / "s3" / "scenario.yaml").read_text() == (two / "s3" / "scenario.yaml").read_text()
    manifest = yaml.safe_load((one / "manifest.yaml").read_text())
    assert [v["student"] for v in manifest["variants"]] == ["s1", "s2", "s3"]
    assert manifest["seed"] == 5 and "PCG64" in manifest["generator"]


def test_the_stream_is_numpy_pcg64_seeded_by_seed_and_id():
    """The documented recipe, written out here: the same numbers on any machine."""
    import hashlib

    key = int.from_bytes(hashlib.sha256(b"s3").digest()[:8], "big")
    expected = np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(5, spawn_key=(key,)))
    ).integers(0, 1000, 5)
    assert (generator(5, "s3").integers(0, 1000, 5) == expected).all()


def test_200_variants_are_distinct_and_on_the_scenarios_grid():
    maker = VariantMaker(SENTIMENT.read_text(), "sentiment.yaml", 2026)
    texts = [maker.make(f"{n:03d}").text for n in range(1, 201)]
    assert len({body(t) for t in texts}) == 200
    original = yaml.safe_load(SENTIMENT.read_text())
    for text in texts[:20]:
        doc = yaml.safe_load(text)
        for key in ("W_xh", "W_hh", "W_hy"):
            values = np.array(doc["params"][key], float)
            written = np.array(original["params"][key], float)
            assert values.min() >= written.min() and values.max() <= written.max()
            assert np.allclose(values * 10, np.round(values * 10))  # one decimal, as written
        assert doc["params"]["b_h"] == original["params"]["b_h"]  # biases stay by default
        assert doc["sequences"] == original["sequences"]


def test_the_grid_of_an_item_is_read_from_how_it_is_written():
    assert own_grid(["0.25", "-1.5"], np.array([0.25, -1.5])) == Grid(2, -1.5, 0.25)
    assert own_grid(["1e-3", "2"], np.array([0.001, 2.0])) == Grid(3, 0.001, 2.0)
    drawn = draw(generator(1, "x"), Grid(1, -0.9, 0.9), (2000,))
    assert set(np.round(drawn * 10).astype(int)) == set(range(-9, 10))


# -- the nice-number rules ------------------------------------------------------------------
def trace_of(steps: list[Step], head: str = "sigmoid", decimals: int = 3) -> Trace:
    """A hand-made trace holding just ``steps`` (each rule looks at steps, nothing else)."""
    from rnntrace._internal.engine import trace_scenario
    from rnntrace._internal.scenario import load_scenario

    meta = trace_scenario(load_scenario(SENTIMENT)).meta
    trace = Trace(replace(meta, head=head, decimals=decimals))
    for step in steps:
        trace.add(step)
    return trace


def step(
    key: str,
    value: object,
    *,
    phase: str = "forward",
    op: str = "add",
    operands: tuple[str, ...] = (),
    time: int | None = 1,
    info: dict | None = None,
) -> Step:
    array = np.asarray(value, float)
    return Step(
        key, key, time, 1, phase, op, operands, array, array, Label("param", ref=key), info or {}
    )


RULES = NiceRules(saturation=3.0, decimals=3)


@pytest.mark.parametrize(
    ("steps", "head", "reason"),
    [
        (
            [
                step("z_1", [0.5, 3.2]),
                step(
                    "h_1",
                    [0.4, 0.99],
                    op="activation",
                    operands=("z_1",),
                    info={"activation": "tanh"},
                ),
            ],
            "sigmoid",
            "deep in saturation",
        ),  # fmt: skip
        ([step("y_1", [0.35, 0.35 + 1e-12, 0.3])], "softmax", "two largest outputs are equal"),
        ([step("y_1", [0.5])], "sigmoid", "exactly one half"),
        ([step("L", 0.0, phase="loss", time=None)], "sigmoid", "the loss is zero"),
        ([step("dW_hh", [[0.2, -0.0004]], phase="gradient", time=None)], "sigmoid", "−0.000"),
        ([step("z_2", [0.1234999999996])], "sigmoid", "within 1e-9 of a rounding tie"),
    ],
)
def test_each_rule_refuses_a_case_that_breaks_it(steps, head, reason):
    found = first_problem([trace_of(steps, head)], RULES)
    assert found is not None and reason in found


@pytest.mark.parametrize(
    "steps",
    [
        [
            step("z_1", [0.5, -3.0]),
            step(
                "h_1", [0.4, -0.99], op="activation", operands=("z_1",), info={"activation": "tanh"}
            ),
        ],
        [
            step("z_1", [9.0]),
            step("h_1", [9.0], op="activation", operands=("z_1",), info={"activation": "relu"}),
        ],  # relu does not saturate
        [step("y_1", [0.3, 0.7])],
        [step("dW_hh_2", [[-0.0004]], phase="gradient", time=2)],  # a contribution, not ∂L/∂θ
        [step("z_2", [0.0805])],  # exactly on a tie: the sheet's rule decides it
        [step("z_2", [0.12349])],
    ],
)
def test_nice_cases_pass(steps):
    assert first_problem([trace_of(steps, "softmax")], RULES) is None


def test_a_draw_that_saturates_is_drawn_again_and_the_manifest_counts_draws(tmp_path):
    text = SENTIMENT.read_text() + "vary:\n  saturation: 1.3\n"
    scenario = tmp_path / "wide.yaml"
    scenario.write_text(text)
    maker = VariantMaker(text, str(scenario), 3)
    variant = maker.make("007")
    assert variant.draws > 1 and all("saturation" in r for r in variant.rejected if "z" in r)
    for key, s in ((s.key, s) for s in variant.trace if s.op == "activation"):
        z = variant.trace[s.operands[0]].value
        assert np.abs(z).max() <= 1.3, key
    out = tmp_path / "v"
    assert (
        invoke("vary", scenario, "--count", "3", "--seed", "3", "-o", out, "--jobs", "1").exit_code
        == 0
    )
    draws = [v["draws"] for v in yaml.safe_load((out / "manifest.yaml").read_text())["variants"]]
    assert len(draws) == 3 and max(draws) > 1


def test_a_tied_prediction_is_drawn_again():
    # hello: softmax over 4 characters, hidden size 1: W_hy from {-1, 0, 1} ties often
    text = HELLO.read_text() + "vary:\n  params: [W_hy]\n  grid: {decimals: 0, min: -1, max: 1}\n"
    maker = VariantMaker(text, "hello.yaml", 1)
    variant = maker.make("a")
    assert any("equal" in r for r in variant.rejected)
    for s in variant.trace:
        if s.key.startswith("y_"):
            top = np.sort(s.value)[-2:]
            assert top[1] - top[0] > 1e-9


ZERO_LOSS = """
input: {vectors: true}
sequences:
  - inputs: [[1.0]]
    label: 0.2
model: {cell: rnn, output: last, head: identity, loss: mse}
params: {W_xh: [[0.5]], W_hh: [[0.5]], W_hy: [[0.0]], b_y: [0.2]}
vary: {params: [W_hy], embeddings: false, grid: {decimals: 0, min: 0, max: 1}}
"""


def first_rejected_for(maker: VariantMaker, words: str):
    """The first student id (0, 1, ...) whose variant had a draw rejected for ``words``."""
    for n in range(200):
        variant = maker.make(str(n))
        if any(words in reason for reason in variant.rejected):
            return variant
    raise AssertionError(f"no draw was rejected for {words!r}")


def test_a_zero_loss_is_drawn_again():
    # ŷ = W_hy h + 0.2 and y = 0.2: W_hy = 0 gives a loss of exactly zero
    variant = first_rejected_for(VariantMaker(ZERO_LOSS, "zero.yaml", 4), "the loss is zero")
    assert yaml.safe_load(variant.text)["params"]["W_hy"] == [[1.0]]
    h = np.tanh(0.5)
    assert variant.trace["L"].value == pytest.approx((1.0 * h) ** 2)  # mse of one output


def test_a_gradient_that_rounds_to_minus_zero_is_drawn_again():
    variant = first_rejected_for(
        VariantMaker(SENTIMENT.read_text(), "sentiment.yaml", 2026), "rounds to −0.000"
    )
    for step in variant.trace:
        if step.phase == "gradient" and step.time is None:
            value = np.ravel(step.value)
            assert not np.any((value < 0) & (value > -0.0005)), step.key


NEAR_TIES = """
input: {vectors: true}
sequences:
  - inputs: [[0.5], [-0.3]]
    label: 1
model: {cell: rnn, output: last, head: sigmoid, loss: bce}
params: {W_xh: [[0.4]], W_hh: [[0.3]], W_hy: [[0.7]]}
numbers: {decimals: 7}
vary: {grid: {decimals: 1, min: -0.9, max: 0.9}}
"""


def test_a_value_a_hair_from_a_rounding_tie_is_drawn_again():
    # at 7 decimals, one irrational value in fifty lies within 1e-9 of a tie
    variant = first_rejected_for(VariantMaker(NEAR_TIES, "ties.yaml", 5), "within 1e-9")
    p = {k: np.array(v, float) for k, v in yaml.safe_load(variant.text)["params"].items()}
    h1 = np.tanh(p["W_xh"] @ [0.5])
    z2 = p["W_xh"] @ [-0.3] + p["W_hh"] @ h1
    h2 = np.tanh(z2)
    o = p["W_hy"] @ h2
    y = 1 / (1 + np.exp(-o))
    for value in (*h1, *z2, *h2, *o, *y, -np.log(y[0])):  # the forward pass, by numpy
        off = abs(value * 1e7 - np.floor(value * 1e7) - 0.5) * 1e-7
        assert off >= 1e-9 or off < 1e-15


def test_no_nice_variant_is_one_clear_line(tmp_path):
    text = SENTIMENT.read_text() + "vary:\n  saturation: 0.01\n  max_draws: 5\n"
    scenario = tmp_path / "zero.yaml"
    scenario.write_text(text)
    result = invoke(
        "vary", scenario, "--count", "1", "--seed", "1", "-o", tmp_path / "o", "--jobs", "1"
    )
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert "no nice variant" in result.output and "in 5 draws" in result.output


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("vary:\n  params: [W_zz]\n", "vary.params[0]: 'W_zz' is not given"),
        ("vary:\n  grid: {decimals: 1, min: 0.21, max: 0.29}\n", "no number with 1 decimals"),
        ("vary:\n  labels: true\n  colour: red\n", "colour"),
    ],
)
def test_a_broken_vary_section_is_one_located_line(tmp_path, section, message):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SENTIMENT.read_text() + section)
    result = invoke("validate", scenario)
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert result.output.startswith(f"{scenario}:") and message in result.output


# -- grading a class against its variants ---------------------------------------------------
def answers(folder: Path, student: str) -> dict:
    """The right answers of ``student``'s variant, computed with numpy from its file."""
    values = student_values(path=folder / student / "scenario.yaml")
    questions = yaml.safe_load((folder / student / "hw.assignment.yaml").read_text())["questions"]
    return {q["key"]: np.round(np.asarray(values[q["key"]], float), 3).tolist() for q in questions}


def test_each_student_is_graded_against_their_own_variant(tmp_path):
    # computed exactly, so that a right answer is the reference's value rounded
    scenario = tmp_path / "exact.yaml"
    text = SENTIMENT.read_text()
    scenario.write_text(text.replace("carry: rounded", "carry: exact"))
    out = tmp_path / "v"
    made = invoke("vary", scenario, "--count", "3", "--seed", "9", "-o", out, "--jobs", "1")
    assert made.exit_code == 0, made.output
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "1.yaml").write_text(yaml.safe_dump(answers(out, "1")))
    (subs / "x.yaml").write_text(yaml.safe_dump({"student": "2", **answers(out, "2")}))
    (subs / "3.yaml").write_text(yaml.safe_dump(answers(out, "2")))  # 2's numbers
    (subs / "zz.yaml").write_text(yaml.safe_dump(answers(out, "1")))  # not in the manifest
    book = tmp_path / "grades.csv"
    result = invoke("verify", out / "manifest.yaml", subs, "--csv", book)
    assert result.exit_code == 2, result.output  # zz could not be graded
    rows = {r["file"].rsplit("/", 1)[-1]: r for r in csv.DictReader(io.StringIO(book.read_text()))}
    assert rows["1.yaml"]["score"] == rows["1.yaml"]["max_score"], rows["1.yaml"]
    assert rows["x.yaml"]["score"] == rows["x.yaml"]["max_score"]
    assert rows["x.yaml"]["student"] == "2"
    assert float(rows["3.yaml"]["score"]) < float(rows["3.yaml"]["max_score"])
    assert "fit the variant of '2' better" in rows["3.yaml"]["error"]
    assert "'zz' is not in the manifest" in rows["zz.yaml"]["error"]
    said = " ".join(result.output.split())  # the report says it under the table too
    assert "3.yaml: first mistake" in said and "fit the variant of '2' better" in said
    # x.yaml and a file named 2.yaml both claim student 2: both rows say so
    (subs / "2.yaml").write_text(yaml.safe_dump(answers(out, "2")))
    again = invoke("verify", out / "manifest.yaml", subs, "--csv", book, "--force")
    rows = {r["file"].rsplit("/", 1)[-1]: r for r in csv.DictReader(io.StringIO(book.read_text()))}
    assert "2 files claim student '2'" in rows["x.yaml"]["error"], again.output
    assert "2 files claim student '2'" in rows["2.yaml"]["error"]
    again = invoke("verify", out / "manifest.yaml", subs / "1.yaml", "--ask", "h_1")
    assert again.exit_code == 2 and "fixes the questions" in again.output


def test_vary_refuses_to_overwrite_and_a_roster_with_a_duplicate(tmp_path):
    vary(tmp_path, "v", "--count", "2", "--seed", "1")
    again = invoke("vary", SENTIMENT, "--count", "2", "--seed", "1", "-o", tmp_path / "v")
    assert again.exit_code == 2 and "already exists" in again.output
    (tmp_path / "r.csv").write_text("id\na\nb\na\n")
    dup = invoke(
        "vary", SENTIMENT, "--roster", tmp_path / "r.csv", "--seed", "1", "-o", tmp_path / "w"
    )
    assert dup.exit_code == 2 and "appears twice" in dup.output
    neither = invoke("vary", SENTIMENT, "--seed", "1", "-o", tmp_path / "n")
    assert neither.exit_code == 2 and "--count N or --roster FILE" in neither.output


def test_a_variant_sheet_names_its_student(tmp_path):
    out = vary(tmp_path, "v", "--count", "2", "--seed", "4")
    for student in ("1", "2"):
        sheet = (out / student / "hw.tex").read_text()
        assert re.search(rf"\\Large\\bfseries [^}}]*\(variant {student}\)", sheet)


def test_vary_checks_every_file_before_writing_any(tmp_path):
    out = tmp_path / "v"
    (out / "2").mkdir(parents=True)
    (out / "2" / "hw.tex").write_text("mine")
    result = invoke("vary", SENTIMENT, "--count", "3", "--seed", "1", "-o", out, "--jobs", "1")
    assert result.exit_code == 2 and f"{out / '2' / 'hw.tex'}: already exists" in result.output
    assert sorted(p.name for p in out.rglob("*")) == ["2", "hw.tex"]  # nothing else written
    assert (out / "2" / "hw.tex").read_text() == "mine"
