"""An engine worker: follows the ingest log and trades for the agents of its partition.

The library's process-application pattern, run by hand so a step can call a venue after its
write-ahead transaction: for each ingest event of one of its agents, the worker stores the
step's events *and* a tracking record of the event's position in one transaction (the
:class:`~engine.unit_of_work.UnitOfWork` with ``tracking``), then calls the venue. A restart
resumes after the last tracked position; anything sent but not answered is reconciled by the
engine's ``recover()``. Events of other partitions' agents are skipped without a tracking
record (re-reading them after a restart is harmless), so workers do not write for each other's
intents. Configuration and resolutions are processed by every worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import Notification, Tracking
from eventsourcing.utils import get_topic

from adapters.scaleout.partitions import partition_reader
from engine.application import TapeApplication, TapeWorkerApplication
from engine.ids import desk_uuid
from engine.ingest_records import DESK, Desk, MarketResolution
from engine.intent import TradeIntent, parse_intent, redelivery_stand_in
from engine.intents import Intent
from engine.partition import INGEST_APP_NAME, Partition
from engine.service import TradingEngine

PAGE = 500

FOLLOWED_TOPICS = [
    get_topic(cls)
    for cls in (
        Desk.DeskOpened,
        Desk.AgentsConfigured,
        Intent.IntentReceived,
        Intent.IntentRedelivered,
        MarketResolution.MarketResolved,
    )
]


class InputClock:
    """The worker's clock: the time of the ingest event at hand, or, live, the later of that
    and the wall clock (so a worker catching up on a backlog judges staleness by real time)."""

    def __init__(self, *, wall: Callable[[], datetime] | None = None) -> None:
        self.wall = wall
        self._at = datetime(1970, 1, 1, tzinfo=UTC)
        self.line: int | None = None  # the input's line in its feed, for the venue calls

    def set(self, at: datetime, line: int | None = None) -> None:
        """Move to the time of the next event (never backwards), at the input's line."""
        self._at = max(self._at, at)
        self.line = line

    def now(self) -> datetime:
        """The engine's time."""
        return max(self._at, self.wall()) if self.wall is not None else self._at


class LeaseLostError(RuntimeError):
    """The worker no longer holds its partition's lock: it must stop trading."""


@dataclass
class WorkerStats:
    """What a worker did since it started."""

    seen: int = 0
    processed: int = 0
    skipped: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


class Worker:
    """Follows the ingest log for one partition."""

    def __init__(
        self,
        *,
        partition: Partition,
        ingest: TapeApplication,
        engine: TradingEngine,
        clock: InputClock,
        still_leased: Callable[[], bool] = lambda: True,
        report: Callable[[str], None] | None = None,
    ) -> None:
        self.partition = partition
        self.ingest = ingest
        self.engine = engine
        if not isinstance(engine.app, TapeWorkerApplication):
            raise TypeError("a worker's engine writes through a TapeWorkerApplication")
        self.app: TapeWorkerApplication = engine.app
        self.clock = clock
        self.still_leased = still_leased
        self.report = report or (lambda _message: None)
        self.stats = WorkerStats()
        self.agents = self._configured_agents()  # this partition's, as last configured
        self.cursor = self.tracked = self.tracked_position()
        self.reader = partition_reader(ingest.recorder, partition)

    def _configured_agents(self) -> set[str]:
        desk: Desk | None = self.ingest.get_or_none(desk_uuid(DESK))
        if desk is None:
            return set()
        return {c.name for c in Desk.agent_configs(desk.agents) if self.partition.owns(c.name)}

    def tracked_position(self) -> int:
        """How far this worker has read the ingest log, as committed (its tracking records)."""
        return self.app.recorder.max_tracking_id(INGEST_APP_NAME) or 0

    def ingest_end(self) -> int:
        """The last position of the ingest log now."""
        return self.ingest.recorder.max_notification_id() or 0

    def process_page(self) -> int:
        """Process the next page of the ingest log; returns how many events it held. A page
        that ends the log moves the position to the log's end, past events of topics no
        worker follows (bad lines), so a caught-up worker is seen at the end."""
        end = self.ingest_end()  # read first: ids up to it are all committed (one writer)
        page: Sequence[Notification]
        if self.reader is not None:  # only this partition's intents (adapters/scaleout/partitions)
            page = self.reader.page(self.cursor, end, FOLLOWED_TOPICS, PAGE)
        else:
            page = self.ingest.recorder.select_notifications(
                start=self.cursor + 1, limit=PAGE, stop=end, topics=FOLLOWED_TOPICS
            )
        for notification in page:
            event = self.ingest.mapper.to_domain_event(notification)
            self.stats.seen += 1
            if self._process(event, Tracking(INGEST_APP_NAME, notification.id)):
                self.tracked = notification.id
                self.stats.processed += 1
                kind = type(event).__name__
                self.stats.by_kind[kind] = self.stats.by_kind.get(kind, 0) + 1
            else:
                self.stats.skipped += 1
            self.cursor = notification.id
        if len(page) < PAGE:
            self.cursor = max(self.cursor, end)
        return len(page)

    def run(
        self, stop: threading.Event, *, until: int | None = None, poll_s: float = 0.2
    ) -> WorkerStats:
        """Process the log until ``stop`` is set, or, with ``until``, until that position has
        been read."""
        with self.engine.group_commit():  # see engine.unit_of_work
            while not stop.is_set():
                if until is not None and self.cursor >= until:
                    break
                if self.process_page() == 0:
                    if until is not None:
                        break  # the rest of the log up to ``until`` is not for this worker
                    self._commit()  # nothing new: what was deferred is committed now
                    stop.wait(poll_s)
            self._commit()
        return self.stats

    def _commit(self) -> None:
        # Commit what is deferred, with the position read so far when the last events were
        # other partitions' (so `tape db check` and a restart see how far the worker read).
        if self.cursor > self.tracked:
            with self.engine.step(Tracking(INGEST_APP_NAME, self.cursor)):
                pass
            self.tracked = self.cursor
        self.engine.commit()

    # -- one event --------------------------------------------------------------------------

    def _process(self, event: Any, tracking: Tracking) -> bool:
        if isinstance(event, (Desk.DeskOpened, Desk.AgentsConfigured)):
            return self._configure(event, tracking)
        if isinstance(event, Intent.IntentReceived):
            intent = parse_intent(event.intent)
            if not self._mine(intent):
                return False
            self._check_lease()
            self.clock.set(event.timestamp, event.line_no or None)
            self.engine.submit(intent, feed=event.feed, line_no=event.line_no, tracking=tracking)
            if self.engine.has_open_orders:  # resting orders: their fills arrive by polling
                self.engine.poll_venue(intent.venue, accounts=frozenset(self.agents))
            return True
        if isinstance(event, Intent.IntentRedelivered):
            return self._redelivered(event, tracking)
        if isinstance(event, MarketResolution.MarketResolved):
            self._check_lease()
            self.clock.set(event.timestamp)
            with self.engine.step(tracking):
                self.engine.settle(
                    venue=event.venue,
                    market_id=event.market_id,
                    winning_token_id=event.winning_token_id,
                    at=event.timestamp,
                )
            return True
        return False

    def _configure(self, event: Any, tracking: Tracking) -> bool:
        configs = [c for c in Desk.agent_configs(event.agents) if self.partition.owns(c.name)]
        self.agents = {c.name for c in configs}
        self._check_lease()
        self.clock.set(event.timestamp)
        with self.engine.step(tracking):
            self.engine.register_agents(configs)
        return True

    def _redelivered(self, event: Any, tracking: Tracking) -> bool:
        # Whose intent it is comes from the ingest log's own record of it: this worker's record
        # may still be in a deferred (uncommitted) step, and another partition's is nowhere.
        original: Intent = self.ingest.repository.get(event.originator_id)
        intent = parse_intent(original.intent)
        if not self._mine(intent):
            return False
        intent = redelivery_stand_in(intent, same_payload=event.same_payload)
        self._check_lease()
        self.clock.set(event.timestamp, event.line_no or None)
        self.engine.submit(intent, feed=event.feed, line_no=event.line_no, tracking=tracking)
        return True

    def _mine(self, intent: TradeIntent) -> bool:
        # An intent of one of this partition's agents, or a signal one of them follows (the
        # engine routes it to each of them, ``engine.signals``).
        if intent.agent is not None:
            return self.partition.owns(intent.agent)
        return bool(self.engine.followers(intent.source.trader or ""))

    def _check_lease(self) -> None:
        if not self.still_leased():
            raise LeaseLostError(
                f"worker {self.partition} lost its partition lock: stopping before the next step"
            )
