"""The stores a figure reads and writes, opened as the commands open them; Tape wired as
``tape run`` wires it; the log read a page at a time."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from adapters import bootstrap as wiring
from adapters.bootstrap import Tape, build, day_clock, open_app
from adapters.settings import Settings
from adapters.storage import Storage, postgres_storage, sqlite_storage
from bench.workload import bench_config
from engine.application import TapeApplication

PAGE = 1000


Params = Mapping[str, Any]


def store_storage(params: Params) -> Storage:
    """The store a figure writes to: a SQLite file under ``home``, or a PostgreSQL schema."""
    if params.get("backend", "sqlite") == "postgres":
        return postgres_storage(params["url"], schema=params["schema"])
    home = Path(params["home"])
    home.mkdir(parents=True, exist_ok=True)
    return sqlite_storage(home / "tape.db")


def environ_of(params: Params) -> dict[str, str]:
    """The environment ``adapters.bootstrap`` reads for the figure's store."""
    environ = {"TAPE_HOME": str(params["home"])}
    if params.get("backend", "sqlite") == "postgres":
        environ["TAPE_DATABASE_URL"] = params["url"]
        environ["TAPE_DATABASE_SCHEMA"] = params["schema"]
    return environ


def wire(params: Params) -> Tape:
    """Tape wired as ``tape run`` wires it (``adapters.bootstrap.build``, paper venues in process).

    ``env_overrides`` (a what-if) adds library settings to the store's environment: the
    application class ``adapters.bootstrap`` constructs is wrapped, in this process only.
    """
    overrides = params.get("env_overrides") or {}
    if overrides:
        stock = wiring.TapeApplication

        def variant(env: Mapping[str, str] | None = None) -> TapeApplication:
            return stock(env={**(env or {}), **overrides})

        wiring.TapeApplication = variant  # type: ignore[misc,assignment]
    return build(Settings.load(environ_of(params)), bench_config(), clock=day_clock())


def source_app(params: Params) -> TapeApplication:
    """The recorded store under ``home``, opened as the commands open it."""
    app, _ = open_app(Settings.load({"TAPE_HOME": str(params["home"])}))
    return app


def event_count(app: TapeApplication) -> int:
    """The events in an application's log (its last notification id)."""
    return int(app.recorder.max_notification_id() or 0)


def pages(app: TapeApplication, start: int = 1) -> Iterator[list[Any]]:
    """The log's notifications, a page at a time."""
    while True:
        page = app.recorder.select_notifications(start=start, limit=PAGE)
        if not page:
            return
        yield list(page)
        start = page[-1].id + 1
