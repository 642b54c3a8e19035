"""Writing output files safely: atomically, only as regular files, and never over an
existing file unless asked."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from rnntrace._internal.errors import RnntraceError


def read_chunks(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    """The bytes of ``path``, ``size`` at a time (to copy a file with :func:`write_atomic`)."""
    with path.open("rb") as source:
        while chunk := source.read(size):
            yield chunk


def _why(exc: OSError) -> str:
    """An OSError's reason in a few words (``permission denied``)."""
    return (exc.strerror or type(exc).__name__).lower()


def check_target(target: Path, force: bool) -> None:
    """Refuse a folder, a missing folder, anything but a regular file, and an existing file
    without ``force``."""
    if target.is_dir():
        raise RnntraceError(f"{target}: is a folder; give a file name")
    if not target.parent.is_dir():
        raise RnntraceError(f"{target}: folder {str(target.parent)!r} does not exist")
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise RnntraceError(f"{target}: cannot write here: {_why(exc)}") from None
    if not stat.S_ISREG(mode):
        raise RnntraceError(
            f"{target}: exists and is not a regular file (a pipe, a device, ...); "
            "rnntrace writes only regular files"
        )
    if not force:
        raise RnntraceError(f"{target}: already exists; use --force to overwrite it")


def write_atomic(path: str | Path, chunks: Iterable[str | bytes], *, force: bool = False) -> None:
    """Write ``chunks`` (text, as UTF-8, or bytes) to ``path`` through a temporary file in
    the same folder, so a reader never sees half a file. Refuses an existing ``path`` unless
    ``force``, and anything that is not a regular file (a FIFO, a device) even then. The
    file gets the permissions of an ordinary new file. A folder that cannot be written
    (read-only, ``/proc``) is a one-line RnntraceError."""
    target = Path(path)
    check_target(target, force)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise RnntraceError(
            f"{target}: cannot write in folder {str(target.parent)!r}: {_why(exc)}"
        ) from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's owner-only mode
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
        _move_into_place(tmp, target, force)
    except OSError as exc:
        raise RnntraceError(f"{target}: cannot write: {_why(exc)}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _move_into_place(tmp: str, target: Path, force: bool) -> None:
    if force:
        check_target(target, force)  # it may have become a pipe meanwhile
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)  # fails if the file appeared meanwhile: never clobber
    except FileExistsError:
        raise RnntraceError(f"{target}: already exists; use --force to overwrite it") from None
    except OSError:
        if target.exists():
            raise
        os.replace(tmp, target)  # file systems without hard links
