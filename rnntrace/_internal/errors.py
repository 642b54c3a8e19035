"""The errors rnntrace raises for bad input; the CLI turns them into one line and exit 2."""

from __future__ import annotations


def _one_line(text: str) -> str:
    """Line breaks written as \\n, so that a message is always one line."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


class RnntraceError(Exception):
    """A user-facing error: its message is one line, fit to print as it is."""

    __module__ = "rnntrace"  # its public name: rnntrace.RnntraceError


class ScenarioError(RnntraceError):
    """Bad scenario input, located at ``file:line:col`` with the key path."""

    __module__ = "rnntrace"  # its public name: rnntrace.ScenarioError

    def __init__(
        self,
        message: str,
        *,
        file: str = "<scenario>",
        line: int | None = None,
        col: int | None = None,
        path: str = "",
    ) -> None:
        self.file = file
        self.line = line
        self.col = col
        self.path = path
        self.message = message
        super().__init__(self.format())

    def format(self) -> str:
        """``file:line:col: key.path: message``; parts that are unknown are left out."""
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        key = f"{self.path}: " if self.path else ""
        return _one_line(f"{where}: {key}{self.message}")


class NumericError(RnntraceError):
    """A step produced a NaN or an infinity; names the step's key."""

    __module__ = "rnntrace"  # its public name: rnntrace.NumericError
