"""Every bad input or bad place to write is one line on stderr and exit code 2; signals end
the program cleanly with the shell's codes (130 for Ctrl-C, 143 for SIGTERM).

The commands run as a user runs them (``python -m rnntrace``), so what is checked is what a
terminal shows: stdout, stderr and the exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SENTIMENT = str(ROOT / "scenarios" / "sentiment.yaml")


def rnntrace(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rnntrace", *args],
        capture_output=True, text=True, cwd=cwd, timeout=120,
        env={**os.environ, "COLUMNS": "80"},
    )  # fmt: skip


def assert_one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """Exit 2, nothing on stdout, exactly one line on stderr (no traceback, no warning)."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def _answers_key(tmp_path: Path) -> str:
    key = tmp_path / "key.yaml"
    if key.exists():
        return str(key)
    done = rnntrace("answers", SENTIMENT, "--key", "-o", str(key))
    assert done.returncode == 0, done.stderr
    return str(key)


def _commands_writing(target: str, tmp_path: Path) -> dict[str, list[str]]:
    """The eight commands that write a file, each writing ``target``."""
    return {
        "run": ["run", SENTIMENT, "-o", target],
        "export": ["export", SENTIMENT, "-o", target],
        "answers": ["answers", SENTIMENT, "-o", target],
        "verify": ["verify", SENTIMENT, _answers_key(tmp_path), "-o", target],
        "train": ["train", SENTIMENT, "--epochs", "2", "-o", target],
        "gradflow": ["gradflow", SENTIMENT, "-o", target],
        "gradcheck": ["gradcheck", SENTIMENT, "-o", target],
        "init": ["init", target],
    }


@pytest.mark.parametrize("target", ["/proc/x", "/sys/x"])
def test_writing_where_no_file_can_be_made_is_one_line(tmp_path: Path, target: str) -> None:
    if not Path(target).parent.is_dir():
        pytest.skip(f"no {Path(target).parent} here")
    for name, args in _commands_writing(target, tmp_path).items():
        line = assert_one_line_error(rnntrace(*args), target)
        assert "cannot write" in line, name


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_writing_into_a_read_only_folder_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        line = assert_one_line_error(rnntrace("run", SENTIMENT, "-o", str(folder / "x.txt")))
        assert "permission denied" in line
    finally:
        folder.chmod(0o755)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_force_never_replaces_a_fifo_or_a_device(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for target in (str(fifo), "/dev/null"):
        for name, args in _commands_writing(target, tmp_path).items():
            line = assert_one_line_error(rnntrace(*args, "--force"), "not a regular file")
            assert target in line, name
    assert fifo.is_fifo()
    assert Path("/dev/null").is_char_device()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["train", SENTIMENT, "--epochs", "1e9"], ["--epochs", "1e9"]),
        (["run", str(ROOT / "scenarios")], ["SCENARIO", "directory"]),
        (["run", SENTIMENT, "-o", str(ROOT)], ["--output", "directory"]),
        (["run", SENTIMENT, "--format", "pdf"], ["--format", "pdf"]),
        (["run"], ["SCENARIO"]),
        (["run", SENTIMENT, "--nope"], ["--nope"]),
        (["nosuchcommand"], ["nosuchcommand"]),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args: list[str], words: list[str]) -> None:
    assert_one_line_error(rnntrace(*args), *words)


def test_an_unreadable_scenario_is_one_line(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    path = tmp_path / "secret.yaml"
    path.write_text("version: 1\n")
    path.chmod(0)
    assert_one_line_error(rnntrace("run", str(path)), "secret.yaml")


def test_a_device_or_a_pipe_is_refused_before_reading() -> None:
    assert_one_line_error(rnntrace("run", "/dev/zero"), "/dev/zero", "not a regular file")


def test_an_oversized_scenario_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * 6_000_000)
    assert_one_line_error(rnntrace("validate", str(path)), "big.yaml", "larger than 5 MB")


def test_a_non_utf8_scenario_is_located_by_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes("version: 1\ntitle: caf\xe9\n".encode("latin-1"))
    assert_one_line_error(rnntrace("run", str(path)), f"{path}:2:11: ", "not UTF-8")


def test_bare_command_prints_the_overview() -> None:
    result = rnntrace()
    assert result.returncode == 0
    assert "Usage: rnntrace" in result.stdout and "run" in result.stdout


# Signals: a run whose JSON writer sends itself a signal half-way through writing -o.
_SIGNAL_SCRIPT = """
import os, signal, sys
import rnntrace._internal.render.json as rj
# Ctrl-C as a terminal delivers it (a job started in the background inherits SIGINT ignored)
signal.signal(signal.SIGINT, signal.default_int_handler)
original = rj.render_json
which = getattr(signal, sys.argv[1])
def slow(*args, **kwargs):
    for i, chunk in enumerate(original(*args, **kwargs)):
        yield chunk
        if i == 3:
            os.kill(os.getpid(), which)
rj.render_json = slow
sys.argv = ["rnntrace", "run", sys.argv[2], "--format", "json", "-o", sys.argv[3]]
from rnntrace._internal.cli import main
main()
"""


@pytest.mark.parametrize(("name", "code"), [("SIGINT", 130), ("SIGTERM", 143)])
def test_a_signal_while_writing_leaves_no_temporary_file(
    tmp_path: Path, name: str, code: int
) -> None:
    target = tmp_path / "out.json"
    done = subprocess.run(
        [sys.executable, "-c", _SIGNAL_SCRIPT, name, SENTIMENT, str(target)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def _wide_scenario(D: int) -> str:
    """A scenario with D = ``D`` inputs and H = 2 hidden units."""
    row = ", ".join(["0.001"] * D)
    return (
        f"version: 1\ninput: {{vectors: true}}\nsequences:\n  - inputs: [[{row}]]\n"
        "    label: 1\nmodel: {output: last, head: sigmoid, loss: bce}\n"
        f"params:\n  W_xh: [[{row}], [{row}]]\n  W_hh: [[0.1, 0.2], [0.3, 0.4]]\n"
        "  W_hy: [[1, 1]]\n"
    )


def test_a_very_wide_input_is_traced_in_bounded_time_and_memory(tmp_path: Path) -> None:
    path = tmp_path / "wide.yaml"
    path.write_text(_wide_scenario(100_000), encoding="utf-8")
    done = rnntrace("run", str(path))
    assert done.returncode == 0, done.stderr
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
    assert "…" in done.stdout  # the 100,000 columns are cut, not written out
    check = rnntrace("gradcheck", str(path))  # samples, or refuses in one line: never hours
    assert check.returncode in (0, 1, 2) and "Traceback" not in check.stderr
    if check.returncode == 2:
        assert_one_line_error(check, str(path))
