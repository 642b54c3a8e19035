"""A bad scenario refused at the command line: ``rnntrace run`` exits 2 with one line,
``file:line:col: key: ...`` naming the key, with the expected words."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from rnntrace._internal.cli import cli


def edited(text: str, old: str, new: str) -> str:
    """``text`` with its first ``old`` replaced by ``new`` (``old`` must be there: a case
    whose edit missed would test the unedited scenario)."""
    assert old in text, old
    return text.replace(old, new, 1)


def assert_refused(tmp_path: Path, text: str, key: str, words: str) -> None:
    """``text``, saved as s.yaml, is refused in one line that names ``key`` and has ``words``."""
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(path)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert re.match(rf"^\S*s\.yaml:\d+:\d+: {re.escape(key)}: ", lines[0]), lines[0]
    assert words in lines[0], lines[0]
