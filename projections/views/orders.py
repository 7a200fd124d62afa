"""The orders view: every order with its status, fills (provisional or final, voided) and venue
and client ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.order_states import TERMINAL
from engine.orders import Order
from projections.readstore import Index
from projections.rows import Rows, aggregate_key, new_rows
from projections.views.base import Read, TableSpec, ViewSpec, at_text, seq_of

TERMINAL_STATUSES = frozenset(status.value for status in TERMINAL)


@dataclass
class OrdersView:
    """Orders with their status, fills and venue ids."""

    rows: Rows = field(default_factory=new_rows)

    def apply(self, event: Any) -> None:
        """Fold one event in."""
        if isinstance(event, Order.OrderPlaced):
            self.rows[aggregate_key(event)] = {
                "order_id": aggregate_key(event),
                "intent_id": event.intent_id,
                "agent": event.agent,
                "venue": event.venue,
                "market_id": event.market_id,
                "token_id": event.token_id,
                "outcome": event.outcome,
                "side": event.side,
                "order_type": event.order_type,
                "price": event.price,
                "size": event.size,
                "source_trader": event.source_trader,
                "filled": Decimal(0),
                "fees": Decimal(0),
                "notional_filled": Decimal(0),
                "fills": [],
                "voided": [],
                "status": "PLACED",
                "client_order_id": event.client_order_id,
                "venue_order_id": None,
                "reason": None,
                "placed_at": event.timestamp,
                "updated_at": event.timestamp,
            }
            return
        if not isinstance(event, Order.Event):
            return
        row = self.rows.get(aggregate_key(event))
        if row is None:
            return
        row["updated_at"] = event.timestamp
        if isinstance(event, (Order.OrderFilled, Order.OrderFillConfirmed, Order.OrderFillVoided)):
            self._fill_event(row, event)
        elif isinstance(event, Order.OrderAccepted):
            row["status"], row["venue_order_id"] = "ACCEPTED", event.venue_order_id
        elif isinstance(event, Order.OrderRejected):
            row["status"], row["reason"] = "REJECTED", f"{event.code}: {event.message}"
        elif isinstance(event, Order.OrderDenied):
            row["status"], row["reason"] = "DENIED", f"{event.reason}: {event.detail}"
        elif isinstance(event, Order.OrderSubmissionUncertain):
            row["status"], row["reason"] = "UNCERTAIN", event.error
        elif isinstance(event, Order.OrderCanceled):
            row["status"], row["reason"] = "CANCELED", event.reason
        elif isinstance(event, Order.OrderExpired):
            row["status"], row["reason"] = "EXPIRED", event.reason

    def _fill_event(self, row: dict[str, Any], event: Any) -> None:
        if isinstance(event, Order.OrderFilled):
            row["fills"].append(
                {
                    "fill_id": event.fill_id,
                    "venue_fill_id": event.venue_fill_id,
                    "price": event.price,
                    "size": event.size,
                    "fee": event.fee,
                    "provisional": getattr(event, "provisional", False),
                    "at": event.timestamp,
                }
            )
            self._totals(row)
            row["status"] = self._status_after_fills(row)
        elif isinstance(event, Order.OrderFillConfirmed):
            for fill in row["fills"]:
                if fill["fill_id"] == event.fill_id:
                    fill["provisional"] = False
        else:  # OrderFillVoided
            row["fills"] = [f for f in row["fills"] if f["fill_id"] != event.fill_id]
            row["voided"].append(event.fill_id)
            self._totals(row)
            if row["status"] in TERMINAL_STATUSES:  # a closed order stays closed
                row["status"] = "CANCELED"
                row["reason"] = f"a fill was voided after the order closed: {event.reason}"
            else:
                row["status"] = self._status_after_fills(row)

    @staticmethod
    def _totals(row: dict[str, Any]) -> None:
        # Filled size, fees and notional from the fills that count.
        fills = row["fills"]
        row["filled"] = sum((f["size"] for f in fills), Decimal(0))
        row["fees"] = sum((f["fee"] for f in fills), Decimal(0))
        row["notional_filled"] = sum((f["size"] * f["price"] for f in fills), Decimal(0))

    @staticmethod
    def _status_after_fills(row: dict[str, Any]) -> str:
        # The status the fills put an open order in (as Order.status_after_fills).
        if row["filled"] >= row["size"]:
            return "FILLED"
        return "PARTIALLY_FILLED" if row["filled"] > 0 else "ACCEPTED"


def order_index(row: dict[str, Any]) -> Index:
    """Orders: by intent, agent, venue, status, time placed (listed by that time)."""
    return Index(
        row["intent_id"],
        row["agent"],
        row["venue"],
        row["status"],
        at_text(row["placed_at"]),
        seq_of(row["placed_at"]),
    )


VIEW = ViewSpec(
    name="orders",
    description="Orders with their status, fills and venue ids.",
    tables=(TableSpec("orders", order_index, Read.QUERY),),
    fold=OrdersView,
    version=2,  # 2: no log positions in the rows (several logs interleave)
)
