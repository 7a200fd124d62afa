"""Which of a deployment's tables exist (``tape db check``, and every process before it starts:
tables are made once by ``tape db init``, because the library's table creation also replaces a
function shared by the schema, which processes starting together would race on)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import psycopg

from adapters.scaleout.lease import connection_kwargs


def existing_tables(env: Mapping[str, str]) -> set[str]:
    """The tables of the deployment's schema."""
    schema = env.get("POSTGRES_SCHEMA") or "public"
    with psycopg.connect(**connection_kwargs(env)) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchall()
    return {str(row[0]) for row in rows}


def missing_tables(env: Mapping[str, str], app_names: Iterable[str]) -> list[str]:
    """The events tables of the named applications that do not exist."""
    tables = existing_tables(env)
    wanted = [f"{name.lower()}_events" for name in app_names]
    return [table for table in wanted if table not in tables]
