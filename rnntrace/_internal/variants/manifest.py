"""The manifest of a set of variants (``rnntrace vary``): which student has which variant,
the seed and what was varied, so that any variant can be made again and each submission
graded against its own. Format ``rnntrace-variants``, version 1 (docs/classroom.md)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rnntrace._internal.assignment.file import Assignment, format_line, read_assignment, yaml_string
from rnntrace._internal.scenario.model import Scenario
from rnntrace._internal.scenario.yamldoc import YamlDoc

FORMAT = "rnntrace-variants"
VERSION = 1
_HEAD = format_line(FORMAT)


@dataclass(frozen=True)
class Entry:
    """One student's variant: the folder of its files and how many draws it took."""

    student: str
    folder: str  # relative to the manifest's folder
    draws: int

    def assignment(self, manifest_file: str) -> Path:
        """The variant's assignment file."""
        return Path(manifest_file).parent / self.folder / "hw.assignment.yaml"


@dataclass(frozen=True)
class Manifest:
    """A manifest's contents."""

    file: str
    title: str  # the scenario's title, without a variant's number
    scenario_path: str
    scenario_sha256: str
    seed: int
    generator: str
    varied: tuple[str, ...]
    entries: tuple[Entry, ...]

    def by_student(self) -> dict[str, Entry]:
        """The entries by student id."""
        return {entry.student: entry for entry in self.entries}

    def open(self, entry: Entry) -> tuple[Assignment, Scenario]:
        """A variant's assignment and its scenario (checked against the recorded hash)."""
        from rnntrace._internal.scenario.load import parse_scenario, read_text

        path = entry.assignment(self.file)
        assignment, text = read_assignment(read_text(path), str(path))
        return assignment, parse_scenario(text, str(assignment.scenario_file()))


def is_manifest(text: str) -> bool:
    """True when ``text`` is a manifest (its ``format:`` line says so)."""
    return _HEAD.search(text) is not None


def write_manifest(m: Manifest) -> Iterator[str]:
    """The lines of the manifest file."""
    yield "# The variants of one assignment, one a student (rnntrace vary). Grade with\n"
    yield "#   rnntrace verify THIS_FILE SUBMISSIONS...\n"
    yield f"format: {FORMAT}\nversion: {VERSION}\ntitle: {yaml_string(m.title)}\n"
    yield f"scenario:\n  path: {yaml_string(m.scenario_path)}\n  sha256: {m.scenario_sha256}\n"
    yield f"seed: {m.seed}\ngenerator: {yaml_string(m.generator)}\n"
    yield "varied: [" + ", ".join(yaml_string(v) for v in m.varied) + "]\n"
    yield "variants:\n"
    for e in m.entries:
        student, folder = yaml_string(e.student), yaml_string(e.folder)
        yield f"  - {{student: {student}, folder: {folder}, draws: {e.draws}}}\n"


def read_manifest(text: str, file: str) -> Manifest:
    """Validate a manifest (every message located by file:line:col)."""
    doc = YamlDoc(text, file)
    allowed = ["format", "version", "title", "scenario", "seed", "generator", "varied", "variants"]
    top = doc.mapping(doc.root, "", allowed)
    for need in ("format", "version", "scenario", "seed", "variants"):
        if need not in top:
            doc.fail(doc.root, need, "missing: is this a manifest of rnntrace vary?")
    if doc.scalar(top["version"][1], "version") != VERSION:
        doc.fail(top["version"][1], "version", f"expected {VERSION}; a newer rnntrace?")
    scenario = doc.mapping(top["scenario"][1], "scenario", ["path", "sha256"])
    entries = []
    seen: set[str] = set()
    for i, node in enumerate(doc.sequence(top["variants"][1], "variants")):
        path = f"variants[{i}]"
        fields = doc.mapping(node, path, ["student", "folder", "draws"])
        for need in ("student", "folder"):
            if need not in fields:
                doc.fail(node, f"{path}.{need}", "missing")
        student = doc.text(fields["student"][1], f"{path}.student")
        folder = doc.text(fields["folder"][1], f"{path}.folder")
        if student in seen:
            doc.fail(fields["student"][1], f"{path}.student", f"{student!r} appears twice")
        if Path(folder).is_absolute() or ".." in Path(folder).parts:
            doc.fail(fields["folder"][1], f"{path}.folder", "expected a folder beside the manifest")
        seen.add(student)
        draws = (
            doc.integer(fields["draws"][1], f"{path}.draws", 1, 10**6) if "draws" in fields else 1
        )
        entries.append(Entry(student, folder, draws))
    varied = (
        tuple(doc.text(n, "varied") for n in doc.sequence(top["varied"][1], "varied"))
        if "varied" in top
        else ()
    )
    return Manifest(
        file=file,
        title=doc.text(top["title"][1], "title") if "title" in top else "",
        scenario_path=doc.text(scenario["path"][1], "scenario.path") if "path" in scenario else "",
        scenario_sha256=doc.text(scenario["sha256"][1], "scenario.sha256")
        if "sha256" in scenario
        else "",
        seed=doc.integer(top["seed"][1], "seed", 0, 2**63 - 1),
        generator=doc.text(top["generator"][1], "generator") if "generator" in top else "",
        varied=varied,
        entries=tuple(entries),
    )
