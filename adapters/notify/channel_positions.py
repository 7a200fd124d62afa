"""Each notify channel's position in the outbox: the notices it has not delivered yet, moving
past each one it sent (or gave up, recorded in ``notify_given_up``), and the notices given up."""

from __future__ import annotations

import json
from typing import Any

from adapters.notify.notice_writer import OUTBOX, READY, SEQ_KEY, seq_text
from projections.readstore import Index, ProjectionStore, Query, Tracking

GIVEN_UP = "notify_given_up"  # notices a channel gave up, one row each (channel:seq)


def sent_key(channel: str) -> str:
    """The tracking row of a channel's position in the outbox."""
    return f"notify-sent.{channel}"


def pending(store: ProjectionStore, channel: str, limit: int = 100) -> list[dict[str, Any]]:
    """The outbox rows a channel has not delivered yet, in order (at most ``limit``)."""
    key = sent_key(channel)
    with store.read() as txn:
        done = txn.tracking([key])[key].position
        rows = txn.select(OUTBOX, Query(status=READY, since=seq_text(done + 1)))
    return [json.loads(data) for _, data in rows[:limit]]


def mark_sent(
    store: ProjectionStore, channel: str, seq: int, given_up: dict[str, Any] | None = None
) -> None:
    """Record that a channel is done with every notice up to ``seq``; ``given_up``: the one at
    ``seq`` was given up, and why (a row of ``notify_given_up``, in the same transaction)."""
    with store.write() as txn:
        txn.set_tracking(sent_key(channel), Tracking(seq, 1))
        if given_up is not None:
            index = Index(grp=channel, status="GIVEN_UP", at=str(given_up["at"]), seq=seq)
            txn.upsert(GIVEN_UP, f"{channel}:{seq_text(seq)}", index, json.dumps(given_up))


def given_up(store: ProjectionStore, limit: int = 50) -> list[dict[str, Any]]:
    """The notices channels gave up, newest first (at most ``limit``)."""
    with store.read() as txn:
        rows = txn.select(GIVEN_UP, Query(status="GIVEN_UP"))
    found = [json.loads(data) for _, data in rows]
    return sorted(found, key=lambda r: str(r["at"]), reverse=True)[:limit]


def start_channel_at(store: ProjectionStore, channel: str) -> None:
    """Create a channel's position row (at 0) if missing."""
    store.setup([OUTBOX, GIVEN_UP], [sent_key(channel)])


def last_seq(store: ProjectionStore) -> int:
    """The last sequence number given to a notice."""
    with store.read() as txn:
        return txn.tracking([SEQ_KEY])[SEQ_KEY].position
