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

This module reads the log; what a page writes is ``adapters/notify/notice_writer.py``'s and the
channels' positions are ``adapters/notify/channel_positions.py``'s (re-exported here).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

from adapters.notify.channel_positions import (
    GIVEN_UP,
    given_up,
    last_seq,
    mark_sent,
    pending,
    sent_key,
    start_channel_at,
)
from adapters.notify.notice_writer import (
    DAY_KEY,
    OPEN_GROUP,
    OUTBOX,
    READY,
    SEQ_KEY,
    SUMMED_KEY,
    PageState,
    seq_text,
)
from projections.logs import LogSource, as_sources
from projections.notices import Notice
from projections.readstore import ProjectionStore, Tracking
from projections.status import tracking_key
from projections.tracking import Projector

__all__ = [
    "DAY_KEY",
    "GIVEN_UP",
    "NAME",
    "NEEDS",
    "OPEN_GROUP",
    "OUTBOX",
    "READY",
    "SEQ_KEY",
    "SUMMED_KEY",
    "Notifier",
    "Summary",
    "_PageState",
    "given_up",
    "last_seq",
    "mark_sent",
    "pending",
    "sent_key",
    "seq_text",
    "start_channel_at",
]

NAME = "notify"
NEEDS = ("orders", "intents", "balances")
Summary = Callable[[date], Notice | None]
_PageState = PageState  # its name before the notice writer was a module of its own


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
            state = PageState(txn, self)
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
            state = PageState(txn, self)
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
            state = PageState(txn, self)
            if not state.day or state.day >= today or state.summed >= state.day:
                return False
            state.close_group()
            state.summary(date.fromordinal(state.day))
            state.finish()
            return True

    def enqueue(self, notice: Notice) -> int:
        """Put one notice in the outbox directly (``tape notify test``); its sequence number."""
        with self.store.write() as txn:
            state = PageState(txn, self)
            state.ready(notice)
            state.finish()
            return state.seq
