"""Runs a ``tape.day/1`` stream through the engine: books to the in-process paper venue (or to
nobody, when a venue process serves its own books), intents to the engine, bad lines recorded
and reported, the clock set to each record's time. A run resumes after the last line the store
shows was taken in, and stops cleanly between two records when asked to."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from adapters.clock import ManualClock
from adapters.dayfile import (
    BadLine,
    BookRecord,
    DayRecord,
    IntentRecord,
    ResolutionRecord,
    TradeRecord,
)
from engine.service import TradingEngine
from engine.strategies.base import BookSeen
from engine.values import Book

RECONCILE_EVERY = 200


@dataclass
class RunStats:
    """What a run read and did."""

    books: int = 0
    trades: int = 0
    strategy_intents: int = 0
    intents: int = 0
    duplicates: int = 0
    resolutions: int = 0
    bad_lines: int = 0
    skipped: int = 0  # records already taken in before a restart
    stopped_at: int | None = None  # the line a requested stop left off after
    messages: list[str] = field(default_factory=list)
    receipts: Counter[str] = field(default_factory=Counter)


class DayRunner:
    """Feeds a day's records, in order, to the paper venue and the engine."""

    def __init__(
        self,
        engine: TradingEngine,
        *,
        clock: ManualClock,
        source: str,
        feed: str | None = None,
        books: Callable[[Book], None] | None,
        report: Callable[[str], None] | None = None,
        live: frozenset[str] = frozenset(),
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.source = source  # how reports name the file
        self.feed = feed or source  # the feed its records are taken in under
        self.books = books
        self.live = live  # venues whose reports must be polled after each intent
        self.report = report or (lambda _message: None)
        self.stop_requested = False
        self._last_line = 0

    def run(self, records: Iterable[DayRecord | BadLine], *, resume_after: int = 0) -> RunStats:
        """Process every record after ``resume_after``; a bad record is recorded and reported,
        and the run goes on. Books are always fed (the in-process venue starts empty)."""
        stats = RunStats()
        with self.engine.group_commit():  # the day is read again after a crash
            self._run(records, stats, resume_after)
        self.engine.commit()
        self._report_breakers()
        return stats

    def _run(
        self, records: Iterable[DayRecord | BadLine], stats: RunStats, resume_after: int
    ) -> None:
        handled_since_reconcile = 0
        for record in records:
            if self.stop_requested:
                stats.stopped_at = self._last_line
                break
            self._last_line = record.line_no
            if isinstance(record, BookRecord):
                self._book(record, stats)
                if record.line_no > resume_after:
                    self._observe(record, stats)
                continue
            if record.line_no <= resume_after:
                stats.skipped += 1
                continue
            self._handle(record, stats)
            handled_since_reconcile += 1
            if handled_since_reconcile >= RECONCILE_EVERY and self.engine.has_open_orders:
                self.engine.reconcile_open_orders()
                handled_since_reconcile = 0

    def _book(self, record: BookRecord, stats: RunStats) -> None:
        self.clock.set(record.at, record.line_no)  # the time bad lines after it are recorded at
        if self.books is None:
            return  # the venue process reads its own books
        stats.books += 1
        self.books(record.book)
        self.engine.poll_venue(record.book.venue)

    def _observe(self, record: BookRecord | TradeRecord, stats: RunStats) -> None:
        # The strategies see the book after the paper venue has it, so an intent a book
        # gives is decided on that very book.
        event = BookSeen(record.at, record.book) if isinstance(record, BookRecord) else record.trade
        self.clock.set(record.at, record.line_no)
        receipts = self.engine.feed_market(event, feed=self.feed, line_no=record.line_no)
        stats.strategy_intents += len(receipts)
        for receipt in receipts:
            stats.receipts[receipt.status] += 1
        if receipts and (self.books is None or event.venue in self.live):
            self.engine.poll_venue(event.venue)
        if receipts:
            self._report_breakers()

    def _handle(self, record: DayRecord | BadLine, stats: RunStats) -> None:
        if isinstance(record, BadLine):
            stats.bad_lines += 1
            message = record.message(self.source)
            stats.messages.append(message)
            self.report(message)
            self.engine.reject_input(
                feed=self.feed, line_no=record.line_no, reason=record.reason, digest=record.digest
            )
            return
        self.clock.set(record.at, record.line_no)
        if isinstance(record, IntentRecord):
            stats.intents += 1
            receipt = self.engine.submit(record.intent, feed=self.feed, line_no=record.line_no)
            stats.receipts[receipt.status] += 1
            if receipt.status == "duplicate":
                stats.duplicates += 1
            elif receipt.status == "unfollowed":  # a signal no copy agent follows: recorded
                self.report(
                    f"{self.source}:{record.line_no}: no copy agent follows trader "
                    f"{record.intent.source.trader}; the signal is recorded, not traded"
                )
            if self.books is None or record.intent.venue in self.live:
                self.engine.poll_venue(record.intent.venue)
            self._report_breakers()
        elif isinstance(record, TradeRecord):
            stats.trades += 1
            self._observe(record, stats)
        elif isinstance(record, ResolutionRecord):
            stats.resolutions += 1
            self.engine.settle(
                venue=record.venue,
                market_id=record.market_id,
                winning_token_id=record.winning_token_id,
                at=self.clock.now(),
            )

    def _report_breakers(self) -> None:
        for agent, error in self.engine.take_breaker_trips():
            self.report(
                f"agent {agent} halted: circuit breaker tripped after "
                f"{self.engine.failure_threshold} venue failures in a row (last: {error}); "
                f"`tape agents activate {agent}` resumes it"
            )
