"""The ``Pair`` aggregate: one accepted arbitrage, its legs and every step taken on them.

A pair is opened in the step that accepts its intent, with both entry legs (orders 0 and 1)
written ahead beside it; each later step (a retry of the missing leg, an unwind of the one that
filled alone, the close) is one event here plus the order it writes ahead, saved together
before the venue is called. The legs' orders are ordinary ``Order`` aggregates: what a venue
answers goes on them, and ``engine.arbitrage.legs`` reads their fills to choose the next step.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from engine.aggregate import TapeAggregate
from engine.ids import TAPE_NAMESPACE
from engine.orders import Order
from engine.values import dec_str


def pair_uuid(intent_id: str) -> UUID:
    """The Pair of an arbitrage intent."""
    return uuid5(TAPE_NAMESPACE, f"pair/{intent_id}")


class Pair(TapeAggregate):
    """An arbitrage's two instruments and the orders sent on them."""

    @staticmethod
    def create_id(intent_id: str) -> UUID:
        """uuid5 of the intent: one pair per arbitrage intent."""
        return pair_uuid(intent_id)

    class PairOpened(TapeAggregate.Created):
        """The arbitrage accepted: its instruments ("a" and "b", each with its price limit),
        the entry legs written ahead, the edge after fees that justified it, the strategy's
        features (both books' levels, each venue's fee), and the rules for a leg that fills
        alone."""

        intent_id: str
        agent: str
        pair: str
        direction: str
        instruments: dict[str, dict[str, Any]]
        legs: list[dict[str, Any]]
        size: Decimal
        edge: Decimal
        fees: Decimal
        cost: Decimal
        features: dict[str, str]  # the strategy's: both books' levels, the fees, the edge
        max_leg_risk_usdc: Decimal
        leg_retries: int
        unwind_attempts: int

        def apply(self, aggregate: Any) -> None:
            aggregate.intent_id = self.intent_id
            aggregate.agent = self.agent
            aggregate.instruments = dict(self.instruments)
            aggregate.legs = list(self.legs)
            aggregate.max_leg_risk_usdc = self.max_leg_risk_usdc
            aggregate.leg_retries = self.leg_retries
            aggregate.unwind_attempts = self.unwind_attempts
            aggregate.status = "OPEN"
            aggregate.outcome = None

    class LegRetried(TapeAggregate.Event):
        """The missing leg sent again for what the other leg holds alone, at its price limit."""

        leg: dict[str, Any]
        filled: dict[str, str]  # net shares held per instrument when it was decided

        def apply(self, aggregate: Any) -> None:
            aggregate.legs.append(dict(self.leg))

    class LegUnwinding(TapeAggregate.Event):
        """The leg that filled alone sold back, at a price whose loss stays in the budget."""

        leg: dict[str, Any]
        filled: dict[str, str]
        entry_cost_per_share: Decimal  # what each excess share cost, fees included
        budget_left: Decimal  # of max_leg_risk_usdc, before this order
        worst_fee: Decimal  # the most the sale's fee can be

        def apply(self, aggregate: Any) -> None:
            aggregate.legs.append(dict(self.leg))

    class PairClosed(TapeAggregate.Event):
        """Nothing more will be sent: ``outcome`` is hedged, unwound, exposed or unfilled;
        ``hedged`` the pairs of shares held, ``exposed`` what one leg still holds alone and
        ``unwind_loss`` what unwinding lost."""

        outcome: str
        reason: str
        hedged: Decimal
        exposed: dict[str, str]
        unwind_loss: Decimal

        def apply(self, aggregate: Any) -> None:
            aggregate.status = "CLOSED"
            aggregate.outcome = self.outcome

    if TYPE_CHECKING:
        intent_id: str
        agent: str
        instruments: dict[str, dict[str, Any]]
        legs: list[dict[str, Any]]
        max_leg_risk_usdc: Decimal
        leg_retries: int
        unwind_attempts: int
        status: str
        outcome: str | None

    @classmethod
    def open(cls, *, at: datetime, **fields: Any) -> Pair:
        """Open the pair (see ``PairOpened`` for the fields)."""
        return cls._create(cls.PairOpened, timestamp=at, **fields)

    @property
    def closed(self) -> bool:
        """Whether nothing more will be sent."""
        return self.status == "CLOSED"

    def retry(self, *, leg: dict[str, Any], filled: dict[str, str], at: datetime) -> None:
        """Record the retry written ahead."""
        self.trigger_event(self.LegRetried, leg=leg, filled=filled, timestamp=at)

    def unwind(
        self,
        *,
        leg: dict[str, Any],
        filled: dict[str, str],
        entry_cost_per_share: Decimal,
        budget_left: Decimal,
        worst_fee: Decimal,
        at: datetime,
    ) -> None:
        """Record the unwind written ahead."""
        self.trigger_event(
            self.LegUnwinding,
            leg=leg,
            filled=filled,
            entry_cost_per_share=entry_cost_per_share,
            budget_left=budget_left,
            worst_fee=worst_fee,
            timestamp=at,
        )

    def close(
        self,
        *,
        outcome: str,
        reason: str,
        hedged: Decimal,
        exposed: dict[str, str],
        unwind_loss: Decimal,
        at: datetime,
    ) -> None:
        """Record that the pair is done."""
        self.trigger_event(
            self.PairClosed,
            outcome=outcome,
            reason=reason,
            hedged=hedged,
            exposed=exposed,
            unwind_loss=unwind_loss,
            timestamp=at,
        )


def leg_record(order: Order, instrument: str, role: str) -> dict[str, Any]:
    """One leg as the pair records it: its order, which instrument, why (entry, retry,
    unwind), and what it asks."""
    return {
        "leg": order.leg,
        "order_id": str(order.id),
        "instrument": instrument,
        "role": role,
        "venue": order.venue,
        "token_id": order.token_id,
        "side": order.side,
        "price": dec_str(order.price),
        "size": dec_str(order.size),
    }
