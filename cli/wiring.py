"""The composition root: the only module that knows which adapters the engine runs with."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from adapters.clock import ManualClock, SystemClock
from adapters.config_file import TapeConfig
from adapters.paper.venue import PaperVenues
from adapters.storage import Storage, storage_from_env
from engine.application import TapeApplication
from engine.ports import Clock
from engine.service import TradingEngine

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Tape:
    """A wired Tape: the store, the engine, its paper venues and its clock."""

    app: TapeApplication
    engine: TradingEngine
    paper: PaperVenues
    storage: Storage


def open_app(environ: Mapping[str, str] | None = None) -> tuple[TapeApplication, Storage]:
    """The event store the environment names."""
    storage = storage_from_env(dict(os.environ if environ is None else environ))
    app = TapeApplication(env={**storage.env, "AGGREGATE_CACHE_MAXSIZE": "20000"})
    return app, storage


def build(config: TapeConfig, *, clock: Clock, environ: Mapping[str, str] | None = None) -> Tape:
    """Wire the engine to its store and, with no venue credentials, to paper venues."""
    app, storage = open_app(environ)
    paper = PaperVenues(fee_rate=config.paper_fee_rate)
    engine = TradingEngine(app, venues=paper, market_data=paper, clock=clock)
    return Tape(app, engine, paper, storage)


def day_clock() -> ManualClock:
    """The clock a day run moves to each record's time."""
    return ManualClock(EPOCH)


def live_clock() -> SystemClock:
    """The wall clock, for live intake."""
    return SystemClock()
