"""The intents view: every intent with its verdict, the denial reason with the failed check's
values, its redeliveries and its orders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.intents import Intent
from projections.readstore import Index
from projections.rows import Rows, aggregate_key, new_rows
from projections.views.base import Read, TableSpec, ViewSpec, at_text, seq_of


@dataclass
class IntentsView:
    """Intents with their verdicts and denial reasons (the failed check with its values)."""

    rows: Rows = field(default_factory=new_rows)

    def apply(self, event: Any) -> None:
        """Fold one event in."""
        if isinstance(event, Intent.IntentReceived):
            intent = event.intent
            self.rows[aggregate_key(event)] = {
                "intent_id": event.intent_id,
                "agent": intent.get("agent"),  # a signal (ingest logs only) has none
                "venue": intent["venue"],
                "market_id": intent["market_id"],
                "token_id": intent["token_id"],
                "outcome": intent.get("outcome"),
                "side": intent["side"],
                "price": intent["price"],
                "size": intent["size"],
                "source_kind": intent["source"].get("kind"),
                "trader": intent["source"].get("trader"),
                "created_at": intent["created_at"],
                "received_at": event.timestamp,
                "decided_at": None,
                "verdict": "RECEIVED",
                "reason": None,
                "detail": None,
                "failed_values": None,
                "redeliveries": 0,
                "order_ids": [],
            }
            return
        if not isinstance(event, Intent.Event):
            return
        row = self.rows.get(aggregate_key(event))
        if row is None:
            return
        if isinstance(event, Intent.IntentAccepted):
            row["verdict"], row["order_ids"] = "ACCEPTED", list(event.order_ids)
            row["decided_at"] = event.timestamp
        elif isinstance(event, Intent.IntentBuffered):
            row["verdict"], row["decided_at"] = "BUFFERED", event.timestamp
        elif isinstance(event, Intent.IntentDenied):
            row["verdict"], row["reason"], row["detail"] = "DENIED", event.reason, event.detail
            row["decided_at"] = event.timestamp
            failed = next(
                (c for c in event.checks if c["name"] == event.reason and not c["passed"]), None
            )
            row["failed_values"] = dict(failed["values"]) if failed else None
        elif isinstance(event, Intent.IntentRedelivered):
            row["redeliveries"] += 1


def intent_index(row: dict[str, Any]) -> Index:
    """Intents: by denial reason, agent, venue, verdict, time received (listed by that time)."""
    return Index(
        row["reason"],
        row["agent"],
        row["venue"],
        row["verdict"],
        at_text(row["received_at"]),
        seq_of(row["received_at"]),
    )


VIEW = ViewSpec(
    name="intents",
    description="Intents with their verdicts and denial reasons.",
    tables=(TableSpec("intents", intent_index, Read.QUERY),),
    fold=IntentsView,
    version=2,  # 2: no log positions in the rows (several logs interleave)
)
