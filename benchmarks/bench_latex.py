"""Worksheet speed: `rnntrace export` of the sentiment scenario, the worksheet and the answer
key, each against `rnntrace run` on the same scenario, measured in the same run.

Target (issue 3): at most 1.5x the time of `rnntrace run` (pdflatex time excluded: no --pdf).
Also shown: the worked solution as LaTeX (`run --format latex --standalone`) and Markdown.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from run_all import RNNTRACE, SENTIMENT, interleaved, verdict

TARGET = 1.5


def run() -> None:
    """Print the export times as ratios to `rnntrace run` (median of interleaved runs)."""
    print("rnntrace export on the sentiment scenario: worksheet and answer key, no PDF (issue 3)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        export = [*RNNTRACE, "export", str(SENTIMENT), "--force", "-o"]
        latex = [*RNNTRACE, "run", str(SENTIMENT), "--force", "-o"]
        commands = {
            "run": [*RNNTRACE, "run", str(SENTIMENT)],
            "sheet": [*export, str(folder / "sheet.tex")],
            "key": [*export, str(folder / "key.tex"), "--key"],
            "latex": [*latex, str(folder / "s.tex"), "--format", "latex", "--standalone"],
            "markdown": [*latex, str(folder / "s.md"), "--format", "markdown"],
        }
        medians = interleaved(commands)
    base = medians["run"]
    print(f"   reference: rnntrace run scenarios/sentiment.yaml              {base:.3f} s")
    rows = [
        ("sheet", "rnntrace export ... -o sheet.tex", True),
        ("key", "rnntrace export ... -o key.tex --key", True),
        ("latex", "rnntrace run ... --format latex --standalone", False),
        ("markdown", "rnntrace run ... --format markdown", False),
    ]
    for name, label, targeted in rows:
        ratio = medians[name] / base
        target = f"target <= {TARGET}x   {verdict(ratio <= TARGET)}" if targeted else ""
        print(f"   {label:<48} {medians[name]:.3f} s   ratio {ratio:.2f}x   {target}".rstrip())
