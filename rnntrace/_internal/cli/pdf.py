"""Building a PDF from a written .tex file with latexmk or pdflatex, when they are installed.

TeX runs in a temporary folder with shell escape off, in TeX's paranoid file mode (no
reading or writing outside that folder but for TeX's own files), and with a time limit;
the PDF is then put next to the .tex file, never over an existing file without --force.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from rnntrace._internal.errors import RnntraceError
from rnntrace._internal.files import read_chunks, write_atomic

TIME_LIMIT = 300  # seconds
INSTALL_HINT = (
    "pdflatex is not installed, so no PDF was made (the .tex file is written). Install TeX "
    "Live: on Debian or Ubuntu `sudo apt-get install texlive-latex-base "
    "texlive-latex-recommended texlive-latex-extra latexmk`, on Fedora `sudo dnf install "
    "texlive-scheme-medium latexmk`, on macOS `brew install --cask mactex-no-gui`, on Windows "
    "MiKTeX (https://miktex.org); or compile the .tex file on Overleaf"
)


def tex_command(name: str, latexmk_allowed: bool = True) -> list[str]:
    """The command that turns ``name`` (a .tex file in the current folder) into a PDF:
    latexmk when it is installed and allowed (it reruns TeX as often as needed), else
    pdflatex (which ``build_pdf`` runs twice)."""
    latexmk = shutil.which("latexmk") if latexmk_allowed else None
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        raise RnntraceError(INSTALL_HINT)
    common = ["-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape"]
    if latexmk:
        return [latexmk, "-norc", "-pdf", "-quiet", *common, name]
    return [pdflatex, *common, name]


def build_pdf(tex: Path, force: bool = False, latexmk: bool = True) -> Path:
    """Compile ``tex`` and put the PDF next to it (``sheet.tex`` -> ``sheet.pdf``);
    ``latexmk=False``: pdflatex twice, which is all a worksheet needs (many at once)."""
    target = tex.with_suffix(".pdf")
    if target.exists() and not force:
        raise RnntraceError(f"{target}: already exists; use --force to overwrite it")
    command = tex_command(tex.name, latexmk)
    env = {**os.environ, "openin_any": "p", "openout_any": "p"}
    with tempfile.TemporaryDirectory(prefix="rnntrace-tex-") as folder:
        work = Path(folder)
        shutil.copyfile(tex, work / tex.name)
        # latexmk reruns TeX as often as needed; pdflatex alone runs twice, for the
        # worksheet's grade table (written to the .aux file on the first run)
        runs = 1 if "latexmk" in Path(command[0]).name else 2
        try:
            for _ in range(runs):
                done = subprocess.run(
                    command, cwd=work, env=env, capture_output=True, text=True, timeout=TIME_LIMIT
                )
                if done.returncode != 0:
                    break
        except subprocess.TimeoutExpired:
            raise RnntraceError(f"{tex}: TeX took more than {TIME_LIMIT} s; stopped") from None
        built = work / target.name
        if done.returncode != 0 or not built.exists():
            log = work / tex.with_suffix(".log").name
            text = log.read_text(errors="replace") if log.exists() else done.stdout
            raise RnntraceError(f"{tex}: pdflatex failed: {first_error(text)}")
        _place(built, target, force)
    return target


def first_error(log: str) -> str:
    """The first TeX error of a log and its line: '! Undefined control sequence (line 12)'."""
    match = re.search(r"^! (.*)$", log, re.MULTILINE)
    if not match:
        return "no PDF was written (see the log)"
    line = re.search(r"^l\.(\d+)", log[match.end() :], re.MULTILINE)
    return match.group(1).strip() + (f" (line {line.group(1)})" if line else "")


def _place(built: Path, target: Path, force: bool) -> None:
    """Copy ``built`` to ``target`` through a temporary file beside it (atomic)."""
    write_atomic(target, read_chunks(built), force=force)
