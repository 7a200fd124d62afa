"""One step of the engine: the aggregates it read and changed, saved in one transaction.

A step (an intent taken in and decided, a venue report applied, a reconciliation) reads a few
aggregates, changes some, and must store all of its new events together or none of them. The
unit of work gives the step one copy of each aggregate (so an aggregate created earlier in the
step is found before it is saved), collects what changed in the order it changed, and saves it
in one ``ProcessingEvent``, with the tracking record of the upstream event when the step
processes one (a scale-out worker), so the events and the position are stored atomically.

The application's aggregate cache is used without deep copies (``DEEPCOPY_FROM_AGGREGATE_CACHE``
is off where the engine's store is opened): the engine is the only writer of its aggregates,
so the cached object *is* the aggregate. What makes that safe is :meth:`UnitOfWork.discard`: a
step that fails after changing an aggregate evicts everything it touched, so the next step reads
the stored truth again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent, project_aggregate
from eventsourcing.persistence import Tracking

from engine.application import TapeApplication


class UnitOfWork:
    """The aggregates of the step in progress. Steps nest: an inner step joins the outer one,
    and only the outermost one saves."""

    def __init__(self, app: TapeApplication) -> None:
        self.app = app
        self._depth = 0
        self._loaded: dict[UUID, Any] = {}
        self._changed: dict[UUID, Any] = {}
        self._tracking: Tracking | None = None

    @contextmanager
    def step(self, tracking: Tracking | None = None) -> Iterator[UnitOfWork]:
        """A step: saved when the outermost step ends, discarded if it raises."""
        if tracking is not None:
            if self._tracking is not None:
                raise RuntimeError("a step already carries a tracking record")
            self._tracking = tracking
        self._depth += 1
        try:
            yield self
            if self._depth == 1:
                self.flush()
        except BaseException:
            if self._depth == 1:
                self.discard()
            raise
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._loaded.clear()
                self._tracking = None

    def get(self, aggregate_id: UUID) -> Any:
        """The aggregate, as this step sees it. Raises AggregateNotFoundError."""
        found = self._loaded.get(aggregate_id)
        if found is None:
            found = self._loaded[aggregate_id] = self.app.repository.get(aggregate_id)
        return found

    def get_or_none(self, aggregate_id: UUID) -> Any:
        """The aggregate, or None if it was never created."""
        try:
            return self.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def refresh(self, aggregate_id: UUID) -> Any:
        """The aggregate with any events another process stored since it was cached (``tape
        agents halt`` writes agents from its own process), or None if it does not exist."""
        aggregate = self.get_or_none(aggregate_id)
        if aggregate is None or aggregate_id in self._changed:
            return aggregate
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

    def flush(self) -> None:
        """Save what the step changed so far, in one transaction (before a venue is called,
        so what is written ahead is durable first)."""
        changed = [a for a in self._changed.values() if a.pending_events]
        if not changed and self._tracking is None:
            self._changed.clear()
            return
        if self._tracking is None:
            self.app.save(*changed)
        else:
            processing = ProcessingEvent[UUID](tracking=self._tracking)
            processing.collect_events(*changed)
            recordings = self.app._record(processing)
            self.app._take_snapshots(processing)
            self.app._notify(recordings)
        self._changed.clear()
        self._tracking = None

    def discard(self) -> None:
        """Forget the step: its changed aggregates leave the cache, unsaved events and all."""
        cache = self.app.repository.cache
        for aggregate_id in set(self._loaded) | set(self._changed):
            if cache is not None:
                with suppress(KeyError):
                    cache.get(aggregate_id, evict=True)
        self._changed.clear()
        self._loaded.clear()
