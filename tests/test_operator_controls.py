"""Cancel, halt/reduce cascades and flatten, on every venue's real adapter and fake server
(the venue contract's harnesses: in-process paper, the paper venue process, Polymarket on the
fake CLOB, Kalshi on the fake Kalshi, Limitless on the fake Limitless)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from adapters.bootstrap import assemble_engine
from adapters.clock import ManualClock
from adapters.control.cancels import cancel_for_state, cancel_order, sweep
from adapters.control.flatten import flatten
from adapters.control.holdings import open_orders, open_positions
from adapters.replay.verify import verify
from engine import commands as c
from engine.application import TapeApplication
from engine.config import AgentConfig, Sizing
from engine.ids import agent_uuid, intent_uuid, reconciliation_uuid
from engine.intent import TradeIntent
from engine.orders import Order
from engine.ports import Books
from engine.reconciliations import Reconciliation
from engine.service import TradingEngine
from engine.values import Book, Level, OrderType, TradingState
from tests.conftest import sqlite_env
from tests.venue_contract.harness import ASKS, BIDS, RESTING_PRICE
from tests.venue_contract.harnesses import T0, VENUES, open_harness
from tests.venue_contract.limitless_harness import SLUG

D = Decimal
TRADER = "0x" + "ab" * 20


@dataclass
class Desk:
    """An engine on a SQLite file whose one venue is a harness's real adapter."""

    harness: Any
    engine: TradingEngine
    books: Books
    clock: ManualClock
    venue: str
    market_id: str

    def show(self, asks: tuple[tuple[str, str], ...]) -> None:
        """What the engine's market data shows (the venue's own book is the standard one)."""
        self.books.update(
            Book(
                venue=self.venue,
                token_id=self.harness.token,
                at=T0.strftime("%Y-%m-%dT%H:%M:%SZ"),
                bids=tuple(Level(D(p), D(s)) for p, s in BIDS),
                asks=tuple(Level(D(p), D(s)) for p, s in asks),
                tick_size=D("0.01"),
                min_size=D("5"),
            )
        )

    def buy(self, n: int, price: str, size: str = "10") -> Order:
        """Copy a trader's BUY; answers the order the engine placed."""
        intent = TradeIntent.model_validate(
            {
                "schema": "tape.intent/1",
                "intent_id": f"buy-{n}",
                "agent": "a",
                "venue": self.venue,
                "market_id": self.market_id,
                "token_id": self.harness.token,
                "outcome": "Yes",
                "side": "BUY",
                "price": price,
                "size": size,
                "created_at": self.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                "source": {"kind": "copy", "trader": TRADER},
            }
        )
        self.clock.set(self.clock.now() + timedelta(seconds=1))
        assert self.engine.submit(intent, feed="test").status == "received"
        record = self.engine.app.repository.get(intent_uuid(intent.intent_id))
        assert record.status == "ACCEPTED", record.reason
        return self.order(record.order_ids[0])

    def order(self, order_id: Any) -> Order:
        """The order as stored."""
        return self.engine.app.repository.get(UUID(str(order_id)))


def _market_id(name: str, token: str) -> str:
    if name == "kalshi":
        return token.split(":", maxsplit=1)[0]
    return SLUG if name == "limitless" else "m1"


@pytest.fixture(params=VENUES)
def desk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Desk]:
    """A GTC agent (FIXED 4 USDC) on one venue's real adapter and fake server."""
    harness = open_harness(request.param, tmp_path)
    clock = ManualClock(T0 + timedelta(seconds=1))
    app = TapeApplication(env=sqlite_env(tmp_path / "tape.db"))
    venue = harness.venue.name
    books = Books()
    engine = assemble_engine(app, venues={venue: harness.venue}, market_data=books, clock=clock)
    engine.register_agents(
        [
            AgentConfig(
                name="a",
                venues=(venue,),
                follow=(TRADER,),
                order_type=OrderType.GTC,
                sizing=Sizing(mode="FIXED", value=D(4)),
                max_slippage_pct=D(50),
            )
        ]
    )
    rig = Desk(harness, engine, books, clock, venue, _market_id(request.param, harness.token))
    yield rig
    close = getattr(harness, "close", None)
    if close is not None:
        close()


def _cancel_records(desk: Desk, order: Order) -> list[Any]:
    record = desk.engine.app.get_or_none(reconciliation_uuid(str(order.id)))
    if record is None:
        return []
    events = desk.engine.app.repository.event_store.get(record.id)
    return [e for e in events if isinstance(e, Reconciliation.VenueReported)]


def test_a_resting_order_is_canceled_at_its_venue_with_the_request_recorded(desk: Desk) -> None:
    desk.show(((RESTING_PRICE, "100"),))  # the engine sees asks at 0.40: its GTC rests at 0.50
    order = desk.buy(1, RESTING_PRICE)
    assert order.status == "ACCEPTED"
    assert [o.id for o in open_orders(desk.engine.app, agent="a")] == [order.id]

    assert cancel_order(desk.engine, order.id, reason="operator") == "canceled"

    after = desk.order(order.id)
    assert after.status == "CANCELED"
    assert [e.action for e in _cancel_records(desk, order)] == ["cancel (operator)"]
    assert open_orders(desk.engine.app, agent="a") == []
    agent = desk.engine.app.repository.get(agent_uuid("a"))
    assert agent.deployed() == 0  # the commitment was released
    assert cancel_order(desk.engine, order.id, reason="operator") == "terminal"


def test_halt_cancels_every_resting_order_and_reduce_only_the_buys(desk: Desk) -> None:
    desk.show(((RESTING_PRICE, "100"),))
    first = desk.buy(1, RESTING_PRICE)
    desk.engine.set_trading_state("a", TradingState.REDUCING, "operator")
    assert cancel_for_state(desk.engine, "a", TradingState.REDUCING) == {"canceled": 1}
    assert desk.order(first.id).status == "CANCELED"

    desk.engine.set_trading_state("a", TradingState.ACTIVE, "operator")
    second = desk.buy(2, RESTING_PRICE)
    assert cancel_for_state(desk.engine, "a", TradingState.ACTIVE) == {}
    desk.engine.set_trading_state("a", TradingState.HALTED, "operator")
    desk.engine.recover()  # a running engine knows its open orders from recovery
    assert sweep(desk.engine, ["a"]) == {"a": {"canceled": 1}}
    assert desk.order(second.id).status == "CANCELED"
    assert sweep(desk.engine, ["a"]) == {}
    assert verify(desk.engine.app).divergence is None


def test_flatten_sells_every_position_within_the_slippage_limit(desk: Desk) -> None:
    desk.show(ASKS)
    bought = desk.buy(1, "0.50")
    assert bought.status in ("FILLED", "PARTIALLY_FILLED", "ACCEPTED")
    if desk.order(bought.id).status != "FILLED":
        desk.engine.poll_venue(desk.venue)
    held = open_positions(desk.engine.app, agent="a")
    assert len(held) == 1
    assert held[0].size > 0
    size = held[0].size

    result = flatten(desk.engine, "a", reason="operator")

    assert result.skipped == []
    (intent_id, verdict), *_ = result.verdicts.items()
    assert verdict.startswith("ACCEPTED"), verdict
    intent = desk.engine.app.repository.get(intent_uuid(intent_id))
    assert intent.intent["source"] == {"kind": "flatten", "strategy": "operator"}
    sold = desk.order(intent.order_ids[0])
    assert sold.side == "SELL"
    assert sold.size == size
    if sold.status != "FILLED":
        desk.engine.poll_venue(desk.venue)
    assert open_positions(desk.engine.app, agent="a") == []
    agent = desk.engine.app.repository.get(agent_uuid("a"))
    assert agent.trading_state == "REDUCING"
    assert verify(desk.engine.app).divergence is None


@pytest.mark.parametrize("desk", ["polymarket", "kalshi"], indirect=True)
def test_a_cancel_the_venue_does_not_answer_is_asked_again_and_found_canceled(
    desk: Desk,
) -> None:
    desk.show(((RESTING_PRICE, "100"),))
    order = desk.buy(1, RESTING_PRICE)
    if desk.venue == "polymarket":
        desk.harness.clob.delay("DELETE", "/order", 1.0)
    else:  # the venue cancels it, then answers after the client gave up
        path = f"/portfolio/events/orders/{order.venue_order_id}"
        desk.harness.fake.fault("DELETE", path, delay_s=1.0)

    assert cancel_order(desk.engine, order.id, reason="halt") == "venue unreachable"
    assert desk.order(order.id).status == "ACCEPTED"  # open until the venue says otherwise
    assert [o.id for o in open_orders(desk.engine.app, agent="a")] == [order.id]

    assert cancel_order(desk.engine, order.id, reason="halt") == "canceled"
    assert desk.order(order.id).status == "CANCELED"
    actions = [e.action for e in _cancel_records(desk, order)]
    assert actions == ["cancel (halt): ask again", "cancel (halt)"]


def test_a_cancel_of_an_order_the_venue_never_received_expires_it(tmp_path: Path) -> None:
    harness = open_harness("paper", tmp_path)
    clock = ManualClock(T0 + timedelta(seconds=1))
    app = TapeApplication(env=sqlite_env(tmp_path / "tape.db"))
    books = Books()
    engine = assemble_engine(app, venues={}, market_data=books, clock=clock)
    engine.register_agents([AgentConfig(name="a", follow=(TRADER,), max_slippage_pct=D(50))])
    rig = Desk(harness, engine, books, clock, "polymarket", "m1")
    rig.show(ASKS)
    trade = TradeIntent.model_validate(
        {
            "schema": "tape.intent/1",
            "intent_id": "w1",
            "agent": "a",
            "venue": "polymarket",
            "market_id": "m1",
            "token_id": harness.token,
            "outcome": "Yes",
            "side": "BUY",
            "price": "0.50",
            "size": "100",
            "created_at": "2026-01-30T14:00:01Z",
            "source": {"kind": "copy", "trader": TRADER},
        }
    )
    engine.receive(trade, feed="t")
    (order_id,) = engine.decide(trade)  # written ahead, never sent
    engine.venues = {"polymarket": harness.venue}  # the venue never got the order

    assert cancel_order(engine, order_id, reason="operator") == "expired"
    assert rig.order(order_id).status == "EXPIRED"
    assert engine.recover().reconciled == {}  # never sent later
    assert engine.handle(c.RequestCancel(order_id, reason="operator")) == "terminal"
    assert verify(app).divergence is None
