"""Where tracked projections keep their rows and their read positions: SQLite or PostgreSQL.

Every read-model table has the same shape: a key, a few indexed columns that reads filter on
(``grp``, ``agent``, ``venue``, ``status``, ``at_time``, ``seq``) and the row itself as JSON
(``data``). ``tape_proj_tracking`` holds, per projection and log it follows, the last
notification id applied and the version of the fold that applied it. A write transaction locks
the tracking rows first (``BEGIN IMMEDIATE`` on SQLite, ``SELECT ... FOR UPDATE`` on
PostgreSQL), so two processes catching up at once take turns and never apply an event twice.
"""

from __future__ import annotations

import contextlib
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

TABLE_PREFIX = "tape_proj_"
TRACKING_TABLE = f"{TABLE_PREFIX}tracking"
COLUMNS = ("row_key", "grp", "agent", "venue", "status", "at_time", "seq", "data")
INDEXED = ("grp", "agent", "venue", "status")
SQLITE_BUSY_TIMEOUT_S = 60.0


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


# -- SQLite ---------------------------------------------------------------------------------


class _SqliteTransaction(StoreTransaction):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def tracking(self, names: Sequence[str]) -> dict[str, Tracking]:
        out = {}
        for name in names:
            row = self.conn.execute(
                f"SELECT position, version FROM {TRACKING_TABLE} WHERE name = ?",  # noqa: S608
                (name,),
            ).fetchone()
            out[name] = Tracking(int(row[0]), int(row[1])) if row else Tracking(0, 0)
        return out

    def set_tracking(self, name: str, tracking: Tracking) -> None:
        self.conn.execute(
            f"INSERT INTO {TRACKING_TABLE} (name, position, version) VALUES (?, ?, ?) "  # noqa: S608
            "ON CONFLICT (name) DO UPDATE SET position = excluded.position, "
            "version = excluded.version",
            (name, tracking.position, tracking.version),
        )

    def all_tracking(self) -> dict[str, Tracking]:
        rows = self.conn.execute(
            f"SELECT name, position, version FROM {TRACKING_TABLE}"  # noqa: S608
        ).fetchall()
        return {str(n): Tracking(int(p), int(v)) for n, p, v in rows}

    def delete_tracking(self, name: str) -> None:
        self.conn.execute(f"DELETE FROM {TRACKING_TABLE} WHERE name = ?", (name,))  # noqa: S608

    def get(self, table: str, key: str) -> str | None:
        row = self.conn.execute(
            f"SELECT data FROM {table_name(table)} WHERE row_key = ?",  # noqa: S608
            (key,),
        ).fetchone()
        return str(row[0]) if row else None

    def upsert(self, table: str, key: str, index: Index, data: str) -> None:
        self.conn.execute(
            f"INSERT INTO {table_name(table)} ({', '.join(COLUMNS)}) "  # noqa: S608
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (row_key) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:]),
            (key, index.grp, index.agent, index.venue, index.status, index.at, index.seq, data),
        )

    def delete(self, table: str, key: str) -> None:
        self.conn.execute(f"DELETE FROM {table_name(table)} WHERE row_key = ?", (key,))  # noqa: S608

    def clear(self, table: str) -> None:
        self.conn.execute(f"DELETE FROM {table_name(table)}")  # noqa: S608

    def select(self, table: str, query: Query) -> list[tuple[str, str]]:
        conditions = query.conditions()
        where = " AND ".join(f"{c} {op} ?" for c, op, _ in conditions) or "1 = 1"
        rows = self.conn.execute(
            f"SELECT row_key, data FROM {table_name(table)} WHERE {where} "  # noqa: S608
            "ORDER BY seq, row_key",
            [v for _, _, v in conditions],
        ).fetchall()
        return [(str(k), str(d)) for k, d in rows]

    def count(self, table: str) -> int:
        row = self.conn.execute(f"SELECT COUNT(*) FROM {table_name(table)}").fetchone()  # noqa: S608
        return int(row[0])


class SqliteProjectionStore(ProjectionStore):
    """Projections in a SQLite file of their own (WAL; each batch one transaction)."""

    kind = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(
            str(path), timeout=SQLITE_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        self.conn.execute("PRAGMA journal_mode=WAL")
        # A crash never tears a transaction; NORMAL only risks the last commits on power loss,
        # which catch-up re-applies from the log.
        self.conn.execute("PRAGMA synchronous=NORMAL")

    def setup(self, tables: Iterable[str], names: Iterable[str]) -> None:
        conn = self.conn
        with self.write():
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {TRACKING_TABLE} (name TEXT PRIMARY KEY, "
                "position INTEGER NOT NULL, version INTEGER NOT NULL)"
            )
            for table in tables:
                name = table_name(table)
                conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {name} (row_key TEXT PRIMARY KEY, grp TEXT, "
                    "agent TEXT, venue TEXT, status TEXT, at_time TEXT, seq INTEGER, "
                    "data TEXT NOT NULL)"
                )
                conn.execute(f"CREATE INDEX IF NOT EXISTS {name}_grp ON {name} (grp)")
                conn.execute(f"CREATE INDEX IF NOT EXISTS {name}_seq ON {name} (seq, row_key)")
            for projection in names:
                conn.execute(
                    f"INSERT INTO {TRACKING_TABLE} (name, position, version) "  # noqa: S608
                    "VALUES (?, 0, 0) ON CONFLICT (name) DO NOTHING",
                    (projection,),
                )

    @contextmanager
    def write(self) -> Iterator[StoreTransaction]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield _SqliteTransaction(self.conn)
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[StoreTransaction]:
        self.conn.execute("BEGIN")
        try:
            yield _SqliteTransaction(self.conn)
        finally:
            self.conn.execute("ROLLBACK")

    def close(self) -> None:
        self.conn.close()


# -- PostgreSQL -----------------------------------------------------------------------------


class _PostgresTransaction(StoreTransaction):
    def __init__(self, conn: psycopg.Connection[Any], schema: str, *, lock: bool) -> None:
        self.conn = conn
        self.schema = schema
        self.lock = lock

    def _table(self, name: str) -> sql.Composed:
        return sql.SQL("{}.{}").format(sql.Identifier(self.schema), sql.Identifier(name))

    def tracking(self, names: Sequence[str]) -> dict[str, Tracking]:
        statement = sql.SQL(
            "SELECT name, position, version FROM {} WHERE name = ANY(%s) ORDER BY name"
        ).format(self._table(TRACKING_TABLE))
        if self.lock:
            statement = sql.SQL("{} FOR UPDATE").format(statement)
        rows = self.conn.execute(statement, (list(names),)).fetchall()
        found = {str(n): Tracking(int(p), int(v)) for n, p, v in rows}
        return {name: found.get(name, Tracking(0, 0)) for name in names}

    def set_tracking(self, name: str, tracking: Tracking) -> None:
        self.conn.execute(
            sql.SQL(
                "INSERT INTO {} (name, position, version) VALUES (%s, %s, %s) "
                "ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, "
                "version = EXCLUDED.version"
            ).format(self._table(TRACKING_TABLE)),
            (name, tracking.position, tracking.version),
        )

    def all_tracking(self) -> dict[str, Tracking]:
        rows = self.conn.execute(
            sql.SQL("SELECT name, position, version FROM {}").format(self._table(TRACKING_TABLE))
        ).fetchall()
        return {str(n): Tracking(int(p), int(v)) for n, p, v in rows}

    def delete_tracking(self, name: str) -> None:
        self.conn.execute(
            sql.SQL("DELETE FROM {} WHERE name = %s").format(self._table(TRACKING_TABLE)),
            (name,),
        )

    def get(self, table: str, key: str) -> str | None:
        row = self.conn.execute(
            sql.SQL("SELECT data FROM {} WHERE row_key = %s").format(
                self._table(table_name(table))
            ),
            (key,),
        ).fetchone()
        return str(row[0]) if row else None

    def upsert(self, table: str, key: str, index: Index, data: str) -> None:
        self.conn.execute(
            sql.SQL(
                "INSERT INTO {} ({}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (row_key) DO UPDATE SET {}"
            ).format(
                self._table(table_name(table)),
                sql.SQL(", ").join(sql.Identifier(c) for c in COLUMNS),
                sql.SQL(", ").join(
                    sql.SQL("{} = EXCLUDED.{}").format(sql.Identifier(c), sql.Identifier(c))
                    for c in COLUMNS[1:]
                ),
            ),
            (key, index.grp, index.agent, index.venue, index.status, index.at, index.seq, data),
        )

    def delete(self, table: str, key: str) -> None:
        self.conn.execute(
            sql.SQL("DELETE FROM {} WHERE row_key = %s").format(self._table(table_name(table))),
            (key,),
        )

    def clear(self, table: str) -> None:
        self.conn.execute(sql.SQL("DELETE FROM {}").format(self._table(table_name(table))))

    def select(self, table: str, query: Query) -> list[tuple[str, str]]:
        conditions = query.conditions()
        where = (
            sql.SQL(" AND ").join(
                sql.SQL("{} {} %s").format(sql.Identifier(c), sql.SQL(op))
                for c, op, _ in conditions
            )
            if conditions
            else sql.SQL("TRUE")
        )
        rows = self.conn.execute(
            sql.SQL("SELECT row_key, data FROM {} WHERE {} ORDER BY seq, row_key").format(
                self._table(table_name(table)), where
            ),
            [v for _, _, v in conditions],
        ).fetchall()
        return [(str(k), str(d)) for k, d in rows]

    def count(self, table: str) -> int:
        row = self.conn.execute(
            sql.SQL("SELECT COUNT(*) FROM {}").format(self._table(table_name(table)))
        ).fetchone()
        return int(row[0]) if row else 0


class PostgresProjectionStore(ProjectionStore):
    """Projections in the event store's PostgreSQL database: their own tables, in its schema."""

    kind = "postgres"

    def __init__(self, conninfo: Mapping[str, str], schema: str = "") -> None:
        self.schema = schema.strip() or "public"
        params = {k: v for k, v in conninfo.items() if v}
        self.conn: psycopg.Connection[Any] = psycopg.connect(
            make_conninfo(**params), autocommit=True
        )
        host = f"{conninfo.get('host', '')}:{conninfo.get('port', '')}/{conninfo.get('dbname', '')}"
        self.location = f"{host} (schema {self.schema})"

    def _table(self, name: str) -> sql.Composed:
        return sql.SQL("{}.{}").format(sql.Identifier(self.schema), sql.Identifier(name))

    def setup(self, tables: Iterable[str], names: Iterable[str]) -> None:
        with self.conn.transaction():
            # One process at a time creates tables (concurrent CREATE IF NOT EXISTS can clash).
            self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (0x7A9E_0001,))
            self.conn.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema))
            )
            self.conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (name TEXT PRIMARY KEY, "
                    "position BIGINT NOT NULL, version INTEGER NOT NULL)"
                ).format(self._table(TRACKING_TABLE))
            )
            for table in tables:
                name = table_name(table)
                self.conn.execute(
                    sql.SQL(
                        "CREATE TABLE IF NOT EXISTS {} (row_key TEXT PRIMARY KEY, grp TEXT, "
                        "agent TEXT, venue TEXT, status TEXT, at_time TEXT, seq BIGINT, "
                        "data TEXT NOT NULL)"
                    ).format(self._table(name))
                )
                for suffix, columns in (("grp", ("grp",)), ("seq", ("seq", "row_key"))):
                    self.conn.execute(
                        sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} ({})").format(
                            sql.Identifier(f"{name}_{suffix}"),
                            self._table(name),
                            sql.SQL(", ").join(sql.Identifier(c) for c in columns),
                        )
                    )
            for projection in names:
                self.conn.execute(
                    sql.SQL(
                        "INSERT INTO {} (name, position, version) VALUES (%s, 0, 0) "
                        "ON CONFLICT (name) DO NOTHING"
                    ).format(self._table(TRACKING_TABLE)),
                    (projection,),
                )

    @contextmanager
    def write(self) -> Iterator[StoreTransaction]:
        with self.conn.transaction():
            yield _PostgresTransaction(self.conn, self.schema, lock=True)

    @contextmanager
    def read(self) -> Iterator[StoreTransaction]:
        with self.conn.transaction():
            self.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield _PostgresTransaction(self.conn, self.schema, lock=False)

    def close(self) -> None:
        self.conn.close()


def open_store(kind: str, location: str, env: Mapping[str, str]) -> ProjectionStore:
    """The projection store beside an event store: ``projections.db`` next to a SQLite store,
    the same database (and schema) for PostgreSQL. ``env`` is the event store's library
    environment (``POSTGRES_*`` keys)."""
    if kind == "postgres":
        conninfo = {
            "host": env.get("POSTGRES_HOST", "127.0.0.1"),
            "port": env.get("POSTGRES_PORT", "5432"),
            "dbname": env.get("POSTGRES_DBNAME", ""),
            "user": env.get("POSTGRES_USER", "postgres"),
            "password": env.get("POSTGRES_PASSWORD", ""),
            "connect_timeout": env.get("POSTGRES_CONNECT_TIMEOUT", "30"),
        }
        return PostgresProjectionStore(conninfo, env.get("POSTGRES_SCHEMA", ""))
    return SqliteProjectionStore(Path(location).parent / "projections.db")
