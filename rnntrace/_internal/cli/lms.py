"""`rnntrace export-lms`: the variants of an assignment for a learning platform — a
Gradescope autograder, or Moodle questions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from rnntrace._internal.cli.base import cli, fail_cleanly
from rnntrace._internal.errors import RnntraceError

MANIFEST_ARG = click.Path(dir_okay=False, path_type=Path)
OUTPUT = click.Path(dir_okay=False, path_type=Path)


def _manifest(path: Path) -> Any:
    from rnntrace._internal.scenario.load import read_text
    from rnntrace._internal.variants import is_manifest, read_manifest

    text = read_text(path, "a manifest of rnntrace vary")
    if not is_manifest(text):
        raise RnntraceError(f"{path}: not a manifest of rnntrace vary (its format line says so)")
    return read_manifest(text, str(path))


@cli.group("export-lms")
def export_lms() -> None:
    """The variants of an assignment (the manifest of `rnntrace vary`) for a learning
    platform: `gradescope` (an autograder) or `moodle` (a question bank).

    \b
    Examples:
      rnntrace init review.yaml
      rnntrace vary review.yaml --count 30 --seed 2026 -o variants
      rnntrace export-lms gradescope variants/manifest.yaml -o autograder.zip
      rnntrace export-lms moodle variants/manifest.yaml -o questions.xml
    """


@export_lms.command()
@click.argument("manifest", type=MANIFEST_ARG)
@click.option("-o", "--output", type=OUTPUT, required=True, help="The .zip to write.")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@fail_cleanly
def gradescope(manifest: Path, output: Path, force: bool) -> None:
    """Write a Gradescope autograder for the variants of MANIFEST.

    Upload the zip as the assignment's autograder. Each submission (an answers file or the
    filled worksheet PDF) is graded against the variant of its submitter (their student id
    or email, as the roster given to `rnntrace vary` has them; else the student field of
    the submission): one test per question, with its points, and the verdicts of every
    entry. rnntrace itself travels inside the zip; setup.sh installs its dependencies.

    \b
    Example:
      rnntrace init review.yaml
      rnntrace vary review.yaml --count 30 --seed 2026 -o variants
      rnntrace export-lms gradescope variants/manifest.yaml -o autograder.zip
    """
    import tempfile

    from rnntrace._internal.files import read_chunks, write_atomic
    from rnntrace._internal.lms.gradescope import build_autograder

    loaded = _manifest(manifest)
    if output.exists() and not force:
        raise RnntraceError(f"{output}: already exists; use --force to overwrite it")
    with tempfile.TemporaryDirectory(prefix="rnntrace-zip-") as folder:
        built = Path(folder) / "autograder.zip"
        count = build_autograder(loaded, built)
        write_atomic(output, read_chunks(built), force=force)
    click.echo(f"wrote {output} (a Gradescope autograder for {count} variants)")


@export_lms.command()
@click.argument("manifest", type=MANIFEST_ARG)
@click.option("-o", "--output", type=OUTPUT, required=True, help="The .xml to write.")
@click.option(
    "--category",
    default=None,
    help="The question bank category (default: $course$/top/rnntrace/TITLE).",
)
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@fail_cleanly
def moodle(manifest: Path, output: Path, category: str | None, force: bool) -> None:
    """Write Moodle XML for the variants of MANIFEST: one Cloze question per variant, in
    one category, each number a NUMERICAL sub-question with the assignment's tolerance and
    the worked solution as feedback. Import it into the question bank, then add a random
    question from the category to a quiz: each student gets a variant.

    \b
    Example:
      rnntrace init review.yaml
      rnntrace vary review.yaml --count 30 --seed 2026 -o variants
      rnntrace export-lms moodle variants/manifest.yaml -o questions.xml
    """
    from rnntrace._internal.engine import trace_scenario
    from rnntrace._internal.files import write_atomic
    from rnntrace._internal.lms.moodle import moodle_xml

    loaded = _manifest(manifest)

    def variants() -> Any:
        for entry in loaded.entries:
            assignment, scenario = loaded.open(entry)
            trace = trace_scenario(scenario)
            assignment.check(trace)
            yield assignment.title, assignment, trace  # the title names the variant

    name = category or f"$course$/top/rnntrace/{loaded.title or Path(manifest).parent.name}"
    write_atomic(output, moodle_xml(name, variants()), force=force)
    click.echo(f"wrote {output} (Moodle XML: {len(loaded.entries)} Cloze questions)")
