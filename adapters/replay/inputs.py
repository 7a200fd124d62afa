"""The replay's side of the recorded inputs: its clock, the books the verdicts recorded, who
owns each aggregate, and a record one can peek into."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from adapters.replay.log import StoredEvent, stored_events
from engine.agents import Agent
from engine.application import TapeApplication
from engine.intents import Intent
from engine.values import Book


class ReplayClock:
    """A clock the replay sets to each recorded input's time (backwards too)."""

    def __init__(self, start: datetime) -> None:
        self.at = start

    def now(self) -> datetime:
        """The recorded time of the input at hand."""
        return self.at


@dataclass
class RecordedBooks:
    """The MarketData of a replay: the book the recorded verdict says the decision used."""

    current: Book | None = None

    def book(
        self, venue: str, token_id: str, *, at: datetime | None = None, account: str = ""
    ) -> Book | None:
        """The recorded book, if it is the one asked for."""
        book = self.current
        if book is None or (book.venue, book.token_id) != (venue, token_id):
            return None
        return book


def owners_of(app: TapeApplication) -> dict[UUID, str]:
    """The agent each aggregate belongs to (feeds belong to none)."""
    owners: dict[UUID, str] = {}
    for stored in stored_events(app):
        event = stored.event
        if isinstance(event, Intent.IntentReceived):
            owners[stored.originator_id] = str(event.intent.get("agent"))
        elif isinstance(event, Agent.AgentRegistered):
            owners[stored.originator_id] = event.name
        elif stored.version == 1 and hasattr(event, "agent"):
            owners[stored.originator_id] = event.agent
    return owners


class Lookahead:
    """An iterator one can peek into."""

    def __init__(self, items: Iterator[StoredEvent]) -> None:
        self._items = items
        self._buffer: list[StoredEvent] = []

    def peek(self, offset: int = 0) -> StoredEvent | None:
        """The item ``offset`` places ahead, without taking it."""
        while len(self._buffer) <= offset:
            item = next(self._items, None)
            if item is None:
                return None
            self._buffer.append(item)
        return self._buffer[offset]

    def next(self) -> StoredEvent | None:
        """Take the next item."""
        if self.peek() is None:
            return None
        return self._buffer.pop(0)
