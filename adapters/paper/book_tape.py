"""The day's book records as a tape the paper venue process advances to a given time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from adapters.dayfile import BookRecord, read_day
from adapters.paper.venue import PaperVenues


class BookTape:
    """Feeds the paper venues every book record up to a time, once, in file order."""

    def __init__(self, day: Path, venues: PaperVenues) -> None:
        self.venues = venues
        self._records = self._books(day)
        self._next: BookRecord | None = next(self._records, None)
        self.time: datetime | None = None

    @staticmethod
    def _books(day: Path) -> Iterator[BookRecord]:
        with day.open(encoding="utf-8", errors="replace") as handle:
            for record in read_day(handle):
                if isinstance(record, BookRecord):
                    yield record

    def advance_to(self, at: datetime) -> int:
        """Apply every book record with ``at`` not after the given time; returns how many."""
        applied = 0
        while self._next is not None and self._next.at <= at:
            book = self._next.book
            self.venues[book.venue].on_book(book)
            applied += 1
            self._next = next(self._records, None)
        if self.time is None or at > self.time:
            self.time = at
        return applied
