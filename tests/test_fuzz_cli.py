"""The fuzzing campaign of ``fuzz_campaign.py`` in CI: a bounded number of seeded cases
(``RNNTRACE_FUZZ_CASES`` to change it; ``make fuzz`` runs thousands). Every mutated scenario
or answer file ends in success or one line and exit 2: no traceback, no warning."""

from __future__ import annotations

import os
from pathlib import Path

from fuzz_campaign import campaign

CASES = int(os.environ.get("RNNTRACE_FUZZ_CASES", "150"))
# verify grades a whole answer file per case (about 0.2 s): fewer of those in CI
ANSWER_CASES = int(os.environ.get("RNNTRACE_FUZZ_CASES", "60"))
SEED = int(os.environ.get("RNNTRACE_FUZZ_SEED", "15"))


def test_mutated_scenarios_run_or_fail_in_one_line(tmp_path: Path) -> None:
    problems = campaign(CASES, SEED, tmp_path, "scenario")
    assert not problems, f"{len(problems)} of {CASES} cases failed; the first:\n{problems[0]}"


def test_mutated_answer_files_verify_or_fail_in_one_line(tmp_path: Path) -> None:
    problems = campaign(ANSWER_CASES, SEED + 1, tmp_path, "answers")
    assert not problems, (
        f"{len(problems)} of {ANSWER_CASES} cases failed; the first:\n{problems[0]}"
    )
