"""`rnntrace vary`: one variant of an assignment per student, each with its own numbers,
worksheet, key and assignment file, and a manifest to grade them all with."""

from __future__ import annotations

import csv
import os
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from rnntrace._internal.cli.base import SCENARIO_ARG, cli, fail_cleanly
from rnntrace._internal.errors import RnntraceError

ID_COLUMNS = ("id", "student_id", "sid", "student", "email")
SAFE_ID = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.@+"


@dataclass(frozen=True)
class Job:
    """What every worker needs to make variants: the scenario and the options."""

    text: str
    file: str
    seed: int
    out: str
    fillable: bool
    force: bool
    pdf: bool  # also build the PDFs, in the worker that made the variant


_MAKER: dict[str, Any] = {}  # the VariantMaker of this worker process


def _start(job: Job) -> None:
    from rnntrace._internal.variants import VariantMaker

    _MAKER["job"] = job
    _MAKER["maker"] = VariantMaker(job.text, job.file, job.seed)


def _make_one(student: str) -> tuple[str, str, int]:
    """Make and write one student's variant; returns (student, folder, draws)."""
    from rnntrace._internal.assignment import questions_for
    from rnntrace._internal.cli.export import (
        assignment_path,
        make_assignment,
        write_assignment_file,
        write_sheets,
    )
    from rnntrace._internal.files import write_atomic
    from rnntrace._internal.verify.tolerance import Tolerance

    job: Job = _MAKER["job"]
    variant = _MAKER["maker"].make(student)
    folder = Path(job.out) / folder_name(student)
    folder.mkdir(exist_ok=True)
    scenario_file = folder / "scenario.yaml"
    write_atomic(scenario_file, [variant.text], force=job.force)
    trace, scenario = variant.trace, variant.scenario
    questions = questions_for(trace, scenario.assignment)
    credit = scenario.assignment.carried_credit
    sheet = folder / "hw.tex"
    write_sheets(trace, questions, sheet, key_only=False, credit=credit, fill=job.fillable,
                 force=job.force)  # fmt: skip
    tolerance = Tolerance.decimals(trace.meta.decimals)
    assignment = make_assignment(scenario_file, variant.text, trace, questions, tolerance, credit)
    write_assignment_file(assignment, assignment_path(sheet), job.force)
    if job.pdf:  # here, so that TeX runs while the other workers draw their variants
        from rnntrace._internal.cli.pdf import build_pdf

        for tex in (sheet, folder / "hw-key.tex"):
            build_pdf(tex, job.force, latexmk=False)
    return student, folder.name, variant.draws


def folder_name(student: str) -> str:
    """A student's folder: the id with anything but letters, digits and -_.@+ as '_'."""
    name = "".join(c if c in SAFE_ID else "_" for c in student).lstrip(".")
    return name or "_"


def roster_ids(path: Path) -> list[str]:
    """The student ids of a roster CSV: the column named id, student_id, sid, student or
    email (the first found), else the first column."""
    from rnntrace._internal.scenario.load import read_text

    rows = list(csv.reader(read_text(path, "a roster (CSV)").splitlines()))
    if not rows:
        raise RnntraceError(f"{path}: the roster is empty")
    header = [cell.strip().lower() for cell in rows[0]]
    column = next((header.index(name) for name in ID_COLUMNS if name in header), None)
    body = rows[1:] if column is not None else rows
    ids = [row[column or 0].strip() for row in body if row and row[column or 0].strip()]
    seen: set[str] = set()
    for student in ids:
        if student in seen:
            raise RnntraceError(f"{path}: student id {student!r} appears twice")
        seen.add(student)
    folders = [folder_name(s).casefold() for s in ids]  # Ann and ann: one folder on macOS
    if len(set(folders)) != len(folders) or "manifest.yaml" in folders:
        raise RnntraceError(
            f"{path}: two ids give the same folder name (letters' case aside), or an id is "
            "manifest.yaml; make them distinct"
        )
    if not ids:
        raise RnntraceError(f"{path}: no student ids found")
    return ids


def _pool(jobs: int, job: Job) -> Executor:
    if jobs == 1:
        _start(job)
        return ThreadPoolExecutor(max_workers=1)
    return ProcessPoolExecutor(max_workers=jobs, initializer=_start, initargs=(job,))


@cli.command()
@click.argument("scenario", type=SCENARIO_ARG)
@click.option(
    "--count",
    type=click.IntRange(1, 100_000),
    help="Make N variants (ids 1..N, zero-padded to N's width: 01..30).",
)
@click.option(
    "--roster",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A CSV of students: one variant per id (column id, student_id, sid, student or "
    "email; else the first).",
)
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), required=True, help="The seed.")
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The folder to write the variants and the manifest into (made if missing).",
)
@click.option("--pdf", is_flag=True, help="Also build every PDF (in parallel, pdflatex).")
@click.option(
    "--fillable/--no-fillable",
    default=None,
    help="PDF form fields on the worksheets' blanks (default: on with --pdf).",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Processes to use (default: the machine's cores).",
)
@click.option("--force", is_flag=True, help="Overwrite files of an earlier run in the folder.")
@fail_cleanly
def vary(
    scenario: Path,
    count: int | None,
    roster: Path | None,
    seed: int,
    out: Path,
    pdf: bool,
    fillable: bool | None,
    jobs: int | None,
    force: bool,
) -> None:
    """Make a variant of SCENARIO for every student: the same questions with the student's
    own numbers, drawn from --seed on a grid of nice numbers (the scenario's `vary`
    section says what varies; by default the weights and the embeddings, on the grid they
    are written with). Each variant is checked before it is accepted: nothing saturated,
    no tied prediction, no zero loss, no gradient entry that rounds to -0.000, no value a
    hair from a rounding tie; a draw that fails is drawn again.

    The variant of a student id is a pure function of the seed and the id: it can be
    made again at any time. Writes OUTPUT/ID/ (scenario.yaml, hw.tex, hw-key.tex,
    hw.assignment.yaml, and with --pdf the PDFs) for each student and OUTPUT/manifest.yaml,
    which `rnntrace verify` takes in place of a scenario to grade each submission against
    its own variant.

    \b
    Examples:
      rnntrace init review.yaml
      rnntrace vary review.yaml --count 30 --seed 2026 -o variants
      rnntrace answers variants/07/hw.assignment.yaml --key -o 07.yaml
      rnntrace verify variants/manifest.yaml 07.yaml

    With a class list: `rnntrace vary review.yaml --roster students.csv --seed 2026 -o
    variants --pdf`, then `rnntrace verify variants/manifest.yaml submissions/ --csv
    grades.csv`.
    """
    from rnntrace._internal.scenario.load import read_text

    if (count is None) == (roster is None):
        raise click.UsageError("give --count N or --roster FILE (one of them)")
    students = roster_ids(roster) if roster else [f"{n:0{len(str(count))}d}" for n in
                                                   range(1, (count or 0) + 1)]  # fmt: skip
    text = read_text(scenario)
    manifest_file = out / "manifest.yaml"
    targets = [manifest_file] + [t for student in students for t in _targets(out, student, pdf)]
    for target in targets if not force else []:  # all checked before any file is written
        if target.exists():
            raise RnntraceError(f"{target}: already exists; use --force to overwrite it")
    out.mkdir(parents=True, exist_ok=True)
    fill = pdf if fillable is None else fillable
    job = Job(text, str(scenario), seed, str(out), fill, force, pdf)
    _check(job)
    workers = jobs or os.cpu_count() or 1
    with _pool(min(workers, len(students)), job) as pool:
        made = list(pool.map(_make_one, students, chunksize=max(1, len(students) // 64)))
    _write_manifest(job, scenario, text, made, manifest_file)
    built = " with their PDFs" if pdf else ""
    click.echo(f"wrote {len(made)} variants{built} in {out} and {manifest_file}")


def _targets(out: Path, student: str, pdf: bool) -> list[Path]:
    """The files ``vary`` writes for one student."""
    names = ["scenario.yaml", "hw.tex", "hw-key.tex", "hw.assignment.yaml"]
    names += ["hw.pdf", "hw-key.pdf"] if pdf else []
    return [out / folder_name(student) / name for name in names]


def _check(job: Job) -> None:
    """Refuse a scenario with nothing to vary before starting any worker."""
    from rnntrace._internal.variants import VariantMaker

    VariantMaker(job.text, job.file, job.seed)


def _write_manifest(
    job: Job, scenario: Path, text: str, made: list[tuple[str, str, int]], path: Path
) -> None:
    from rnntrace._internal.assignment.file import sha256
    from rnntrace._internal.files import write_atomic
    from rnntrace._internal.variants import Manifest, VariantMaker, write_manifest
    from rnntrace._internal.variants.draw import GENERATOR
    from rnntrace._internal.variants.manifest import Entry

    maker = VariantMaker(text, job.file, job.seed)
    relative = os.path.relpath(scenario.resolve(), path.resolve().parent)
    manifest = Manifest(
        file=str(path),
        title=maker.scenario.title,
        scenario_path=relative,
        scenario_sha256=sha256(text.encode("utf-8")),
        seed=job.seed,
        generator=GENERATOR,
        varied=tuple(maker.varied),
        entries=tuple(Entry(student, folder, draws) for student, folder, draws in made),
    )
    write_atomic(path, write_manifest(manifest), force=job.force)
