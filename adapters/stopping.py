"""A stop request that a signal handler may set.

``threading.Event.set`` takes the lock of the event's condition, which the main thread holds
for a moment inside ``Event.wait``: a SIGTERM handled at that moment, on the main thread, waits
for a lock its own thread holds, for ever (a ``tape worker`` was seen hung like that). This
event's ``set`` only writes a flag, and its ``wait`` sleeps in short slices, looking at it.
"""

from __future__ import annotations

import threading
import time

SLICE_S = 0.05


class StopSignal(threading.Event):
    """A ``threading.Event`` whose ``set`` is safe in a signal handler."""

    def __init__(self) -> None:
        super().__init__()
        self._requested = False

    def set(self) -> None:
        """Ask to stop (no lock taken)."""
        self._requested = True

    def is_set(self) -> bool:
        """Whether a stop was asked for."""
        return self._requested

    def clear(self) -> None:
        """Forget the request."""
        self._requested = False

    def wait(self, timeout: float | None = None) -> bool:
        """Sleep until a stop is asked for or ``timeout`` seconds pass; returns whether it was."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._requested:
            left = SLICE_S if deadline is None else deadline - time.monotonic()
            if left <= 0:
                break
            time.sleep(min(left, SLICE_S))
        return self._requested
