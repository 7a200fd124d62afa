"""``tape projections`` (rebuild, status, update) and ``tape project``: the read models kept from
the event log, or from the logs of the engine's workers (``--workers N`` or ``TAPE_WORKERS``)."""

from __future__ import annotations

import signal
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

import click

from adapters.bootstrap import open_named_app
from adapters.readstore import open_store
from adapters.settings import Settings
from adapters.stopping import StopSignal
from adapters.storage import Storage
from cli.context import current_settings
from cli.errors import TapeUsageError
from cli.render import table, to_json
from cli.scaleout_cmd import WORKERS_ENV
from cli.scaleout_cmd import workers_option as scaleout_workers_option
from engine.application import TapeApplication
from engine.partition import worker_app_names
from projections.logs import LogSource, as_sources
from projections.tracking import (
    DEFAULT_BATCH,
    ForeignUpstreamError,
    Projector,
    TrackedProjection,
)
from projections.views import REGISTRY, VIEW_NAMES

DEFAULT_POLL_S = 0.5

workers_option = scaleout_workers_option(
    "Read the logs of N engine workers (TapeWorker1ofN...) in the PostgreSQL database of "
    "TAPE_DATABASE_URL, not the single application's"
)


def open_upstreams(
    workers: int | None, settings: Settings | None = None
) -> tuple[list[TapeApplication], Storage]:
    """The logs the read models follow: the single application's, or with ``workers`` the N
    worker applications' in the PostgreSQL database the settings name."""
    storage = (settings or current_settings()).storage()
    if workers is None:  # created when missing, as every command always has
        return [open_named_app(TapeApplication.name, storage, create=True)], storage
    if storage.kind != "postgres":
        raise TapeUsageError(
            f"--workers (or {WORKERS_ENV}) reads the logs of the engine's workers, which live "
            "in one PostgreSQL database: set TAPE_DATABASE_URL"
        )
    # The workers' tables are made by `tape db init` (or the workers), not by their readers.
    return [open_named_app(name, storage) for name in worker_app_names(workers)], storage


def open_projector(
    apps: LogSource | Sequence[LogSource],
    storage: Storage,
    projections: Sequence[TrackedProjection] | None = None,
    settings: Settings | None = None,
) -> Projector:
    """The projections of a store over the given logs: ``projections.db`` beside a SQLite
    store, the same database for PostgreSQL. ``$TAPE_PROJECTION_BATCH`` sets how many events
    one transaction applies."""
    batch = (settings or current_settings()).projection_batch or DEFAULT_BATCH
    store = open_store(storage.kind, storage.location, storage.env)
    return Projector(apps, store, projections, batch_size=batch)


def catch_up(
    projector: Projector,
    names: Sequence[str] | None = None,
    stop: Callable[[], bool] | None = None,
) -> int:
    """Catch the named projections up (see :meth:`Projector.catch_up`), a projection folded
    from other logs being a usage error (the reader forgot ``--workers``, or gave another
    number)."""
    try:
        return projector.catch_up(names, stop=stop)
    except ForeignUpstreamError as error:
        raise TapeUsageError(
            f"{error} (tape projections rebuild{_workers_hint(projector)})"
        ) from None


def _workers_hint(projector: Projector) -> str:
    count = len(projector.upstreams)
    return "" if projector.upstreams[0].name == TapeApplication.name else f" --workers {count}"


def where(projector: Projector) -> str:
    """Each log the projections follow, with how far they read it and where it ends."""
    statuses = projector.status()
    parts = []
    for upstream in projector.upstreams:
        read = min(s.positions[upstream.name] for s in statuses)
        last = statuses[0].log_positions[upstream.name] if statuses else 0
        parts.append(f"{upstream.name} {read}/{last}")
    return ("logs " if len(parts) > 1 else "log ") + ", ".join(parts)


@click.group()
def projections() -> None:
    """The read models kept from the event log: positions, balances, purchases, orders,
    intents, marks and the audit trail. Read commands catch them up on their own."""


@projections.command()
@click.argument("name", required=False, type=click.Choice(VIEW_NAMES))
@workers_option
def rebuild(name: str | None, workers: int | None) -> None:
    """Drop a projection's rows (every projection without NAME) and rebuild them from the log
    (the logs of the workers with --workers)."""
    apps, storage = open_upstreams(workers)
    projector = open_projector(apps, storage)
    names = [name] if name else list(VIEW_NAMES)
    read = projector.rebuild(names)
    for status in projector.status():
        if status.name in names:
            rows = ", ".join(f"{t} {n}" for t, n in status.rows.items())
            click.echo(f"rebuilt {status.name}: {rows} (log position {status.position})")
    click.echo(f"read {read} events from {storage.kind} {storage.location}")


@projections.command()
@workers_option
def update(workers: int | None) -> None:
    """Catch every projection up with the log."""
    apps, storage = open_upstreams(workers)
    read = catch_up(open_projector(apps, storage))
    click.echo(f"applied {read} events")


@projections.command()
@click.option("--json", "as_json", is_flag=True, help="JSON for scripts.")
@workers_option
def status(as_json: bool, workers: int | None) -> None:
    """Each projection's read position against the log's, and its rows (with several logs,
    the positions add up; ``logs`` shows each)."""
    apps, storage = open_upstreams(workers)
    projector = open_projector(apps, storage)
    several = len(apps) > 1
    rows: list[dict[str, Any]] = []
    for s in projector.status():
        row: dict[str, Any] = {
            "name": s.name,
            "position": s.position,
            "log_position": s.log_position,
            "behind": s.behind,
            "rows": ", ".join(f"{t} {n}" for t, n in s.rows.items()),
            "holds": s.description,
        }
        if as_json:
            row["positions"], row["log_positions"] = s.positions, s.log_positions
        elif several:
            row["logs"] = ", ".join(
                f"{u} {s.positions[u]}/{last}" for u, last in s.log_positions.items()
            )
        rows.append(row)
    if as_json:
        click.echo(to_json(rows))
        return
    click.echo(f"projections in {projector.store.kind} {projector.store.location}")
    columns = ["name", "position", "log_position", "behind", "rows"]
    click.echo(table(rows, [*columns, "logs"] if several else columns))


def projection_names(text: str) -> list[str]:
    """``all``, a projection's name, or names joined by commas, as the list of names (in the
    order projections are applied)."""
    if text.strip() == "all":
        return list(VIEW_NAMES)
    wanted = {part.strip() for part in text.split(",") if part.strip()}
    unknown = sorted(wanted - set(VIEW_NAMES))
    if unknown or not wanted:
        raise TapeUsageError(
            f"no projection named {(unknown or [text])[0]!r}: NAME is all, one of "
            f"{', '.join(VIEW_NAMES)}, or several joined by commas"
        )
    return [name for name in VIEW_NAMES if name in wanted]


@click.command()
@click.argument("name")
@click.option("--follow", is_flag=True, help="Keep following the logs until SIGTERM or Ctrl-C.")
@click.option(
    "--poll",
    type=click.FloatRange(min=0.01),
    default=DEFAULT_POLL_S,
    show_default=True,
    help="With --follow: seconds between two looks at the logs once caught up.",
)
@workers_option
def project(name: str, follow: bool, poll: float, workers: int | None) -> None:
    """Run projections as a process of their own: NAME is one projection, several joined by
    commas (positions,balances), or all. Catch them up with the log (the logs of the workers
    with --workers) and exit, or with --follow keep them caught up until stopped (SIGTERM or
    SIGINT end it between two pages, exit 0)."""
    wanted = projection_names(name)
    apps, storage = open_upstreams(workers)
    projector = open_projector(apps, storage, [view for view in REGISTRY if view.name in wanted])
    label = ",".join(wanted) if name.strip() != "all" else "all projections"
    if not follow:
        read = catch_up(projector)
        click.echo(f"{label}: applied {read} events; {where(projector)}")
        return
    stop = StopSignal()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        names = ", ".join(u.name for u in as_sources(apps))
        click.echo(f"{label}: following {names} every {poll:g}s (SIGTERM or Ctrl-C stops)")
        total = 0
        while not stop.is_set():
            read = catch_up(projector, stop=stop.is_set)
            if read:
                total += read
                click.echo(f"{label}: applied {read} events; {where(projector)}")
            stop.wait(poll)
        click.echo(f"{label}: stopped after applying {total} events; {where(projector)}")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
