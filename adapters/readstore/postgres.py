"""The read-model store in the event store's PostgreSQL database: its own tables, in its schema.

A write transaction locks the tracking rows it reads (``SELECT ... FOR UPDATE``), so two
processes catching up at once take turns and never apply an event twice; a read is one
``REPEATABLE READ`` snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

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
