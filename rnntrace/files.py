"""Writing output files safely: atomically, and never over an existing file unless asked."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from rnntrace.errors import RnntraceError


def write_atomic(path: str | Path, chunks: Iterable[str], *, force: bool = False) -> None:
    """Write ``chunks`` to ``path`` through a temporary file in the same folder, so a reader
    never sees half a file. Refuses an existing ``path`` unless ``force``."""
    target = Path(path)
    if target.is_dir():
        raise RnntraceError(f"{target}: is a folder; give a file name")
    if not target.parent.is_dir():
        raise RnntraceError(f"{target}: folder {str(target.parent)!r} does not exist")
    if target.exists() and not force:
        raise RnntraceError(f"{target}: already exists; use --force to overwrite it")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's owner-only mode
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            for chunk in chunks:
                handle.write(chunk)
        if force:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)  # fails if the file appeared meanwhile: never clobber
            except FileExistsError:
                raise RnntraceError(
                    f"{target}: already exists; use --force to overwrite it"
                ) from None
            except OSError:
                if target.exists():
                    raise
                os.replace(tmp, target)  # file systems without hard links
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
