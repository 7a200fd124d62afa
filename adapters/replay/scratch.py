"""The replay's own store: a SQLite file in a temporary folder, without fsync.

A replay re-runs a day through a fresh engine and compares what it stores with the record. An
in-memory store would keep every replayed event in memory, so a long record would need memory
in proportion; a file keeps memory flat. It is scratch (deleted when the replay ends, rebuilt
from the record if lost), so its commits are not synced (``PRAGMA synchronous=OFF``).
"""

from __future__ import annotations

from eventsourcing.sqlite import SQLiteConnection, SQLiteConnectionPool, SQLiteFactory
from eventsourcing.utils import Environment, EnvType

FACTORY_TOPIC = "adapters.replay.scratch:ScratchSQLiteFactory"


class _UnsyncedPool(SQLiteConnectionPool):
    """Connections with ``synchronous=OFF``."""

    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        connection._sqlite_conn.execute("PRAGMA synchronous=OFF")
        return connection


class ScratchSQLiteFactory(SQLiteFactory):
    """The library's SQLite factory, its connections unsynced."""

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        stock = self.datastore.pool
        self.datastore.pool = _UnsyncedPool(db_name=stock.db_name, lock_timeout=stock.lock_timeout)
        stock.close()
