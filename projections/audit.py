"""The audit trail of one intent: its receipt, verdict with every check, sizing, the book used,
its orders, the venue's answers, fills and position changes, all read from the log.

Events are tied together by the intent they descend from: Intent events by the intent's id,
Order events by the order's ``intent_id``, and position and risk-book events by ``order_id``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.agents import Agent
from engine.application import TapeApplication
from engine.intents import Intent
from engine.orders import Order
from engine.positions import Position
from engine.traders import TraderHolding
from projections.views import event_name, plain, read_log


@dataclass
class Trail:
    """Everything recorded about one intent, in log order."""

    intent_id: str
    intent: dict[str, Any] | None = None
    events: list[tuple[int, Any]] = field(default_factory=list)
    orders: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The trail as JSON-ready data."""
        return {
            "intent_id": self.intent_id,
            "intent": self.intent,
            "events": [_event_json(p, e) for p, e in self.events],
            "orders": {
                order_id: [_event_json(p, e) for p, e in events]
                for order_id, events in self.orders.items()
            },
        }


def _event_json(position: int, event: Any) -> dict[str, Any]:
    data = {k: v for k, v in vars(event).items() if k not in ("originator_topic",)}
    return {"log_position": position, "event": event_name(event), **plain(data)}


def _resolve(app: TapeApplication, ident: str) -> str | None:
    # Find the intent_id that an intent id, an order id, a client or venue order id names.
    orders: dict[str, str] = {}
    for _, event in read_log(app):
        if isinstance(event, Intent.IntentReceived):
            if ident in (event.intent_id, str(event.originator_id)):
                return event.intent_id
        elif isinstance(event, Order.OrderPlaced):
            orders[str(event.originator_id)] = event.intent_id
            if ident in (str(event.originator_id), event.client_order_id):
                return event.intent_id
        elif isinstance(event, Order.OrderAccepted) and event.venue_order_id == ident:
            return orders.get(str(event.originator_id))
    return None


def find_trail(app: TapeApplication, ident: str) -> Trail | None:
    """The trail of the intent that ``ident`` names (intent id, order id, client or venue
    order id), or None when nothing in the log has that id."""
    intent_id = _resolve(app, ident.strip())
    if intent_id is None:
        return None
    trail = Trail(intent_id)
    intent_key: str | None = None
    order_ids: set[str] = set()
    for position, event in read_log(app):
        originator = str(event.originator_id)
        if isinstance(event, Intent.IntentReceived) and event.intent_id == intent_id:
            intent_key = originator
            trail.intent = event.intent
            trail.events.append((position, event))
        elif (isinstance(event, Intent.Event) and originator == intent_key) or (
            isinstance(event, TraderHolding.TraderTradeObserved) and event.intent_id == intent_id
        ):
            trail.events.append((position, event))
        elif isinstance(event, Order.OrderPlaced) and event.intent_id == intent_id:
            order_ids.add(originator)
            trail.orders[originator] = [(position, event)]
        elif isinstance(event, Order.Event) and originator in order_ids:
            trail.orders[originator].append((position, event))
        elif isinstance(event, (Position.Event, Agent.Event)):
            order_id = getattr(event, "order_id", None)
            if order_id in order_ids:
                trail.orders[order_id].append((position, event))
    return trail
