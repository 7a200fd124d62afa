"""The PostgreSQL server the figures may use: its version (or why it cannot be used), and a
fresh schema for each figure, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager


def postgres_version(url: str) -> tuple[str | None, str | None]:
    """The server's version, or why it cannot be used."""
    try:
        import psycopg  # noqa: PLC0415 - only when PostgreSQL is asked for

        with psycopg.connect(url, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
    except Exception as error:
        return None, f"{type(error).__name__}: {str(error).strip().splitlines()[0]}"
    return (str(row[0]) if row else "?"), None


@contextmanager
def fresh_schema(url: str) -> Iterator[str]:
    """A new empty schema, dropped afterwards."""
    import psycopg  # noqa: PLC0415

    name = f"tape_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
        try:
            yield name
        finally:
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')
