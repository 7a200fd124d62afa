"""The order state machine as a table: each status and the events that may follow it; and the
checks an order runs before it records an event."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID


class OrderStatus(StrEnum):
    """Where an order is in its life."""

    PLACED = "PLACED"  # written ahead, venue not yet answered
    UNCERTAIN = "UNCERTAIN"  # the venue call failed in a way that does not prove a no
    ACCEPTED = "ACCEPTED"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    REJECTED = "REJECTED"  # the venue refused it
    DENIED = "DENIED"  # we refused to send it (no adapter for its venue, adapter's own check)
    EXPIRED = "EXPIRED"


TERMINAL = frozenset(
    {
        OrderStatus.FILLED,
        OrderStatus.CANCELED,
        OrderStatus.REJECTED,
        OrderStatus.DENIED,
        OrderStatus.EXPIRED,
    }
)

# status -> the events it may be followed by
TRANSITIONS: dict[OrderStatus, frozenset[str]] = {
    OrderStatus.PLACED: frozenset(
        {
            "OrderAccepted",
            "OrderRejected",
            "OrderDenied",
            "OrderSubmissionUncertain",
            "OrderExpired",
        }
    ),
    OrderStatus.UNCERTAIN: frozenset(
        {
            "OrderAccepted",
            "OrderRejected",
            "OrderDenied",
            "OrderSubmissionUncertain",
            "OrderExpired",
        }
    ),
    OrderStatus.ACCEPTED: frozenset({"OrderFilled", "OrderCanceled", "OrderExpired"}),
    OrderStatus.PARTIALLY_FILLED: frozenset({"OrderFilled", "OrderCanceled", "OrderExpired"}),
    OrderStatus.FILLED: frozenset(),
    OrderStatus.CANCELED: frozenset(),
    OrderStatus.REJECTED: frozenset(),
    OrderStatus.DENIED: frozenset(),
    OrderStatus.EXPIRED: frozenset(),
}


class IllegalOrderTransitionError(RuntimeError):
    """Raised when an event does not follow from the order's current status."""


class OverfillError(RuntimeError):
    """Raised when a fill would take the filled quantity above the ordered quantity."""


class OrderFacts:
    """What an order knows of itself (its fields, set by its events) and what follows from
    its fills; the Order aggregate's read side."""

    if TYPE_CHECKING:
        id: UUID
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
        status: str
        venue_order_id: str | None
        fills: dict[str, dict[str, Any]]
        voided: list[str]
        reason: str | None

    @property
    def filled_size(self) -> Decimal:
        """Total size of the fills that count."""
        return sum((f["size"] for f in self.fills.values()), Decimal(0))

    @property
    def remaining_size(self) -> Decimal:
        """What could still trade."""
        return self.size - self.filled_size

    @property
    def is_terminal(self) -> bool:
        """Whether nothing more can happen to the order."""
        return OrderStatus(self.status) in TERMINAL

    def status_after_fills(self) -> OrderStatus:
        """The status the fills put the order in."""
        filled = self.filled_size
        if filled >= self.size:
            return OrderStatus.FILLED
        if filled > 0:
            return OrderStatus.PARTIALLY_FILLED
        return OrderStatus.ACCEPTED


def check_transition(order_id: UUID, status: str, event_name: str) -> None:
    """Raise :class:`IllegalOrderTransitionError` unless ``event_name`` may follow ``status``."""
    if event_name not in TRANSITIONS[OrderStatus(status)]:
        msg = f"order {order_id} is {status}: {event_name} cannot follow"
        raise IllegalOrderTransitionError(msg)


def check_fill(order: OrderFacts, *, fill_id: str, size: Decimal) -> None:
    """Raise unless a new fill of ``size`` may follow: the status takes fills, and the fill is
    positive and keeps the filled size within the order (:class:`OverfillError`)."""
    check_transition(order.id, order.status, "OrderFilled")
    if size <= 0:
        msg = f"fill {fill_id} of order {order.id} has a size of {size}"
        raise OverfillError(msg)
    filled = order.filled_size
    if filled + size > order.size:
        msg = (
            f"fill {fill_id} of {size} would take order {order.id} to "
            f"{filled + size}, above its size {order.size}"
        )
        raise OverfillError(msg)
