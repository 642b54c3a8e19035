"""Writing output files safely: atomically, and never over an existing file unless asked."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from rnntrace.errors import RnntraceError


def read_chunks(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    """The bytes of ``path``, ``size`` at a time (to copy a file with :func:`write_atomic`)."""
    with path.open("rb") as source:
        while chunk := source.read(size):
            yield chunk


def write_atomic(path: str | Path, chunks: Iterable[str | bytes], *, force: bool = False) -> None:
    """Write ``chunks`` (text, as UTF-8, or bytes) to ``path`` through a temporary file in
    the same folder, so a reader never sees half a file. Refuses an existing ``path`` unless
    ``force``. The file gets the permissions of an ordinary new file."""
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
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
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
