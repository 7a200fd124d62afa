"""The per-token rate limit: at most two requests in flight and 300 ms between the starts of
two calls (``reference/limitless.md``; over it the API answers 429). Injectable clock and
sleep, so tests see the spacing without waiting."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class TokenLimiter:
    """One API token's limit: ``concurrent`` calls at a time, ``spacing_s`` between starts."""

    def __init__(
        self,
        *,
        concurrent: int = 2,
        spacing_s: float = 0.3,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.spacing_s = spacing_s
        self.clock = clock
        self.sleep = sleep
        self._slots = threading.BoundedSemaphore(concurrent)
        self._lock = threading.Lock()
        self._next_start = float("-inf")
        self.starts: list[float] = []  # when each call started (the tests read it)

    @contextmanager
    def call(self) -> Iterator[None]:
        """Hold one of the slots for a call, started no sooner than the spacing allows."""
        with self._slots:
            with self._lock:  # one caller at a time claims the next start
                now = self.clock()
                wait = self._next_start - now
                if wait > 0:
                    self.sleep(wait)
                    now = self._next_start
                self._next_start = now + self.spacing_s
                self.starts.append(now)
                del self.starts[:-100]
            yield
