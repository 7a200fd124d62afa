"""Shared helpers of the strategy tests: market events, strategy agents, and a day run of
books and trades through the engine on the in-process paper venue."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from adapters.bootstrap import assemble_engine
from adapters.clock import ManualClock
from adapters.day_runner import DayRunner, RunStats
from adapters.dayfile import BadLine, read_day
from adapters.paper.venue import PaperVenues
from engine.application import WRITER_CACHE_ENV, TapeApplication
from engine.config import AgentConfig
from engine.intent import format_utc
from engine.service import TradingEngine
from engine.strategies.base import BookSeen, TradeSeen
from engine.values import Book, Level, Side

D = Decimal
START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
VENUE = "polymarket"
MARKET = "0xfeed"
TOKEN = "1001"  # noqa: S105 - a token id, not a secret
OTHER = "1002"


def at(step: int, every: int = 30) -> datetime:
    """The time of step ``step``: ``every`` seconds apart from START."""
    return START + timedelta(seconds=step * every)


def book_seen(
    step: int, mid_cents: int, *, token: str = TOKEN, spread: int = 1, every: int = 30
) -> BookSeen:
    """A book of ``token`` at step ``step``: bid and ask ``spread`` cents either side of mid."""
    when = at(step, every)
    return BookSeen(
        when,
        Book(
            venue=VENUE,
            token_id=token,
            at=format_utc(when),
            bids=(Level(D(mid_cents - spread) / 100, D(300)),),
            asks=(Level(D(mid_cents + spread) / 100, D(300)),),
            tick_size=D("0.01"),
            min_size=D(5),
            market_id=MARKET,
        ),
    )


def trade_seen(step: int, price: str, *, token: str = TOKEN) -> TradeSeen:
    """A trade of ``token`` at step ``step``."""
    return TradeSeen(at(step), VENUE, token, D(price), D(10), Side.BUY, MARKET)


def book_line(step: int, mid_cents: int, *, token: str = TOKEN, every: int = 30) -> str:
    """A ``book`` record of the day."""
    seen = book_seen(step, mid_cents, token=token, every=every)
    return json.dumps(
        {
            "type": "book",
            "at": seen.book.at,
            "venue": VENUE,
            "token_id": token,
            "market_id": MARKET,
            "bids": [[str(lv.price), str(lv.size)] for lv in seen.book.bids],
            "asks": [[str(lv.price), str(lv.size)] for lv in seen.book.asks],
            "tick_size": "0.01",
            "min_size": "5",
        }
    )


def spiky_mids(steps: int = 80, spikes: Iterable[int] = (30, 60)) -> list[int]:
    """Mids in cents: a quiet wobble around 55, and a 9-cent drop at each spike step that
    comes back over five steps."""
    mids = []
    spike_at = set(spikes)
    drop = 0
    for step in range(steps):
        if step in spike_at:
            drop = 10
        mids.append(55 + (1 if step % 3 == 0 else 0) - drop)
        drop = max(0, drop - 2)
    return mids


def reverting_agent(name: str = "revert", **params: Any) -> AgentConfig:
    """A mean reversion agent on TOKEN."""
    return AgentConfig(
        name=name,
        strategy="mean_reversion",
        venues=(VENUE,),
        markets=(TOKEN,),
        max_slippage_pct=D(3),
        params={"window": 10, "z_entry": "2", "z_exit": "0.5", "size": "10", **params},
    )


def trending_agent(name: str = "trend", **params: Any) -> AgentConfig:
    """A momentum agent on TOKEN."""
    return AgentConfig(
        name=name,
        strategy="momentum",
        venues=(VENUE,),
        markets=(TOKEN,),
        max_slippage_pct=D(3),
        params={"fast": 3, "slow": 8, "threshold": "0.01", "size": "10", **params},
    )


@dataclass
class StrategyDay:
    """A day run: the store, the engine, the run's stats."""

    app: TapeApplication
    engine: TradingEngine
    clock: ManualClock
    stats: RunStats
    paper: PaperVenues


def run_strategy_day(
    lines: Sequence[str],
    agents: Sequence[AgentConfig],
    *,
    path: Path | None = None,
    feed: str = "day.jsonl",
) -> StrategyDay:
    """Run the lines as ``tape run`` does (agents registered at the first record's time), on a
    SQLite file at ``path`` (else in memory)."""
    records = list(read_day(lines))
    env = (
        {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}
        if path is not None
        else {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    )
    app = TapeApplication(env={**env, **WRITER_CACHE_ENV})
    first = next(r for r in records if not isinstance(r, BadLine))
    clock = ManualClock(first.at)
    paper = PaperVenues()
    engine = assemble_engine(app, venues=paper, market_data=paper, clock=clock)
    engine.register_agents(list(agents))
    stats = DayRunner(engine, clock=clock, source=feed, books=paper.on_book).run(records)
    return StrategyDay(app, engine, clock, stats, paper)
