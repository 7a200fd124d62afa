"""The events a replay's engine produces, as they would be stored, taken as its steps end.

Before, the replay committed every step on its own, asked its store for the last position
before and after each input and read the new rows back (decoding them) to compare them with the
record: three queries, a commit and a decode for every input. Now its engine group-commits
(``engine.unit_of_work``: one transaction per :attr:`UnitOfWork.MAX_DEFERRED_EVENTS`), and each
step's events are encoded once, when the unit of work collects them, by the store's own mapper:
those bytes are compared with the record, and the same encoding is what the store is handed
when the batch is committed (not done a second time).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import StoredEvent as LibraryStoredEvent

from adapters.replay.log import RECONCILIATION_PREFIX, StoredEvent
from engine.service import TradingEngine

MEMO_LIMIT = 10_000
"""Encodings kept for the next commit; past it they are dropped (and encoded again then): only
a step thrown away (its events never stored) leaves one behind."""


class Produced:
    """Collects the replay engine's events (reconciliation records left out) in store order."""

    def __init__(self, engine: TradingEngine) -> None:
        mapper = engine.app.mapper
        self._encode: Callable[[Any], LibraryStoredEvent] = mapper.to_stored_event
        self._memo: dict[int, tuple[Any, LibraryStoredEvent]] = {}
        self._new: list[StoredEvent] = []
        self.position = 0  # events produced so far (the replay store's log position)
        # The store encodes through the same mapper: hand it the encoding already made.
        setattr(mapper, "to_stored_event", self._stored)  # noqa: B010 - an instance override
        engine.unit.on_collect = self._collected

    def take(self) -> list[StoredEvent]:
        """The events produced since the last call."""
        new, self._new = self._new, []
        return new

    def _collected(self, events: list[Any]) -> None:
        for event in events:
            stored = self._encode(event)
            if len(self._memo) >= MEMO_LIMIT:
                self._memo.clear()
            self._memo[id(event)] = (event, stored)
            self.position += 1
            if stored.topic.startswith(RECONCILIATION_PREFIX):
                continue
            self._new.append(
                StoredEvent(
                    self.position,
                    event.originator_id,  # the UUID the store keys it by
                    stored.originator_version,
                    stored.topic,
                    bytes(stored.state),
                    event=event,
                )
            )

    def _stored(self, event: Any) -> LibraryStoredEvent:
        found = self._memo.pop(id(event), None)
        if found is not None and found[0] is event:
            return found[1]
        return self._encode(event)
