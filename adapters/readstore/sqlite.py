"""The read-model store in a SQLite file of its own (``projections.db`` beside ``tape.db``).

A write transaction is ``BEGIN IMMEDIATE``: it takes the file's write lock first, so two
processes catching up at once take turns and never apply an event twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from projections.readstore import (
    COLUMNS,
    TRACKING_TABLE,
    Index,
    ProjectionStore,
    Query,
    StoreTransaction,
    Tracking,
    table_name,
)

SQLITE_BUSY_TIMEOUT_S = 60.0


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
