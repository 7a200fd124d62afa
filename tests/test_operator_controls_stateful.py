"""Operator controls as a state machine (hypothesis): resting buys, filled buys, cancels,
halts, reduces, activations and flattens in any order, on the in-process paper venue and a
real SQLite store. Invariants: the risk book commits exactly the open buys, a halted agent has
nothing resting and a reducing one no buy, no order is canceled twice, and after a flatten
(with a deep book) nothing is held."""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from adapters.bootstrap import assemble_engine
from adapters.clock import ManualClock
from adapters.control.cancels import cancel_for_state, cancel_order
from adapters.control.flatten import flatten
from adapters.control.holdings import open_orders, open_positions
from adapters.paper.venue import PaperVenues
from engine.application import TapeApplication
from engine.config import AgentConfig, Sizing
from engine.ids import agent_uuid
from engine.intent import format_utc, parse_intent
from engine.orders import Order
from engine.ports import Books
from engine.values import Book, Level, OrderType, TradingState
from projections.logs import read_log
from tests.conftest import sqlite_env

D = Decimal
TRADER = "0x" + "ab" * 20
TOKEN = "42"  # noqa: S105 - a token id
T0 = datetime(2026, 1, 30, 14, 0, tzinfo=UTC)


def _book(asks: str) -> Book:
    return Book(
        venue="polymarket",
        token_id=TOKEN,
        at="2026-01-30T14:00:00Z",
        bids=(Level(D("0.45"), D(100000)),),
        asks=(Level(D(asks), D(100000)),),
        tick_size=D("0.01"),
        min_size=D("5"),
    )


class Controls(RuleBasedStateMachine):
    """One agent, one token; the venue's asks at 0.50, what the engine sees varies."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.TemporaryDirectory(prefix="tape-controls-")
        self.app = TapeApplication(env=sqlite_env(Path(self.folder.name) / "tape.db"))
        self.paper = PaperVenues()
        self.paper.on_book(_book("0.50"))
        self.books = Books()
        self.clock = ManualClock(T0)
        self.engine = assemble_engine(
            self.app, venues=self.paper, market_data=self.books, clock=self.clock
        )
        self.engine.register_agents(
            [
                AgentConfig(
                    name="a",
                    follow=(TRADER,),
                    order_type=OrderType.GTC,
                    sizing=Sizing(mode="FIXED", value=D(5)),
                    max_slippage_pct=D(50),
                    max_trades_per_day=10000,
                )
            ]
        )
        self.n = 0

    def teardown(self) -> None:
        self.app.close()
        self.folder.cleanup()

    def _tick(self) -> None:
        self.clock.set(self.clock.now() + timedelta(seconds=1))

    def _buy(self, price: str) -> None:
        self._tick()
        self.n += 1
        self.books.update(_book(price))
        intent = parse_intent(
            {
                "schema": "tape.intent/1",
                "intent_id": f"buy-{self.n}",
                "agent": "a",
                "venue": "polymarket",
                "market_id": "m1",
                "token_id": TOKEN,
                "outcome": "Yes",
                "side": "BUY",
                "price": price,
                "size": "10",
                "created_at": format_utc(self.clock.now()),
                "source": {"kind": "copy", "trader": TRADER},
            }
        )
        self.engine.submit(intent, feed="t")

    @rule()
    def rest_a_buy(self) -> None:
        """The engine sees asks at 0.40: its GTC buy rests at the venue."""
        self._buy("0.40")

    @rule()
    def fill_a_buy(self) -> None:
        """The engine sees the venue's asks: its buy fills."""
        self._buy("0.50")

    @rule(pick=st.integers(min_value=0, max_value=5))
    def cancel_one(self, pick: int) -> None:
        """The operator cancels one open order."""
        self._tick()
        orders = open_orders(self.app, agent="a")
        if orders:
            order = orders[pick % len(orders)]
            assert cancel_order(self.engine, order.id, reason="operator") == "canceled"
            assert self.app.repository.get(order.id).status == "CANCELED"

    @rule(state=st.sampled_from(list(TradingState)))
    def switch(self, state: TradingState) -> None:
        """The operator switches the agent; what the state forbids is cancelled."""
        self._tick()
        self.engine.set_trading_state("a", state, "operator")
        cancel_for_state(self.engine, "a", state)
        left = open_orders(self.app, agent="a")
        if state is TradingState.HALTED:
            assert left == []
        if state is TradingState.REDUCING:
            assert [o for o in left if o.side == "BUY"] == []

    @rule()
    def flatten_it(self) -> None:
        """Flatten: nothing held after, the agent reducing."""
        self._tick()
        self.books.update(_book("0.50"))
        result = flatten(self.engine, "a", reason="operator")
        assert result.skipped == []
        assert all(v.startswith("ACCEPTED") for v in result.verdicts.values()), result
        assert open_positions(self.app, agent="a") == []

    @invariant()
    def the_risk_book_commits_exactly_the_open_buys(self) -> None:
        agent = self.app.repository.get(agent_uuid("a"))
        buys = {str(o.id) for o in open_orders(self.app, agent="a") if o.side == "BUY"}
        assert set(agent.commitments) == buys

    @invariant()
    def no_order_is_canceled_twice(self) -> None:
        canceled = Counter(
            e.originator_id for _, e in read_log(self.app) if isinstance(e, Order.OrderCanceled)
        )
        assert [UUID(str(i)) for i, n in canceled.items() if n > 1] == []


Controls.TestCase.settings = settings(max_examples=15, stateful_step_count=12, deadline=None)
TestOperatorControls = Controls.TestCase
