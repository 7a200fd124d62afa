"""The decision digest: a hash chain over the canonical form of the log's decision events.

Each link is ``sha256(previous || topic || originator id || version || canonical state)``, in
log order. Left out are what depends on how the inputs were delivered rather than on what was
decided: reconciliation records (when Tape asked a venue, which depends on restarts), feed
records of unreadable lines, and the feed name and line number of a received intent (so a day
exported from the log and run again gives the same digest). The state is the library's JSON
encoding, the same bytes on SQLite and PostgreSQL, so one day gives one digest anywhere.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from eventsourcing.utils import get_topic, resolve_topic

from engine.application import TapeApplication
from engine.feeds import Feed
from engine.intents import Intent
from engine.reconciliations import Reconciliation

PAGE = 1000
EXCLUDED_TOPICS = frozenset(
    get_topic(cls)
    for cls in (
        Reconciliation.ReconciliationOpened,
        Reconciliation.VenueReported,
        Feed.FeedOpened,
        Feed.InputRejected,
    )
)
DELIVERY_FIELDS = ("feed", "line_no")
DELIVERY_TOPICS = frozenset(
    get_topic(cls) for cls in (Intent.IntentReceived, Intent.IntentRedelivered)
)
GENESIS = b"tape.digest/1"


@dataclass(frozen=True)
class Digest:
    """The digest of a log and how many events it covers."""

    hexdigest: str
    events: int

    @property
    def short(self) -> str:
        """The first 16 hex digits, for humans."""
        return self.hexdigest[:16]


def canonical_state(app: TapeApplication, item: Any) -> bytes:
    """A stored event's state as the digest sees it: an event stored by an older version of its
    class is upcast and encoded as today, and a received intent's delivery details are left
    out."""
    state = bytes(item.state)
    if getattr(resolve_topic(item.topic), "class_version", 1) > 1 and (
        b'"class_version"' not in state
    ):
        state = bytes(app.mapper.to_stored_event(app.mapper.to_domain_event(item)).state)
    if item.topic not in DELIVERY_TOPICS:
        return state
    data = json.loads(state)
    for name in DELIVERY_FIELDS:
        data.pop(name, None)
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def link(previous: bytes, topic: str, originator_id: str, version: int, state: bytes) -> bytes:
    """One link of the chain."""
    hasher = hashlib.sha256(previous)
    for part in (topic.encode(), originator_id.encode(), str(version).encode()):
        hasher.update(len(part).to_bytes(4, "big"))
        hasher.update(part)
    hasher.update(len(state).to_bytes(8, "big"))
    hasher.update(state)
    return hasher.digest()


def decision_digest(app: TapeApplication) -> Digest:
    """The digest of everything the application decided and recorded."""
    chain = hashlib.sha256(GENESIS).digest()
    count = 0
    start = 1
    while True:
        page = app.recorder.select_notifications(start=start, limit=PAGE)
        if not page:
            break
        for item in page:
            if item.topic in EXCLUDED_TOPICS:
                continue
            chain = link(
                chain,
                item.topic,
                str(item.originator_id),
                item.originator_version,
                canonical_state(app, item),
            )
            count += 1
        start = page[-1].id + 1
    return Digest(chain.hex(), count)
