"""The command line. Thin: parse arguments, read and write files, map errors to exit codes.

Exit codes: 0 success, 1 verification found wrong answers, 2 bad input or usage, 130 after
Ctrl-C, 143 after SIGTERM. Each module here adds its commands to the one click group,
``cli``, which imports a command's module when the command is first used (see
``base.COMMANDS``).
"""

from __future__ import annotations

import gc
import signal
import sys
from types import FrameType

from rnntrace._internal.cli.base import cli

__all__ = ["cli", "main"]

# `rnntrace run` makes some 40,000 objects that the garbage collector tracks, most of them
# while importing numpy, rich and its own modules. At Python's default (a collection of the
# young objects every 700 new ones) collecting takes a tenth of its time and finds next to
# nothing (issue 12); a command collects every 50,000 instead, which still bounds the
# garbage of a long one (train, vary).
COLLECT_EVERY = 50_000


def _terminated(signum: int, frame: FrameType | None) -> None:
    """SIGTERM unwinds like Ctrl-C, so that a half-written temporary file is removed."""
    sys.exit(128 + signum)


def main() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _terminated)
    gc.set_threshold(COLLECT_EVERY, *gc.get_threshold()[1:])
    cli(prog_name="rnntrace")
