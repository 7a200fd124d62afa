"""Live market data for the strategies: poll the books of the instruments the strategy agents
name, through the engine's own market data (a live venue's adapter where keys are set, else the
venue's public books, which the paper venue then fills against), and give each book that
changed to the engine as a market event. The engine records each one it gives a strategy
(``StrategyRun.MarketObserved``), so a live strategy day replays byte for byte and
``tape export-day`` writes it out as ``book`` records."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from engine.config import AgentConfig
from engine.intent import format_utc
from engine.service import TradingEngine
from engine.strategies.base import BookSeen
from engine.strategies.registry import get_strategy
from engine.values import Book

FEED = "market-data"
"""The feed live market events are taken in under."""


def strategy_instruments(agents: Sequence[AgentConfig]) -> list[tuple[str, str]]:
    """The (venue, token id) books the strategy agents' strategies want, sorted, once each."""
    wanted: set[tuple[str, str]] = set()
    for agent in agents:
        strategy = get_strategy(agent.strategy)
        if strategy is not None:
            wanted.update(strategy.instruments(strategy.parse_params(agent.params), agent))
    return sorted(wanted)


@dataclass
class PollStats:
    """What one poll did."""

    read: int = 0
    changed: int = 0
    missing: list[tuple[str, str]] = field(default_factory=list)
    intents: int = 0


class MarketDataRunner:
    """Polls the instruments' books and feeds the changed ones to the engine, under ``lock``
    (the one the HTTP service holds, when both run in one process)."""

    def __init__(
        self,
        engine: TradingEngine,
        instruments: Sequence[tuple[str, str]],
        *,
        lock: threading.Lock | None = None,
        report: Callable[[str], None] | None = None,
    ) -> None:
        self.engine = engine
        self.instruments = list(instruments)
        self.lock: AbstractContextManager[Any] = lock if lock is not None else nullcontext()
        self.report = report or (lambda _message: None)
        self._last: dict[tuple[str, str], Book] = {}
        self._missing_reported: set[tuple[str, str]] = set()

    def poll_once(self) -> PollStats:
        """Read every instrument's book once; give the ones that changed to the strategies."""
        stats = PollStats()
        for venue, token in self.instruments:
            # The read is under the lock too: on paper it hands the book to the paper venue,
            # whose accounts the engine's steps change (a decision of the API's meanwhile).
            with self.lock:
                book = self.engine.market_data.book(venue, token, at=self.engine.clock.now())
                now = self.engine.clock.now()  # the book as of when it was read
                if book is None:
                    stats.missing.append((venue, token))
                    if (venue, token) not in self._missing_reported:
                        self._missing_reported.add((venue, token))
                        self.report(f"no book for {venue} {token}: skipped until it has one")
                    continue
                stats.read += 1
                held = self._last.get((venue, token))
                if held is not None and held.same_market(book):
                    continue
                self._last[(venue, token)] = book
                # The event's time is the engine's, written into the book (replay reads it back).
                seen = BookSeen(now, dataclasses.replace(book, at=format_utc(now)))
                stats.changed += 1
                stats.intents += len(self.engine.feed_market(seen, feed=FEED))
        return stats

    def run(self, every: float, stop: threading.Event, polls: int | None = None) -> int:
        """Poll every ``every`` seconds until ``stop`` is set (or ``polls`` polls); answers
        how many polls ran."""
        done = 0
        while not stop.is_set() and (polls is None or done < polls):
            self.poll_once()
            done += 1
            if polls is not None and done >= polls:
                break
            stop.wait(every)
        return done


@dataclass
class RunnerThread:
    """A runner polling on a thread of its own (beside ``tape serve``'s HTTP service)."""

    runner: MarketDataRunner
    stop: threading.Event
    thread: threading.Thread

    def close(self, timeout: float = 10.0) -> None:
        """Ask it to stop after the book at hand, and wait for it."""
        self.stop.set()
        self.thread.join(timeout)


def start_in_thread(runner: MarketDataRunner, every: float) -> RunnerThread:
    """Start ``runner.run(every)`` on a daemon thread; a failed poll is reported and the next
    one tries again (a venue that does not answer must not stop the service)."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                runner.poll_once()
            except Exception as error:  # the service goes on; the next poll tries again
                runner.report(f"a poll failed: {type(error).__name__}: {error}")
            stop.wait(every)

    thread = threading.Thread(target=loop, name="tape-market-data", daemon=True)
    thread.start()
    return RunnerThread(runner, stop, thread)
