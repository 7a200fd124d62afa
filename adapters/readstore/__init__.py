"""The backends of the read-model store (``projections.readstore.ProjectionStore``): a SQLite
file beside a SQLite event store, or the event store's own PostgreSQL database."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from adapters.readstore.postgres import PostgresProjectionStore
from adapters.readstore.sqlite import SqliteProjectionStore
from projections.readstore import ProjectionStore

__all__ = ["PostgresProjectionStore", "SqliteProjectionStore", "open_store"]


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
