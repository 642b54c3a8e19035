"""Variants for a class: ``rnntrace vary`` making 200 variants of the sentiment scenario,
each with its scenario, worksheet, key and assignment file as .tex (target: under 10 s),
and with ``--pdf`` the total time as a ratio to running pdflatex alone on the same .tex
files (twice each, as the grade table needs; in parallel on the machine's cores, as
``vary`` does; target at most 1.2x).

The PDF part uses 40 variants (80 PDFs) to keep ``make bench`` short; the ratio does not
depend on the count."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from run_all import RNNTRACE, SENTIMENT, verdict

COUNT = 200
PDF_COUNT = 40
TARGET_SECONDS = 10.0
PDF_TARGET_RATIO = 1.2


def _vary(out: Path, count: int, *extra: str) -> float:
    command = [*RNNTRACE, "vary", str(SENTIMENT), "--count", str(count), "--seed", "7",
               "-o", str(out), *extra]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _pdflatex_alone(sources: list[Path]) -> float:
    """pdflatex twice on each file, in a copy of its folder, on every core at once."""
    pdflatex = shutil.which("pdflatex")
    assert pdflatex is not None

    def build(tex: Path) -> None:
        for _ in range(2):
            subprocess.run(
                [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                 tex.name], cwd=tex.parent, check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(build, sources))
    return time.perf_counter() - start


def run() -> None:
    """Print the figures beside their targets."""
    print(f"5. rnntrace vary: {COUNT} variants with worksheet, key and assignment")
    with tempfile.TemporaryDirectory() as tmp:
        took = _vary(Path(tmp) / "tex", COUNT)
        print(
            f"   {COUNT} variants as .tex: {took:.2f} s   target < {TARGET_SECONDS:.0f} s   "
            f"{verdict(took < TARGET_SECONDS)}"
        )
        if shutil.which("pdflatex") is None:
            print("   --pdf skipped: pdflatex is not installed")
            return
        with_pdf = _vary(Path(tmp) / "pdf", PDF_COUNT, "--pdf")
        copies = Path(tmp) / "alone"
        shutil.copytree(Path(tmp) / "pdf", copies)
        for pdf in copies.rglob("*.pdf"):
            pdf.unlink()
        alone = _pdflatex_alone(sorted(copies.rglob("hw*.tex")))
        ratio = with_pdf / alone
        print(
            f"   {PDF_COUNT} variants with --pdf: {with_pdf:.2f} s; pdflatex alone on the same "
            f"{2 * PDF_COUNT} files: {alone:.2f} s; ratio {ratio:.2f}x   "
            f"target <= {PDF_TARGET_RATIO}x   {verdict(ratio <= PDF_TARGET_RATIO)}"
        )
