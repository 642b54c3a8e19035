"""Grading speed: 1,000 answer files against one scenario, in one `rnntrace verify` process.

Target (issue 4): under 10 s on the 2-core machine. Also shown: files per second, and the
ratio to ``python -c "import numpy, yaml, click, rich"`` measured in the same run.

The files are the sentiment scenario's 145 quantities, as students write them: most rounded
to 3 decimals from the exact values, some worked rounding as they go (rounding drift), some
with a slip in a hidden state carried forward through everything after it (carried errors),
some with a slip not carried (wrong values), and a few malformed.

Then (``run_pdf``) the same answers typed into the fillable PDF: a form made with pdflatex,
filled with pypdf for 20 students and copied to 1,000 files; reading them is timed against
reading the same answers as YAML in the same process, in turns of 50 files (target: at most
3x the CPU time), and files per second are shown for `verify --csv` over the 1,000 PDFs and
over 10,000 YAML files.
"""

from __future__ import annotations

import io
import json
import math
import tempfile
from pathlib import Path

import numpy as np
from run_all import IMPORTS, RNNTRACE, SENTIMENT, interleaved, verdict, wall

FILES = 1000
TARGET_SECONDS = 10.0


def _student(steps, rng: np.random.Generator, kind: str) -> dict[str, np.ndarray]:
    """One student's values: exact, or with a slip (carried forward or not), by re-doing
    every op on the student's own numbers."""
    from rnntrace._internal.ops import evaluate

    values = {s.key: s.carried for s in steps if s.op in ("given", "input")}
    hidden = [s.key for s in steps if s.phase == "forward" and ".h_" in s.key]
    slip = hidden[rng.integers(len(hidden))]
    for step in steps:
        if step.op in ("given", "input"):
            continue
        values[step.key] = evaluate(step.op, [values[k] for k in step.operands], step.info, None)
        if kind == "carried" and step.key == slip:
            values[step.key] = values[step.key] + rng.choice([-0.2, 0.1, 0.3])
    answers = {s.key: values[s.key] for s in steps if s.op not in ("given", "input")}
    if kind == "wrong":
        answers[slip] = answers[slip] + 0.1
    return answers


def write_files(folder: Path, count: int = FILES, sub: str = "") -> None:
    """``count`` answer files (in the folder ``sub``): 70% right, 10% rounded as they go,
    10% carried slips, 8% wrong values not carried, 2% malformed."""
    from rnntrace._internal.engine import trace_scenario
    from rnntrace._internal.scenario import load_scenario
    from rnntrace._internal.scenario.model import NumberPolicy

    scenario = load_scenario(SENTIMENT)
    exact = trace_scenario(scenario, NumberPolicy(3, "exact")).steps
    hand = trace_scenario(scenario, NumberPolicy(3, "rounded")).steps
    rng = np.random.default_rng(4)
    if sub:
        folder = folder / sub
        folder.mkdir()
    for n in range(count):
        share = n % 50
        if share == 0:
            text = "s1.h_1: [0.226, 0.310, 0.264]\ns1.h_22: 1\n"  # unknown key
        else:
            if share < 36:
                values = _student(exact, rng, "right")
            elif share < 41:
                values = {s.key: s.carried for s in hand if s.op not in ("given", "input")}
            elif share < 46:
                values = _student(exact, rng, "carried")
            else:
                values = _student(exact, rng, "wrong")
            lines = [f"student: student {n:04d}"]
            lines += [f"{k}: {json.dumps(np.round(v, 3).tolist())}" for k, v in values.items()]
            text = "\n".join(lines) + "\n"
        (folder / f"student{n:04d}.yaml").write_text(text, encoding="utf-8")


def run() -> None:
    """Time grading FILES answer files in one process, against the import reference; then
    the PDF forms (run_pdf)."""
    print(f"3. rnntrace verify: {FILES:,} answer files against the sentiment scenario")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        write_files(folder)
        book = Path(tmp) / "grades.csv"
        command = [*RNNTRACE, "verify", str(SENTIMENT), str(folder), "--csv", str(book)]
        command += ["--force"]
        medians = interleaved({"imports": IMPORTS, "verify": _expecting_exit_2(command)})
        rows = book.read_text(encoding="utf-8").count("\n") - 1
        cpu = _cpu_seconds(command)
    seconds = medians["verify"]
    print(f"   reference: python -c 'import numpy, yaml, click, rich'  {medians['imports']:.3f} s")
    print(f"   rnntrace verify sentiment.yaml submissions/ --csv       {seconds:.3f} s")
    print(
        f"   {FILES / seconds:,.0f} files/s ({rows:,} gradebook rows); ratio "
        f"{seconds / medians['imports']:.1f}x the imports; total {seconds:.2f} s   "
        f"target < {TARGET_SECONDS:.0f} s   {verdict(seconds < TARGET_SECONDS)}"
    )
    print(f"   CPU time of one run: {cpu:.2f} s (what the wall time is on an idle machine)")
    print()
    run_pdf()


def _cpu_seconds(command: list[str]) -> float:
    """User + system CPU seconds of one run of ``command`` (less sensitive than wall time to
    other work on the machine)."""
    import resource
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _expecting_exit_2(command: list[str]) -> list[str]:
    """``command`` through a shell that turns its expected exit code, 2 (some files are
    malformed, all graded), into 0 for ``wall``, and anything else (a crash) into a failure;
    its one line about the malformed files is dropped."""
    import shlex

    return ["sh", "-c", shlex.join(command) + ' 2>/dev/null; test "$?" -eq 2']


# -- answers typed into the fillable PDF, against the same answers in YAML --------------------
PDF_FILES = 1000
YAML_FILES = 10_000
PDF_TARGET_RATIO = 3.0


def field_names(key: str, shape: tuple[int, ...]) -> list[str]:
    """The worksheet's field names for a quantity: s1:h_2/3, dW_hh/1/3, L."""
    base = key.replace(".", ":")
    if not shape:
        return [base]
    if len(shape) == 1:
        return [f"{base}/{i + 1}" for i in range(shape[0])]
    return [f"{base}/{i + 1}/{j + 1}" for i in range(shape[0]) for j in range(shape[1])]


def build_form(folder: Path, steps) -> Path:
    """A fillable form with a field per entry of every quantity, made with pdflatex."""
    import subprocess

    lines = [r"\documentclass{article}", r"\usepackage{hyperref}", r"\begin{document}"]
    lines += [r"\begin{Form}", r"\TextField[name=student,width=4cm]{Name}\par"]
    for step in steps:
        names = [name.replace("_", r"\string_") for name in field_names(step.key, step.shape)]
        fields = [rf"\TextField[name={{{name}}},width=1.5cm]{{}}" for name in names]
        lines.append(r"\noindent " + " ".join(fields) + r"\par")
    lines += [r"\end{Form}", r"\end{document}"]
    (folder / "form.tex").write_text("\n".join(lines) + "\n", encoding="utf-8")
    command = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "form.tex"]
    subprocess.run(command, cwd=folder, check=True, capture_output=True)
    return folder / "form.pdf"


def write_pdf_and_yaml(folder: Path, students: int = 20) -> tuple[Path, Path, Path]:
    """PDF_FILES filled forms and the same answers as YAML, and YAML_FILES YAML files: the
    sentiment scenario's answers of ``students`` students (right, rounded, slips), each form
    filled with pypdf and copied round-robin."""
    import pypdf

    write_files(folder, YAML_FILES, "yaml10k")
    texts = sorted((folder / "yaml10k").iterdir())
    from rnntrace._internal.scenario import load_scenario
    from rnntrace._internal.verify import Grader, Tolerance

    grader = Grader(load_scenario(SENTIMENT), Tolerance.decimals(3), ask=["*"])
    form = build_form(folder, grader.asked)
    pdfs, yamls = folder / "pdf", folder / "yaml"
    pdfs.mkdir()
    yamls.mkdir()
    filled = []
    for n in range(1, students + 1):  # the malformed share (n % 50 == 0) is left out
        sheet = grader.read(texts[n])
        values = {"student": sheet.student or ""}
        for key, answer in sheet.answers.items():
            step = grader.expected[key]
            values.update(zip(field_names(key, step.shape), answer.texts))
        writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(form))
        for page in writer.pages:
            writer.update_page_form_field_values(page, values, auto_regenerate=False)
        buffer = io.BytesIO()
        writer.write(buffer)
        filled.append((buffer.getvalue(), texts[n].read_bytes()))
    for n in range(PDF_FILES):
        pdf, text = filled[n % students]
        (pdfs / f"student{n:04d}.pdf").write_bytes(pdf)
        (yamls / f"student{n:04d}.yaml").write_bytes(text)
    return pdfs, yamls, folder / "yaml10k"


def run_pdf() -> None:
    """Files per second for 1,000 filled PDFs and 10,000 YAML files in one process each, and
    the time to read the PDF forms as a ratio to reading the same answers as YAML."""
    import shutil

    print(f"4. answers typed into the PDF: {PDF_FILES:,} filled forms, {YAML_FILES:,} YAML files")
    if shutil.which("pdflatex") is None:
        print("   skipped: pdflatex is not installed")
        return
    from rnntrace._internal.scenario import load_scenario
    from rnntrace._internal.verify import Grader, Tolerance

    with tempfile.TemporaryDirectory() as tmp:
        pdfs, yamls, many = write_pdf_and_yaml(Path(tmp))
        grader = Grader(load_scenario(SENTIMENT), Tolerance.decimals(3), ask=["*"])
        cpu, wall_seconds = reading_times(grader, sorted(yamls.iterdir()), sorted(pdfs.iterdir()))
        ratio = cpu["pdf"] / cpu["yaml"]
        print(
            f"   reading {PDF_FILES:,} files in one process (CPU): YAML {cpu['yaml']:.2f} s, "
            f"PDF {cpu['pdf']:.2f} s; ratio {ratio:.2f}x   target <= {PDF_TARGET_RATIO:.0f}x   "
            f"{verdict(ratio <= PDF_TARGET_RATIO)}"
        )
        print(
            f"   (wall: YAML {wall_seconds['yaml']:.2f} s, PDF {wall_seconds['pdf']:.2f} s; "
            f"ratio {wall_seconds['pdf'] / wall_seconds['yaml']:.2f}x)"
        )
        for label, folder, count in (("PDF", pdfs, PDF_FILES), ("YAML", many, YAML_FILES)):
            book = Path(tmp) / f"{label}.csv"
            command = [*RNNTRACE, "verify", str(SENTIMENT), str(folder), "--ask", "*"]
            took = wall(_graded([*command, "--csv", str(book), "--force"]))
            print(
                f"   rnntrace verify {count:,} {label} files --csv: {took:.2f} s, "
                f"{count / took:,.0f} files/s"
            )


def reading_times(
    grader, yamls: list[Path], pdfs: list[Path], chunk: int = 50, rounds: int = 2
) -> tuple[dict[str, float], dict[str, float]]:
    """CPU and wall seconds to read every file of each kind, the best of ``rounds``: the two
    kinds in turns of ``chunk`` files holding the same answers, so that both meet the same
    load on a shared machine."""
    import time

    best_cpu = {"yaml": math.inf, "pdf": math.inf}
    best_wall = dict(best_cpu)
    for _ in range(rounds):
        cpu, wall_seconds = {"yaml": 0.0, "pdf": 0.0}, {"yaml": 0.0, "pdf": 0.0}
        for start in range(0, len(pdfs), chunk):
            for kind, paths in (("yaml", yamls), ("pdf", pdfs)):
                began, began_cpu = time.perf_counter(), time.process_time()
                for path in paths[start : start + chunk]:
                    grader.read(path)
                cpu[kind] += time.process_time() - began_cpu
                wall_seconds[kind] += time.perf_counter() - began
        best_cpu = {kind: min(best_cpu[kind], cpu[kind]) for kind in cpu}
        best_wall = {kind: min(best_wall[kind], wall_seconds[kind]) for kind in cpu}
    return best_cpu, best_wall


def _graded(command: list[str]) -> list[str]:
    """``command`` through a shell that turns an exit code of grading (0, 1 or 2) into 0
    for ``wall``, and anything else (a crash) into a failure."""
    import shlex

    return ["sh", "-c", shlex.join(command) + ' >/dev/null 2>&1; test "$?" -le 2']
