"""The composition root: the only module that knows which adapters the engine runs with."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adapters.clock import ManualClock, SystemClock
from adapters.config_file import TapeConfig
from adapters.paper.http_venue import HttpPaperVenues
from adapters.paper.venue import PaperVenues
from adapters.scaleout.tables import missing_tables
from adapters.storage import Storage, StorageConfigError, storage_from_env
from adapters.venues import wire_venues
from engine.application import (
    WRITER_CACHE_ENV,
    TapeApplication,
    TapeIngestApplication,
    TapeWorkerApplication,
)
from engine.partition import INGEST_APP_NAME
from engine.ports import Clock
from engine.service import TradingEngine

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PAPER_URL_ENV = "TAPE_PAPER_URL"
PAPER_ONLY_ENV = "TAPE_PAPER_ONLY"
IN_PROCESS_KEEP_CLOSED = 1000
"""Closed orders the in-process paper venue remembers (it ends with the engine, which asks
again only about orders it holds open): its memory stays flat over a long day."""


@dataclass
class Tape:
    """A wired Tape: the store, the engine and where its venues are."""

    app: TapeApplication
    engine: TradingEngine
    paper: PaperVenues | None  # the in-process paper venues, fed by the day runner
    storage: Storage
    venue_note: str
    live: set[str]  # venues traded live; their books come from the venue, not the day


def open_app(environ: Mapping[str, str] | None = None) -> tuple[TapeApplication, Storage]:
    """The event store the environment names."""
    storage = storage_from_env(dict(os.environ if environ is None else environ))
    app = TapeApplication(env={**storage.env, **WRITER_CACHE_ENV})
    return app, storage


def build(
    config: TapeConfig,
    *,
    clock: Clock,
    paper_url: str | None = None,
    paper_only: bool = False,
    environ: Mapping[str, str] | None = None,
    app: TapeApplication | None = None,
) -> Tape:
    """Wire the engine to its store and its venues: the live adapter of every venue with
    credentials (unless ``paper_only`` or TAPE_PAPER_ONLY), and for the others a paper venue
    process when a URL is given (or TAPE_PAPER_URL is set), else in-process paper venues.
    ``app``: the store to write through (a scale-out worker's), instead of the one the
    environment names."""
    env = os.environ if environ is None else environ
    if app is None:
        app, storage = open_app(env)
    else:
        storage = storage_from_env(dict(env))
    url = paper_url or env.get(PAPER_URL_ENV) or None
    paper_venues: Any
    if url:
        paper_venues = HttpPaperVenues(url, clock=clock)
        paper = None
        note = f"paper venue process at {url}"
    else:
        paper_venues = paper = PaperVenues(
            fee_rate=config.paper_fee_rate, keep_closed=IN_PROCESS_KEEP_CLOSED
        )
        note = "in-process paper venue"
    wired = wire_venues(
        env,
        paper=paper_venues,
        paper_only=bool(paper_only or env.get(PAPER_ONLY_ENV)),
        # a live run on in-process paper: books come from the venues' public market data
        live_books=paper is not None and isinstance(clock, SystemClock),
    )
    engine = TradingEngine(app, venues=wired.routed, market_data=wired.routed, clock=clock)
    note = f"{note}; {'; '.join(wired.mode_lines)}"
    return Tape(app, engine, paper, storage, note, set(wired.live_names))


def day_clock() -> ManualClock:
    """The clock a day run moves to each record's time."""
    return ManualClock(EPOCH)


def live_clock() -> SystemClock:
    """The wall clock, for live intake."""
    return SystemClock()


def require_postgres(environ: Mapping[str, str] | None = None) -> Storage:
    """The PostgreSQL store a scale-out deployment shares (SQLite has one writer per file)."""
    storage = storage_from_env(dict(os.environ if environ is None else environ))
    if storage.kind != "postgres":
        raise StorageConfigError(
            "scale-out (workers, ingest log, tape db) needs TAPE_DATABASE_URL=postgresql://..."
        )
    return storage


def open_ingest_app(storage: Storage, *, create: bool = False) -> TapeApplication:
    """The ingest log of a scale-out deployment (its tables made by ``tape db init``)."""
    if not create:
        _require_tables(storage, INGEST_APP_NAME)
    return TapeIngestApplication(env={**storage.env, **_create_env(create)})


def open_worker_app(name: str, storage: Storage, *, create: bool = False) -> TapeWorkerApplication:
    """A worker's store, with the cache of the engine that writes through it."""
    if not create:
        _require_tables(storage, name)
    env = {**storage.env, **WRITER_CACHE_ENV, **_create_env(create)}
    return TapeWorkerApplication(name, env=env)


def _require_tables(storage: Storage, name: str) -> None:
    if missing_tables(storage.env, [name]):
        raise StorageConfigError(
            f"{name} has no tables on {storage.location}: run `tape db init --workers N` first"
        )


def open_named_app(name: str, storage: Storage, *, create: bool = False) -> TapeApplication:
    """Any of a deployment's applications by name, for reading its log."""
    if name == INGEST_APP_NAME:
        return open_ingest_app(storage, create=create)
    if name == TapeApplication.name:
        return TapeApplication(env={**storage.env, **_create_env(create)})
    return TapeWorkerApplication(name, env={**storage.env, **_create_env(create)})


def _create_env(create: bool) -> dict[str, str]:
    return {} if create else {"CREATE_TABLE": "n"}
