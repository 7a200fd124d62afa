"""The CopyBuffer aggregate: one per agent, the copies sized below a venue's minimum that wait,
per venue, token and side, until together they reach it (flushed as one order) or their window
ends (expired). Its events are the buffer's whole life, so a restart rebuilds it: a crash loses
no buffered copy and flushes none twice. The rules are in ``engine/aggregation.py``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from engine.aggregate import TapeAggregate
from engine.aggregation import Buffered, PendingCopies
from engine.ids import copy_buffer_uuid


class CopyBuffer(TapeAggregate):
    """An agent's buffered small copies, by key ``venue|token|side``."""

    @staticmethod
    def create_id(agent: str) -> UUID:
        """uuid5 of the agent's name."""
        return copy_buffer_uuid(agent)

    class BufferOpened(TapeAggregate.Created):
        """The agent's first small copy was buffered."""

        agent: str

        def apply(self, aggregate: Any) -> None:
            aggregate.agent = self.agent
            aggregate.buckets = {}

    class CopyBuffered(TapeAggregate.Event):
        """A copy sized below the venue's minimum waits in its key's bucket (``size`` is our
        sized order, ``source_price`` the copied trade's price)."""

        key: str
        venue: str
        market_id: str
        token_id: str
        side: str
        intent_id: str
        size: Decimal
        source_price: Decimal
        min_size: Decimal

        def apply(self, aggregate: Any) -> None:
            bucket = aggregate.buckets.setdefault(
                self.key, {"opened_at": self.timestamp, "entries": []}
            )
            bucket["entries"].append(
                {"intent_id": self.intent_id, "size": self.size, "price": self.source_price}
            )

    class BufferFlushed(TapeAggregate.Event):
        """The bucket reached the minimum with ``intent_id``'s copy: one order (``order_id``)
        of ``order_size`` carries the buffered copies (``intent_ids``, ``buffered_size``) and
        that one, checked against the volume-weighted source price ``vwap``."""

        key: str
        intent_id: str
        order_id: str
        intent_ids: list[str]
        buffered_size: Decimal
        order_size: Decimal
        vwap: Decimal

        def apply(self, aggregate: Any) -> None:
            aggregate.buckets.pop(self.key, None)

    class BufferExpired(TapeAggregate.Event):
        """The bucket's window ended below the minimum: its copies are not placed."""

        key: str
        intent_ids: list[str]
        size: Decimal
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.buckets.pop(self.key, None)

    if TYPE_CHECKING:
        agent: str
        buckets: dict[str, dict[str, Any]]

    @classmethod
    def open(cls, *, agent: str, at: datetime) -> CopyBuffer:
        """The agent's buffer, created with its first buffered copy."""
        return cls._create(cls.BufferOpened, agent=agent, timestamp=at)

    def pending(self, key: str) -> PendingCopies:
        """The copies waiting under ``key`` (none: an empty bucket)."""
        bucket = self.buckets.get(key)
        if bucket is None:
            return PendingCopies(key, ())
        return PendingCopies(
            key,
            tuple(Buffered(e["intent_id"], e["size"], e["price"]) for e in bucket["entries"]),
            opened_at=bucket["opened_at"],
        )

    def waiting_keys(self) -> list[str]:
        """The keys with copies waiting, sorted."""
        return sorted(self.buckets)

    def buffer(
        self,
        *,
        key: str,
        venue: str,
        market_id: str,
        token_id: str,
        side: str,
        copy: Buffered,
        min_size: Decimal,
        at: datetime,
    ) -> None:
        """Put one copy in its key's bucket."""
        self.trigger_event(
            self.CopyBuffered,
            key=key,
            venue=venue,
            market_id=market_id,
            token_id=token_id,
            side=side,
            intent_id=copy.intent_id,
            size=copy.size,
            source_price=copy.source_price,
            min_size=min_size,
            timestamp=at,
        )

    def flush(
        self,
        *,
        pending: PendingCopies,
        intent_id: str,
        order_id: str,
        order_size: Decimal,
        vwap: Decimal,
        at: datetime,
    ) -> None:
        """Empty a bucket into the order that carries its copies."""
        self.trigger_event(
            self.BufferFlushed,
            key=pending.key,
            intent_id=intent_id,
            order_id=order_id,
            intent_ids=[e.intent_id for e in pending.entries],
            buffered_size=pending.size,
            order_size=order_size,
            vwap=vwap,
            timestamp=at,
        )

    def expire(self, *, pending: PendingCopies, reason: str, at: datetime) -> None:
        """Give a bucket up: its copies are not placed."""
        self.trigger_event(
            self.BufferExpired,
            key=pending.key,
            intent_ids=[e.intent_id for e in pending.entries],
            size=pending.size,
            reason=reason,
            timestamp=at,
        )
