"""The Intent aggregate: one per ``intent_id``; received once, decided once."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from engine.aggregate import TapeAggregate
from engine.ids import intent_uuid


class IntentAlreadyDecidedError(RuntimeError):
    """Raised when a second verdict is given to an intent; every intent gets exactly one."""


class Intent(TapeAggregate):
    """A received TradeIntent and the firewall's verdict on it."""

    @staticmethod
    def create_id(intent_id: str) -> UUID:
        """uuid5 of the intent_id, so a redelivered intent finds its first receipt."""
        return intent_uuid(intent_id)

    class IntentReceived(TapeAggregate.Created):
        """The engine took an intent in (durably, before anything was decided)."""

        intent_id: str
        intent: dict[str, Any]
        feed: str
        line_no: int  # where in the feed it came from (0 when the feed has no lines)

        class_version = 2  # v1 had no line_no

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 did not say where in its feed an intent came from."""
            state["line_no"] = 0

        def apply(self, aggregate: Any) -> None:
            aggregate.intent_id = self.intent_id
            aggregate.intent = self.intent
            aggregate.feed = self.feed
            aggregate.status = "RECEIVED"
            aggregate.redeliveries = 0
            aggregate.order_ids = []
            aggregate.reason = None

    class IntentRedelivered(TapeAggregate.Event):
        """The same intent_id arrived again; it is recorded and never traded twice."""

        feed: str
        line_no: int
        same_payload: bool

        class_version = 2  # v1 had no line_no

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 did not say where in its feed the redelivery came from."""
            state["line_no"] = 0

        def apply(self, aggregate: Any) -> None:
            aggregate.redeliveries += 1

    class IntentAccepted(TapeAggregate.Event):
        """The firewall let the intent through; every check ran is listed with its values."""

        checks: list[dict[str, Any]]
        sizing: dict[str, Any]
        book: dict[str, Any] | None
        order_ids: list[str]

        def apply(self, aggregate: Any) -> None:
            aggregate.status = "ACCEPTED"
            aggregate.order_ids = list(self.order_ids)

    class IntentBuffered(TapeAggregate.Event):
        """The copy was sized below the venue's minimum and waits in the agent's buffer under
        ``key`` (``engine/aggregation.py``): its verdict; the order that carries it, or the
        buffer's expiry, is the agent's ``CopyBuffer``'s event."""

        key: str
        checks: list[dict[str, Any]]
        sizing: dict[str, Any]
        book: dict[str, Any] | None

        def apply(self, aggregate: Any) -> None:
            aggregate.status = "BUFFERED"

    class IntentDenied(TapeAggregate.Event):
        """Our own gate said no; ``reason`` is the first failed check, ``checks`` all that ran."""

        reason: str
        detail: str
        checks: list[dict[str, Any]]
        sizing: dict[str, Any] | None
        book: dict[str, Any] | None

        def apply(self, aggregate: Any) -> None:
            aggregate.status = "DENIED"
            aggregate.reason = self.reason

    if TYPE_CHECKING:
        intent_id: str
        intent: dict[str, Any]
        feed: str
        status: str
        redeliveries: int
        order_ids: list[str]
        reason: str | None

    @classmethod
    def receive(
        cls, *, intent_id: str, intent: dict[str, Any], feed: str, line_no: int, at: datetime
    ) -> Intent:
        """Take an intent in: the first event of its life."""
        return cls._create(
            cls.IntentReceived,
            intent_id=intent_id,
            intent=intent,
            feed=feed,
            line_no=line_no,
            timestamp=at,
        )

    @property
    def decided(self) -> bool:
        """Whether the intent has its verdict."""
        return self.status != "RECEIVED"

    def redelivered(self, *, feed: str, line_no: int, intent: dict[str, Any], at: datetime) -> None:
        """Record that the intent arrived again."""
        self.trigger_event(
            self.IntentRedelivered,
            feed=feed,
            line_no=line_no,
            same_payload=intent == self.intent,
            timestamp=at,
        )

    def accept(
        self,
        *,
        checks: list[dict[str, Any]],
        sizing: dict[str, Any],
        book: dict[str, Any] | None,
        order_ids: list[str],
        at: datetime,
    ) -> None:
        """Record the firewall's yes."""
        self._ensure_undecided()
        self.trigger_event(
            self.IntentAccepted,
            checks=checks,
            sizing=sizing,
            book=book,
            order_ids=order_ids,
            timestamp=at,
        )

    def buffer(
        self,
        *,
        key: str,
        checks: list[dict[str, Any]],
        sizing: dict[str, Any],
        book: dict[str, Any] | None,
        at: datetime,
    ) -> None:
        """Record that the copy waits in the agent's buffer."""
        self._ensure_undecided()
        self.trigger_event(
            self.IntentBuffered, key=key, checks=checks, sizing=sizing, book=book, timestamp=at
        )

    def deny(
        self,
        *,
        reason: str,
        detail: str,
        checks: list[dict[str, Any]],
        sizing: dict[str, Any] | None,
        book: dict[str, Any] | None,
        at: datetime,
    ) -> None:
        """Record the firewall's no."""
        self._ensure_undecided()
        self.trigger_event(
            self.IntentDenied,
            reason=reason,
            detail=detail,
            checks=checks,
            sizing=sizing,
            book=book,
            timestamp=at,
        )

    def _ensure_undecided(self) -> None:
        if self.decided:
            msg = f"intent {self.intent_id} already has its verdict ({self.status})"
            raise IntentAlreadyDecidedError(msg)


VERDICTS = (Intent.IntentAccepted, Intent.IntentDenied, Intent.IntentBuffered)
"""Every verdict event: each records the book its decision used."""
