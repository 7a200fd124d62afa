"""``tape db init|check``: the tables of a scale-out deployment on TAPE_DATABASE_URL."""

from __future__ import annotations

from typing import Any

import click
import psycopg
from psycopg import sql

from adapters.bootstrap import open_named_app, require_postgres
from adapters.scaleout.lease import connection_kwargs, holder_pid, partition_key
from adapters.scaleout.partitions import index_partitions
from adapters.scaleout.tables import existing_tables
from adapters.settings import Settings
from adapters.storage import Storage
from cli.context import pass_settings
from cli.errors import TapeProblem
from cli.scaleout_cmd import worker_count
from engine.partition import INGEST_APP_NAME, worker_app_names


@click.group()
def db() -> None:
    """The scale-out deployment's tables on TAPE_DATABASE_URL."""


@db.command("init")
@click.option(
    "--workers", "workers", type=int, default=None, help="How many workers (or $TAPE_WORKERS)."
)
@pass_settings
def db_init(settings: Settings, workers: int | None) -> None:
    """Create the tables of the ingest log, of each worker and of the projections."""
    storage = require_postgres(settings)
    count = worker_count(workers, settings)
    names = [INGEST_APP_NAME, *worker_app_names(count)]
    for name in names:
        open_named_app(name, storage, create=True)
    index_partitions(storage.env, count)  # each worker reads only its partition's intents
    click.echo(f"tables ready on {storage.location}: {', '.join(names)}")


@db.command("check")
@click.option(
    "--workers", "workers", type=int, default=None, help="How many workers (or $TAPE_WORKERS)."
)
@pass_settings
def db_check(settings: Settings, workers: int | None) -> None:
    """Report each application's tables, how far each worker has read the ingest log, and who
    holds each partition. Exit 1 when a table is missing."""
    storage = require_postgres(settings)
    count = worker_count(workers, settings)
    lines, missing = deployment_state(storage, count)
    click.echo("\n".join(lines))
    if missing:
        raise TapeProblem(
            f"missing tables: {', '.join(missing)}; run `tape db init --workers {count}`"
        )


def deployment_state(storage: Storage, count: int) -> tuple[list[str], list[str]]:
    """Lines describing the deployment, and the tables that are missing."""
    lines = [f"database {storage.location}"]
    missing: list[str] = []
    schema = storage.env.get("POSTGRES_SCHEMA") or "public"
    tables = existing_tables(storage.env)
    with psycopg.connect(**connection_kwargs(storage.env)) as conn:
        ingest_end = _max_id(conn, tables, schema, f"{INGEST_APP_NAME.lower()}_events")
        lines.append(_app_line(INGEST_APP_NAME, tables, missing, f"{ingest_end} events"))
        for index, name in enumerate(worker_app_names(count), start=1):
            events = _max_id(conn, tables, schema, f"{name.lower()}_events")
            tracked = _tracked(conn, tables, schema, f"{name.lower()}_tracking")
            pid = holder_pid(conn, partition_key(storage.env, name))
            state = f"held by server pid {pid}" if pid else "not running"
            detail = (
                f"{events} events; read ingest up to {tracked} of {ingest_end}; "
                f"partition {index}/{count} {state}"
            )
            lines.append(_app_line(name, tables, missing, detail, tracking=True))
    return lines, missing


def _app_line(
    name: str, tables: set[str], missing: list[str], detail: str, *, tracking: bool = False
) -> str:
    wanted = [f"{name.lower()}_events"] + ([f"{name.lower()}_tracking"] if tracking else [])
    absent = [t for t in wanted if t not in tables]
    missing.extend(absent)
    if absent:
        return f"  {name:<18} MISSING {', '.join(absent)}"
    return f"  {name:<18} ok: {detail}"


def _max_id(conn: psycopg.Connection[Any], tables: set[str], schema: str, table: str) -> int:
    if table not in tables:
        return 0
    query = sql.SQL("SELECT max(notification_id) FROM {}").format(sql.Identifier(schema, table))
    row = conn.execute(query).fetchone()
    return int(row[0] or 0) if row else 0


def _tracked(conn: psycopg.Connection[Any], tables: set[str], schema: str, table: str) -> int:
    if table not in tables:
        return 0
    query = sql.SQL("SELECT max(notification_id) FROM {} WHERE application_name = %s").format(
        sql.Identifier(schema, table)
    )
    row = conn.execute(query, (INGEST_APP_NAME,)).fetchone()
    return int(row[0] or 0) if row else 0
