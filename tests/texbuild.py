"""Compiling LaTeX in tests: pdflatex as CI runs it (halt on error, no shell escape), several
documents at once, with the log's errors and overfull boxes at hand.

pdflatex and pdftotext are optional oracles: ``require_executable`` skips a test that needs
a missing one, or fails it under RNNTRACE_REQUIRE_ORACLES=1.
"""

from __future__ import annotations

import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from oracles import require_executable

PDFLATEX_ARGS = ["-halt-on-error", "-no-shell-escape", "-interaction=nonstopmode"]
_OVERFULL = re.compile(r"^Overfull \\[hv]box \(([\d.]+)pt too (?:wide|high)\)", re.MULTILINE)


@dataclass(frozen=True)
class Built:
    """A compiled document: its PDF (None if TeX failed) and its log."""

    tex: Path
    pdf: Path | None
    log: str
    returncode: int

    def errors(self) -> list[str]:
        """The TeX errors of the log (lines starting with '!')."""
        return [line for line in self.log.splitlines() if line.startswith("!")]

    def overfull(self) -> list[float]:
        """How far (pt) each overfull line or page sticks out into the margin."""
        return [float(points) for points in _OVERFULL.findall(self.log)]

    def text(self) -> str:
        """The PDF's text, as pdftotext reads it."""
        pdftotext = require_executable("pdftotext")
        assert self.pdf is not None, self.errors()
        done = subprocess.run(
            [pdftotext, "-layout", str(self.pdf), "-"], capture_output=True, text=True, check=True
        )
        return done.stdout


def compile_one(tex: Path) -> Built:
    """Run pdflatex once on ``tex`` in its folder."""
    pdflatex = require_executable("pdflatex")
    done = subprocess.run(
        [pdflatex, *PDFLATEX_ARGS, tex.name],
        cwd=tex.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    log_path = tex.with_suffix(".log")
    log = log_path.read_text(errors="replace") if log_path.exists() else done.stdout
    pdf = tex.with_suffix(".pdf")
    return Built(tex, pdf if done.returncode == 0 and pdf.exists() else None, log, done.returncode)


def compile_all(folder: Path, documents: dict[str, str]) -> dict[str, Built]:
    """Write each document to ``folder/NAME.tex`` and compile them in parallel."""
    require_executable("pdflatex")
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, text in documents.items():
        paths[name] = folder / f"{name}.tex"
        paths[name].write_text(text, encoding="utf-8")
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        built = dict(zip(paths, pool.map(compile_one, paths.values())))
    return built
