"""A class cannot break the grader: a submissions folder of hostile files beside honest ones.

The honest files' expected scores come from the independent numpy reference
(``verify_reference``), never from rnntrace's own output."""

from __future__ import annotations

import csv
import io
import json
import os
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from verify_reference import answers_text, student_values

from rnntrace._internal.cli import cli
from rnntrace._internal.scenario import load_scenario
from rnntrace._internal.verify import Grader, Tolerance
from rnntrace._internal.verify.batch import grade_one
from rnntrace._internal.verify.export import safe_cell
from rnntrace._internal.verify.report import clean

SENTIMENT = str(Path(__file__).resolve().parents[1] / "scenarios" / "sentiment.yaml")
ALL = ("--ask", "*")
TOLERANCE = 0.00051  # 3 decimals, the scenario's
UNSAFE_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPES = ["\x1b", "\u202e", "\u2066", "\x9b", "\x07"]


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def slipped(exact) -> dict[str, np.ndarray]:
    """A student whose s1.h_2[2] is 0.1 too big, carried through everything after it."""
    h_2 = exact["s1.h_2"].copy()
    h_2[1] += 0.1
    return {k: np.round(v, 4) for k, v in student_values({"s1.h_2": h_2}).items()}


def expected_scores(values, exact) -> tuple[float, float]:
    """(strict, with full carried credit) from the reference alone: an entry within the
    tolerance of the exact value scores; only the slipped s1.h_2[2] is not carried."""
    strict = sum(
        float(np.mean(np.abs(np.ravel(values[k]) - np.ravel(exact[k])) <= TOLERANCE)) for k in exact
    )
    return strict, len(exact) - 1 / 3


def right_text(exact, name: str | None = None) -> str:
    text = answers_text({k: np.round(v, 3) for k, v in exact.items()})
    return (f"student: {name}\n" if name else "") + text


def bomb() -> str:
    lines = ["s1.h_1: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    keys = ["s1.h_2", "s1.h_3", "s1.h_4", "s1.h_5", "s1.h_6", "s2.h_1", "s2.h_2", "s2.h_3"]
    previous = "a"
    for n, key in enumerate(keys):
        anchor = f"b{n}"
        lines.append(f"{key}: &{anchor} [" + ", ".join([f"*{previous}"] * 10) + "]")
        previous = anchor
    return "\n".join(lines) + "\n"


@pytest.fixture
def folder(tmp_path: Path, exact) -> Path:
    """Honest files and every kind of hostile one, in one submissions folder."""
    subs = tmp_path / "subs"
    subs.mkdir()
    key = tmp_path / "key.yaml"
    key.write_text(right_text(exact, "KEY"))
    (subs / "ada.yaml").write_text(right_text(exact, "Ada"))
    (subs / "bob.yaml").write_text("student: Bob\n" + answers_text(slipped(exact)))
    (subs / "dee.yaml").write_text(right_text(exact))  # no student: the file name is used
    (subs / "link_key.yaml").symlink_to(key)
    (subs / "link_passwd.yaml").symlink_to("/etc/passwd")
    (subs / "dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")
    os.mkfifo(subs / "fifo.yaml")
    (subs / "folder.yaml").mkdir()
    numbers = "s1.L_6: 0e400\ns1.y_6: 1e400\ns1.h_1: [" + "7" * 10_000 + ", nan, .inf]\n"
    (subs / "numbers.yaml").write_text(numbers + "s1.zx_1: [1e-999999999, -inf, 0.13]\n")
    (subs / "formula.yaml").write_text(right_text(exact, '\'=HYPERLINK("http://x","y")\''))
    (subs / "markup.yaml").write_text(right_text(exact, "'[bold red]x[/]'"))
    (subs / "ansi.yaml").write_text(right_text(exact, '"\\e[31mred\\u202eevil\\x9b"'))
    (subs / "bomb.yaml").write_text(bomb())
    (subs / "deep.yaml").write_text("s1.h_1: " + "[" * 5000 + "]" * 5000 + "\n")
    (subs / "million.yaml").write_text("s1.h_1: [" + ", ".join(["0"] * 1_000_000) + "]\n")
    (subs / "typo.yaml").write_text(right_text(exact, "Typo") + "s1.h_22: 3\n")
    template = invoke("answers", SENTIMENT, *ALL).output
    (subs / "template.yaml").write_text(template)
    (subs / "latin1.yaml").write_bytes("student: Zoë\n".encode("latin-1"))
    (subs / "empty.yaml").write_text("")
    (subs / "binary.yaml").write_bytes(bytes(range(256)) * 4)
    (subs / "unreadable.yaml").write_text(right_text(exact))
    return subs


@pytest.fixture
def unreadable(monkeypatch):
    """Tests run as root, which reads any file: refuse 'unreadable.yaml' as chmod 000 would."""
    real_open = os.open

    def fake_open(path, *args, **kwargs):
        if str(path).endswith("unreadable.yaml"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_open)


def test_a_hostile_folder_is_graded_file_by_file(folder, exact, tmp_path, unreadable):
    book = tmp_path / "grades.csv"
    result = invoke("verify", SENTIMENT, str(folder), *ALL, "--csv", str(book))
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    text = book.read_text(encoding="utf-8")
    rows = {Path(r["file"].lstrip("'")).stem: r for r in csv.DictReader(io.StringIO(text))}
    assert len(rows) == len(list(folder.iterdir()))
    # honest files, against the reference
    for name in ("ada", "dee", "formula", "markup", "ansi"):
        assert rows[name]["score"] == rows[name]["max_score"] == str(len(exact)), name
    strict, credit = expected_scores(slipped(exact), exact)
    assert float(rows["bob"]["strict_score"]) == pytest.approx(strict, abs=1e-3)
    assert float(rows["bob"]["score"]) == pytest.approx(credit, abs=1e-3)
    assert rows["bob"]["s1.h_2"] == "0.6667" and rows["bob"]["student"] == "Bob"
    assert rows["dee"]["student"] == "dee"
    # refused, each with its reason
    reasons = {
        "link_key": "symbolic link",
        "link_passwd": "symbolic link",
        "dangling": "symbolic link",
        "fifo": "named pipe",
        "folder": "a folder",
        "unreadable": "Permission denied",
        "deep": "YAML",
        "million": "larger than the limit of 2 MB",
        "latin1": "not UTF-8",
        "empty": "empty",
        "binary": "not UTF-8",
    }
    for name, words in reasons.items():
        assert words in rows[name]["error"] and rows[name]["score"] == "", name
    assert "root:" not in text and "KEY" not in text
    # graded, with what is wrong said
    assert "s1.h_22: unknown key (did you mean 's1.h_2'?)" in rows["typo"]["error"]
    assert rows["typo"]["score"] == str(len(exact))
    assert rows["template"]["error"] == "nothing answered" and rows["template"]["score"] == "0"
    assert float(rows["numbers"]["score"]) <= 1  # only s1.zx_1[3] right
    # nothing a spreadsheet would run, no escapes
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert not [cell for cell in cells if cell.startswith(UNSAFE_STARTS)]
    assert rows["formula"]["student"] == '\'=HYPERLINK("http://x","y")'
    assert not [cell for cell in cells for e in ESCAPES if e in cell]
    assert not [e for e in ESCAPES if e in result.output]


def test_the_text_report_shows_names_as_written_without_markup_or_escapes(folder):
    out = invoke("verify", SENTIMENT, str(folder / "markup.yaml")).output
    assert out.startswith("[bold red]x[/]: ")
    out = invoke("verify", SENTIMENT, str(folder / "ansi.yaml")).output
    assert out.startswith("redevil: ")
    assert not [e for e in ESCAPES if e in out]


@pytest.mark.parametrize("name", ["fifo.yaml", "link_passwd.yaml", "folder.yaml", "deep.yaml"])
def test_a_single_refused_file_is_one_line_and_exit_2(folder, name):
    result = invoke("verify", SENTIMENT, str(folder / name))
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert len(result.output.splitlines()) == 1 and result.output.startswith(str(folder))


def test_impossible_numbers_are_unreadable_not_a_crash(folder):
    result = invoke("verify", SENTIMENT, str(folder / "numbers.yaml"), *ALL, "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.output)
    items = {item["key"]: item for item in doc["extra_data"]["rnntrace"]["items"]}
    for key in ("s1.L_6", "s1.y_6", "s1.h_1", "s1.zx_1"):
        assert items[key]["verdict"] == "unreadable", key
    assert "exponent from -300 to 300" in items["s1.L_6"]["message"]
    assert "10,000 characters" in items["s1.h_1"]["message"]


def test_an_unfilled_template_is_nothing_answered_and_exit_1(folder):
    result = invoke("verify", SENTIMENT, str(folder / "template.yaml"))
    assert result.exit_code == 1
    assert "Nothing answered" in result.output and "all correct" not in result.output


def test_an_unknown_key_is_reported_and_the_rest_graded(folder, exact):
    result = invoke("verify", SENTIMENT, str(folder / "typo.yaml"), *ALL)
    assert result.exit_code == 0  # every quantity right; the typo is not a quantity
    assert "Not graded: line" in result.output and "s1.h_22: unknown key" in result.output


@pytest.mark.parametrize("name", ["bomb.yaml", "deep.yaml", "million.yaml", "numbers.yaml"])
def test_a_hostile_file_is_dealt_with_in_bounded_memory(folder, name):
    """Refused by the reader's limits before it is built in memory (or graded, if it is
    harmless); its speed is measured in benchmarks/bench_verify.py."""
    grader = Grader(load_scenario(SENTIMENT), Tolerance.decimals(3), ask=["*"])
    tracemalloc.start()
    try:
        result = grade_one(grader, folder / name)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.error or result.grade is not None
    assert peak < 32 * 2**20, f"{name}: {peak / 2**20:.0f} MB"


def test_an_unforeseen_failure_is_that_files_row(folder, monkeypatch):
    grader = Grader(load_scenario(SENTIMENT), Tolerance.decimals(3), ask=["*"])

    def broken(sheet):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(grader, "grade", broken)
    result = grade_one(grader, folder / "ada.yaml")
    assert result.grade is None and "ZeroDivisionError: boom" in (result.error or "")


@pytest.mark.parametrize("start", UNSAFE_STARTS)
def test_csv_text_that_a_spreadsheet_would_run_gets_a_quote(start):
    cell = safe_cell(start + "1+2")
    assert not cell.startswith(UNSAFE_STARTS) and cell.endswith("1+2")
    if start not in "\t\r":
        assert cell == "'" + start + "1+2"


def test_clean_removes_escapes_controls_and_bidi_overrides():
    assert clean("a\x1b[31mb\x1b]0;title\x07c\x00d\x7fe\x9bf\u202eg\u2066h\ti") == "abcdefgh i"
