"""An ``eventsourcing`` SQLite factory with ``PRAGMA synchronous=NORMAL``, for one what-if figure.

The stock ``eventsourcing.sqlite`` switches files to WAL and leaves ``synchronous`` at SQLite's
default (FULL: an fsync on every commit). With NORMAL a WAL commit is not fsynced (the WAL is
synced at checkpoints): a commit survives a crash of the process but not a power loss. The bench
uses it only to measure what the fsync of each commit costs Tape's intake
(``PERSISTENCE_MODULE=bench.sqlite_normal:NormalSyncSQLiteFactory``); Tape itself keeps FULL.
"""

from __future__ import annotations

from eventsourcing.sqlite import SQLiteConnection, SQLiteConnectionPool, SQLiteFactory
from eventsourcing.utils import Environment, EnvType


class NormalSyncPool(SQLiteConnectionPool):
    """A connection pool whose file connections run with ``synchronous=NORMAL``."""

    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        if not self.is_sqlite_memory_mode:
            connection._sqlite_conn.execute("PRAGMA synchronous=NORMAL")
        return connection


class NormalSyncSQLiteFactory(SQLiteFactory):
    """The stock SQLite factory with its pool swapped for :class:`NormalSyncPool`."""

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        stock = self.datastore.pool
        self.datastore.pool = NormalSyncPool(db_name=stock.db_name, lock_timeout=stock.lock_timeout)
        stock.close()
