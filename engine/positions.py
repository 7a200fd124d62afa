"""The Position aggregate: what one agent holds of one instrument, lot by lot.

Every buy fill is a lot that remembers the trader it copied. A sell consumes lots first in,
first out, among the lots of the trader it copies (all lots for non-copy sells), and realises
the difference between its proceeds and the cost of what it consumed.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from engine.aggregate import TapeAggregate
from engine.ids import position_uuid
from engine.lots import consume, put_back, remaining_after, void_changes
from engine.values import dec_str


class PositionUnderflowError(RuntimeError):
    """Raised when a reduction would take a position below zero."""


class Position(TapeAggregate):
    """One agent's holding of one token on one venue."""

    @staticmethod
    def create_id(agent: str, venue: str, token_id: str) -> UUID:
        """uuid5 of agent, venue and token."""
        return position_uuid(agent, venue, token_id)

    class PositionOpened(TapeAggregate.Created):
        """The first fill in this instrument for this agent."""

        agent: str
        venue: str
        market_id: str
        token_id: str
        outcome: str

        def apply(self, aggregate: Any) -> None:
            aggregate.agent = self.agent
            aggregate.venue = self.venue
            aggregate.market_id = self.market_id
            aggregate.token_id = self.token_id
            aggregate.outcome = self.outcome
            aggregate.lots = []
            aggregate.realised_pnl = Decimal(0)
            aggregate.fees = Decimal(0)
            aggregate.reductions = {}

    class PositionIncreased(TapeAggregate.Event):
        """A buy fill added a lot."""

        order_id: str
        fill_id: str
        trader: str | None
        price: Decimal
        size: Decimal
        fee: Decimal

        def apply(self, aggregate: Any) -> None:
            aggregate.lots.append(
                {
                    "lot": self.fill_id,
                    "order_id": self.order_id,
                    "trader": self.trader,
                    "price": self.price,
                    "size": self.size,
                    "cost": self.price * self.size + self.fee,
                    "fee": self.fee,
                }
            )
            aggregate.fees += self.fee

    class PositionReduced(TapeAggregate.Event):
        """A sell fill consumed lots (``consumed``: lot, size, cost) and realised PnL."""

        order_id: str
        fill_id: str
        trader: str | None
        price: Decimal
        size: Decimal
        fee: Decimal
        consumed: list[dict[str, str]]
        cost: Decimal
        realised_pnl: Decimal

        def apply(self, aggregate: Any) -> None:
            aggregate.lots = remaining_after(aggregate.lots, self.consumed)
            aggregate.realised_pnl += self.realised_pnl
            aggregate.fees += self.fee
            aggregate.reductions[self.fill_id] = {
                "consumed": list(self.consumed),
                "realised_pnl": self.realised_pnl,
                "fee": self.fee,
                "size": self.size,
            }

    class PositionFillVoided(TapeAggregate.Event):
        """A provisional fill was voided: a buy's lot (what is left of it) is taken out, a
        sell's consumed lots are put back and its realised PnL taken back."""

        fill_id: str
        size: Decimal
        cost_change: Decimal
        realised_pnl_change: Decimal
        fee_change: Decimal

        def apply(self, aggregate: Any) -> None:
            reduction = aggregate.reductions.pop(self.fill_id, None)
            if reduction is None:
                aggregate.lots = [lot for lot in aggregate.lots if lot["lot"] != self.fill_id]
            else:
                put_back(aggregate.lots, reduction["consumed"])
            aggregate.realised_pnl += self.realised_pnl_change
            aggregate.fees += self.fee_change

    class PositionSettled(TapeAggregate.Event):
        """The market resolved: every lot held was paid out at ``price`` (1 for the winning
        token, 0 for the others); ``consumed`` lists lot, size and cost as a sell's does."""

        market_id: str
        winning_token_id: str
        price: Decimal
        size: Decimal
        consumed: list[dict[str, str]]
        cost: Decimal
        payout: Decimal
        realised_pnl: Decimal

        def apply(self, aggregate: Any) -> None:
            aggregate.lots = []
            aggregate.realised_pnl += self.realised_pnl

    if TYPE_CHECKING:
        agent: str
        venue: str
        market_id: str
        token_id: str
        outcome: str
        lots: list[dict[str, Any]]
        realised_pnl: Decimal
        fees: Decimal
        reductions: dict[str, dict[str, Any]]

    @classmethod
    def open(
        cls, *, agent: str, venue: str, market_id: str, token_id: str, outcome: str, at: datetime
    ) -> Position:
        """Start the position of an agent in an instrument."""
        return cls._create(
            cls.PositionOpened,
            agent=agent,
            venue=venue,
            market_id=market_id,
            token_id=token_id,
            outcome=outcome,
            timestamp=at,
        )

    def void_fill(self, *, fill_id: str, at: datetime) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """Take back a voided fill. Returns the changes it makes to size, cost, realised PnL and
        fees paid."""
        changes = void_changes(self.lots, self.reductions.get(fill_id), fill_id)
        size_change, cost_change, realised, fee = changes
        self.trigger_event(
            self.PositionFillVoided,
            fill_id=fill_id,
            size=size_change,
            cost_change=cost_change,
            realised_pnl_change=realised,
            fee_change=fee,
            timestamp=at,
        )
        return changes

    @property
    def size(self) -> Decimal:
        """Shares held."""
        return sum((lot["size"] for lot in self.lots), Decimal(0))

    @property
    def cost(self) -> Decimal:
        """Cost of the shares held, fees included."""
        return sum((lot["cost"] for lot in self.lots), Decimal(0))

    def held_from(self, trader: str | None) -> Decimal:
        """Shares held that were bought copying ``trader`` (all shares when None)."""
        return sum(
            (lot["size"] for lot in self.lots if trader is None or lot["trader"] == trader),
            Decimal(0),
        )

    def increase(
        self,
        *,
        order_id: str,
        fill_id: str,
        trader: str | None,
        price: Decimal,
        size: Decimal,
        fee: Decimal,
        at: datetime,
    ) -> None:
        """Add a lot for a buy fill."""
        self.trigger_event(
            self.PositionIncreased,
            order_id=order_id,
            fill_id=fill_id,
            trader=trader,
            price=price,
            size=size,
            fee=fee,
            timestamp=at,
        )

    def reduce(
        self,
        *,
        order_id: str,
        fill_id: str,
        trader: str | None,
        price: Decimal,
        size: Decimal,
        fee: Decimal,
        at: datetime,
    ) -> tuple[Decimal, Decimal]:
        """Consume lots for a sell fill (the trader's lots first, then any).

        Returns the cost of the lots consumed and the PnL realised.
        """
        if size > self.size:
            msg = f"selling {size} of {self.token_id} but {self.agent} holds {self.size}"
            raise PositionUnderflowError(msg)
        consumed, cost = consume(self.lots, trader, size)
        realised = price * size - fee - cost
        self.trigger_event(
            self.PositionReduced,
            order_id=order_id,
            fill_id=fill_id,
            trader=trader,
            price=price,
            size=size,
            fee=fee,
            consumed=consumed,
            cost=cost,
            realised_pnl=realised,
            timestamp=at,
        )
        return cost, realised

    def settle(
        self, *, market_id: str, winning_token_id: str, at: datetime
    ) -> tuple[Decimal, Decimal, Decimal, Decimal] | None:
        """Settle what is held at the market's resolution: the winning token pays 1 a share,
        the others 0. Returns (size, cost, payout, realised PnL), or None when nothing is held
        (so settling twice records nothing the second time)."""
        size = self.size
        if size == 0:
            return None
        price = Decimal(1) if self.token_id == winning_token_id else Decimal(0)
        consumed = [
            {"lot": lot["lot"], "size": dec_str(lot["size"]), "cost": dec_str(lot["cost"])}
            for lot in self.lots
        ]
        cost = self.cost
        payout = price * size
        realised = payout - cost
        self.trigger_event(
            self.PositionSettled,
            market_id=market_id,
            winning_token_id=winning_token_id,
            price=price,
            size=size,
            consumed=consumed,
            cost=cost,
            payout=payout,
            realised_pnl=realised,
            timestamp=at,
        )
        return size, cost, payout, realised
