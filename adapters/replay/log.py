"""Reading a store's log as stored rows (for byte-for-byte comparison) with their events.

An event is decoded only when something asks for it (:attr:`StoredEvent.event`): a replay
compares most recorded events with the replay's by their bytes alone, and decodes only the
inputs it feeds to the engine, so decoding (JSON and the library's transcodings) is not paid
twice for every event of the log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic, resolve_topic

from engine.application import TapeApplication
from projections.rows import event_name

PAGE = 1000
RECONCILIATION_PREFIX = "engine.reconciliations:"


class StoredEvent:
    """One event as stored: its place in the log, identity, topic, bytes and decoded form."""

    __slots__ = ("_decode", "_event", "originator_id", "position", "state", "topic", "version")

    def __init__(
        self,
        position: int,
        originator_id: UUID,
        version: int,
        topic: str,
        state: bytes,
        *,
        event: Any = None,
        decode: Callable[[], Any] | None = None,
    ) -> None:
        self.position = position
        self.originator_id = originator_id
        self.version = version
        self.topic = topic
        self.state = state
        self._event = event
        self._decode = decode

    @property
    def event(self) -> Any:
        """The domain event (decoded on first use)."""
        if self._event is None and self._decode is not None:
            self._event = self._decode()
            self._decode = None
        return self._event

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

    def __repr__(self) -> str:
        return f"StoredEvent({self.position}, {self.originator_id}, v{self.version}, {self.topic})"


@cache
def _current(topic: str) -> tuple[str, bool]:
    """The topic a stored topic names today (a renamed class), and whether its class is
    versioned (``class_version`` > 1: an older record is upcast when read)."""
    cls = resolve_topic(topic)
    return get_topic(cls), getattr(cls, "class_version", 1) > 1


def current_form(app: TapeApplication, event: Any, state: bytes) -> bytes:
    """The bytes an event would be stored as today: an event stored by an older version of its
    class (upcast when read) is encoded again, so old and new records compare alike."""
    if getattr(type(event), "class_version", 1) > 1 and b'"class_version"' not in state:
        return bytes(app.mapper.to_stored_event(event).state)
    return state


def stored_event(app: TapeApplication, item: Any) -> StoredEvent:
    """A notification of ``app``'s log as a :class:`StoredEvent`, decoded lazily."""
    originator = item.originator_id
    topic, versioned = _current(item.topic)
    state = bytes(item.state)
    event = None
    if versioned and b'"class_version"' not in state:
        event = app.mapper.to_domain_event(item)  # upcast: its bytes are today's encoding
        state = current_form(app, event, state)
    return StoredEvent(
        item.id,
        originator if isinstance(originator, UUID) else UUID(str(originator)),
        item.originator_version,
        topic,  # an old topic (a renamed class) as stored today
        state,
        event=event,
        decode=lambda: app.mapper.to_domain_event(item),
    )


def stored_events(
    app: TapeApplication, start: int = 1, *, observe: Callable[[Any], None] | None = None
) -> Iterator[StoredEvent]:
    """Every event of the log from ``start``, reconciliation records left out (they say when
    Tape asked a venue, an operational fact replay does not re-create). ``observe`` is shown
    every notification read, those left out too (replay folds the log's digest with it)."""
    next_id = start
    while True:
        page = app.recorder.select_notifications(start=next_id, limit=PAGE)
        if not page:
            return
        for item in page:
            if observe is not None:
                observe(item)
            if item.topic.startswith(RECONCILIATION_PREFIX):
                continue
            yield stored_event(app, item)
        next_id = page[-1].id + 1
