"""Runs a ``tape.day/1`` stream through the engine: books to the paper venue, intents to the
engine, bad lines recorded and reported, the clock set to each record's time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from adapters.clock import ManualClock
from adapters.dayfile import BadLine, BookRecord, DayRecord, IntentRecord, ResolutionRecord
from adapters.paper.venue import PaperVenues
from engine.service import TradingEngine


@dataclass
class RunStats:
    """What a run read."""

    books: int = 0
    intents: int = 0
    duplicates: int = 0
    resolutions: int = 0
    bad_lines: int = 0
    messages: list[str] = field(default_factory=list)
    receipts: Counter[str] = field(default_factory=Counter)


class DayRunner:
    """Feeds a day's records, in order, to the paper venues and the engine."""

    def __init__(
        self,
        engine: TradingEngine,
        *,
        paper: PaperVenues,
        clock: ManualClock,
        source: str,
        report: Callable[[str], None] | None = None,
    ) -> None:
        self.engine = engine
        self.paper = paper
        self.clock = clock
        self.source = source
        self.report = report or (lambda _message: None)

    def run(self, records: Iterable[DayRecord | BadLine]) -> RunStats:
        """Process every record; a bad record is recorded and reported, and the run goes on."""
        stats = RunStats()
        for record in records:
            if isinstance(record, BadLine):
                stats.bad_lines += 1
                message = record.message(self.source)
                stats.messages.append(message)
                self.report(message)
                self.engine.reject_input(
                    feed=self.source,
                    line_no=record.line_no,
                    reason=record.reason,
                    digest=record.digest,
                )
                continue
            self.clock.set(record.at)
            if isinstance(record, BookRecord):
                stats.books += 1
                venue = self.paper[record.book.venue]
                venue.on_book(record.book)
                self.engine.poll_venue(venue.name)
            elif isinstance(record, IntentRecord):
                stats.intents += 1
                receipt = self.engine.submit(record.intent, feed=self.source)
                stats.receipts[receipt.status] += 1
                if receipt.status == "duplicate":
                    stats.duplicates += 1
            elif isinstance(record, ResolutionRecord):
                stats.resolutions += 1
        return stats
