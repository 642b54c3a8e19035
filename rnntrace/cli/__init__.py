"""The command line. Thin: parse arguments, read and write files, map errors to exit codes.

Exit codes: 0 success, 1 verification found wrong answers, 2 bad input or usage.
Each module here adds its commands to the one click group, ``cli``.
"""

from __future__ import annotations

from rnntrace.cli import (  # noqa: F401  (registers the commands)
    export,
    gradflow,  # noqa: F401  (gradflow, gradcheck)
    run,
    scenario_cmds,
    train,
    verify,
)
from rnntrace.cli.base import cli

__all__ = ["cli", "main"]


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="rnntrace")
