"""The notifier's outbox: notices taken from the log exactly once, and each channel's position.

:class:`Notifier` follows one log or several like a projection: in one transaction of the
read-model store it reads a page of events, turns them into notices (``projections/notices.py``,
the rows they name read in that same transaction), writes them to the ``notify_outbox`` table
with a sequence number, and moves its tracking rows (``notify`` or ``notify@LOG``) past the
page. A crash rolls the page back as a whole, so every notice is written once, in log order.

Each channel then reads the outbox after its own position (the tracking row
``notify-sent.CHANNEL``, the last sequence number it delivered) and moves it after each notice
it sent (:class:`ChannelCursor`). A process killed after the channel answered but before that
commit sends that one notice again after the restart: the delivery is at least once, with the
event id in the notice so a receiver (a webhook: ``X-Tape-Event-Id``) drops the repeat.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from projections.logs import LogSource, as_sources
from projections.notices import DenialGroup, Notice, notice_for
from projections.readstore import Index, ProjectionStore, Query, StoreTransaction, Tracking
from projections.rows import decode_row
from projections.status import tracking_key
from projections.tracking import Projector

OUTBOX = "notify_outbox"
NAME = "notify"
SEQ_KEY = "notify-seq"  # position: the last sequence number given to a notice
DAY_KEY = "notify-day"  # position: the ordinal of the latest day an event was stamped with
SUMMED_KEY = "notify-summed"  # position: the ordinal of the latest day whose summary is written
GIVEN_UP = "notify_given_up"  # notices a channel gave up, one row each (channel:seq)
OPEN_GROUP = "denials:open"
READY = "READY"
NEEDS = ("orders", "intents", "balances")
Summary = Callable[[date], Notice | None]


def sent_key(channel: str) -> str:
    """The tracking row of a channel's position in the outbox."""
    return f"notify-sent.{channel}"


def seq_text(seq: int) -> str:
    """A sequence number as sortable text (the outbox's ``at_time`` column)."""
    return f"{seq:020d}"


class _RowLookup:
    """Notice rows read from the projections in the notifier's own transaction."""

    def __init__(self, txn: StoreTransaction) -> None:
        self.txn = txn

    def _row(self, table: str, key: str) -> dict[str, Any] | None:
        data = self.txn.get(table, key)
        return decode_row(data) if data is not None else None

    def order(self, order_key: str) -> dict[str, Any] | None:
        return self._row("orders", order_key)

    def intent(self, intent_key: str) -> dict[str, Any] | None:
        return self._row("intents", intent_key)

    def agent_name(self, agent_key: str) -> str | None:
        row = self._row("balance_agents", agent_key)
        return str(row["name"]) if row else None


class Notifier:
    """Turns the log into the outbox, exactly once (see the module's docstring).

    ``projector`` keeps the orders, intents and balances views the notices read, in the same
    store; ``summary(day)`` makes a day's summary when the log moves past that day;
    ``levels(kind)`` says on, silent or off."""

    def __init__(
        self,
        upstreams: LogSource | Sequence[LogSource],
        store: ProjectionStore,
        projector: Projector,
        *,
        levels: Callable[[str], str],
        denial_window_s: float = 300.0,
        summary: Summary | None = None,
        batch_size: int = 500,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.upstreams = as_sources(upstreams)
        self.store = store
        self.projector = projector
        self.levels = levels
        self.window = timedelta(seconds=denial_window_s)
        self.summary = summary
        self.batch_size = batch_size
        self.wall = wall
        self.keys = {u.name: tracking_key(NAME, u.name) for u in self.upstreams}
        self._turn = 0
        store.setup([OUTBOX], [*self.keys.values(), SEQ_KEY, DAY_KEY, SUMMED_KEY])

    def start_at_end(self) -> bool:
        """On a notifier that has read nothing yet: skip the log's history (tell only what
        happens from now on). Returns whether it did."""
        with self.store.write() as txn:
            tracking = txn.tracking(list(self.keys.values()))
            if any(t.position for t in tracking.values()):
                return False
            for upstream in self.upstreams:
                last = upstream.recorder.max_notification_id() or 0
                txn.set_tracking(self.keys[upstream.name], Tracking(last, 1))
            return True

    def catch_up(self, stop: Callable[[], bool] | None = None) -> int:
        """Write the notices of every event not read yet, a page per transaction; returns how
        many events were read."""
        total = 0
        while stop is None or not stop():
            read = self._page()
            total += read
            if read < self.batch_size:
                break
        return total

    def _page(self) -> int:
        self.projector.catch_up(NEEDS)  # the rows every event of the page names
        count = len(self.upstreams)
        first = self._turn % count
        self._turn += 1
        with self.store.write() as txn:
            state = _PageState(txn, self)
            read = 0
            for turn in range(count):
                if read >= self.batch_size:
                    break
                upstream = self.upstreams[(first + turn) % count]
                key = self.keys[upstream.name]
                done = state.tracking[key].position
                # Never past what the views have folded: the notices read their rows.
                folded = min(
                    t.position
                    for t in txn.tracking([tracking_key(v, upstream.name) for v in NEEDS]).values()
                )
                if folded <= done:
                    continue
                page = upstream.recorder.select_notifications(
                    start=done + 1, limit=self.batch_size - read, stop=folded
                )
                for notification in page:
                    state.take(upstream.mapper.to_domain_event(notification))
                if page:
                    txn.set_tracking(key, Tracking(page[-1].id, 1))
                    read += len(page)
            state.finish()
            return read

    def close_quiet_group(self) -> bool:
        """Send the open denial group when the log has been quiet for its window (wall time
        since it opened); returns whether it did. Called when the notifier is caught up."""
        with self.store.write() as txn:
            state = _PageState(txn, self)
            group = state.group
            if group is None or self.wall() - state.group_opened < self.window.total_seconds():
                return False
            state.close_group()
            state.finish()
            return True

    def close_day(self) -> bool:
        """Write the summary of the log's latest day once the clock (``wall``) has passed its
        end, without waiting for the next day's first event; returns whether it did. Called
        when the notifier is caught up. The summary is written once either way: the day it
        summed is a position of its own (``notify-summed``)."""
        today = datetime.fromtimestamp(self.wall(), UTC).date().toordinal()
        with self.store.write() as txn:
            state = _PageState(txn, self)
            if not state.day or state.day >= today or state.summed >= state.day:
                return False
            state.close_group()
            state.summary(date.fromordinal(state.day))
            state.finish()
            return True

    def enqueue(self, notice: Notice) -> int:
        """Put one notice in the outbox directly (``tape notify test``); its sequence number."""
        with self.store.write() as txn:
            state = _PageState(txn, self)
            state.ready(notice)
            state.finish()
            return state.seq


class _PageState:
    """What one page of the notifier changes: the sequence, the open denial group, the day."""

    def __init__(self, txn: StoreTransaction, notifier: Notifier) -> None:
        self.txn = txn
        self.notifier = notifier
        self.lookup = _RowLookup(txn)
        self.tracking = txn.tracking([*notifier.keys.values(), SEQ_KEY, DAY_KEY, SUMMED_KEY])
        self.seq = self.tracking[SEQ_KEY].position
        self.day = self.tracking[DAY_KEY].position
        self.summed = self.tracking[SUMMED_KEY].position
        stored = txn.get(OUTBOX, OPEN_GROUP)
        opened = json.loads(stored) if stored else None
        self.group = DenialGroup.from_json(opened["group"]) if opened else None
        self.group_opened = float(opened["opened"]) if opened else 0.0
        self.group_changed = False

    def take(self, event: Any) -> None:
        day = event.timestamp.date().toordinal()
        if self.day and day > self.day:
            self.close_group()
            if self.summed < self.day:  # not already written when the clock passed its end
                self.summary(date.fromordinal(self.day))
        self.day = max(self.day, day)
        at = event.timestamp.isoformat()
        if self.group is not None and not self.group.takes(at, self.notifier.window):
            self.close_group()
        notice = notice_for(event, self.lookup)
        if notice is None or self.notifier.levels(notice.kind) == "off":
            return
        if notice.kind == "denial":
            if self.group is None:
                self.group = DenialGroup.open(notice)
                self.group_opened = self.notifier.wall()
            else:
                self.group.add(notice)
            self.group_changed = True
            return
        self.ready(notice)

    def summary(self, day: date) -> None:
        self.summed = max(self.summed, day.toordinal())
        if self.notifier.summary is None or self.notifier.levels("daily_summary") == "off":
            return
        notice = self.notifier.summary(day)
        if notice is not None:
            self.ready(notice)

    def close_group(self) -> None:
        if self.group is not None:
            group, self.group = self.group, None
            self.group_changed = True
            self.ready(group.notice())

    def ready(self, notice: Notice) -> None:
        self.seq += 1
        row = {
            "seq": self.seq,
            "notice": notice.to_json(),
            "silent": self.notifier.levels(notice.kind) == "silent",
        }
        index = Index(grp=notice.kind, status=READY, at=seq_text(self.seq), seq=self.seq)
        self.txn.upsert(OUTBOX, f"{notice.kind}:{notice.event_id}", index, json.dumps(row))

    def finish(self) -> None:
        self.txn.set_tracking(SEQ_KEY, Tracking(self.seq, 1))
        self.txn.set_tracking(DAY_KEY, Tracking(self.day, 1))
        self.txn.set_tracking(SUMMED_KEY, Tracking(self.summed, 1))
        if self.group_changed:
            if self.group is None:
                self.txn.delete(OUTBOX, OPEN_GROUP)
            else:
                data = {"group": self.group.to_json(), "opened": self.group_opened}
                self.txn.upsert(OUTBOX, OPEN_GROUP, Index(status="OPEN"), json.dumps(data))


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
