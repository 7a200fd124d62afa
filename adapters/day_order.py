"""The order of a day's inputs and its time bounds.

A day's records are taken in one total order: by time, then by line. A day file is written in
time order, so file order is that order once the records that break it are set aside: a record
that goes back in time, or that jumps further than ``max_gap`` after the record before it (a
date of 9999 in a day of 2026; the first record, against the record after it), is a bad line,
reported and recorded like any unreadable line, and never moves the day's clock. Every reader
of a day applies the same rule to the same lines (the day run, ``tape ingest-day``, the paper
venue process's book tape), so every deployment sees the same records in the same order. See
ARCHITECTURE.md, "The order of inputs".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from adapters.dayfile import BadLine, DayRecord, line_digest, numbered_lines, parse_day_line

DEFAULT_MAX_GAP = timedelta(days=7)


class TimeBounds:
    """The time of the last record in order, and the judge of the next one's ``at``.

    The first record with a time has no record before it: it is held until the next one,
    and is the bad line when it lies more than ``max_gap`` after that one (a day that starts
    with a record dated 9999). Records read meanwhile are held with it, to keep line order.
    """

    def __init__(self, max_gap: timedelta = DEFAULT_MAX_GAP) -> None:
        self.max_gap = max_gap
        self.last: datetime | None = None
        self._first: tuple[DayRecord, str] | None = None  # on probation, with its digest
        self._held: list[BadLine] = []  # read after it, waiting for it

    def out_of_bounds(self, at: datetime) -> str | None:
        """Why a record at ``at`` breaks the order (None: it does not; it becomes the last)."""
        last = self.last
        if last is not None and at < last:
            return f"at {_show(at)} goes back in time (the record before is at {_show(last)})"
        if last is not None and at - last > self.max_gap:
            return (
                f"at {_show(at)} is more than {_show_gap(self.max_gap)} after the record "
                f"before ({_show(last)})"
            )
        self.last = at
        return None

    def take(self, record: DayRecord | BadLine, line: str) -> list[DayRecord | BadLine]:
        """The records settled by reading ``record`` (from ``line``), in line order: a record
        out of the order of time becomes a bad line."""
        if isinstance(record, BadLine):
            if self._first is None:
                return [record]
            self._held.append(record)
            return []
        if self._first is not None:
            return self._settle_first(self._first, record, line)
        if self.last is None:
            self._first = (record, line_digest(line))
            return []
        why = self.out_of_bounds(record.at)
        return [record] if why is None else [BadLine(record.line_no, why, line_digest(line))]

    def _settle_first(
        self, held_first: tuple[DayRecord, str], record: DayRecord, line: str
    ) -> list[DayRecord | BadLine]:
        """The first record judged by the one after it (``record``)."""
        first, digest = held_first
        held, self._first, self._held = self._held, None, []
        if first.at - record.at > self.max_gap:
            why = (
                f"at {_show(first.at)} is more than {_show_gap(self.max_gap)} after the "
                f"record after it ({_show(record.at)})"
            )
            self._first = (record, line_digest(line))  # the next one is on probation
            return [BadLine(first.line_no, why, digest), *held]
        self.last = first.at
        return [first, *held, *self.take(record, line)]

    def finish(self) -> list[DayRecord | BadLine]:
        """The records still held at the end of the day (a first record with no other)."""
        if self._first is None:
            return []
        first, _digest = self._first
        held, self._first, self._held = self._held, None, []
        self.last = first.at
        return [first, *held]


def read_day_in_order(
    lines: Iterable[str], *, max_gap: timedelta = DEFAULT_MAX_GAP
) -> Iterator[DayRecord | BadLine]:
    """Every record of a day file, in file order, bad lines (unreadable, or out of the order
    of time) included as BadLine."""
    bounds = TimeBounds(max_gap)
    for number, line in numbered_lines(lines):
        yield from bounds.take(parse_day_line(number, line), line)
    yield from bounds.finish()


def _show(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _show_gap(gap: timedelta) -> str:
    seconds = int(gap.total_seconds())
    if seconds % 86400 == 0:
        return f"{seconds // 86400} days"
    return f"{seconds} s"
