"""The composition root: the only module that builds a TradingEngine and chooses its adapters.

Every surface gets its engine here, from a :class:`~adapters.settings.Settings`: the day run and
``tape serve`` (:func:`build`), a scale-out worker (:func:`build` with the worker's store), the
ingest log's recorder (:func:`ingest_log`), replay's fresh engine (:func:`replay_engine`), a
counterfactual's (:func:`counterfactual_engine`); tests pass fakes to :func:`assemble_engine`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from adapters.clock import ManualClock, SystemClock
from adapters.config_file import TapeConfig
from adapters.paper.http_venue import HttpPaperVenues
from adapters.paper.venue import PaperVenues
from adapters.scaleout.ingest import IngestLog
from adapters.scaleout.tables import missing_tables
from adapters.settings import Settings
from adapters.sqlite_sync import FACTORY_TOPIC, SYNCHRONOUS_ENV
from adapters.storage import Storage, StorageConfigError
from adapters.venues import wire_venues
from engine.application import (
    WRITER_CACHE_ENV,
    TapeApplication,
    TapeIngestApplication,
    TapeWorkerApplication,
)
from engine.partition import INGEST_APP_NAME
from engine.ports import Books, Clock, MarketData
from engine.service import TradingEngine

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
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


def assemble_engine(
    app: TapeApplication, *, venues: Any, market_data: MarketData, clock: Clock
) -> TradingEngine:
    """The engine on ``app`` with the venues, market data and clock given (fakes in tests)."""
    return TradingEngine(app, venues=venues, market_data=market_data, clock=clock)


def open_app(settings: Settings) -> tuple[TapeApplication, Storage]:
    """The event store the settings name."""
    storage = settings.storage()
    app = TapeApplication(env={**storage.env, **WRITER_CACHE_ENV})
    return app, storage


def build(
    settings: Settings,
    config: TapeConfig,
    *,
    clock: Clock,
    paper_url: str | None = None,
    paper_only: bool = False,
    app: TapeApplication | None = None,
) -> Tape:
    """Wire the engine to its store and its venues (see :func:`_choose_venues`). ``app``: the
    store to write through (a scale-out worker's), instead of the one the settings name."""
    if app is None:
        app, storage = open_app(settings)
    else:
        storage = settings.storage()
    venues, paper, note, live = _choose_venues(
        settings, config, clock=clock, paper_url=paper_url, paper_only=paper_only
    )
    engine = assemble_engine(app, venues=venues, market_data=venues, clock=clock)
    return Tape(app, engine, paper, storage, note, live)


def _choose_venues(
    settings: Settings,
    config: TapeConfig,
    *,
    clock: Clock,
    paper_url: str | None,
    paper_only: bool,
) -> tuple[Any, PaperVenues | None, str, set[str]]:
    """The venues and market data: the live adapter of every registered venue with credentials
    (``adapters/venues``, unless paper only), and for the others a paper venue process when a
    URL is given, else in-process paper venues. Returns them, the in-process paper venues, a
    note on where each venue trades, and the live venues' names."""
    url = paper_url or settings.paper_url
    paper_venues: Any
    paper: PaperVenues | None
    if url:
        paper_venues, paper = HttpPaperVenues(url, clock=clock), None
        note = f"paper venue process at {url}"
    else:
        paper_venues = paper = PaperVenues(
            fee_rate=config.paper_fee_rate, keep_closed=IN_PROCESS_KEEP_CLOSED
        )
        note = "in-process paper venue"
    wired = wire_venues(
        settings.venue_environ,
        paper=paper_venues,
        paper_only=paper_only or settings.paper_only,
        # a live run on in-process paper: books come from the venues' public market data
        live_books=paper is not None and isinstance(clock, SystemClock),
    )
    return wired.routed, paper, f"{note}; {'; '.join(wired.mode_lines)}", set(wired.live_names)


def recording_engine(app: TapeApplication, clock: Clock) -> TradingEngine:
    """An engine that only records what arrives (no venue, no market data); a signal is
    recorded as it came (the workers route it to their agents)."""
    return TradingEngine(app, venues={}, market_data=Books(), clock=clock, route_signals=False)


def ingest_log(app: TapeApplication, clock: Clock) -> IngestLog:
    """The ingest log of a scale-out deployment, recording through its own engine."""
    return IngestLog(recording_engine(app, clock))


def replay_engine(path: Path, *, market_data: MarketData, clock: Clock) -> TradingEngine:
    """A fresh engine for ``tape replay --verify`` on a scratch SQLite file at ``path``: one
    writer (cached aggregates need no fast-forward), and no fsync (lost with the replay)."""
    app = TapeApplication(
        env={
            **WRITER_CACHE_ENV,
            "PERSISTENCE_MODULE": FACTORY_TOPIC,
            SYNCHRONOUS_ENV: "OFF",
            "SQLITE_DBNAME": str(path),
        }
    )
    return assemble_engine(app, venues={}, market_data=market_data, clock=clock)


def counterfactual_engine(
    config: TapeConfig, clock: ManualClock
) -> tuple[TradingEngine, PaperVenues]:
    """An engine in memory on in-process paper venues, for a counterfactual day."""
    app = TapeApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    paper = PaperVenues(fee_rate=config.paper_fee_rate)
    return assemble_engine(app, venues=paper, market_data=paper, clock=clock), paper


def simulation_engine(fee_rate: Decimal, clock: ManualClock) -> tuple[TradingEngine, PaperVenues]:
    """An engine on an in-memory SQLite store and in-process paper venues, for discovery's
    copy simulation (SQLite rather than the library's plain-object store: a simulation of
    thousands of trades looks aggregates up by id, which that store answers by a scan)."""
    app = TapeApplication(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": ":memory:",
            **WRITER_CACHE_ENV,
        }
    )
    paper = PaperVenues(fee_rate=fee_rate)
    return assemble_engine(app, venues=paper, market_data=paper, clock=clock), paper


def day_clock() -> ManualClock:
    """The clock a day run moves to each record's time."""
    return ManualClock(EPOCH)


def live_clock() -> SystemClock:
    """The wall clock, for live intake."""
    return SystemClock()


def require_postgres(settings: Settings) -> Storage:
    """The PostgreSQL store a scale-out deployment shares (SQLite has one writer per file)."""
    storage = settings.storage()
    if storage.kind != "postgres":
        raise StorageConfigError(
            "scale-out (workers, ingest log, tape db) needs TAPE_DATABASE_URL=postgresql://..."
        )
    return storage


def open_ingest_app(storage: Storage, *, create: bool = False) -> TapeApplication:
    """The ingest log of a scale-out deployment (its tables made by ``tape db init``)."""
    if not create:
        _require_tables(storage, INGEST_APP_NAME)
    return TapeIngestApplication(env={**storage.env, **_create_env(create=create)})


def open_worker_app(name: str, storage: Storage, *, create: bool = False) -> TapeWorkerApplication:
    """A worker's store, with the cache of the engine that writes through it."""
    if not create:
        _require_tables(storage, name)
    env = {**storage.env, **WRITER_CACHE_ENV, **_create_env(create=create)}
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
        return TapeApplication(env={**storage.env, **_create_env(create=create)})
    return TapeWorkerApplication(name, env={**storage.env, **_create_env(create=create)})


def _create_env(*, create: bool) -> dict[str, str]:
    return {} if create else {"CREATE_TABLE": "n"}
