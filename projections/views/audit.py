"""The audit view: every event of each intent's causal chain, stored as the log holds it, and
every id ``tape why`` accepts (read back by ``projections.audit.trail_from_rows``)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import StoredEvent

from engine.agents import Agent
from engine.arbitrage.pair import Pair
from engine.copy_buffer import CopyBuffer
from engine.intents import Intent
from engine.orders import Order
from engine.positions import Position
from engine.traders import TraderHolding
from projections.readstore import Index
from projections.rows import Rows, time_key
from projections.views.base import Read, TableSpec, ViewSpec


def _stored_state(state: bytes) -> dict[str, str]:
    try:
        return {"state": state.decode("utf-8")}
    except UnicodeDecodeError:  # a compressed or encrypted store
        return {"state_b64": base64.b64encode(state).decode("ascii")}


@dataclass
class AuditView:
    """The trail of every intent, as a fold of the log.

    ``events`` holds every event of a trail (key: its aggregate id and version) with the intent
    and order it belongs to, its step in the trail and the event as stored (topic, originator,
    version, state), so a trail is rebuilt exactly as the log has it. ``ids`` maps every id
    ``tape why`` accepts (intent id, intent and order aggregate ids, client and venue order ids)
    to its intent: of several intents one id names, the one named first in time (ties by intent
    id), whichever log said so first. ``links`` ties intent and order aggregates to their intent,
    and counts each trail's steps (key ``trail:<intent id>``).
    """

    events: Rows
    ids: Rows
    links: Rows

    def apply(self, event: Any, stored: StoredEvent) -> None:
        """Fold one event in (``stored`` is how the log holds it)."""
        originator = str(event.originator_id)
        at = time_key(event.timestamp)
        intent_id: str | None = None
        order_id: str | None = None
        if isinstance(event, Intent.IntentReceived):
            intent_id = event.intent_id
            self.links[originator] = {"intent_id": intent_id, "kind": "intent"}
            self._name(intent_id, intent_id, at)
            self._name(originator, intent_id, at)
        elif isinstance(event, Intent.Event):
            intent_id = self._linked(originator, "intent")
        elif isinstance(event, TraderHolding.TraderTradeObserved):
            intent_id = event.intent_id
        elif isinstance(event, Order.OrderPlaced):
            intent_id, order_id = event.intent_id, originator
            self.links[originator] = {"intent_id": intent_id, "kind": "order"}
            self._name(originator, intent_id, at)
            self._name(event.client_order_id, intent_id, at)
        elif isinstance(event, Order.Event):
            intent_id = self._linked(originator, "order")
            order_id = originator
            if intent_id is not None and isinstance(event, Order.OrderAccepted):
                self._name(event.venue_order_id, intent_id, at)
        elif isinstance(event, (Position.Event, Agent.Event)):
            order_id = getattr(event, "order_id", None)
            intent_id = self._linked(order_id, "order") if order_id else None
        elif isinstance(event, Pair.Event):  # an arbitrage's pair: the intent's own steps
            intent_id = self._pair(event, originator)
        elif isinstance(event, (CopyBuffer.BufferFlushed, CopyBuffer.BufferExpired)):
            # one event, in the trail of every intent whose copy it carried or gave up
            carriers = [event.intent_id] if isinstance(event, CopyBuffer.BufferFlushed) else []
            for carried in [*event.intent_ids, *carriers]:
                key = f"{stored.originator_id}:{stored.originator_version}:{carried}"
                self._keep(key, carried, None, stored)
            return
        elif isinstance(event, CopyBuffer.CopyBuffered):
            intent_id = event.intent_id
        if intent_id is None:
            return
        self._keep(
            f"{stored.originator_id}:{stored.originator_version}", intent_id, order_id, stored
        )

    def _pair(self, event: Any, originator: str) -> str | None:
        # A pair is linked to its intent when it opens; its later steps follow the link.
        if isinstance(event, Pair.PairOpened):
            self.links[originator] = {"intent_id": event.intent_id, "kind": "pair"}
            return str(event.intent_id)
        return self._linked(originator, "pair")

    def _keep(self, key: str, intent_id: str, order_id: str | None, stored: StoredEvent) -> None:
        # One row of a trail: the event as stored, at the trail's next step.
        self.events[key] = {
            "intent_id": intent_id,
            "order_id": order_id,
            "step": self._step(intent_id),
            "topic": stored.topic,
            "originator_id": str(stored.originator_id),
            "originator_version": stored.originator_version,
            **_stored_state(stored.state),
        }

    def _name(self, ident: str, intent_id: str, at: str) -> None:
        found = self.ids.get(ident)
        if found is not None and (found["at"], found["intent_id"]) <= (at, intent_id):
            return
        self.ids[ident] = {"intent_id": intent_id, "at": at}

    def _step(self, intent_id: str) -> int:
        # The next step of an intent's trail.
        key = f"trail:{intent_id}"
        counter = self.links.get(key)
        if counter is None:
            counter = self.links[key] = {"intent_id": intent_id, "kind": "trail", "steps": 0}
        counter["steps"] += 1
        step: int = counter["steps"]
        return step

    def _linked(self, key: str, kind: str) -> str | None:
        link = self.links.get(key)
        if link is None or link["kind"] != kind:
            return None
        found: str = link["intent_id"]
        return found


def audit_event_index(row: dict[str, Any]) -> Index:
    """A trail's event: by its intent, listed by its step."""
    return Index(grp=row["intent_id"], seq=row["step"])


def audit_id_index(row: dict[str, Any]) -> Index:
    """An id or a link: by the intent it names."""
    return Index(grp=row["intent_id"])


VIEW = ViewSpec(
    name="audit",
    description="The causal trail of every intent and order, which tape why reads.",
    tables=(
        TableSpec("audit_events", audit_event_index, Read.SKIP),
        TableSpec("audit_ids", audit_id_index, Read.SKIP),
        TableSpec("audit_links", audit_id_index, Read.SKIP),
    ),
    fold=AuditView,
    version=3,  # 2: no log positions in the rows (several logs interleave); 3: pairs
    keeps_stored=True,
)
