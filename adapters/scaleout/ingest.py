"""The ingest side of a scale-out deployment: what arrives is recorded in the ingest log and
acknowledged; nothing is decided here. Engine workers follow the log.

A day file's records become: the desk's agent configuration (at the day's first time, as the
single-process run registers its agents), ``IntentReceived`` / ``IntentRedelivered`` for intents,
``InputDenied`` for unreadable lines, and ``MarketResolved`` for resolutions. Books are not
recorded: the paper venue process reads them from the day itself, and live venues serve theirs.
"""

from __future__ import annotations

import itertools
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
from engine.application import TapeApplication
from engine.config import AgentConfig
from engine.ids import desk_uuid, resolution_uuid
from engine.ingest_records import DESK, Desk, MarketResolution
from engine.intent import TradeIntent
from engine.ports import Clock
from engine.recovery import find_pending_work
from engine.service import Receipt, TradingEngine


@dataclass
class IngestStats:
    """What an ingest run recorded."""

    intents: int = 0
    duplicates: int = 0
    resolutions: int = 0
    bad_lines: int = 0
    skipped: int = 0
    stopped_at: int | None = None
    messages: list[str] = field(default_factory=list)


class IngestLog:
    """Records inputs in the ingest application; each record is durable when a call returns."""

    def __init__(self, recorder: TradingEngine) -> None:
        # Only receive() and reject_input() are used: the recorder has no venue, no market
        # data (``adapters.bootstrap.ingest_log`` builds it).
        self.recorder = recorder
        self.app: TapeApplication = recorder.app
        self.clock: Clock = recorder.clock

    def configure(self, agents: list[AgentConfig]) -> bool:
        """Record the desk's agents (a change only when they differ from the last recorded)."""
        desk: Desk | None = self.app.get_or_none(desk_uuid(DESK))
        at = self.clock.now()
        if desk is None:
            self.app.save(Desk.open(name=DESK, agents=agents, at=at))
            return True
        if desk.configure(agents=agents, at=max(at, desk.modified_on)):
            self.app.save(desk)
            return True
        return False

    def receive(self, intent: TradeIntent, *, feed: str, line_no: int = 0) -> Receipt:
        """Record an intent (or its redelivery) and acknowledge it."""
        return self.recorder.receive(intent, feed=feed, line_no=line_no)

    def reject(self, *, feed: str, line_no: int, reason: str, digest: str) -> None:
        """Record an input that could not be taken in."""
        self.recorder.reject_input(feed=feed, line_no=line_no, reason=reason, digest=digest)

    def resolve(self, *, venue: str, market_id: str, winning_token_id: str) -> bool:
        """Record a market's resolution once; returns False when it was already recorded."""
        if self.app.get_or_none(resolution_uuid(venue, market_id)) is not None:
            return False
        self.app.save(
            MarketResolution.resolve(
                venue=venue,
                market_id=market_id,
                winning_token_id=winning_token_id,
                at=self.clock.now(),
            )
        )
        return True

    def taken_in(self, feed: str) -> int:
        """The last line of a feed the log shows was taken in (a restart resumes after it)."""
        return find_pending_work(self.app).feed_positions.get(feed, 0)


class DayIngest:
    """Feeds a day's records into an :class:`IngestLog`, resuming after the last line taken in,
    stopping cleanly between two records when asked."""

    def __init__(
        self,
        log: IngestLog,
        *,
        clock: ManualClock,
        source: str,
        feed: str | None = None,
        report: Callable[[str], None] | None = None,
    ) -> None:
        self.log = log
        self.clock = clock
        self.source = source  # how reports name the file
        self.feed = feed or source  # the feed its records are taken in under
        self.report = report or (lambda _message: None)
        self.stop_requested = False

    def request_stop(self) -> None:
        """Finish the record at hand, then stop."""
        self.stop_requested = True

    def run(
        self, records: Iterable[DayRecord | BadLine], *, agents: list[AgentConfig]
    ) -> IngestStats:
        """Record every record of the day not yet taken in."""
        stats = IngestStats()
        resume_after = self.log.taken_in(self.feed)
        records = iter(records)
        first: list[DayRecord | BadLine] = []
        for record in records:
            first.append(record)
            if not isinstance(record, BadLine):
                self.clock.set(record.at)  # the day's first time, as a single-process run
                break
        self.log.configure(agents)
        last_line = 0
        for record in itertools.chain(first, records):
            if self.stop_requested:
                stats.stopped_at = last_line
                break
            last_line = record.line_no
            if isinstance(record, (BookRecord, TradeRecord)):
                self.clock.set(record.at)  # workers run no strategies (see ARCHITECTURE.md)
                continue
            if record.line_no <= resume_after:
                stats.skipped += 1
                continue
            if not isinstance(record, BadLine):
                self.clock.set(record.at)
            self._record(record, stats)
        return stats

    def _record(self, record: DayRecord | BadLine, stats: IngestStats) -> None:
        if isinstance(record, BadLine):
            stats.bad_lines += 1
            message = record.message(self.source)
            stats.messages.append(message)
            self.report(message)
            self.log.reject(
                feed=self.feed, line_no=record.line_no, reason=record.reason, digest=record.digest
            )
        elif isinstance(record, IntentRecord):
            stats.intents += 1
            receipt = self.log.receive(record.intent, feed=self.feed, line_no=record.line_no)
            stats.duplicates += receipt.status == "duplicate"
        elif isinstance(record, ResolutionRecord):
            stats.resolutions += self.log.resolve(
                venue=record.venue,
                market_id=record.market_id,
                winning_token_id=record.winning_token_id,
            )
