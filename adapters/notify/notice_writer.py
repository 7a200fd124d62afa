"""The notifier's notice writer: what one page (one write transaction of the read-model store)
changes in the ``notify_outbox`` table. Notices are made from the page's events with the rows
they name read in that same transaction, a sequence number is given to each, denials are grouped
in an open group, and a day's summary is written once the log (or the clock) moves past it.
Reading the log page by page is :class:`adapters.notify.outbox.Notifier`'s.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

from projections.notices import DenialGroup, Notice, notice_for
from projections.readstore import Index, StoreTransaction, Tracking
from projections.rows import decode_row

if TYPE_CHECKING:
    from adapters.notify.outbox import Notifier

OUTBOX = "notify_outbox"
SEQ_KEY = "notify-seq"  # position: the last sequence number given to a notice
DAY_KEY = "notify-day"  # position: the ordinal of the latest day an event was stamped with
SUMMED_KEY = "notify-summed"  # position: the ordinal of the latest day whose summary is written
OPEN_GROUP = "denials:open"
READY = "READY"


def seq_text(seq: int) -> str:
    """A sequence number as sortable text (the outbox's ``at_time`` column)."""
    return f"{seq:020d}"


class RowLookup:
    """Notice rows read from the projections in the notifier's own transaction."""

    def __init__(self, txn: StoreTransaction) -> None:
        self.txn = txn

    def _row(self, table: str, key: str) -> dict[str, Any] | None:
        data = self.txn.get(table, key)
        return decode_row(data) if data is not None else None

    def order(self, order_key: str) -> dict[str, Any] | None:
        """An order's row."""
        return self._row("orders", order_key)

    def intent(self, intent_key: str) -> dict[str, Any] | None:
        """An intent's row."""
        return self._row("intents", intent_key)

    def agent_name(self, agent_key: str) -> str | None:
        """An agent's name."""
        row = self._row("balance_agents", agent_key)
        return str(row["name"]) if row else None


class PageState:
    """What one page of the notifier changes: the sequence, the open denial group, the day."""

    def __init__(self, txn: StoreTransaction, notifier: Notifier) -> None:
        self.txn = txn
        self.notifier = notifier
        self.lookup = RowLookup(txn)
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
        """The notice an event makes, if any: written, or added to the open denial group."""
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
        """Write the summary of ``day`` (once: the day is then summed)."""
        self.summed = max(self.summed, day.toordinal())
        if self.notifier.summary is None or self.notifier.levels("daily_summary") == "off":
            return
        notice = self.notifier.summary(day)
        if notice is not None:
            self.ready(notice)

    def close_group(self) -> None:
        """Write the open denial group as one notice, if there is one."""
        if self.group is not None:
            group, self.group = self.group, None
            self.group_changed = True
            self.ready(group.notice())

    def ready(self, notice: Notice) -> None:
        """Write a notice to the outbox with the next sequence number."""
        self.seq += 1
        row = {
            "seq": self.seq,
            "notice": notice.to_json(),
            "silent": self.notifier.levels(notice.kind) == "silent",
        }
        index = Index(grp=notice.kind, status=READY, at=seq_text(self.seq), seq=self.seq)
        self.txn.upsert(OUTBOX, f"{notice.kind}:{notice.event_id}", index, json.dumps(row))

    def finish(self) -> None:
        """Record the sequence, the day, the summed day and the open group as the page left them."""
        self.txn.set_tracking(SEQ_KEY, Tracking(self.seq, 1))
        self.txn.set_tracking(DAY_KEY, Tracking(self.day, 1))
        self.txn.set_tracking(SUMMED_KEY, Tracking(self.summed, 1))
        if self.group_changed:
            if self.group is None:
                self.txn.delete(OUTBOX, OPEN_GROUP)
            else:
                data = {"group": self.group.to_json(), "opened": self.group_opened}
                self.txn.upsert(OUTBOX, OPEN_GROUP, Index(status="OPEN"), json.dumps(data))
