"""The library's SQLite store with a chosen ``PRAGMA synchronous`` (``SQLITE_SYNCHRONOUS``).

The stock ``eventsourcing.sqlite`` switches files to WAL and leaves ``synchronous`` at SQLite's
default, FULL: an fsync on every commit, which Tape's own stores keep. Two stores want less:
the replay's scratch file (``OFF``: deleted when the replay ends, rebuilt from the record if
lost) and one benchmark what-if (``NORMAL``: what the fsync of each commit costs).
Use ``PERSISTENCE_MODULE=adapters.sqlite_sync:SyncSQLiteFactory``.
"""

from __future__ import annotations

from eventsourcing.sqlite import SQLiteConnection, SQLiteConnectionPool, SQLiteFactory
from eventsourcing.utils import Environment, EnvType

FACTORY_TOPIC = "adapters.sqlite_sync:SyncSQLiteFactory"
SYNCHRONOUS_ENV = "SQLITE_SYNCHRONOUS"
LEVELS = ("OFF", "NORMAL", "FULL", "EXTRA")


class _SyncPool(SQLiteConnectionPool):
    """Connections that set ``synchronous`` when they open."""

    def __init__(self, *, level: str, **kwargs: object) -> None:
        self.level = level
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        if not self.is_sqlite_memory_mode:
            connection._sqlite_conn.execute(f"PRAGMA synchronous={self.level}")
        return connection


class SyncSQLiteFactory(SQLiteFactory):
    """The stock SQLite factory, its connections at ``SQLITE_SYNCHRONOUS`` (default FULL)."""

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        level = (self.env.get(SYNCHRONOUS_ENV) or "FULL").upper()
        if level not in LEVELS:
            raise ValueError(f"{SYNCHRONOUS_ENV} must be one of {', '.join(LEVELS)}, not {level}")
        stock = self.datastore.pool
        self.datastore.pool = _SyncPool(
            level=level, db_name=stock.db_name, lock_timeout=stock.lock_timeout
        )
        stock.close()
