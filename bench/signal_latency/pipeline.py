"""One signal pipeline of the figure: a source's emitter delivering into an engine of its own,
with the moment the engine calls the venue noted per intent."""

from __future__ import annotations

import threading
import time
import tomllib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from adapters.bootstrap import Tape, build
from adapters.config_file import config_from_toml
from adapters.settings import Settings
from bench.figures.latency import Probe, TimedVenues
from engine.intent import parse_intent
from engine.values import Book, Level

AGENT_TOML = """
[agents.copy]
strategy = "copy"
venues = ["polymarket"]
follow = ["{wallet}"]
sizing = {{ mode = "FIXED", value = "5" }}
max_intent_usdc = "1000000"
max_intent_age_s = 600
max_slippage_pct = "100"
max_position_usdc = "1000000"
max_trades_per_day = 100000
budget_usdc = "1000000"
"""


class WallClock:
    """The wall clock, but not ``adapters.clock.SystemClock``: with that one a paper run takes
    Polymarket's live public books (the network); the figure's paper venue has its own books."""

    def now(self) -> datetime:
        """Now, UTC."""
        return datetime.now(tz=UTC)


def deep_book(token: str, market: str) -> Book:
    """A book deep enough that every copy fills."""
    levels = tuple(Level(Decimal(p) / 100, Decimal(100000)) for p in range(1, 100))
    return Book(
        venue="polymarket",
        token_id=token,
        at="",
        bids=tuple(reversed(levels)),
        asks=levels,
        tick_size=Decimal("0.01"),
        min_size=Decimal(1),
        market_id=market,
    )


class Pipeline:
    """An engine (paper venue, SQLite under ``home``) fed by one source's emitter."""

    def __init__(self, name: str, home: Path, wallet: str, books: Sequence[Book]) -> None:
        self.name = name
        self.home = home
        config = config_from_toml(
            tomllib.loads(AGENT_TOML.format(wallet=wallet)), source=f"bench signal {name}"
        )
        self.tape: Tape = build(Settings.load({"TAPE_HOME": str(home)}), config, clock=WallClock())
        assert self.tape.paper is not None
        for book in books:
            self.tape.paper.on_book(book)
        self.tape.engine.register_agents(config.agents)
        self.probe = Probe()
        self.tape.engine.venues = TimedVenues(self.tape.engine.venues, self.probe)  # type: ignore[assignment]
        self.latencies: dict[str, float] = {}
        self.lock = threading.Lock()

    def sink(self, released: Callable[[str], float | None]) -> EngineSink:
        """The sink a source's emitter delivers into."""
        return EngineSink(self, released)

    def close(self) -> None:
        """Close the store."""
        self.tape.app.close()


class EngineSink:
    """An ``IntentSink`` submitting each intent to the pipeline's engine at once; the time from
    the trade's release to the engine's venue call is noted under the intent id."""

    def __init__(self, pipeline: Pipeline, released: Callable[[str], float | None]) -> None:
        self.pipeline = pipeline
        self.released = released

    def describe(self) -> str:
        """The pipeline."""
        return f"engine {self.pipeline.name}"

    def deliver(self, intents: Sequence[dict[str, Any]], output: dict[str, Any]) -> dict[str, Any]:
        """Submit each intent; note its latency when its order reached the venue."""
        pipeline = self.pipeline
        for wire in intents:
            tx = wire["intent_id"].split(":")[1]
            release = self.released(tx)
            with pipeline.lock:
                probe = pipeline.probe
                probe.to_venue.clear()
                probe.measuring = release is not None
                probe.arrival = release
                pipeline.tape.engine.submit(parse_intent(wire), feed=f"bench-{pipeline.name}")
                if probe.to_venue:
                    pipeline.latencies[wire["intent_id"]] = probe.to_venue[0]
                probe.arrival = None
        return {"delivered_at": time.time()}
