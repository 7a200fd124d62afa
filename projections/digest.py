"""The decision digest: a hash over the canonical form of the decision events of one log, or of
the union of several.

Each aggregate gets a hash chain over its events in version order, each link
``sha256(previous || topic || originator id || version || canonical state)``; the digest is a
hash over (aggregate id, event count, chain) of every aggregate, in aggregate-id order. It is
not one chain in log order because the log may be several logs: when the engine runs as several
workers, each keeps the events of its agents in its own log, and how those logs interleave is
arbitrary; only the order of one aggregate's events is fixed. So a day gives the same digest in
one process or in N workers. Memory grows with the number of aggregates, not of events.

Left out are what depends on how the inputs were delivered rather than on what was decided:
reconciliation records (when Tape asked a venue, which depends on restarts), feed records of
unreadable lines, and the feed name and line number of a received intent or of a market event
a strategy saw (so a day exported from the log and run again gives the same digest). The state
is the library's JSON encoding, the same bytes on SQLite and PostgreSQL, so one day gives one
digest anywhere.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from eventsourcing.utils import get_topic, resolve_topic

from engine.feeds import LEGACY_INPUT_REJECTED_TOPIC, Feed
from engine.ingest_records import MarketResolution
from engine.intents import Intent
from engine.reconciliations import Reconciliation
from engine.strategies.run import StrategyRun
from projections.logs import LogSource, notifications

EXCLUDED_TOPICS = frozenset(
    get_topic(cls)
    for cls in (
        Reconciliation.ReconciliationOpened,
        Reconciliation.VenueReported,
        Feed.FeedOpened,
        Feed.InputDenied,
        MarketResolution.MarketResolved,  # how a resolution arrived (live); its settling counts
    )
) | {LEGACY_INPUT_REJECTED_TOPIC}
DELIVERY_FIELDS = ("feed", "line_no")
DELIVERY_TOPICS = frozenset(
    get_topic(cls)
    for cls in (Intent.IntentReceived, Intent.IntentRedelivered, StrategyRun.MarketObserved)
)
GENESIS = b"tape.digest/2"


class DigestOrderError(ValueError):
    """Raised when an aggregate's events do not come in version order (two logs hold it)."""


@dataclass(frozen=True)
class Digest:
    """The digest of a log and how many events it covers."""

    hexdigest: str
    events: int

    @property
    def short(self) -> str:
        """The first 16 hex digits, for humans."""
        return self.hexdigest[:16]


def canonical_state(app: LogSource, item: Any) -> bytes:
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
    """One link of an aggregate's chain."""
    hasher = hashlib.sha256(previous)
    for part in (topic.encode(), originator_id.encode(), str(version).encode()):
        hasher.update(len(part).to_bytes(4, "big"))
        hasher.update(part)
    hasher.update(len(state).to_bytes(8, "big"))
    hasher.update(state)
    return hasher.digest()


class DigestBuilder:
    """The digest built one stored event at a time (what :func:`decision_digest` does over
    whole logs), for a reader already walking a log, such as replay: it need not read it
    again."""

    def __init__(self) -> None:
        self._start = hashlib.sha256(GENESIS).digest()
        self._chains: dict[str, tuple[bytes, int, int]] = {}  # aggregate -> chain, count, last

    def add(self, app: LogSource, item: Any) -> None:
        """Take one notification of ``app``'s log (its aggregate's events in version order)."""
        if item.topic in EXCLUDED_TOPICS:
            return
        originator = str(item.originator_id)
        chain, count, last = self._chains.get(originator, (self._start, 0, 0))
        version = item.originator_version
        if version <= last:
            raise DigestOrderError(
                f"aggregate {originator}: version {version} read after version {last} "
                "(is it in two logs?)"
            )
        chain = link(chain, item.topic, originator, version, canonical_state(app, item))
        self._chains[originator] = (chain, count + 1, version)

    def digest(self) -> Digest:
        """The digest of everything taken so far."""
        hasher = hashlib.sha256(GENESIS)
        total = 0
        for originator in sorted(self._chains):
            chain, count, _ = self._chains[originator]
            name = originator.encode()
            hasher.update(len(name).to_bytes(4, "big"))
            hasher.update(name)
            hasher.update(count.to_bytes(8, "big"))
            hasher.update(chain)
            total += count
        return Digest(hasher.hexdigest(), total)


def decision_digest(*apps: LogSource) -> Digest:
    """The digest of everything the applications decided and recorded (the union of their
    logs; the same whatever order they are given in)."""
    if not apps:
        raise ValueError("a digest is of at least one log")
    builder = DigestBuilder()
    for app in apps:
        for item in notifications(app):
            builder.add(app, item)
    return builder.digest()
