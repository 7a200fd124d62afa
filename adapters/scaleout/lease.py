"""One worker per partition: a PostgreSQL session advisory lock.

The lock is held by the worker's own connection for as long as it runs. PostgreSQL releases it
the moment that session ends, so a worker that is SIGKILLed frees its partition at once (a lease
row would have to wait out its expiry), and nothing needs a clock. The lock alone cannot stop a
worker that lost its connection but not its process from writing for a moment; the store fences
that: a worker's aggregates are created and versioned in its partition's own tables, so two
writers of one partition collide on the (aggregate id, version) key and the loser's step,
written before any venue call, fails without trading. The worker also checks that it still holds
the lock before each step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import psycopg


def lock_key(name: str) -> int:
    """A signed 64-bit advisory lock key for a name (stable across processes and machines)."""
    digest = hashlib.sha256(f"tape-partition/{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def partition_key(env: Mapping[str, str], name: str) -> int:
    """The lock key of a partition: advisory locks are per database, so the schema keeps two
    deployments in one apart."""
    return lock_key(f"{env.get('POSTGRES_SCHEMA') or 'public'}/{name}")


def holder_pid(conn: psycopg.Connection[Any], key: int) -> int | None:
    """The server process id of the session holding advisory lock ``key``, if any."""
    unsigned = key & 0xFFFFFFFFFFFFFFFF  # a bigint key is shown as two oids
    row = conn.execute(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
        "AND classid::bigint = %s AND objid::bigint = %s",
        (unsigned >> 32, unsigned & 0xFFFFFFFF),
    ).fetchone()
    return int(row[0]) if row else None


def connection_kwargs(env: Mapping[str, str]) -> dict[str, Any]:
    """psycopg connection arguments from the library's POSTGRES_* environment."""
    kwargs: dict[str, Any] = {
        "host": env.get("POSTGRES_HOST", "127.0.0.1"),
        "port": int(env.get("POSTGRES_PORT", "5432")),
        "dbname": env["POSTGRES_DBNAME"],
        "user": env.get("POSTGRES_USER", "postgres"),
        "autocommit": True,
        "connect_timeout": 10,
    }
    if env.get("POSTGRES_PASSWORD"):
        kwargs["password"] = env["POSTGRES_PASSWORD"]
    return kwargs


class PartitionLease:
    """The advisory lock of one partition, on a connection of its own."""

    def __init__(self, env: Mapping[str, str], name: str) -> None:
        self.name = name
        self.key = partition_key(env, name)
        self._conn = psycopg.connect(**connection_kwargs(env))
        self.held = False

    def try_acquire(self) -> bool:
        """Take the lock if no other session holds it; returns whether this worker holds it."""
        if not self.held:
            row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
            self.held = bool(row and row[0])
        return self.held

    def holder_pid(self) -> int | None:
        """The server process id of the session holding the lock, if any."""
        return holder_pid(self._conn, self.key)

    def still_held(self) -> bool:
        """Whether this session still holds the lock (its connection may have dropped)."""
        if not self.held:
            return False
        try:
            row = self._conn.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid = pg_backend_pid()"
            ).fetchone()
        except psycopg.Error:
            self.held = False
            return False
        self.held = bool(row and row[0])
        return self.held

    def release(self) -> None:
        """Let the partition go (closing the connection would too)."""
        if self.held:
            self._conn.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
            self.held = False
        self._conn.close()
