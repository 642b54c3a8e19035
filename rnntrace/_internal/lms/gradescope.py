"""A Gradescope autograder for a set of variants (``rnntrace export-lms gradescope``).

The zip holds, at its root, what Gradescope's specification asks for: ``setup.sh`` (installs
rnntrace's dependencies with pip; rnntrace itself travels in the zip, as its package
folder), ``run_autograder`` (runs :func:`run_autograder`), and the manifest with every
variant's assignment and scenario. On Gradescope the zip is unpacked to
``/autograder/source``; a submission arrives in ``/autograder/submission/`` with
``/autograder/submission_metadata.json``, and the result goes to
``/autograder/results/results.json``. ``RNNTRACE_AUTOGRADER_ROOT`` moves ``/autograder``
elsewhere (for testing the autograder in a temporary folder).

The student's variant is found by the first submitter's ``sid``, then ``email``, then
``id``, then ``name`` (the first of these that the manifest lists), else by the ``student``
field of the submitted answers file or PDF. The first answers file (``*.yaml``, ``*.yml``)
or PDF in the submission is graded; anything else gets a result of 0 points that says why.
"""

from __future__ import annotations

import json
import os
import stat
import zipfile
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, requires
from pathlib import Path
from typing import Any

from rnntrace._internal.errors import RnntraceError
from rnntrace._internal.variants.manifest import Manifest

ROOT_VARIABLE = "RNNTRACE_AUTOGRADER_ROOT"
USER_FIELDS = ("sid", "email", "id", "name")
SUBMISSION_SUFFIXES = (".yaml", ".yml", ".pdf")
RUN_AUTOGRADER = """#!/usr/bin/env bash
# Grades /autograder/submission against the student's variant (rnntrace).
# RNNTRACE_AUTOGRADER_ROOT moves /autograder elsewhere (to try the autograder out).
root="${RNNTRACE_AUTOGRADER_ROOT:-/autograder}"
cd "$root/source"
PYTHONPATH="$root/source" exec python3 -m rnntrace._internal.lms.gradescope
"""


def _requirements() -> list[str]:
    try:
        found = requires("rnntrace") or []
    except PackageNotFoundError:  # running from a source tree
        found = []
    runtime = [r.split(";")[0].strip() for r in found if "extra ==" not in r]
    return (runtime or ["numpy>=1.24", "click>=8.1", "rich>=13", "pyyaml>=6"]) + ["pikepdf>=8"]


def setup_script() -> str:
    """``setup.sh``: Python and rnntrace's dependencies."""
    packages = " ".join(f"'{r}'" for r in _requirements())
    return (
        "#!/usr/bin/env bash\n# Installs what rnntrace needs to grade (rnntrace itself is in "
        "this folder).\nset -e\napt-get update -qq\n"
        "apt-get install -y -qq python3 python3-pip >/dev/null\n"
        f"python3 -m pip install --quiet {packages} || "
        f"python3 -m pip install --quiet --break-system-packages {packages}\n"
    )


def _package_files() -> Iterator[tuple[Path, str]]:
    """rnntrace's own source files, with their names in the zip."""
    package = Path(__file__).resolve().parent.parent.parent
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".yaml"):
            yield path, str(Path("rnntrace") / path.relative_to(package))


def _executable(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = (stat.S_IFREG | 0o755) << 16
    return info


def build_autograder(manifest: Manifest, out: Path) -> int:
    """Write the autograder zip; returns the number of variants in it. Every variant is
    read first (its scenario must still have its recorded hash), so that a broken one is
    refused here rather than scoring every student 0 on Gradescope."""
    for entry in manifest.entries:
        manifest.open(entry)
    base = Path(manifest.file).parent
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_executable("setup.sh"), setup_script())
        archive.writestr(_executable("run_autograder"), RUN_AUTOGRADER)
        archive.write(manifest.file, "variants/manifest.yaml")
        for entry in manifest.entries:
            for name in ("hw.assignment.yaml", "scenario.yaml"):
                archive.write(base / entry.folder / name, f"variants/{entry.folder}/{name}")
        for path, name in _package_files():
            archive.write(path, name)
    return len(manifest.entries)


def _result(score: float, output: str, tests: list[dict[str, Any]] | None = None) -> dict:
    return {"score": score, "output": output, "visibility": "visible",
            "stdout_visibility": "hidden", "tests": tests or []}  # fmt: skip


def _submissions(folder: Path) -> list[Path]:
    """The answers files and PDFs submitted, by name."""
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir()
        if p.suffix.lower() in SUBMISSION_SUFFIXES and p.is_file() and not p.is_symlink()
    )  # fmt: skip


def _submission(folder: Path) -> Path | None:
    """The first of them, which is graded."""
    found = _submissions(folder)
    return found[0] if found else None


def _student(metadata: dict, manifest: Manifest) -> str | None:
    known = manifest.by_student()
    for user in metadata.get("users") or []:
        for field in USER_FIELDS:
            value = user.get(field) if isinstance(user, dict) else None
            if value is not None and str(value) in known:
                return str(value)
    return None


def grade_submission(root: Path) -> dict[str, Any]:
    """The results.json of the submission under ``root`` (never raises for bad input)."""
    from rnntrace._internal.lms.classroom import VariantGraders, student_of
    from rnntrace._internal.variants import read_manifest
    from rnntrace._internal.verify.export import gradescope_result

    manifest_file = root / "source" / "variants" / "manifest.yaml"
    manifest = read_manifest(manifest_file.read_text(encoding="utf-8"), str(manifest_file))
    submitted = _submission(root / "submission")
    if submitted is None:
        return _result(0.0, "No answers file (.yaml) or worksheet PDF was submitted.")
    try:
        metadata = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        metadata = {}
    graders = VariantGraders(manifest)
    try:
        sheet = graders.first.read(submitted)
    except RnntraceError as exc:  # named by the file's name, not the server's path
        why = str(exc).replace(str(submitted), submitted.name)
        return _result(0.0, f"{submitted.name} could not be read: {why}")
    student = _student(metadata, manifest)
    declared = student is None  # no submitter is on the roster: the submission says who
    student = student or student_of(sheet, submitted)
    if student not in graders.entries:
        return _result(0.0, f"No variant of this assignment belongs to {student!r}; ask your "
                       "instructor.")  # fmt: skip
    grader = graders.grader(student)
    grade = grader.grade(sheet)
    result = gradescope_result(grade, grader, graders.credit, sheet.unknown)
    others = len(_submissions(root / "submission")) - 1
    also = f" ({others} other file{'s' if others > 1 else ''} not graded)" if others else ""
    whose = f"{student} (as the submission says)" if declared else student
    result["output"] = (
        f"Graded {submitted.name}{also} against the variant of {whose}. " + result["output"]
    )
    return {**result, "visibility": "visible", "stdout_visibility": "hidden"}


def main() -> None:
    """The autograder's entry point: grade, and always write results.json."""
    root = Path(os.environ.get(ROOT_VARIABLE, "/autograder"))
    try:
        result = grade_submission(root)
    except (RnntraceError, OSError) as exc:
        result = _result(0.0, f"The autograder could not grade this submission: {exc}")
    (root / "results").mkdir(parents=True, exist_ok=True)
    (root / "results" / "results.json").write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
