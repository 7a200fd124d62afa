"""The marks view: the mid of the latest book recorded in a verdict, per venue and token (what
positions are marked at)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from engine.intents import VERDICTS
from engine.values import Book
from projections.readstore import Index
from projections.rows import Rows, aggregate_key, new_rows, pair_key
from projections.views.base import TableSpec, ViewSpec


@dataclass
class MarksView:
    """The latest book the engine recorded for each token (what positions are marked at).

    Any agent's verdict may record a token's book, and the agents' verdicts may sit in
    different logs, so "latest" is by the verdict's time, ties broken by the intent's id and
    the verdict's version, never by where a verdict sits in a log: the same mark however the
    logs interleave (over one log in time order, the last book recorded)."""

    rows: Rows = field(default_factory=new_rows)

    def apply(self, event: Any) -> None:
        """Fold one event in."""
        if isinstance(event, VERDICTS) and event.book:
            book = Book.from_record(event.book)
            key = pair_key(book.venue, book.token_id)
            found = self.rows.get(key)
            if found is not None and mark_order(found) > (
                event.timestamp,
                aggregate_key(event),
                event.originator_version,
            ):
                return
            self.rows[key] = {
                "venue": book.venue,
                "token_id": book.token_id,
                "mark": book.mid(),
                "book_at": book.at,
                "decided_at": event.timestamp,
                "intent_key": aggregate_key(event),
                "intent_version": event.originator_version,
            }

    def mark(self, venue: str, token_id: str) -> Decimal | None:
        """The mid of the latest recorded book of a token."""
        row = self.rows.get(pair_key(venue, token_id))
        if row is None:
            return None
        mark: Decimal | None = row["mark"]
        return mark


def mark_order(row: dict[str, Any]) -> tuple[datetime, str, int]:
    """Which of two marks of a token is the later: by the verdict's time, intent and version."""
    return (row["decided_at"], row["intent_key"], row["intent_version"])


def mark_index(row: dict[str, Any]) -> Index:
    """Marks: by token and venue."""
    return Index(row["token_id"], None, row["venue"])


VIEW = ViewSpec(
    name="marks",
    description="The latest recorded book's mid of every token (what PnL is marked at).",
    tables=(TableSpec("marks", mark_index),),
    fold=MarksView,
    version=2,  # 2: no log positions in the rows (several logs interleave)
)
