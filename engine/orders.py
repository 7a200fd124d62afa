"""The Order aggregate and its state machine.

An order is written (``OrderPlaced``) before the venue is called; everything after is the venue's
answer. The transition table (``engine/order_states.py``) is the whole state machine: an
event not in the row of the current status raises :class:`IllegalOrderTransitionError`. The one
exception is the settlement of a provisional fill (``OrderFillConfirmed``, ``OrderFillVoided``),
which a venue like Polymarket reports after the trade, even on a closed order; a final fill is
never taken back, and a closed order that loses a fill stays closed (CANCELED).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from engine.aggregate import TapeAggregate
from engine.ids import client_order_id, order_uuid
from engine.order_states import (
    TERMINAL,
    IllegalOrderTransitionError,
    OrderFacts,
    OrderStatus,
    check_fill,
    check_transition,
)


class Order(OrderFacts, TapeAggregate):
    """One order for one leg of an accepted intent."""

    @staticmethod
    def create_id(intent_id: str, leg: int) -> UUID:
        """uuid5 of intent and leg: the same decision always names the same order."""
        return order_uuid(intent_id, leg)

    class OrderPlaced(TapeAggregate.Created):
        """The order as decided, written before the venue hears of it."""

        intent_id: str
        leg: int
        agent: str
        venue: str
        market_id: str
        token_id: str
        outcome: str
        side: str
        order_type: str
        price: Decimal
        size: Decimal
        client_order_id: str
        source_trader: str | None

        def apply(self, aggregate: Any) -> None:
            aggregate.intent_id = self.intent_id
            aggregate.leg = self.leg
            aggregate.agent = self.agent
            aggregate.venue = self.venue
            aggregate.market_id = self.market_id
            aggregate.token_id = self.token_id
            aggregate.outcome = self.outcome
            aggregate.side = self.side
            aggregate.order_type = self.order_type
            aggregate.price = self.price
            aggregate.size = self.size
            aggregate.client_order_id = self.client_order_id
            aggregate.source_trader = self.source_trader
            aggregate.status = OrderStatus.PLACED.value
            aggregate.venue_order_id = None
            aggregate.fills = {}
            aggregate.voided = []
            aggregate.reason = None

    class OrderAccepted(TapeAggregate.Event):
        """The venue took the order."""

        venue_order_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.venue_order_id = self.venue_order_id
            aggregate.status = OrderStatus.ACCEPTED.value

    class OrderRejected(TapeAggregate.Event):
        """The venue proved it did not take the order."""

        code: str
        message: str

        def apply(self, aggregate: Any) -> None:
            aggregate.status = OrderStatus.REJECTED.value
            aggregate.reason = f"{self.code}: {self.message}"

    class OrderDenied(TapeAggregate.Event):
        """We refused to send the order: no adapter for its venue, or the adapter refused it
        before sending anything (``engine.ports.VenueRequestDenied``)."""

        reason: str
        detail: str

        def apply(self, aggregate: Any) -> None:
            aggregate.status = OrderStatus.DENIED.value
            aggregate.reason = f"{self.reason}: {self.detail}"

    class OrderSubmissionUncertain(TapeAggregate.Event):
        """The venue call failed without a proof of a no (timeout, connection, 5xx)."""

        error: str

        def apply(self, aggregate: Any) -> None:
            aggregate.status = OrderStatus.UNCERTAIN.value
            aggregate.reason = self.error

    class OrderFilled(TapeAggregate.Event):
        """Some or all of the order traded."""

        fill_id: str
        venue_fill_id: str
        price: Decimal
        size: Decimal
        fee: Decimal
        provisional: bool  # matched but not settled yet (Polymarket MATCHED)

        class_version = 2  # v1 fills were all final

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 knew no provisional fills."""
            state["provisional"] = False

        def apply(self, aggregate: Any) -> None:
            aggregate.fills[self.fill_id] = {
                "price": self.price,
                "size": self.size,
                "fee": self.fee,
                "venue_fill_id": self.venue_fill_id,
                "provisional": self.provisional,
            }
            aggregate.status = aggregate.status_after_fills().value

    class OrderFillConfirmed(TapeAggregate.Event):
        """A provisional fill settled (Polymarket CONFIRMED): it is final now."""

        fill_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.fills[self.fill_id] = {**aggregate.fills[self.fill_id], "provisional": False}

    class OrderFillVoided(TapeAggregate.Event):
        """A provisional fill did not settle (Polymarket FAILED): it no longer counts. An order
        the venue had closed stays closed: what the void gave back will not trade."""

        fill_id: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.fills.pop(self.fill_id)
            aggregate.voided.append(self.fill_id)
            if OrderStatus(aggregate.status) in TERMINAL:
                aggregate.status = OrderStatus.CANCELED.value
                aggregate.reason = f"a fill was voided after the order closed: {self.reason}"
            else:
                aggregate.status = aggregate.status_after_fills().value

    class OrderCanceled(TapeAggregate.Event):
        """The unfilled rest of the order will never trade."""

        reason: str
        canceled_size: Decimal

        def apply(self, aggregate: Any) -> None:
            aggregate.status = OrderStatus.CANCELED.value
            aggregate.reason = self.reason

    class OrderExpired(TapeAggregate.Event):
        """The order ended without trading further, for the reason given."""

        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.status = OrderStatus.EXPIRED.value
            aggregate.reason = self.reason

    @classmethod
    def place(
        cls,
        *,
        intent_id: str,
        leg: int,
        agent: str,
        venue: str,
        market_id: str,
        token_id: str,
        outcome: str,
        side: str,
        order_type: str,
        price: Decimal,
        size: Decimal,
        source_trader: str | None,
        at: datetime,
    ) -> Order:
        """Write an order ahead of the venue call."""
        return cls._create(
            cls.OrderPlaced,
            intent_id=intent_id,
            leg=leg,
            agent=agent,
            venue=venue,
            market_id=market_id,
            token_id=token_id,
            outcome=outcome,
            side=side,
            order_type=order_type,
            price=price,
            size=size,
            client_order_id=client_order_id(order_uuid(intent_id, leg)),
            source_trader=source_trader,
            timestamp=at,
        )

    def accept(self, *, venue_order_id: str, at: datetime) -> None:
        """Record the venue's acceptance."""
        self._transition(self.OrderAccepted, venue_order_id=venue_order_id, timestamp=at)

    def reject(self, *, code: str, message: str, at: datetime) -> None:
        """Record the venue's refusal."""
        self._transition(self.OrderRejected, code=code, message=message, timestamp=at)

    def deny(self, *, reason: str, detail: str, at: datetime) -> None:
        """Record our refusal to send the order."""
        self._transition(self.OrderDenied, reason=reason, detail=detail, timestamp=at)

    def mark_uncertain(self, *, error: str, at: datetime) -> None:
        """Record a venue call whose outcome is unknown."""
        self._transition(self.OrderSubmissionUncertain, error=error, timestamp=at)

    def fill(
        self,
        *,
        fill_id: str,
        venue_fill_id: str,
        price: Decimal,
        size: Decimal,
        fee: Decimal,
        at: datetime,
        provisional: bool = False,
    ) -> bool:
        """Record a fill; a fill already recorded (or voided) is ignored. Returns whether it was
        new."""
        if fill_id in self.fills or fill_id in self.voided:
            return False
        check_fill(self, fill_id=fill_id, size=size)
        self._transition(
            self.OrderFilled,
            fill_id=fill_id,
            venue_fill_id=venue_fill_id,
            price=price,
            size=size,
            fee=fee,
            provisional=provisional,
            timestamp=at,
        )
        return True

    def void_fill(self, *, fill_id: str, reason: str, at: datetime) -> None:
        """Take back a provisional fill (also on a closed order: settlement corrects it)."""
        self._provisional(fill_id, "void")
        self.trigger_event(self.OrderFillVoided, fill_id=fill_id, reason=reason, timestamp=at)

    def confirm_fill(self, *, fill_id: str, at: datetime) -> None:
        """Record that a provisional fill settled."""
        self._provisional(fill_id, "confirm")
        self.trigger_event(self.OrderFillConfirmed, fill_id=fill_id, timestamp=at)

    def _provisional(self, fill_id: str, what: str) -> None:
        # Settling is the one change a closed order still takes, and only for fills that are
        # provisional: a final fill is never taken back.
        fill = self.fills.get(fill_id)
        if fill is None or not fill.get("provisional", False):
            msg = f"order {self.id} has no provisional fill {fill_id} to {what}"
            raise IllegalOrderTransitionError(msg)

    def cancel(self, *, reason: str, at: datetime) -> None:
        """Record that the rest of the order will not trade."""
        self._transition(
            self.OrderCanceled, reason=reason, canceled_size=self.remaining_size, timestamp=at
        )

    def expire(self, *, reason: str, at: datetime) -> None:
        """Record that the order ended without trading further."""
        self._transition(self.OrderExpired, reason=reason, timestamp=at)

    def _transition(self, event_class: type[TapeAggregate.Event], **kwargs: Any) -> None:
        check_transition(self.id, self.status, event_class.__name__)
        self.trigger_event(event_class, **kwargs)
