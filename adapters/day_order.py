"""The order of a day's inputs and its time bounds.

A day's records are taken in one total order: by time, then by line. A day file is written in
time order, so file order is that order once the records that break it are set aside: a record
that goes back in time, or that jumps further than ``max_gap`` after the record before it (a
date of 9999 in a day of 2026), is a bad line, reported and recorded like any unreadable line,
and never moves the day's clock. Every reader of a day applies the same rule to the same lines
(the day run, ``tape ingest --day``, the paper venue process's book tape), so every deployment
sees the same records in the same order. See ARCHITECTURE.md, "The order of inputs".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from adapters.dayfile import BadLine, DayRecord, line_digest, numbered_lines, parse_day_line

DEFAULT_MAX_GAP = timedelta(days=7)


class TimeBounds:
    """The time of the last record in order, and the judge of the next one's ``at``."""

    def __init__(self, max_gap: timedelta = DEFAULT_MAX_GAP) -> None:
        self.max_gap = max_gap
        self.last: datetime | None = None

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

    def judge(self, record: DayRecord | BadLine, line: str) -> DayRecord | BadLine:
        """The record read from ``line``, or a bad line when its time breaks the order."""
        if isinstance(record, BadLine):
            return record
        reason = self.out_of_bounds(record.at)
        if reason is None:
            return record
        return BadLine(record.line_no, reason, line_digest(line))


def read_day_in_order(
    lines: Iterable[str], *, max_gap: timedelta = DEFAULT_MAX_GAP
) -> Iterator[DayRecord | BadLine]:
    """Every record of a day file, in file order, bad lines (unreadable, or out of the order
    of time) included as BadLine."""
    bounds = TimeBounds(max_gap)
    for number, line in numbered_lines(lines):
        yield bounds.judge(parse_day_line(number, line), line)


def _show(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _show_gap(gap: timedelta) -> str:
    seconds = int(gap.total_seconds())
    if seconds % 86400 == 0:
        return f"{seconds // 86400} days"
    return f"{seconds} s"
