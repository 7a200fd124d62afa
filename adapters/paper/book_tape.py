"""The day's book records as a tape, and the paper accounts that each advance along it.

Several engine workers may share one paper venue process, each at its own pace (worker 1 at
10:05 while worker 2 is still at 10:01), and every agent belongs to one worker. So each
account (agent) has its own cursor into the day's book records, in file order, and its own
paper venues (its books, resting orders and reports): a request advances its account to the
request's time and never back; other accounts stay where they are. An account's requests come
in time order, since one worker owns it.

**One order of inputs.** A day's records are ordered by (time, line) (see ARCHITECTURE.md,
"The order of inputs"). A request carries the engine's position on the day: ``at`` and the
``line`` of the input at hand. It sees every book record before that position (``(record.at,
record.line) <= (at, line)``): the cursor stops at the first record after it, so a book the
file puts after an intent of the same second is not seen by that intent, exactly as in the
single-process run (``adapters/day_runner.py``), which feeds its venue the records one by one.
A request without ``line`` (an older client, a live engine) stands at the end of its second.

A book request reads and moves nothing (``PaperAccount.view``), unless the account has resting
orders on that token, which trade against the books up to the request's time; orders and
report polls move the account. So a decision the engine makes again after a crash (its first
verdict was not yet committed) sees the book it saw the first time, and its order fills against
the book of its own time (``sync(..., at)``), however far report polls had moved the account
meanwhile.

Advancing is lazy: an account's resting orders are matched against every new book of their
token it passes, in file order, and any other token is brought up to the account's time when
the account asks for it (book or order). Applying books one by one or jumping to the latest
gives the same account state, since only resting orders see the books in between. The tape
reads the file as far as the furthest account needs, keeping each book record's time, token
and file offset (not the book), and parses a book again when an account needs it.
"""

from __future__ import annotations

import sys
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from adapters.day_order import DEFAULT_MAX_GAP, TimeBounds
from adapters.dayfile import BadLine, BookRecord, DayRecord, parse_day_line
from adapters.paper.venue import PaperVenues
from engine.values import Book

Key = tuple[str, str]  # (venue, token id)
Moment = tuple[datetime, int]  # a position on the day: (time, line)
END_OF_SECOND = sys.maxsize  # the line of a moment that stands after every record of its time
CACHED_BOOKS = 4096


class BookTape:
    """The day's valid book records, in file order: times, tokens and offsets, read lazily."""

    def __init__(self, day: Path, *, max_gap: timedelta = DEFAULT_MAX_GAP) -> None:
        self.day = day
        self._bounds = TimeBounds(max_gap)
        self._reader = day.open("rb")  # sequential: indexes the file
        self._lookup = day.open("rb")  # random access: parses a record again
        self._line_no = 0
        self._eof = False
        self._moments: list[Moment] = []  # (time, line) of each record
        self._keys: list[Key] = []
        self._offsets: list[int] = []
        self._by_key: dict[Key, list[int]] = {}
        self._cache: OrderedDict[int, Book] = OrderedDict()
        self._settled: list[BookRecord] = []  # books the time bounds let through, in order
        self._held_offsets: dict[int, int] = {}  # line -> offset of books not yet settled

    def __len__(self) -> int:
        return len(self._moments)

    def _read_next(self) -> bool:
        """Index the next valid book record; False at the end of the file."""
        while not self._settled:
            if self._eof:
                return False
            offset = self._reader.tell()
            raw = self._reader.readline()
            if not raw:
                self._eof = True
                self._settle(self._bounds.finish())
                continue
            self._line_no += 1
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            # Every record counts for the order of time (a book after an intent dated 9999 is
            # as out of order as in the engine's run), so every line is read.
            record = parse_day_line(self._line_no, line)
            if isinstance(record, BookRecord):
                self._held_offsets[record.line_no] = offset
            self._settle(self._bounds.take(record, line))
        self._index(self._settled.pop(0))
        return True

    def _settle(self, records: list[DayRecord | BadLine]) -> None:
        for record in records:
            if isinstance(record, BookRecord):
                self._settled.append(record)
            else:  # intents, resolutions and bad lines are the engine's
                self._held_offsets.pop(record.line_no, None)

    def _index(self, record: BookRecord) -> None:
        book = record.book
        index = len(self._moments)
        self._moments.append((record.at, record.line_no))
        key = (book.venue, book.token_id)
        self._keys.append(key)
        self._offsets.append(self._held_offsets.pop(record.line_no))
        self._by_key.setdefault(key, []).append(index)
        self._remember(index, book)

    def _remember(self, index: int, book: Book) -> None:
        self._cache[index] = book
        self._cache.move_to_end(index)
        while len(self._cache) > CACHED_BOOKS:
            self._cache.popitem(last=False)

    def end(self, cursor: int, at: Moment) -> int:
        """Where a cursor at ``cursor`` stops when advanced to the moment ``at``: at the first
        record after it (records at or before it are passed), never before ``cursor``."""
        while (not self._moments or self._moments[-1] <= at) and self._read_next():
            pass
        return max(cursor, bisect_right(self._moments, at, lo=cursor))

    def position_of(self, at: Moment, *, cursor: int) -> int:
        """The position of the moment ``at`` on the tape (after every record at or before
        it), wherever a cursor is (the tape is in order: records out of it are bad lines)."""
        self.end(cursor, at)
        return bisect_right(self._moments, at)

    def latest(self, key: Key, before: int) -> int | None:
        """The last record of a token before position ``before``, if any."""
        indices = self._by_key.get(key, [])
        i = bisect_left(indices, before)
        return indices[i - 1] if i else None

    def between(self, key: Key, after: int, before: int) -> list[int]:
        """The records of a token after position ``after`` and before ``before``."""
        indices = self._by_key.get(key, [])
        return indices[bisect_right(indices, after) : bisect_left(indices, before)]

    def book(self, index: int) -> Book:
        """The book of record ``index``."""
        book = self._cache.get(index)
        if book is None:
            self._lookup.seek(self._offsets[index])
            line = self._lookup.readline().decode("utf-8", "replace").strip()
            record = parse_day_line(0, line)
            if not isinstance(record, BookRecord):  # the file changed under the tape
                raise RuntimeError(f"{self.day}: book record {index} cannot be read again")
            book = record.book
        self._remember(index, book)
        return book

    def close(self) -> None:
        """Close the day file."""
        self._reader.close()
        self._lookup.close()


@dataclass
class PaperAccount:
    """One account's place on the tape and its own paper venues."""

    name: str
    tape: BookTape
    venues: PaperVenues
    cursor: int = 0  # the records before it are behind the account
    moment: Moment | None = None  # the latest moment it was advanced to
    applied: dict[Key, int] = field(default_factory=dict)  # token -> its record applied last

    @property
    def time(self) -> datetime | None:
        """The latest time it was advanced to."""
        return self.moment[0] if self.moment is not None else None

    def advance_to(self, at: Moment) -> int:
        """Move the account to the moment ``at`` (never back), matching its resting orders
        against the new books of their tokens in file order; returns how many books they met."""
        if self.moment is not None and at <= self.moment:
            return 0
        end = self.tape.end(self.cursor, at)
        pending: list[int] = []
        for venue in self.venues.values():
            for token in venue.resting_tokens():
                key = (venue.name, token)
                pending += self.tape.between(key, self.applied.get(key, -1), end)
        for index in sorted(pending):
            self._apply(index)
        self.cursor, self.moment = end, at
        return len(pending)

    def sync(self, venue: str, token_id: str, at: Moment | None = None) -> None:
        """Bring a token's book up to ``at`` (default: the account's time): the latest record
        at or before it, unless the account has that one or a later one already."""
        key = (venue, token_id)
        before = self.cursor if at is None else self.tape.position_of(at, cursor=self.cursor)
        index = self.tape.latest(key, before)
        if index is not None and index > self.applied.get(key, -1):
            self._apply(index)

    def view(self, venue: str, token_id: str, at: Moment | None) -> Book | None:
        """The book of a token at ``at`` as the account sees it, changing nothing: the book it
        has (with what its own orders took) if no later record is due by then, else that
        record. A read moves nothing, so a decision made again after the engine crashed sees
        the book it saw the first time, however far other calls had advanced the account."""
        if not self.venues.knows(venue):
            return None
        key = (venue, token_id)
        if token_id in self.venues[venue].resting_tokens() and at is not None:
            # Its resting orders trade against the books up to then: that is a move, not a read.
            self.advance_to(at)
            self.sync(venue, token_id, at)
        before = self.cursor if at is None else self.tape.position_of(at, cursor=self.cursor)
        index = self.tape.latest(key, before)
        applied = self.applied.get(key, -1)
        if index is not None and index > applied:
            return self.tape.book(index)
        if applied < 0:
            return None
        return self.venues[venue].book(venue, token_id, account=self.name)

    def _apply(self, index: int) -> None:
        book = self.tape.book(index)
        self.venues[book.venue].on_book(book)
        self.applied[(book.venue, book.token_id)] = index


class PaperAccounts(dict[str, PaperAccount]):
    """The accounts on one tape, made on first use (a new account starts at the beginning,
    which, having no orders yet, is the same as starting from the books of its time)."""

    def __init__(self, tape: BookTape, *, fee_rate: Decimal = Decimal(0)) -> None:
        super().__init__()
        self.tape = tape
        self.fee_rate = fee_rate

    def __missing__(self, name: str) -> PaperAccount:
        account = PaperAccount(name, self.tape, PaperVenues(fee_rate=self.fee_rate))
        self[name] = account
        return account
