"""``tape projections``: the read models kept from the event log (rebuild, status, update)."""

from __future__ import annotations

import os

import click

from adapters.storage import Storage
from cli.errors import TapeUsageError
from cli.render import table, to_json
from cli.wiring import open_app
from engine.application import TapeApplication
from projections.store import open_store
from projections.tracking import DEFAULT_BATCH, PROJECTION_NAMES, Projector

BATCH_ENV = "TAPE_PROJECTION_BATCH"


def open_projector(app: TapeApplication, storage: Storage) -> Projector:
    """The projections of a store: ``projections.db`` beside a SQLite store, the same database
    for PostgreSQL. ``$TAPE_PROJECTION_BATCH`` sets how many events one transaction applies."""
    text = os.environ.get(BATCH_ENV, "").strip()
    try:
        batch = int(text) if text else DEFAULT_BATCH
    except ValueError:
        raise TapeUsageError(f"{BATCH_ENV} must be a whole number, not {text!r}") from None
    if batch < 1:
        raise TapeUsageError(f"{BATCH_ENV} must be at least 1")
    store = open_store(storage.kind, storage.location, storage.env)
    return Projector(app, store, batch_size=batch)


@click.group()
def projections() -> None:
    """The read models kept from the event log: positions, balances, purchases, orders,
    intents, marks and the audit trail. Read commands catch them up on their own."""


@projections.command()
@click.argument("name", required=False, type=click.Choice(PROJECTION_NAMES))
def rebuild(name: str | None) -> None:
    """Drop a projection's rows (every projection without NAME) and rebuild them from the log."""
    app, storage = open_app()
    projector = open_projector(app, storage)
    names = [name] if name else list(PROJECTION_NAMES)
    read = projector.rebuild(names)
    for status in projector.status():
        if status.name in names:
            rows = ", ".join(f"{t} {n}" for t, n in status.rows.items())
            click.echo(f"rebuilt {status.name}: {rows} (log position {status.position})")
    click.echo(f"read {read} events from {storage.kind} {storage.location}")


@projections.command()
def update() -> None:
    """Catch every projection up with the log."""
    app, storage = open_app()
    read = open_projector(app, storage).catch_up()
    click.echo(f"applied {read} events")


@projections.command()
@click.option("--json", "as_json", is_flag=True, help="JSON for scripts.")
def status(as_json: bool) -> None:
    """Each projection's read position against the log's, and its rows."""
    app, storage = open_app()
    projector = open_projector(app, storage)
    rows = [
        {
            "name": s.name,
            "position": s.position,
            "log_position": s.log_position,
            "behind": s.behind,
            "rows": ", ".join(f"{t} {n}" for t, n in s.rows.items()),
            "holds": s.description,
        }
        for s in projector.status()
    ]
    if as_json:
        click.echo(to_json(rows))
        return
    click.echo(f"projections in {projector.store.kind} {projector.store.location}")
    click.echo(table(rows, ["name", "position", "log_position", "behind", "rows"]))
