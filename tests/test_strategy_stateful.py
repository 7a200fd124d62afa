"""A stateful property: an operator switches a strategy agent between ACTIVE, REDUCING and
HALTED while books arrive in any order of prices. Whatever happens, every intent the strategy
gives has a verdict, nothing is ordered while halted, nothing is bought while reducing, no
order is larger than the strategy's size, and no position is below zero or above what its
agent's buys filled."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from adapters.bootstrap import assemble_engine
from adapters.clock import ManualClock
from adapters.paper.venue import PaperVenues
from engine.application import TapeApplication
from engine.intent import parse_utc
from engine.values import TradingState
from projections.views import LogViews
from tests.strategy_rig import START, book_seen, reverting_agent, trending_agent

SIZE = Decimal(10)


class StrategyAgents(RuleBasedStateMachine):
    """Two strategy agents on one token, books arriving, an operator at the switch."""

    def __init__(self) -> None:
        super().__init__()
        self.app = TapeApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        self.clock = ManualClock(START)
        self.paper = PaperVenues()
        self.engine = assemble_engine(
            self.app, venues=self.paper, market_data=self.paper, clock=self.clock
        )
        self.engine.register_agents(
            [reverting_agent(cooldown_s=0, window=5), trending_agent(fast=2, slow=5)]
        )
        self.step = 0
        self.mid = 55
        self.states = {"revert": TradingState.ACTIVE, "trend": TradingState.ACTIVE}
        self.switched_at: dict[str, list[tuple[int, TradingState]]] = {
            "revert": [(0, TradingState.ACTIVE)],
            "trend": [(0, TradingState.ACTIVE)],
        }

    @rule(move=st.integers(-12, 12))
    def a_book_arrives(self, move: int) -> None:
        self.step += 1
        self.mid = min(95, max(5, self.mid + move))
        event = book_seen(self.step, self.mid)
        self.clock.set(event.at, self.step)
        self.paper.on_book(event.book)
        self.engine.feed_market(event, feed="day", line_no=self.step)

    @rule(
        agent=st.sampled_from(["revert", "trend"]),
        state=st.sampled_from(list(TradingState)),
    )
    def the_operator_switches(self, agent: str, state: TradingState) -> None:
        self.engine.set_trading_state(agent, state, "operator")
        self.states[agent] = state
        self.switched_at[agent].append((self.step, state))

    def _state_at(self, agent: str, step: int) -> TradingState:
        # The state the agent was in when the book of ``step`` arrived.
        state = TradingState.ACTIVE
        for at, switched in self.switched_at[agent]:
            if at < step:
                state = switched
        return state

    @invariant()
    def the_firewall_held(self) -> None:
        views = LogViews.build(self.app)
        orders = {o["intent_id"]: o for o in views.orders.rows.values()}
        for row in views.intents.rows.values():
            assert row["verdict"] in ("ACCEPTED", "DENIED")
            step = int((parse_utc(row["created_at"]) - START).total_seconds()) // 30
            state = self._state_at(row["agent"], step)
            placed = orders.get(row["intent_id"])
            if state is TradingState.HALTED or (
                state is TradingState.REDUCING and row["side"] == "BUY"
            ):
                assert placed is None
                assert row["reason"] == "agent_state"
            if placed is not None:
                assert placed["size"] <= SIZE
        bought: dict[tuple[str, str], Decimal] = {}
        for order in orders.values():
            if order["side"] == "BUY":
                key = (order["agent"], order["token_id"])
                bought[key] = bought.get(key, Decimal(0)) + order["filled"]
        for position in views.positions.rows.values():
            key = (position["agent"], position["token_id"])
            assert 0 <= position["size"] <= bought.get(key, Decimal(0))


TestStrategyAgents = StrategyAgents.TestCase
TestStrategyAgents.settings = settings(max_examples=25, stateful_step_count=40, deadline=None)
