"""Grading speed: 1,000 answer files against one scenario, in one `rnntrace verify` process.

Target (issue 4): under 10 s on the 2-core machine. Also shown: files per second, and the
ratio to ``python -c "import numpy, yaml, click, rich"`` measured in the same run.

The files are the sentiment scenario's 145 quantities, as students write them: most rounded
to 3 decimals from the exact values, some worked rounding as they go (rounding drift), some
with a slip in a hidden state carried forward through everything after it (carried errors),
some with a slip not carried (wrong values), and a few malformed.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
from run_all import IMPORTS, RNNTRACE, SENTIMENT, interleaved, verdict

FILES = 1000
TARGET_SECONDS = 10.0


def _student(steps, rng: np.random.Generator, kind: str) -> dict[str, np.ndarray]:
    """One student's values: exact, or with a slip (carried forward or not), by re-doing
    every op on the student's own numbers."""
    from rnntrace.engine.ops import evaluate

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


def write_files(folder: Path) -> None:
    """FILES answer files: 70% right, 10% rounded as they go, 10% carried slips, 8% wrong
    values not carried, 2% malformed."""
    from rnntrace.engine import trace_scenario
    from rnntrace.scenario import load_scenario
    from rnntrace.scenario.model import NumberPolicy

    scenario = load_scenario(SENTIMENT)
    exact = trace_scenario(scenario, NumberPolicy(3, "exact")).steps
    hand = trace_scenario(scenario, NumberPolicy(3, "rounded")).steps
    rng = np.random.default_rng(4)
    for n in range(FILES):
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
    """Time grading FILES answer files in one process, against the import reference."""
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
