"""The port of the read-model store: what a database must do to keep tracked projections.

The backends live in ``adapters/readstore/`` (SQLite, PostgreSQL); ``projections/`` only states
what they do.

Every read-model table has the same shape: a key, a few indexed columns that reads filter on
(``grp``, ``agent``, ``venue``, ``status``, ``at_time``, ``seq``) and the row itself as JSON
(``data``). ``tape_proj_tracking`` holds, per projection and log it follows, the last
notification id applied and the version of the fold that applied it. A write transaction locks
the tracking rows first (``BEGIN IMMEDIATE`` on SQLite, ``SELECT ... FOR UPDATE`` on
PostgreSQL), so two processes catching up at once take turns and never apply an event twice.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

TABLE_PREFIX = "tape_proj_"
TRACKING_TABLE = f"{TABLE_PREFIX}tracking"
COLUMNS = ("row_key", "grp", "agent", "venue", "status", "at_time", "seq", "data")
INDEXED = ("grp", "agent", "venue", "status")


@dataclass(frozen=True)
class Index:
    """The columns a row is found by: a group (intent id, token...), agent, venue, status,
    a time (``time_key`` text, so it sorts) and a sequence rows are listed by (the time it
    began in microseconds, or its step in a trail), ties by key."""

    grp: str | None = None
    agent: str | None = None
    venue: str | None = None
    status: str | None = None
    at: str | None = None
    seq: int | None = None


@dataclass(frozen=True)
class Query:
    """Which rows a read wants: equal on the given columns, ``at`` within [since, until]."""

    grp: str | None = None
    agent: str | None = None
    venue: str | None = None
    status: str | None = None
    since: str | None = None
    until: str | None = None

    def matches(self, index: Index) -> bool:
        """Whether a row with this index is wanted (the same test the SQL makes)."""
        for column in INDEXED:
            wanted = getattr(self, column)
            if wanted is not None and getattr(index, column) != wanted:
                return False
        if self.since is not None and (index.at is None or index.at < self.since):
            return False
        return not (self.until is not None and (index.at is None or index.at > self.until))

    def conditions(self) -> list[tuple[str, str, Any]]:
        """(column, operator, value) for every condition the query sets."""
        out: list[tuple[str, str, Any]] = [
            (c, "=", getattr(self, c)) for c in INDEXED if getattr(self, c) is not None
        ]
        if self.since is not None:
            out.append(("at_time", ">=", self.since))
        if self.until is not None:
            out.append(("at_time", "<=", self.until))
        return out


@dataclass(frozen=True)
class Tracking:
    """How far a projection has read a log, and the version of the fold that read it."""

    position: int
    version: int


class StoreTransaction(ABC):
    """One transaction on the projection store."""

    @abstractmethod
    def tracking(self, names: Sequence[str]) -> dict[str, Tracking]:
        """The tracking of each named projection (locked until the transaction ends)."""

    @abstractmethod
    def set_tracking(self, name: str, tracking: Tracking) -> None:
        """Record how far a projection has read."""

    @abstractmethod
    def all_tracking(self) -> dict[str, Tracking]:
        """Every tracking row, by name (not locked)."""

    @abstractmethod
    def delete_tracking(self, name: str) -> None:
        """Forget a tracking row."""

    @abstractmethod
    def get(self, table: str, key: str) -> str | None:
        """A row's JSON, or None."""

    @abstractmethod
    def upsert(self, table: str, key: str, index: Index, data: str) -> None:
        """Write a row."""

    @abstractmethod
    def delete(self, table: str, key: str) -> None:
        """Remove a row."""

    @abstractmethod
    def clear(self, table: str) -> None:
        """Remove every row of a table."""

    @abstractmethod
    def select(self, table: str, query: Query) -> list[tuple[str, str]]:
        """(key, JSON) of the rows a query wants, by sequence then key."""

    @abstractmethod
    def count(self, table: str) -> int:
        """How many rows a table holds."""


class ProjectionStore(ABC):
    """A database for tracked projections."""

    kind: str
    location: str

    @abstractmethod
    def setup(self, tables: Iterable[str], names: Iterable[str]) -> None:
        """Create the tables (if missing) and the named tracking rows (if missing)."""

    @abstractmethod
    def write(self) -> contextlib.AbstractContextManager[StoreTransaction]:
        """A write transaction: committed when the block ends, rolled back if it raises."""

    @abstractmethod
    def read(self) -> contextlib.AbstractContextManager[StoreTransaction]:
        """A read transaction (a consistent snapshot)."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""


def table_name(table: str) -> str:
    """The database name of a read-model table."""
    if not table.replace("_", "").isalnum():
        raise ValueError(f"bad table name {table!r}")
    return f"{TABLE_PREFIX}{table}"
