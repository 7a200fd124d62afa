"""The audit trail of one intent: its receipt, verdict with every check, sizing, the book used,
its orders, the venue's answers, fills and position changes; for an arbitrage, its pair's
steps (opened with both books, fees and edge; legs retried or unwound; closed).

Events are tied together by the intent they descend from: Intent events by the intent's id,
Order events by the order's ``intent_id``, and position and risk-book events by ``order_id``.
``projections/views/audit.py`` folds the log into the trail of every intent (the ``audit``
projection, which ``tape why`` reads); :func:`find_trail` finds one trail by scanning the whole
log, and is what the projection is tested against.

A trail's events are numbered by their step in the trail (1, 2, ...), not by their place in the
log: every event of a trail belongs to one agent, so to one log even when the engine runs as
several workers, and its steps are the same however the workers' logs interleave.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from engine.agents import Agent
from engine.arbitrage.pair import Pair
from engine.copy_buffer import CopyBuffer
from engine.intents import Intent
from engine.orders import Order
from engine.positions import Position
from engine.traders import TraderHolding
from projections.logs import LogSource, read_log
from projections.rows import event_name, plain, time_key


@dataclass
class Trail:
    """Everything recorded about one intent, in log order, each event with its step in the
    trail (1-based, counting the intent's and its orders' events together)."""

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


def _event_json(step: int, event: Any) -> dict[str, Any]:
    data = {k: v for k, v in vars(event).items() if k not in ("originator_topic",)}
    return {"step": step, "event": event_name(event), **plain(data)}


def _named_first(found: tuple[str, str] | None, at: str, intent_id: str) -> tuple[str, str]:
    # Of two intents an id names, the one named first in time, ties by intent id.
    return min(found, (at, intent_id)) if found is not None else (at, intent_id)


def _resolve(app: LogSource, ident: str) -> str | None:
    # Find the intent_id that an intent id, an order id, a client or venue order id names (as
    # AuditView does: the intent named first in time, ties by intent id).
    orders: dict[str, str] = {}
    found: tuple[str, str] | None = None
    for _, event in read_log(app):
        at = time_key(event.timestamp)
        if isinstance(event, Intent.IntentReceived):
            if ident in (event.intent_id, str(event.originator_id)):
                found = _named_first(found, at, event.intent_id)
        elif isinstance(event, Order.OrderPlaced):
            orders[str(event.originator_id)] = event.intent_id
            if ident in (str(event.originator_id), event.client_order_id):
                found = _named_first(found, at, event.intent_id)
        elif isinstance(event, Order.OrderAccepted) and event.venue_order_id == ident:
            intent_id = orders.get(str(event.originator_id))
            if intent_id is not None:
                found = _named_first(found, at, intent_id)
    return found[1] if found is not None else None


def find_trail(app: LogSource, ident: str) -> Trail | None:
    """The trail of the intent that ``ident`` names (intent id, order id, client or venue
    order id), or None when nothing in the log has that id."""
    intent_id = _resolve(app, ident.strip())
    if intent_id is None:
        return None
    trail = Trail(intent_id)
    intent_key: str | None = None
    pair_key: str | None = None
    order_ids: set[str] = set()
    step = 0
    for _, event in read_log(app):
        originator = str(event.originator_id)
        if isinstance(event, Intent.IntentReceived) and event.intent_id == intent_id:
            intent_key = originator
            trail.intent = event.intent
            step += 1
            trail.events.append((step, event))
        elif (
            (isinstance(event, Intent.Event) and originator == intent_key)
            or (
                isinstance(
                    event,
                    (
                        TraderHolding.TraderTradeObserved,
                        CopyBuffer.CopyBuffered,
                        CopyBuffer.BufferFlushed,
                    ),
                )
                and event.intent_id == intent_id
            )
            or (
                isinstance(event, (CopyBuffer.BufferFlushed, CopyBuffer.BufferExpired))
                and intent_id in event.intent_ids
            )
        ):
            step += 1
            trail.events.append((step, event))
        elif (isinstance(event, Pair.PairOpened) and event.intent_id == intent_id) or (
            isinstance(event, Pair.Event) and originator == pair_key
        ):
            pair_key = originator
            step += 1
            trail.events.append((step, event))
        elif isinstance(event, Order.OrderPlaced) and event.intent_id == intent_id:
            order_ids.add(originator)
            step += 1
            trail.orders[originator] = [(step, event)]
        elif isinstance(event, Order.Event) and originator in order_ids:
            step += 1
            trail.orders[originator].append((step, event))
        elif isinstance(event, (Position.Event, Agent.Event)):
            order_id = getattr(event, "order_id", None)
            if order_id in order_ids:
                step += 1
                trail.orders[order_id].append((step, event))
    return trail


def trail_from_rows(mapper: Mapper[UUID], intent_id: str, rows: Iterable[dict[str, Any]]) -> Trail:
    """The trail of an intent from its ``AuditView.events`` rows (in any order): the events
    decoded as the log holds them, in step order, so the trail equals :func:`find_trail`'s."""
    trail = Trail(intent_id)
    for row in sorted(rows, key=lambda r: int(r["step"])):
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
        item = (int(row["step"]), event)
        if row["order_id"] is None:
            if isinstance(event, Intent.IntentReceived) and event.intent_id == intent_id:
                trail.intent = event.intent
            trail.events.append(item)
        else:
            trail.orders.setdefault(row["order_id"], []).append(item)
    return trail
