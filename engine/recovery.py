"""What a restart must finish: intents received without a verdict, intents a strategy gave that
were never taken in, orders not yet terminal, and how far each input feed was read. Found by
one pass over the log, filtered by topic."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from engine.application import TapeApplication
from engine.feeds import LEGACY_INPUT_REJECTED_TOPIC, Feed
from engine.ids import intent_uuid
from engine.intents import Intent
from engine.orders import Order
from engine.strategies.run import StrategyRun

PAGE = 1000

_TOPICS = [
    get_topic(cls)
    for cls in (
        Intent.IntentReceived,
        Intent.IntentAccepted,
        Intent.IntentDenied,
        Intent.IntentBuffered,
        Intent.IntentRedelivered,
        Feed.InputDenied,
        Order.OrderPlaced,
        Order.OrderFilled,
        Order.OrderFillVoided,
        Order.OrderRejected,
        Order.OrderDenied,
        Order.OrderCanceled,
        Order.OrderExpired,
        StrategyRun.MarketObserved,
    )
] + [LEGACY_INPUT_REJECTED_TOPIC]


_ORDER_ENDS = (Order.OrderRejected, Order.OrderDenied, Order.OrderCanceled, Order.OrderExpired)


@dataclass
class PendingWork:
    """The unfinished business the log shows."""

    undecided: dict[UUID, str] = field(default_factory=dict)  # intent aggregate id -> intent_id
    received: dict[UUID, tuple[datetime, int]] = field(default_factory=dict)  # -> (at, line)
    open_orders: dict[UUID, Any] = field(default_factory=dict)  # order id -> placed time
    feed_positions: dict[str, int] = field(default_factory=dict)  # feed -> last line taken in
    # intents a strategy gave that were never taken in: intent aggregate id -> (wire, feed,
    # line, when the market event that gave them was observed)
    unreceived: dict[UUID, tuple[dict[str, Any], str, int, datetime]] = field(default_factory=dict)
    _order_sizes: dict[UUID, Decimal] = field(default_factory=dict)
    _filled: dict[UUID, Decimal] = field(default_factory=dict)

    def _advance(self, feed: str, line_no: int) -> None:
        if line_no > self.feed_positions.get(feed, 0):
            self.feed_positions[feed] = line_no

    def apply(self, event: Any) -> None:
        """Fold one event in."""
        key = event.originator_id
        if isinstance(event, Intent.IntentReceived):
            self.undecided[key] = event.intent_id
            self.unreceived.pop(key, None)
            self.received[key] = (event.timestamp, event.line_no)
            self._advance(event.feed, event.line_no)
        elif isinstance(event, StrategyRun.MarketObserved):
            self._advance(event.feed, event.line_no)
            for intent in event.intents:
                self.unreceived[intent_uuid(intent["intent_id"])] = (
                    intent,
                    event.feed,
                    event.line_no,
                    event.timestamp,
                )
        elif isinstance(event, Intent.IntentRedelivered):
            self._advance(event.feed, event.line_no)
        elif isinstance(event, Feed.InputDenied):
            self._advance(event.source, event.line_no)
        elif isinstance(event, (Intent.IntentAccepted, Intent.IntentDenied, Intent.IntentBuffered)):
            self.undecided.pop(key, None)
        elif isinstance(event, Order.OrderPlaced):
            self.open_orders[key] = event.timestamp
            self._order_sizes[key] = event.size
            self._filled[key] = Decimal(0)
        elif isinstance(event, Order.OrderFilled):
            self._filled[key] += event.size
            if self._filled[key] >= self._order_sizes[key]:
                self.open_orders.pop(key, None)
        elif isinstance(event, Order.OrderFillVoided):
            self.open_orders.setdefault(key, event.timestamp)
        elif isinstance(event, _ORDER_ENDS):
            self.open_orders.pop(key, None)


def find_pending_work(app: TapeApplication) -> PendingWork:
    """Scan the log (only the topics that matter) for what a restart must finish."""
    work = PendingWork()
    start = 1
    while True:
        page = app.recorder.select_notifications(start=start, limit=PAGE, topics=_TOPICS)
        if not page:
            break
        for notification in page:
            work.apply(app.mapper.to_domain_event(notification))
        start = page[-1].id + 1
    return work
