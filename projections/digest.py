"""The decision digest: a hash chain over the canonical form of the log's events.

Each link is ``sha256(previous || topic || originator id || version || stored state)``, over
every event in log order except the reconciliation records (which say when Tape asked a venue,
and so depend on when it restarted, not on what it decided). The stored state is the library's
JSON encoding, the same bytes on SQLite and PostgreSQL, so one day gives one digest anywhere.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from eventsourcing.utils import get_topic

from engine.application import TapeApplication
from engine.reconciliations import Reconciliation

PAGE = 1000
EXCLUDED_TOPICS = frozenset(
    get_topic(cls) for cls in (Reconciliation.ReconciliationOpened, Reconciliation.VenueReported)
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
                bytes(item.state),
            )
            count += 1
        start = page[-1].id + 1
    return Digest(chain.hex(), count)
