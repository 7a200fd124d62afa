"""The venue report a run of recorded answer events of one order stands for (replay feeds it to
the fresh engine as the venue's answer): acceptance or rejection, new fills as they came
(provisional or final), provisional fills confirmed (reported again, final) or voided, a close."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from engine.orders import Order
from engine.ports import VenueFill, VenueReport

ANSWER_EVENTS = (
    Order.OrderAccepted,
    Order.OrderRejected,
    Order.OrderFilled,
    Order.OrderFillConfirmed,
    Order.OrderFillVoided,
    Order.OrderCanceled,
)


def venue_report(order: Order, group: list[Any]) -> VenueReport:
    """The report; ``order`` is the replay's order before it is applied."""
    rejected = next((e for e in group if isinstance(e, Order.OrderRejected)), None)
    accepted = next((e for e in group if isinstance(e, Order.OrderAccepted)), None)
    canceled = next((e for e in group if isinstance(e, Order.OrderCanceled)), None)
    return VenueReport(
        client_order_id=order.client_order_id,
        accepted=rejected is None,
        venue_order_id=accepted.venue_order_id if accepted else order.venue_order_id,
        reject_code=rejected.code if rejected else "",
        reject_message=rejected.message if rejected else "",
        fills=tuple(_fills_reported(order, group)),
        closed=canceled is not None,
        close_reason=canceled.reason if canceled else "",
        voided_fills=tuple(
            _venue_fill_id(order, group, e.fill_id)
            for e in group
            if isinstance(e, Order.OrderFillVoided)
        ),
    )


def _fills_reported(order: Order, group: list[Any]) -> Iterator[VenueFill]:
    # Each new fill as it came (provisional or final), and each provisional fill the report
    # confirmed, reported again as final.
    for event in group:
        if isinstance(event, Order.OrderFilled):
            yield VenueFill(
                event.venue_fill_id,
                Decimal(event.price),
                Decimal(event.size),
                Decimal(event.fee),
                provisional=event.provisional,
            )
        elif isinstance(event, Order.OrderFillConfirmed):
            known = order.fills[event.fill_id]
            yield VenueFill(
                known["venue_fill_id"],
                Decimal(known["price"]),
                Decimal(known["size"]),
                Decimal(known["fee"]),
                provisional=False,
            )


def _venue_fill_id(order: Order, group: list[Any], fill_id: str) -> str:
    # A voided fill was booked before, or earlier in the same report.
    booked = {e.fill_id: e.venue_fill_id for e in group if isinstance(e, Order.OrderFilled)}
    return booked.get(fill_id) or str(order.fills[fill_id]["venue_fill_id"])
