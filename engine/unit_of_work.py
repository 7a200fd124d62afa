"""One step of the engine: the aggregates it read and changed, saved in one transaction.

A step (an intent taken in and decided, a venue report applied, a reconciliation) reads a few
aggregates, changes some, and must store all of its new events together or none of them. The
unit of work gives the step one copy of each aggregate (so an aggregate created earlier in the
step is found before it is saved), collects what changed in the order it changed, and saves it
in one ``ProcessingEvent``, with the tracking record of the upstream event when the step
processes one (a scale-out worker), so the events and the position are stored atomically.

Group commit (``defer``): a runner that reads its inputs back from the log after a crash (a day
run, a worker) lets steps that call no venue ride with the next transaction instead of
committing each on its own: a verdict that placed nothing, and a venue's answer. The rule that
matters is kept: everything decided so far is committed *before* any venue is called. A crash
loses only deferred steps, which a restart redoes: their inputs are read again, and an order
whose answer was lost is still open in the store, so it is reconciled with its venue.

The application's aggregate cache is used without deep copies (``DEEPCOPY_FROM_AGGREGATE_CACHE``
is off where the engine's store is opened): the engine is the only writer of its aggregates,
so the cached object *is* the aggregate. What makes that safe is :meth:`UnitOfWork.discard`: a
step that fails after changing an aggregate evicts everything it touched, so the next step reads
the stored truth again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent, project_aggregate
from eventsourcing.persistence import Tracking

from engine.application import TapeApplication


class UnitOfWork:
    """The aggregates of the step in progress. Steps nest: an inner step joins the outer one,
    and only the outermost one ends the step."""

    MAX_DEFERRED_EVENTS = 2000
    """A deferred batch is committed once it holds this many events (memory stays bounded)."""
    MAX_ABSENT = 100_000
    """How many ids known to be absent are remembered (then forgotten all at once)."""

    def __init__(self, app: TapeApplication) -> None:
        self.app = app
        self.defer = False
        self.discarded: set[UUID] = set()  # what the last failed step threw away
        self._depth = 0
        self._loaded: dict[UUID, Any] = {}
        self._changed: dict[UUID, Any] = {}
        self._tracking: Tracking | None = None
        self._pending = ProcessingEvent[UUID]()  # ended steps not yet committed
        self._absent: set[UUID] = set()
        self.sole_writer = False
        """Set when no other process writes this store (a replay's scratch store): the cached
        agent is then current, and :meth:`refresh` does not ask the store for newer events."""
        self.on_collect: Callable[[list[Any]], None] | None = None
        """Told each step's events when they are collected, in the order they will be stored
        (a replay compares them as they come, instead of reading them back from its store)."""

    @contextmanager
    def step(self, tracking: Tracking | None = None) -> Iterator[UnitOfWork]:
        """A step: committed when the outermost step ends (or with the next commit, when
        deferring), thrown away with everything uncommitted if it raises."""
        if tracking is not None:
            if self._tracking is not None:
                raise RuntimeError("a step already carries a tracking record")
            self._tracking = tracking
        self._depth += 1
        try:
            yield self
            if self._depth == 1:
                self._end_step()
        except BaseException:
            if self._depth == 1:
                self.discard()
            raise
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._loaded.clear()
                self._tracking = None

    @contextmanager
    def savepoint(self, *aggregates: Any) -> Iterator[None]:
        """Undo what the block did to ``aggregates`` if it raises, and only that: the step's
        earlier changes (and the steps not yet committed) stand. The caller records what the
        failure means (a denial) and goes on; the exception still leaves the block."""
        marks = [(a, len(a.pending_events)) for a in aggregates if a is not None]
        try:
            yield
        except BaseException:
            for aggregate, mark in marks:
                if len(aggregate.pending_events) > mark:
                    self._rewind(aggregate, mark)
            raise

    def _rewind(self, aggregate: Any, mark: int) -> None:
        # Rebuild the aggregate from its stored events, the ended steps' events and its first
        # ``mark`` pending events, in place: whoever holds the object sees the rewound state.
        kept = aggregate.pending_events[:mark]
        stored = self.app.repository.event_store.get(aggregate.id)
        ended = [e for e in self._pending.events if e.originator_id == aggregate.id]
        rebuilt = project_aggregate(None, [*stored, *ended, *kept])
        aggregate.__dict__.clear()
        if rebuilt is not None:
            aggregate.__dict__.update(rebuilt.__dict__)
        aggregate.pending_events[:] = kept

    def get(self, aggregate_id: UUID) -> Any:
        """The aggregate, as this step sees it. Raises AggregateNotFoundError."""
        found = self._loaded.get(aggregate_id) or self._pending.aggregates.get(aggregate_id)
        if found is None:
            found = self.app.repository.get(aggregate_id)
        self._loaded[aggregate_id] = found
        return found

    def get_or_none(self, aggregate_id: UUID) -> Any:
        """The aggregate, or None if it was never created."""
        try:
            return self.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def find(self, aggregate_id: UUID) -> Any:
        """Like :meth:`get_or_none`, for aggregates only this engine creates (intents, orders,
        positions, holdings, reconciliations, feeds): an id once found absent stays absent
        until this engine creates it, so it is not looked up in the store again."""
        if aggregate_id in self._absent:
            return None
        if not self._held(aggregate_id) and not self.app.recorder.select_events(
            aggregate_id, limit=1
        ):
            # One query says it is new (the repository would also ask for a snapshot).
            if len(self._absent) >= self.MAX_ABSENT:
                self._absent.clear()
            self._absent.add(aggregate_id)
            return None
        return self.get_or_none(aggregate_id)

    def _held(self, aggregate_id: UUID) -> bool:
        # Whether the step, the uncommitted steps or the cache have the aggregate.
        if aggregate_id in self._loaded or aggregate_id in self._pending.aggregates:
            return True
        cache = self.app.repository.cache
        if cache is None:
            return False
        try:
            cache.get(aggregate_id)
        except KeyError:
            return False
        return True

    def refresh(self, aggregate_id: UUID) -> Any:
        """The aggregate with any events another process stored since it was cached (``tape
        agents halt`` writes agents from its own process), or None if it does not exist."""
        aggregate = self.get_or_none(aggregate_id)
        if aggregate is None or aggregate_id in self._changed or self.sole_writer:
            return aggregate
        if aggregate_id in self._pending.aggregates:
            return aggregate  # ahead of the store: a change from elsewhere conflicts at commit
        newer = self.app.repository.event_store.get(aggregate_id, gt=aggregate.version)
        aggregate = self._loaded[aggregate_id] = project_aggregate(aggregate, newer)
        if self.app.repository.cache is not None:
            self.app.repository.cache.put(aggregate_id, aggregate)
        return aggregate

    def add(self, *aggregates: Any) -> None:
        """Aggregates the step changed (or created), in the order their events are stored."""
        for aggregate in aggregates:
            self._loaded[aggregate.id] = aggregate
            self._changed.setdefault(aggregate.id, aggregate)
            self._absent.discard(aggregate.id)

    def flush(self) -> None:
        """Commit every ended step and what the current one changed so far, in one transaction
        (before a venue is called, so what is written ahead is durable first)."""
        self._collect()
        pending = self._pending
        if pending.events or pending.tracking is not None:
            recordings = self.app._record(pending)
            self.app._take_snapshots(pending)
            self.app._notify(recordings)
        self._pending = ProcessingEvent[UUID]()

    def discard(self) -> None:
        """Forget everything uncommitted: its aggregates leave the cache, so the next step
        reads the stored truth. ``discarded`` names them."""
        lost = set(self._loaded) | set(self._changed) | set(self._pending.aggregates)
        cache = self.app.repository.cache
        if cache is not None:
            for aggregate_id in lost:
                with suppress(KeyError):
                    cache.get(aggregate_id, evict=True)
        self.discarded = lost
        self._absent.clear()
        self._changed.clear()
        self._loaded.clear()
        self._tracking = None
        self._pending = ProcessingEvent[UUID]()

    def _collect(self) -> None:
        # The step's events, in the order its aggregates changed, after the earlier steps'.
        # (What ProcessingEvent.collect_events does, without its runtime Protocol checks,
        # which cost more than the rest of it on Python 3.11.)
        pending = self._pending
        for aggregate in self._changed.values():
            events = aggregate.collect_events()
            pending.events.extend(events)
            pending.aggregates[aggregate.id] = aggregate
            if self.on_collect is not None:
                self.on_collect(events)
        if self._tracking is not None:
            self._pending.tracking = self._tracking  # the latest position stands for all
            self._tracking = None
        self._changed.clear()

    def _end_step(self) -> None:
        if self.defer and len(self._pending.events) < self.MAX_DEFERRED_EVENTS:
            self._collect()
        else:
            self.flush()
