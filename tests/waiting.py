"""Waiting on a condition, never on a guess of how long something takes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, poll_s: float = 0.02) -> None:
    """Poll until the predicate holds; fail the test once ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out after {timeout} s"
        time.sleep(poll_s)
