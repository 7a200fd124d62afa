"""The Feed aggregate: one input source (a day file, an intent file, an endpoint) and the
records of it that could not be taken in, so bad input is recorded, not just printed."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.utils import register_topic

from engine.aggregate import TapeAggregate
from engine.ids import feed_uuid


class Feed(TapeAggregate):
    """An input source."""

    @staticmethod
    def create_id(source: str) -> UUID:
        """uuid5 of the source's name."""
        return feed_uuid(source)

    class FeedOpened(TapeAggregate.Created):
        """The first record of this source was read."""

        source: str

        def apply(self, aggregate: Any) -> None:
            aggregate.source = self.source
            aggregate.denied = 0

    class InputDenied(TapeAggregate.Event):
        """A record we could not take in: where it was and why (its digest, not its text).
        Stored before the rename as ``engine.feeds:Feed.InputRejected``, which still loads."""

        source: str
        line_no: int
        reason: str
        digest: str

        class_version = 2  # v1 did not repeat the feed's source

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 named no source: the feed's own record has it."""
            state["source"] = ""

        def apply(self, aggregate: Any) -> None:
            aggregate.denied += 1

    if TYPE_CHECKING:
        source: str
        denied: int

    @classmethod
    def open(cls, *, source: str, at: datetime) -> Feed:
        """Start recording a source."""
        return cls._create(cls.FeedOpened, source=source, timestamp=at)

    def deny(self, *, line_no: int, reason: str, digest: str, at: datetime) -> None:
        """Record a record that was refused."""
        self.trigger_event(
            self.InputDenied,
            source=self.source,
            line_no=line_no,
            reason=reason,
            digest=digest,
            timestamp=at,
        )


LEGACY_INPUT_REJECTED_TOPIC = "engine.feeds:Feed.InputRejected"
"""The stored topic of ``Feed.InputDenied`` before it was renamed."""
register_topic(LEGACY_INPUT_REJECTED_TOPIC, Feed.InputDenied)
