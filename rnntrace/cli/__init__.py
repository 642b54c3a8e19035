"""The command line. Thin: parse arguments, read and write files, map errors to exit codes.

Exit codes: 0 success, 1 verification found wrong answers, 2 bad input or usage.
Each module here adds its commands to the one click group, ``cli``, which imports a
command's module when the command is first used (see ``base.COMMANDS``).
"""

from __future__ import annotations

from rnntrace.cli.base import cli

__all__ = ["cli", "main"]


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="rnntrace")
