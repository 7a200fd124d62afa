"""Reading a store's log as stored rows (for byte-for-byte comparison) with their events."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from engine.application import TapeApplication
from projections.rows import event_name

PAGE = 1000
RECONCILIATION_PREFIX = "engine.reconciliations:"


@dataclass(frozen=True)
class StoredEvent:
    """One event as stored: its place in the log, identity, topic, bytes and decoded form."""

    position: int
    originator_id: UUID
    version: int
    topic: str
    state: bytes
    event: Any

    @property
    def name(self) -> str:
        """The event's name (``OrderFilled``)."""
        return event_name(self.event)

    def same_as(self, other: StoredEvent) -> bool:
        """Whether two stored events are the same to the byte (their log positions aside)."""
        return (self.originator_id, self.version, self.topic, self.state) == (
            other.originator_id,
            other.version,
            other.topic,
            other.state,
        )


def current_form(app: TapeApplication, event: Any, state: bytes) -> bytes:
    """The bytes an event would be stored as today: an event stored by an older version of its
    class (upcast when read) is encoded again, so old and new records compare alike."""
    if getattr(type(event), "class_version", 1) > 1 and b'"class_version"' not in state:
        return bytes(app.mapper.to_stored_event(event).state)
    return state


def stored_events(app: TapeApplication, start: int = 1) -> Iterator[StoredEvent]:
    """Every event of the log from ``start``, reconciliation records left out (they say when
    Tape asked a venue, an operational fact replay does not re-create)."""
    next_id = start
    while True:
        page = app.recorder.select_notifications(start=next_id, limit=PAGE)
        if not page:
            return
        for item in page:
            if item.topic.startswith(RECONCILIATION_PREFIX):
                continue
            originator = item.originator_id
            event = app.mapper.to_domain_event(item)
            yield StoredEvent(
                item.id,
                originator if isinstance(originator, UUID) else UUID(str(originator)),
                item.originator_version,
                get_topic(type(event)),  # an old topic (a renamed class) as stored today
                current_form(app, event, bytes(item.state)),
                event,
            )
        next_id = page[-1].id + 1
