"""Answers typed into a fillable PDF: a form made with pdflatex and hyperref, filled with
pypdf, graded like the same answers in YAML. Expected values come from the independent numpy
reference (``verify_reference``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from oracles import require_executable, require_module
from verify_reference import student_values

from rnntrace._internal.cli import cli
from rnntrace._internal.errors import ScenarioError
from rnntrace._internal.scenario import load_scenario
from rnntrace._internal.verify import Grader, Tolerance

SENTIMENT = Path(__file__).resolve().parents[1] / "scenarios" / "sentiment.yaml"
ASK = ["s1.h_1", "s1.L_6", "dW_hh"]
SHAPES = {"s1.h_1": (3,), "s1.L_6": (), "dW_hh": (3, 3)}


def field_names(key: str) -> list[str]:
    """The field names of the fixed scheme: ':' for '.', then /i or /i/j (from 1)."""
    base, shape = key.replace(".", ":"), SHAPES[key]
    if not shape:
        return [base]
    if len(shape) == 1:
        return [f"{base}/{i}" for i in range(1, shape[0] + 1)]
    return [f"{base}/{i}/{j}" for i in range(1, shape[0] + 1) for j in range(1, shape[1] + 1)]


def form_tex() -> str:
    """A two-page worksheet: the student's name and s1.h_1 on page 1, the rest on page 2."""
    lines = [r"\documentclass{article}", r"\usepackage{hyperref}", r"\begin{document}"]
    lines += [r"\begin{Form}", r"\TextField[name=student,width=4cm]{Name}\par"]
    for key in ASK:
        if key == "s1.L_6":
            lines.append(r"\newpage")
        for name in field_names(key):
            tex = name.replace("_", r"\string_")
            lines.append(rf"\TextField[name={{{tex}}},width=2cm]{{{name.replace('_', '')}}}\par")
    lines.append(r"\TextField[name=remarks,width=4cm]{Remarks}")
    return "\n".join([*lines, r"\end{Form}", r"\end{document}"]) + "\n"


@pytest.fixture(scope="module")
def form(tmp_path_factory) -> Path:
    """The blank form, compiled once."""
    pdflatex = require_executable("pdflatex")
    require_module("pypdf", "pip install pypdf")  # fills the forms, as a PDF viewer would
    require_module("pikepdf", "pip install 'rnntrace[pdf]'")  # reads them
    folder = tmp_path_factory.mktemp("form")
    (folder / "form.tex").write_text(form_tex(), encoding="utf-8")
    subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "form.tex"],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    return folder / "form.pdf"


def fill(form: Path, out: Path, values: dict[str, str]) -> Path:
    """``form`` with ``values`` typed into its fields, as a viewer saves it."""
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(form))
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
    writer.write(out)
    return out


def typed(values: dict[str, np.ndarray]) -> dict[str, str]:
    """Field name -> text, each number rounded to 3 decimals."""
    out = {}
    for key in ASK:
        flat = np.ravel(values[key])
        out.update({name: f"{v:.3f}" for name, v in zip(field_names(key), flat)})
    return out


@pytest.fixture(scope="module")
def grader() -> Grader:
    return Grader(load_scenario(SENTIMENT), Tolerance.decimals(3), ask=ASK)


def verdicts(grader: Grader, path: Path) -> dict[str, str]:
    return {item.key: item.verdict for item in grader.grade(grader.read(path)).items}


def test_right_answers_in_the_form_are_all_correct(form, grader, tmp_path):
    values = typed(student_values())
    path = fill(form, tmp_path / "ada.pdf", {**values, "student": "Ada Lovelace"})
    sheet = grader.read(path)
    assert sheet.student == "Ada Lovelace"
    assert verdicts(grader, path) == dict.fromkeys(ASK, "correct")


def test_a_wrong_entry_is_wrong_and_named_by_its_position(form, grader, tmp_path):
    values = typed(student_values())
    values["dW_hh/2/3"] = f"{float(values['dW_hh/2/3']) + 0.1:.3f}"
    grade = grader.grade(grader.read(fill(form, tmp_path / "bob.pdf", values)))
    dW_hh = next(item for item in grade.items if item.key == "dW_hh")
    assert dW_hh.verdict == "wrong" and dW_hh.indices(3) == ["2,3"]


def test_garbage_and_a_partly_empty_quantity_are_unreadable_with_field_and_page(
    form, grader, tmp_path
):
    values = typed(student_values())
    values["s1:L_6"] = "abc"
    values["s1:h_1/3"] = ""
    grade = grader.grade(grader.read(fill(form, tmp_path / "cy.pdf", values)))
    items = {item.key: item for item in grade.items}
    assert items["s1.L_6"].verdict == "unreadable"
    assert items["s1.L_6"].message == "field 's1:L_6' on page 2: expected a number, found 'abc'"
    assert items["s1.h_1"].verdict == "unreadable"
    assert items["s1.h_1"].message == (
        "field 's1:h_1/3' on page 1: expected a number, found nothing (empty)"
    )


def test_the_numbers_read_as_in_yaml(form, grader, tmp_path):
    values = typed(student_values())
    values["s1:L_6"] = "0,378"
    values["s1:h_1/1"] = "\u22120.5"  # the minus rnntrace prints
    sheet = grader.read(fill(form, tmp_path / "dee.pdf", values))
    assert "(write decimals with a point: 0.5)" in sheet.answers["s1.L_6"].problems[0]
    assert sheet.answers["s1.h_1"].numbers[0] == -0.5


def test_an_empty_form_is_nothing_answered(form, grader, tmp_path):
    result = CliRunner().invoke(cli, ["verify", str(SENTIMENT), str(form), "--ask", ",".join(ASK)])
    assert result.exit_code == 1 and "Nothing answered" in result.output
    sheet = grader.read(form)  # straight from pdflatex: object streams
    assert sheet.answers == {} and set(sheet.blank) == set(ASK)


def test_names_and_values_in_any_string_encoding_read_back(form, tmp_path):
    """Brackets, a backslash and non-ASCII text survive the PDF's string escapes."""
    values = {**typed(student_values()), "s1:L_6": "(x) \\ y", "student": "Zoë"}
    sheet = Grader(load_scenario(SENTIMENT), Tolerance.decimals(3), ask=ASK).read(
        fill(form, tmp_path / "eve.pdf", values)
    )
    assert sheet.student == "Zoë"
    assert sheet.answers["s1.L_6"].texts == ("(x) \\ y",)


def test_a_folder_grades_pdf_and_yaml_alike_into_the_gradebook(form, tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    fill(form, subs / "ada.pdf", {**typed(student_values()), "student": "Ada"})
    (subs / "bad.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ntrailer <<>>\n%%EOF")
    (subs / "cut.pdf").write_bytes(form.read_bytes()[:1500])
    book = tmp_path / "grades.csv"
    args = ["verify", str(SENTIMENT), str(subs), "--ask", ",".join(ASK), "--csv", str(book)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "Traceback" not in result.output
    rows = {Path(line.split(",")[0]).name: line for line in book.read_text().splitlines()[1:]}
    assert rows["ada.pdf"].split(",")[1:4] == ["Ada", "3", "3"]
    assert "not a readable PDF form" in rows["bad.pdf"]
    assert "not a readable PDF form" in rows["cut.pdf"]


def test_an_encrypted_form_is_its_one_line_reason(form, grader, tmp_path):
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(form))
    writer.encrypt("secret", algorithm="RC4-128")
    path = tmp_path / "locked.pdf"
    writer.write(path)
    with pytest.raises(ScenarioError, match="encrypted with a password"):
        grader.read(path)


def test_without_pikepdf_the_message_names_it(form, grader, monkeypatch):
    monkeypatch.setitem(sys.modules, "pikepdf", None)
    with pytest.raises(ScenarioError) as caught:
        grader.read(form)
    assert str(caught.value).endswith(
        "reading PDF answers needs pikepdf: pip install 'rnntrace[pdf]'"
    )


def test_a_damaged_pdf_leaves_nothing_on_stderr(form, grader, tmp_path, capsys):
    from rnntrace._internal.verify.batch import grade_one

    path = tmp_path / "cut.pdf"
    path.write_bytes(form.read_bytes()[:1500])
    result = grade_one(grader, path)
    assert result.error is not None and "not a readable PDF form" in result.error
    assert capsys.readouterr().err == ""


def test_a_form_of_many_unknown_key_fields_is_refused(grader):
    """A hostile form with thousands of fields named like keys is refused after 100, like a
    YAML file, instead of a did-you-mean for each."""
    from rnntrace._internal.verify.pdfform import Form, _sheet

    names = tuple(f"s1:h_{n}/1" for n in range(10, 50_010))
    with pytest.raises(ScenarioError, match="more than 100 form fields named like keys"):
        _sheet(Form(names, ["0.1"] * len(names)), "many.pdf", grader._names, grader._order)


def _edited(path: Path, edit) -> Path:
    """``path`` with its form changed by ``edit(pdf, fields)``, as a hostile file might be."""
    import pikepdf

    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        edit(pdf, pdf.Root.AcroForm.Fields)
        pdf.save(path)
    return path


def _drop(pdf, fields, name: str) -> None:
    """Take the field ``name`` (a widget) out of the form and off its page."""
    for n in reversed(range(len(fields))):
        if str(fields[n].T) == name:
            for page in pdf.pages:
                annots = page.obj.get("/Annots", [])
                for a in reversed(range(len(annots))):
                    if annots[a].objgen == fields[n].objgen:
                        del annots[a]
            del fields[n]


def _widget(pdf, **entries):
    import pikepdf

    rect = pikepdf.Array([0, 0, 50, 12])
    return pdf.make_indirect(
        pikepdf.Dictionary(Type="/Annot", Subtype="/Widget", Rect=rect, **entries)
    )


def test_a_field_tree_with_a_loop_or_thousands_of_levels_is_read(form, grader, tmp_path):
    """A field that is its own kid, and a chain of 5,000 nested fields, neither hang nor
    crash the reader: the other answers are graded."""
    import pikepdf

    def loop_and_chain(pdf, fields):
        looped = _widget(pdf, T=pikepdf.String("loop"), V=pikepdf.String("1"))
        looped.Kids = pikepdf.Array([looped])
        fields.append(looped)
        node = _widget(pdf, T=pikepdf.String("deep"), V=pikepdf.String("1"))
        for _ in range(5000):
            node = pdf.make_indirect(pikepdf.Dictionary(T=pikepdf.String("g"), Kids=[node]))
        fields.append(node)
        fields.append(7)  # not a field at all

    path = fill(form, tmp_path / "tree.pdf", typed(student_values()))
    assert verdicts(grader, _edited(path, loop_and_chain)) == dict.fromkeys(ASK, "correct")


def test_a_field_whose_widget_is_its_kid_is_named_with_its_page(form, grader, tmp_path):
    """A field and its widget as two objects (the widget a kid without a name of its own):
    the field's name and value, the widget's page."""
    import pikepdf

    def split_field(pdf, fields):
        _drop(pdf, fields, "s1:L_6")
        field = pdf.make_indirect(pikepdf.Dictionary(T=pikepdf.String("s1:L_6"), FT="/Tx"))
        field.V = pikepdf.String("abc")
        kid = _widget(pdf, Parent=field)
        field.Kids = pikepdf.Array([kid])
        pdf.pages[1].Annots.append(kid)
        fields.append(field)

    path = fill(form, tmp_path / "split.pdf", typed(student_values()))
    items = {i.key: i for i in grader.grade(grader.read(_edited(path, split_field))).items}
    assert items["s1.L_6"].verdict == "unreadable"
    assert items["s1.L_6"].message == "field 's1:L_6' on page 2: expected a number, found 'abc'"


def test_a_checkbox_named_like_a_key_is_unreadable(form, grader, tmp_path):
    import pikepdf

    def checkbox(pdf, fields):
        _drop(pdf, fields, "s1:L_6")
        fields.append(_widget(pdf, T=pikepdf.String("s1:L_6"), FT="/Btn", V=pikepdf.Name.Yes))

    path = fill(form, tmp_path / "box.pdf", typed(student_values()))
    items = {i.key: i for i in grader.grade(grader.read(_edited(path, checkbox))).items}
    assert items["s1.L_6"].verdict == "unreadable"
    assert "expected a number, found '/Yes'" in items["s1.L_6"].message
