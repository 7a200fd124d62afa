"""Leg risk, as a stateful property: paired intents go to venues that fill, part-fill, refuse
or lose each leg as hypothesis says; the engine is reconciled, restarted (recovery) and its
agent halted and activated in between. Whatever happens:

- no instrument of a pair ever holds more than the pair's size (no leg is sent twice, across
  restarts too);
- a pair is either closed or waits on an order whose answer is not known yet;
- a leg that filled alone was retried or unwound (unless the agent was halted, or the
  difference is less than either venue can trade);
- what unwinding lost never exceeds ``max_leg_risk_usdc``;
- a halted agent places nothing.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from adapters.bootstrap import WRITER_CACHE_ENV, assemble_engine
from engine.application import TapeApplication
from engine.arbitrage.pair import Pair
from engine.intent import format_utc, parse_intent, parse_utc
from engine.intents import Intent
from engine.orders import Order
from engine.values import TradingState
from tests.arb_rig import (
    ARB_AGENT,
    POLY_MARKET,
    POLY_YES,
    TICKER,
    Answer,
    ScriptedVenue,
    arb_agent_config,
)
from tests.conftest import make_rig, sqlite_env, stored_events

D = Decimal
T = parse_utc("2026-01-30T14:00:00Z")
MAX_LEG_RISK = D(3)

answers = st.builds(
    Answer,
    kind=st.sampled_from(["fill", "part", "none", "reject", "lost"]),
    share=st.sampled_from([D("0.25"), D("0.5"), D("0.75")]),
    better=st.integers(0, 2),
    then=st.sampled_from(["fill", "part", "none"]),
)
cents = st.integers(25, 55).map(lambda c: D(c) / 100)


def paired_intent(n: int, poly_price: Decimal, kalshi_price: Decimal, size: int) -> Any:
    """A paired intent as the arbitrage strategy emits it (its features claim a good edge)."""
    legs = [
        {
            "venue": "polymarket",
            "market_id": POLY_MARKET,
            "token_id": POLY_YES,
            "outcome": "Yes",
            "side": "BUY",
            "price": str(poly_price),
            "size": str(size),
        },
        {
            "venue": "kalshi",
            "market_id": TICKER,
            "token_id": f"{TICKER}:no",
            "outcome": "No",
            "side": "BUY",
            "price": str(kalshi_price),
            "size": str(size),
        },
    ]
    return parse_intent(
        {
            "schema": "tape.intent/1",
            "intent_id": f"strategy:arb:{n}",
            "agent": ARB_AGENT,
            **{
                k: legs[0][k]
                for k in ("venue", "market_id", "token_id", "outcome", "side", "price", "size")
            },
            "created_at": format_utc(T + timedelta(seconds=n)),
            "source": {
                "kind": "strategy",
                "strategy": "arbitrage",
                "reason": "test",
                "features": {"edge": "9", "fees": "0", "pair": "p"},
            },
            "legs": legs,
        }
    )


class LegRisk(RuleBasedStateMachine):
    """The engine with its arbitrage agent, two scripted venues and a store on disk."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="tape-legrisk-"))
        self.venues = {"polymarket": ScriptedVenue("polymarket"), "kalshi": ScriptedVenue("kalshi")}
        config = arb_agent_config(
            max_leg_risk_usdc=str(MAX_LEG_RISK),
            leg_retries=1,
            unwind_attempts=2,
            max_intent_age_s=100000,
        )
        self.rig = make_rig(self.dir / "tape.db", agents=[config], venues=self.venues, start=T)
        self.n = 0
        self.halted = False

    def teardown(self) -> None:
        self.rig.app.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    @rule(
        poly=st.lists(answers, max_size=4),
        kalshi=st.lists(answers, max_size=4),
        poly_price=cents,
        kalshi_price=cents,
        size=st.integers(1, 30),
    )
    def arbitrage(
        self,
        poly: list[Answer],
        kalshi: list[Answer],
        poly_price: Decimal,
        kalshi_price: Decimal,
        size: int,
    ) -> None:
        self.n += 1
        self.venues["polymarket"].script[:] = poly
        self.venues["kalshi"].script[:] = kalshi
        intent = paired_intent(self.n, poly_price, kalshi_price, size)
        self.rig.clock.set(intent.created_at)
        taken_before = sum(len(v.taken) for v in self.venues.values())
        self.rig.engine.submit(intent, feed="test")
        if self.halted:
            assert sum(len(v.taken) for v in self.venues.values()) == taken_before
            record: Intent = self.rig.get(Intent.create_id(intent.intent_id))
            assert record.status == "DENIED"
            assert record.reason == "agent_state"

    @rule()
    def reconcile(self) -> None:
        self.rig.engine.reconcile_open_orders()

    @rule()
    def restart(self) -> None:
        self.rig.app.close()
        app = TapeApplication(env={**sqlite_env(self.rig.path), **WRITER_CACHE_ENV})
        self.rig.app = app
        self.rig.engine = assemble_engine(
            app, venues=self.venues, market_data=self.rig.paper, clock=self.rig.clock
        )
        self.rig.engine.recover()

    @rule(state=st.sampled_from(list(TradingState)))
    def switch(self, state: TradingState) -> None:
        self.rig.engine.set_trading_state(ARB_AGENT, state, "test")
        self.halted = state is TradingState.HALTED

    @invariant()
    def pairs_keep_their_rules(self) -> None:
        pair_ids = {
            e.originator_id for e in stored_events(self.rig.app) if isinstance(e, Pair.PairOpened)
        }
        for pair_id in pair_ids:
            self._check(self.rig.get(pair_id))

    def _check(self, pair: Pair) -> None:
        orders = {leg["order_id"]: self.rig.get(UUID(leg["order_id"])) for leg in pair.legs}
        size = D(pair.legs[0]["size"])
        bought, sold, cost, net_sale = ({"a": D(0), "b": D(0)} for _ in range(4))
        entry = {"a": D(0), "b": D(0)}
        for leg in pair.legs:
            order: Order = orders[leg["order_id"]]
            x = leg["instrument"]
            for fill in order.fills.values():
                if leg["side"] == "BUY":
                    bought[x] += fill["size"]
                    cost[x] += fill["price"] * fill["size"] + fill["fee"]
                    if leg["role"] == "entry":
                        entry[x] += fill["size"]
                else:
                    sold[x] += fill["size"]
                    net_sale[x] += fill["price"] * fill["size"] - fill["fee"]
        assert max(bought.values()) <= size, "a leg was bought twice"
        loss = sum((sold[x] * cost[x] / bought[x] - net_sale[x] for x in "ab" if sold[x]), D(0))
        assert loss <= pair.max_leg_risk_usdc, f"unwinding lost {loss}"
        if not pair.closed:
            assert any(not o.is_terminal for o in orders.values()), "a pair left hanging"
            return
        one_legged = entry["a"] != entry["b"]
        roles = {leg["role"] for leg in pair.legs}
        event(f"closed {pair.outcome} after {', '.join(sorted(roles))}")
        if one_legged and not roles & {"retry", "unwind"}:
            assert pair.outcome == "exposed"
            reason = self._close_reason(pair)
            # halted, or a difference no venue can trade (a fraction of a Kalshi contract)
            assert "HALTED" in reason or "less than one" in reason, reason

    def _close_reason(self, pair: Pair) -> str:
        for stored in stored_events(self.rig.app):
            if isinstance(stored, Pair.PairClosed) and stored.originator_id == pair.id:
                return str(stored.reason)
        return ""


LegRisk.TestCase.settings = settings(max_examples=60, stateful_step_count=15, deadline=None)
test_a_leg_that_fills_alone_is_retried_or_unwound_within_the_budget = LegRisk.TestCase
