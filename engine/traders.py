"""The TraderHolding aggregate: what a copied trader has been seen to hold of one token.

It is what a proportional sell reads when the intent does not carry
``trader_position_before``: the trader's holding as observed from its earlier intents.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from engine.aggregate import TapeAggregate
from engine.ids import trader_holding_uuid
from engine.values import Side


def holding_after(
    known: Decimal | None, side: Side, size: Decimal, reported_before: Decimal | None
) -> Decimal | None:
    """The trader's holding after a trade: from the reported holding when there is one,
    else from what was observed; a sell from an unknown holding leaves it unknown."""
    before = reported_before if reported_before is not None else known
    if side is Side.BUY:
        return (before or Decimal(0)) + size
    if before is None:
        return None
    return max(before - size, Decimal(0))


class TraderHolding(TapeAggregate):
    """A followed trader's observed holding of one token."""

    @staticmethod
    def create_id(agent: str, venue: str, trader: str, token_id: str) -> UUID:
        """uuid5 of agent, venue, trader and token."""
        return trader_holding_uuid(agent, venue, trader, token_id)

    class TraderFirstSeen(TapeAggregate.Created):
        """The first trade of this trader in this token that reached this agent."""

        agent: str
        venue: str
        trader: str
        token_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.agent = self.agent
            aggregate.venue = self.venue
            aggregate.trader = self.trader
            aggregate.token_id = self.token_id
            aggregate.holding = None

    class TraderTradeObserved(TapeAggregate.Event):
        """One trade of the trader, and the holding it leaves (None while unknown)."""

        intent_id: str
        side: str
        size: Decimal
        holding_before: Decimal | None
        holding_after: Decimal | None

        def apply(self, aggregate: Any) -> None:
            aggregate.holding = self.holding_after

    if TYPE_CHECKING:
        agent: str
        venue: str
        trader: str
        token_id: str
        holding: Decimal | None

    @classmethod
    def first_seen(
        cls, *, agent: str, venue: str, trader: str, token_id: str, at: datetime
    ) -> TraderHolding:
        """Start following a trader's holding of a token."""
        return cls._create(
            cls.TraderFirstSeen,
            agent=agent,
            venue=venue,
            trader=trader,
            token_id=token_id,
            timestamp=at,
        )

    def observe(
        self,
        *,
        intent_id: str,
        side: Side,
        size: Decimal,
        reported_before: Decimal | None,
        at: datetime,
    ) -> None:
        """Record one trade of the trader."""
        before = reported_before if reported_before is not None else self.holding
        self.trigger_event(
            self.TraderTradeObserved,
            intent_id=intent_id,
            side=side.value,
            size=size,
            holding_before=before,
            holding_after=holding_after(self.holding, side, size, reported_before),
            timestamp=at,
        )
