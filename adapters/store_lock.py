"""One writer per SQLite store: a second ``tape run``, ``serve`` or ``ingest`` on the same
``TAPE_HOME`` is refused at once, with one line naming the process that holds it.

An advisory ``flock`` on ``$TAPE_HOME/writer.lock``: the kernel releases it when the holder's
process ends, however it ends (a SIGKILL included), so a lock is never left behind and there is
no expiry to wait out. The file holds the holder's pid and command, for the refusal's message.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_NAME = "writer.lock"


class StoreBusyError(RuntimeError):
    """Another process is writing to this store."""


class WriterLock:
    """The exclusive right to write one store, held until ``release`` or the process ends."""

    def __init__(self, fd: int, path: Path) -> None:
        self._fd = fd
        self.path = path

    @classmethod
    def acquire(cls, home: Path, *, holder: str) -> WriterLock:
        """Take the store's writer lock, or raise ``StoreBusyError`` naming who holds it."""
        home.mkdir(parents=True, exist_ok=True)
        path = home / LOCK_NAME
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            held_by = os.pread(fd, 512, 0).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise StoreBusyError(
                f"{home} is in use by {held_by}: one writer per store (stop it, or set "
                "another TAPE_HOME)"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} ({holder})\n".encode(), 0)
        return cls(fd, path)

    def release(self) -> None:
        """Let the store go (the process ending does the same)."""
        if self._fd >= 0:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)
            self._fd = -1
