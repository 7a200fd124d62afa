"""Read models folded from the event log: orders, intents, positions, marks.

Each view is a pure fold: ``apply(position, event)`` for every event of the log, in log order,
and rows out. The CLI folds them on demand; the same folds back the tracked projections.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.application import TapeApplication
from engine.intents import Intent
from engine.orders import Order
from engine.positions import Position
from engine.values import Book, dec_str

PAGE = 1000
PRICE_QUANTUM = Decimal("0.000001")


def read_log(app: TapeApplication, start: int = 1) -> Iterator[tuple[int, Any]]:
    """Every event of the application's log from ``start``, with its position."""
    next_id = start
    while True:
        page = app.recorder.select_notifications(start=next_id, limit=PAGE)
        if not page:
            return
        for notification in page:
            yield notification.id, app.mapper.to_domain_event(notification)
        next_id = page[-1].id + 1


def event_name(event: Any) -> str:
    """An event's name as the vocabulary says it (``OrderPlaced``)."""
    return type(event).__name__


@dataclass
class OrdersView:
    """Orders with their status, fills and venue ids."""

    rows: dict[str, dict[str, Any]] = field(default_factory=dict)

    def apply(self, position: int, event: Any) -> None:
        """Fold one event in."""
        if isinstance(event, Order.OrderPlaced):
            self.rows[str(event.originator_id)] = {
                "order_id": str(event.originator_id),
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
                "filled": Decimal(0),
                "fees": Decimal(0),
                "notional_filled": Decimal(0),
                "status": "PLACED",
                "client_order_id": event.client_order_id,
                "venue_order_id": None,
                "reason": None,
                "placed_at": event.timestamp,
                "log_position": position,
            }
            return
        row = self.rows.get(str(getattr(event, "originator_id", "")))
        if row is None or not isinstance(event, Order.Event):
            return
        if isinstance(event, Order.OrderAccepted):
            row["status"], row["venue_order_id"] = "ACCEPTED", event.venue_order_id
        elif isinstance(event, Order.OrderRejected):
            row["status"], row["reason"] = "REJECTED", f"{event.code}: {event.message}"
        elif isinstance(event, Order.OrderSubmissionUncertain):
            row["status"], row["reason"] = "UNCERTAIN", event.error
        elif isinstance(event, Order.OrderFilled):
            row["filled"] += event.size
            row["fees"] += event.fee
            row["notional_filled"] += event.size * event.price
            row["status"] = "FILLED" if row["filled"] >= row["size"] else "PARTIALLY_FILLED"
        elif isinstance(event, Order.OrderCanceled):
            row["status"], row["reason"] = "CANCELED", event.reason
        elif isinstance(event, Order.OrderExpired):
            row["status"], row["reason"] = "EXPIRED", event.reason


@dataclass
class IntentsView:
    """Intents with their verdicts and denial reasons."""

    rows: dict[str, dict[str, Any]] = field(default_factory=dict)

    def apply(self, position: int, event: Any) -> None:
        """Fold one event in."""
        if isinstance(event, Intent.IntentReceived):
            intent = event.intent
            self.rows[str(event.originator_id)] = {
                "intent_id": event.intent_id,
                "agent": intent["agent"],
                "venue": intent["venue"],
                "market_id": intent["market_id"],
                "token_id": intent["token_id"],
                "side": intent["side"],
                "price": intent["price"],
                "size": intent["size"],
                "trader": intent["source"].get("trader"),
                "created_at": intent["created_at"],
                "received_at": event.timestamp,
                "verdict": "RECEIVED",
                "reason": None,
                "detail": None,
                "redeliveries": 0,
                "order_ids": [],
                "log_position": position,
            }
            return
        row = self.rows.get(str(getattr(event, "originator_id", "")))
        if row is None:
            return
        if isinstance(event, Intent.IntentAccepted):
            row["verdict"], row["order_ids"] = "ACCEPTED", list(event.order_ids)
        elif isinstance(event, Intent.IntentDenied):
            row["verdict"], row["reason"], row["detail"] = "DENIED", event.reason, event.detail
        elif isinstance(event, Intent.IntentRedelivered):
            row["redeliveries"] += 1


@dataclass
class MarksView:
    """The latest book the engine recorded for each token (what positions are marked at)."""

    books: dict[tuple[str, str], Book] = field(default_factory=dict)

    def apply(self, position: int, event: Any) -> None:
        """Fold one event in."""
        if isinstance(event, (Intent.IntentAccepted, Intent.IntentDenied)) and event.book:
            book = Book.from_record(event.book)
            self.books[(book.venue, book.token_id)] = book

    def mark(self, venue: str, token_id: str) -> Decimal | None:
        """The mid of the latest recorded book of a token."""
        book = self.books.get((venue, token_id))
        return book.mid() if book is not None else None


@dataclass
class PositionsView:
    """Positions per agent, venue and token: size, average cost, realised and marked PnL."""

    rows: dict[str, dict[str, Any]] = field(default_factory=dict)

    def apply(self, position: int, event: Any) -> None:
        """Fold one event in."""
        if isinstance(event, Position.PositionOpened):
            self.rows[str(event.originator_id)] = {
                "agent": event.agent,
                "venue": event.venue,
                "market_id": event.market_id,
                "token_id": event.token_id,
                "outcome": event.outcome,
                "size": Decimal(0),
                "cost": Decimal(0),
                "realised_pnl": Decimal(0),
                "fees": Decimal(0),
            }
            return
        row = self.rows.get(str(getattr(event, "originator_id", "")))
        if row is None:
            return
        if isinstance(event, Position.PositionIncreased):
            row["size"] += event.size
            row["cost"] += event.price * event.size + event.fee
            row["fees"] += event.fee
        elif isinstance(event, Position.PositionReduced):
            row["size"] -= event.size
            row["cost"] -= event.cost
            row["fees"] += event.fee
            row["realised_pnl"] += event.realised_pnl

    def with_marks(self, marks: MarksView) -> list[dict[str, Any]]:
        """Rows with average cost, mark and marked PnL, in a stable order."""
        out = []
        for row in sorted(
            self.rows.values(), key=lambda r: (r["agent"], r["venue"], r["token_id"])
        ):
            mark = marks.mark(row["venue"], row["token_id"])
            size = row["size"]
            out.append(
                {
                    **row,
                    "avg_cost": (row["cost"] / size).quantize(PRICE_QUANTUM)
                    if size
                    else Decimal(0),
                    "mark": mark,
                    "marked_pnl": (size * mark - row["cost"]) if mark is not None else Decimal(0),
                }
            )
        return out


@dataclass
class LogViews:
    """Every view, folded in one pass over the log."""

    orders: OrdersView = field(default_factory=OrdersView)
    intents: IntentsView = field(default_factory=IntentsView)
    positions: PositionsView = field(default_factory=PositionsView)
    marks: MarksView = field(default_factory=MarksView)
    events: int = 0
    names: dict[str, int] = field(default_factory=dict)

    def apply(self, position: int, event: Any) -> None:
        """Fold one event into every view."""
        self.events += 1
        name = event_name(event)
        self.names[name] = self.names.get(name, 0) + 1
        self.orders.apply(position, event)
        self.intents.apply(position, event)
        self.positions.apply(position, event)
        self.marks.apply(position, event)

    @classmethod
    def build(cls, app: TapeApplication) -> LogViews:
        """Fold the whole log."""
        views = cls()
        for position, event in read_log(app):
            views.apply(position, event)
        return views


def plain(value: Any) -> Any:
    """A row value as JSON-ready data (Decimals as canonical strings, times as RFC 3339)."""
    if isinstance(value, Decimal):
        return dec_str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat().replace("+00:00", "Z")
    return value
