"""Shared builders and fixtures for the engine's unit, property and service tests.

Builders return valid objects; a test overrides only the fields its behaviour is about.
Import them with ``from conftest import an_intent, a_book, ...``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from adapters.bootstrap import assemble_engine
from adapters.clock import ManualClock
from adapters.paper.venue import PaperVenues
from engine.application import WRITER_CACHE_ENV, TapeApplication
from engine.config import AgentConfig
from engine.intent import TradeIntent, format_utc, parse_intent
from engine.ports import MarketData, OrderRequest, VenuePort
from engine.service import Receipt, TradingEngine
from engine.values import Book, Level, OrderType, Side
from tests.projection_rig import (  # noqa: F401 (the read-store backend contract fixture)
    backend,
    close_the_stores_a_test_opened,
)

# -- fixed values ---------------------------------------------------------------------------

T0 = datetime(2026, 1, 30, 14, 3, 11, tzinfo=UTC)
"""A fixed UTC time: the intents' created_at unless a test says otherwise."""

TRADER = "0xa66790e2b0075e73c3781ddaf1d0b875a3aaceb3"
OTHER_TRADER = "0x" + "b" * 40
VENUE = "polymarket"
MARKET = "0x9c1a"
TOKEN = "7132"  # noqa: S105 - a market token id, not a secret
OTHER_TOKEN = "9999"  # noqa: S105
AGENT = "follow-whales"

D = Decimal


# -- builders -------------------------------------------------------------------------------


def a_source(**overrides: Any) -> dict[str, Any]:
    """A valid ``source`` object of a copy intent."""
    source: dict[str, Any] = {"kind": "copy", "trader": TRADER, "tx_hash": "0x5f1ce9"}
    source.update(overrides)
    return {k: v for k, v in source.items() if v is not None}


def an_intent(**overrides: Any) -> dict[str, Any]:
    """A valid ``tape.intent/1`` dict; ``source`` may be overridden as a whole dict."""
    intent: dict[str, Any] = {
        "schema": "tape.intent/1",
        "intent_id": "copy:0x5f1ce9:7132:BUY",
        "agent": AGENT,
        "venue": VENUE,
        "market_id": MARKET,
        "token_id": TOKEN,
        "outcome": "Yes",
        "side": "BUY",
        "price": "0.52",
        "size": "120.5",
        "created_at": format_utc(T0),
        "source": a_source(),
    }
    intent.update(overrides)
    return intent


def a_trade_intent(**overrides: Any) -> TradeIntent:
    """A parsed TradeIntent built from :func:`an_intent`."""
    return parse_intent(an_intent(**overrides))


def levels(*pairs: tuple[str, str]) -> tuple[Level, ...]:
    """Book levels from (price, size) text pairs."""
    return tuple(Level(D(p), D(s)) for p, s in pairs)


def a_book(
    *,
    bids: Sequence[tuple[str, str]] = (("0.51", "400"),),
    asks: Sequence[tuple[str, str]] = (("0.52", "250"), ("0.53", "900")),
    venue: str = VENUE,
    token_id: str = TOKEN,
    at: str = "2026-01-30T14:03:10Z",
    tick_size: str = "0.01",
    min_size: str = "5",
    size_step: str = "0.01",
    market_id: str = MARKET,
) -> Book:
    """An engine Book, best level first on both sides."""
    return Book(
        venue=venue,
        token_id=token_id,
        at=at,
        bids=levels(*bids),
        asks=levels(*asks),
        tick_size=D(tick_size),
        min_size=D(min_size),
        size_step=D(size_step),
        market_id=market_id,
    )


def an_order_request(
    size: str = "80",
    price: str = "0.53",
    *,
    client_order_id: str = "tape-1",
    account: str = "",
    side: Side = Side.BUY,
    order_type: OrderType = OrderType.FAK,
    token_id: str = TOKEN,
) -> OrderRequest:
    """An order as a venue receives it (on the builders' venue and market)."""
    return OrderRequest(
        client_order_id=client_order_id,
        venue=VENUE,
        market_id=MARKET,
        token_id=token_id,
        side=side,
        order_type=order_type,
        price=D(price),
        size=D(size),
        account=account,
    )


def an_agent_config(**overrides: Any) -> AgentConfig:
    """An agent that follows TRADER on polymarket, buys 10% of the source size, roomy limits."""
    record: dict[str, Any] = {
        "name": AGENT,
        "venues": [VENUE],
        "follow": [TRADER],
        "markets": [],
        "sizing": {"mode": "PERCENTAGE", "value": "10"},
        "max_intent_usdc": "100",
        "max_intent_age_s": 120,
        "max_slippage_pct": "2",
        "max_position_usdc": "500",
        "max_trades_per_day": 50,
        "stop_loss_usdc": "200",
        "budget_usdc": "1000",
    }
    record.update(overrides)
    return AgentConfig.model_validate(record)


def at_offset(seconds: float) -> datetime:
    """T0 moved by some seconds."""
    return T0 + timedelta(seconds=seconds)


def aggregate_state(aggregate: Any) -> dict[str, Any]:
    """A deep copy of an aggregate's state, pending events left out (for 'nothing changed')."""
    return copy.deepcopy({k: v for k, v in vars(aggregate).items() if k != "_pending_events"})


def rebuild(events: Sequence[Any]) -> Any:
    """Rebuild an aggregate from its events, as eventsourcing does: mutate from None, in order."""
    aggregate = None
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


# -- the engine on a real SQLite file -------------------------------------------------------


def sqlite_env(path: Path) -> dict[str, str]:
    """The library environment of a SQLite file store."""
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}


@dataclass
class EngineRig:
    """A TradingEngine on a SQLite file, with paper venues and a manual clock."""

    path: Path
    app: TapeApplication
    engine: TradingEngine
    paper: PaperVenues
    clock: ManualClock

    def show_book(self, book: Book) -> None:
        """A new book reaches the paper venue, and what it reports reaches the engine."""
        self.paper[book.venue].on_book(book)
        self.engine.poll_venue(book.venue)

    def submit(self, *, delay_s: float = 1, **overrides: Any) -> Receipt:
        """Submit an intent built from :func:`an_intent`, ``delay_s`` after its created_at."""
        intent = a_trade_intent(**overrides)
        self.clock.set(intent.created_at + timedelta(seconds=delay_s))
        return self.engine.submit(intent, feed="test")

    def events(self) -> list[Any]:
        """Every stored event, in log order."""
        return stored_events(self.app)

    def event_names(self) -> list[str]:
        """The class names of every stored event, in log order."""
        return [type(e).__name__ for e in self.events()]

    def get(self, aggregate_id: UUID) -> Any:
        """An aggregate from the store."""
        return self.app.repository.get(aggregate_id)


def stored_events(app: TapeApplication) -> list[Any]:
    """Every event in an application's notification log, as domain events, in order."""
    events: list[Any] = []
    start = 1
    while True:
        page = app.notification_log.select(start=start, limit=500)
        if not page:
            return events
        events.extend(app.mapper.to_domain_event(n) for n in page)
        start = page[-1].id + 1


def make_rig(
    path: Path,
    *,
    agents: Sequence[AgentConfig] | None = None,
    venues: dict[str, VenuePort] | None = None,
    market_data: MarketData | None = None,
    start: datetime = T0,
    fee_rate: Decimal = Decimal(0),
) -> EngineRig:
    """Build an engine on ``path`` with its agents registered (at ``start``)."""
    app = TapeApplication(env={**sqlite_env(path), **WRITER_CACHE_ENV})
    paper = PaperVenues(fee_rate=fee_rate)
    clock = ManualClock(start)
    engine = assemble_engine(
        app,
        venues=venues if venues is not None else paper,
        market_data=market_data if market_data is not None else paper,
        clock=clock,
    )
    engine.register_agents(list(agents) if agents is not None else [an_agent_config()])
    return EngineRig(path, app, engine, paper, clock)


@pytest.fixture
def fixed_now() -> datetime:
    """The fixed UTC time the builders use."""
    return T0


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[EngineRig]:
    """A TradingEngine on a real SQLite file in tmp_path, with PaperVenues and a ManualClock."""
    built = make_rig(tmp_path / "tape.db")
    yield built
    built.app.close()
