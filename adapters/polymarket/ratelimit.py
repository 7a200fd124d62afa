"""Client-side rate limits: one token bucket per endpoint family, with an injectable clock.

The limits are Polymarket's published ones (``reference/polymarket.md`` §3.3), per 10 s
window; Tape waits for a token rather than meet Cloudflare's throttling or a 429.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# family -> (requests, per seconds)
POLYMARKET_LIMITS: dict[str, tuple[int, float]] = {
    "book": (1500, 10.0),  # /book /price /midpoint
    "market": (200, 10.0),  # /tick-size /neg-risk /markets
    "order": (3500, 10.0),  # POST /order (burst)
    "cancel": (3000, 10.0),  # DELETE /order
    "data": (500, 10.0),  # /data/orders /data/trades /data/order
    "auth": (100, 10.0),  # API-key endpoints
    "gamma": (300, 10.0),  # Gamma /markets
    "other": (1000, 10.0),
}


@dataclass
class TokenBucket:
    """``capacity`` tokens, refilled at ``rate`` tokens per second."""

    capacity: float
    rate: float
    clock: Callable[[], float]
    tokens: float = field(init=False)
    stamp: float = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = self.capacity
        self.stamp = self.clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_time(self) -> float:
        """Seconds until one token is there (0 when one is there now)."""
        self._refill()
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        """Take one token (the caller waited for it)."""
        self._refill()
        self.tokens -= 1


class RateLimiter:
    """Token buckets by endpoint family; ``acquire`` sleeps (injected) until a token is free."""

    def __init__(
        self,
        limits: Mapping[str, tuple[int, float]] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.buckets = {
            family: TokenBucket(float(count), count / window, clock)
            for family, (count, window) in (limits or POLYMARKET_LIMITS).items()
        }
        self.waited = 0.0

    def acquire(self, family: str) -> None:
        """Wait for, then take, a token of the family (unknown families share ``other``)."""
        bucket = self.buckets.get(family) or self.buckets["other"]
        delay = bucket.wait_time()
        while delay > 0:
            self.waited += delay
            self.sleep(delay)
            delay = bucket.wait_time()
        bucket.take()


@dataclass(frozen=True)
class Backoff:
    """Bounded exponential backoff for 429 answers: ``attempts`` retries at most."""

    attempts: int = 3
    first_delay: float = 0.5
    factor: float = 2.0
    max_delay: float = 4.0

    def delays(self) -> list[float]:
        """The waits before each retry."""
        delays, delay = [], self.first_delay
        for _ in range(self.attempts):
            delays.append(min(delay, self.max_delay))
            delay *= self.factor
        return delays
