"""What a view declares to the registry: its name, its tables with the columns rows are found
by, and its fold. The tracked projection machinery (``projections/tracking.py``) and the
in-memory fold (``LogViews``) both read these declarations, so a view is written once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

from eventsourcing.persistence import StoredEvent

from projections.readstore import Index
from projections.rows import Rows, time_key, time_seq

IndexOf = Callable[[dict[str, Any]], Index]


class Read(Enum):
    """How a read loads a table when it asks for a view: narrowed by the whole query (agent,
    venue, status, time), by agent and venue only, the whole table, or not at all (a table
    only the fold needs)."""

    QUERY = "query"
    PAIR = "pair"
    WHOLE = "whole"
    SKIP = "skip"


@dataclass(frozen=True)
class TableSpec:
    """A read-model table, how its rows are indexed, and how a read loads it."""

    name: str
    index: IndexOf
    read: Read = Read.WHOLE


class Fold(Protocol):
    """A view's fold over its tables: ``apply`` each event of the log in turn."""

    def apply(self, event: Any) -> None:
        """Fold one event in."""


class StoredFold(Protocol):
    """A fold that also keeps each event as the log stores it (the audit trail)."""

    def apply(self, event: Any, stored: StoredEvent) -> None:
        """Fold one event in (``stored``: how the log holds it)."""


@dataclass(frozen=True)
class ViewSpec:
    """One read model in the registry.

    ``fold`` is called with the view's tables, in the order ``tables`` lists them, and gives
    the fold; ``version`` changes whenever the fold's rows would (stored rows of another
    version are rebuilt on first use); ``keeps_stored`` says the fold takes the stored event
    too. Position in the log never reaches a fold: several logs interleave in any order.
    """

    name: str
    description: str
    tables: tuple[TableSpec, ...]
    fold: Callable[..., Any]
    version: int = 1
    keeps_stored: bool = False

    def make_fold(self, tables: Mapping[str, Rows]) -> Any:
        """The fold over these tables (by table name)."""
        return self.fold(*(tables[spec.name] for spec in self.tables))

    def apply(self, event: Any, notification: StoredEvent, tables: Mapping[str, Rows]) -> None:
        """Fold one event into the view's tables (``notification``: how its log holds it)."""
        fold = self.make_fold(tables)
        if self.keeps_stored:
            fold.apply(event, notification)
        else:
            fold.apply(event)

    def describe(self) -> str:
        """One line on what the view holds."""
        return self.description


def at_text(value: Any) -> str | None:
    """A row's time for the ``at_time`` column (None when the row has none)."""
    return time_key(value) if isinstance(value, datetime) else None


def seq_of(value: Any) -> int | None:
    """A row's time for the ``seq`` column rows are listed by (None when it has none)."""
    return time_seq(value) if isinstance(value, datetime) else None


def by_agent_and_venue(row: dict[str, Any]) -> Index:
    """The index of a side table: its agent and venue, when it has them."""
    return Index(agent=row.get("agent"), venue=row.get("venue"))
