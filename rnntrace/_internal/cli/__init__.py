"""The command line. Thin: parse arguments, read and write files, map errors to exit codes.

Exit codes: 0 success, 1 verification found wrong answers, 2 bad input or usage, 130 after
Ctrl-C, 143 after SIGTERM. Each module here adds its commands to the one click group,
``cli``, which imports a command's module when the command is first used (see
``base.COMMANDS``).
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

from rnntrace._internal.cli.base import cli

__all__ = ["cli", "main"]


def _terminated(signum: int, frame: FrameType | None) -> None:
    """SIGTERM unwinds like Ctrl-C, so that a half-written temporary file is removed."""
    sys.exit(128 + signum)


def main() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _terminated)
    cli(prog_name="rnntrace")
