"""The audit trail of one intent: its receipt, verdict with every check, sizing, the book used,
its orders, the venue's answers, fills and position changes.

Events are tied together by the intent they descend from: Intent events by the intent's id,
Order events by the order's ``intent_id``, and position and risk-book events by ``order_id``.
:class:`AuditView` folds the log into the trail of every intent (the ``audit`` projection, which
``tape why`` reads); :func:`find_trail` finds one trail by scanning the whole log, and is what
the projection is tested against.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from engine.agents import Agent
from engine.application import TapeApplication
from engine.intents import Intent
from engine.orders import Order
from engine.positions import Position
from engine.traders import TraderHolding
from projections.views import Rows, event_name, plain, read_log


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


def _stored_state(state: bytes) -> dict[str, str]:
    try:
        return {"state": state.decode("utf-8")}
    except UnicodeDecodeError:  # a compressed or encrypted store
        return {"state_b64": base64.b64encode(state).decode("ascii")}


@dataclass
class AuditView:
    """The trail of every intent, as a fold of the log.

    ``events`` holds every event of a trail (key: its log position, zero-padded) with the intent
    and order it belongs to and the event as stored (topic, originator, version, state), so a
    trail is rebuilt exactly as the log has it. ``ids`` maps every id ``tape why`` accepts (intent
    id, intent and order aggregate ids, client and venue order ids) to its intent, the first one
    in log order winning; ``links`` ties intent and order aggregates to their intent.
    """

    events: Rows
    ids: Rows
    links: Rows

    def apply(self, position: int, event: Any, stored: StoredEvent) -> None:
        """Fold one event in (``stored`` is how the log holds it)."""
        originator = str(event.originator_id)
        intent_id: str | None = None
        order_id: str | None = None
        if isinstance(event, Intent.IntentReceived):
            intent_id = event.intent_id
            self.links[originator] = {"intent_id": intent_id, "kind": "intent"}
            self._name(intent_id, intent_id)
            self._name(originator, intent_id)
        elif isinstance(event, Intent.Event):
            intent_id = self._linked(originator, "intent")
        elif isinstance(event, TraderHolding.TraderTradeObserved):
            intent_id = event.intent_id
        elif isinstance(event, Order.OrderPlaced):
            intent_id, order_id = event.intent_id, originator
            self.links[originator] = {"intent_id": intent_id, "kind": "order"}
            self._name(originator, intent_id)
            self._name(event.client_order_id, intent_id)
        elif isinstance(event, Order.Event):
            intent_id = self._linked(originator, "order")
            order_id = originator
            if intent_id is not None and isinstance(event, Order.OrderAccepted):
                self._name(event.venue_order_id, intent_id)
        elif isinstance(event, (Position.Event, Agent.Event)):
            order_id = getattr(event, "order_id", None)
            intent_id = self._linked(order_id, "order") if order_id else None
        if intent_id is None:
            return
        self.events[f"{position:020d}"] = {
            "intent_id": intent_id,
            "order_id": order_id,
            "log_position": position,
            "topic": stored.topic,
            "originator_id": str(stored.originator_id),
            "originator_version": stored.originator_version,
            **_stored_state(stored.state),
        }

    def _name(self, ident: str, intent_id: str) -> None:
        if self.ids.get(ident) is None:
            self.ids[ident] = {"intent_id": intent_id}

    def _linked(self, key: str, kind: str) -> str | None:
        link = self.links.get(key)
        if link is None or link["kind"] != kind:
            return None
        found: str = link["intent_id"]
        return found


def trail_from_rows(mapper: Mapper[UUID], intent_id: str, rows: Iterable[dict[str, Any]]) -> Trail:
    """The trail of an intent from its ``AuditView.events`` rows (in log order): the events
    decoded as the log holds them, so the trail equals :func:`find_trail`'s."""
    trail = Trail(intent_id)
    for row in sorted(rows, key=lambda r: int(r["log_position"])):
        state = (
            row["state"].encode("utf-8") if "state" in row else base64.b64decode(row["state_b64"])
        )
        event: Any = mapper.to_domain_event(
            StoredEvent(
                originator_id=UUID(row["originator_id"]),
                originator_version=int(row["originator_version"]),
                topic=row["topic"],
                state=state,
            )
        )
        item = (int(row["log_position"]), event)
        if row["order_id"] is None:
            if isinstance(event, Intent.IntentReceived) and event.intent_id == intent_id:
                trail.intent = event.intent
            trail.events.append(item)
        else:
            trail.orders.setdefault(row["order_id"], []).append(item)
    return trail
