"""Whether a service's store can be written, for its ``/health``.

Two sources: a look at the SQLite file before anything fails (a file or folder that cannot be
written, a disk with less than ``min_free_bytes`` left), and the last write that failed (a
full disk or a read-only file shows itself there first; any write that succeeds later clears
it). PostgreSQL is judged by its writes alone.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_MIN_FREE_BYTES = 16 << 20  # 16 MiB: below it the next batch may not fit

# Not EACCES: an unreadable input file says it too, and is not the store's fault.
_WRITE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EFBIG, errno.EDQUOT}


def is_write_failure(error: BaseException) -> bool:
    """Whether an exception says the store cannot be written (not that the input was bad)."""
    if isinstance(error, OSError):
        return error.errno in _WRITE_ERRNOS
    if isinstance(error, sqlite3.OperationalError):  # full, read-only, I/O error, locked
        return True
    cause = error.__cause__ or error.__context__
    if cause is not None and cause is not error:
        return is_write_failure(cause)
    return type(error).__module__.startswith(("eventsourcing", "psycopg")) and (
        type(error).__name__ == "OperationalError"
    )


@dataclass
class StoreHealth:
    """What ``/health`` says about the store; ``path`` None: not a file (PostgreSQL)."""

    path: Path | None = None
    min_free_bytes: int = DEFAULT_MIN_FREE_BYTES
    _failure: str | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def write_failed(self, error: BaseException) -> None:
        """Remember that a write failed (the type and first line: no data from the input)."""
        first = str(error).splitlines()[0][:200] if str(error) else ""
        with self._lock:
            self._failure = f"{type(error).__name__}: {first}" if first else type(error).__name__

    def write_succeeded(self) -> None:
        """A write went through: the store takes writes again."""
        with self._lock:
            self._failure = None

    def problem(self) -> str | None:
        """Why the store cannot be written now, or None."""
        with self._lock:
            failure = self._failure
        if failure is not None:
            return f"the last write failed ({failure})"
        return self._file_problem()

    def _file_problem(self) -> str | None:
        if self.path is None:
            return None
        folder = self.path.parent
        if self.path.exists() and not os.access(self.path, os.W_OK):
            return f"{self.path} is read-only"
        if not os.access(folder, os.W_OK):
            return f"{folder} is read-only"
        try:
            free = shutil.disk_usage(folder).free
        except OSError as error:
            return f"{folder}: {error.strerror}"
        if free < self.min_free_bytes:
            return f"the disk of {folder} is full ({free} bytes free)"
        return None
