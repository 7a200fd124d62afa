"""The firewall: every check of ``engine.decision.decide`` passing and denying, with its values."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from engine.agents import Agent
from engine.checks import Check
from engine.config import AgentConfig
from engine.decision import AgentView, Decision, DecisionInput, decide
from engine.intent import TradeIntent
from engine.values import Book, OrderType, Side, TradingState
from tests.conftest import (
    AGENT,
    MARKET,
    OTHER_TRADER,
    T0,
    TOKEN,
    TRADER,
    a_book,
    a_source,
    a_trade_intent,
    an_agent_config,
)

D = Decimal
NOW = T0 + timedelta(seconds=1)
DEFAULT = object()
ZERO = D(0)


def an_agent_view(config: AgentConfig | None = None, **overrides: Any) -> AgentView:
    view = AgentView(
        config=config or an_agent_config(),
        trading_state=TradingState.ACTIVE,
        trades_today=0,
        market_cost=D(0),
        deployed=D(0),
        realised_pnl=D(0),
        marked_pnl=D(0),
    )
    return replace(view, **overrides)


def decide_on(
    intent: TradeIntent | None = None,
    *,
    now: datetime = NOW,
    agent: Any = DEFAULT,
    book: Any = DEFAULT,
    held_from_trader: Decimal = ZERO,
    held_total: Decimal = ZERO,
    observed_trader_holding: Decimal | None = None,
) -> Decision:
    return decide(
        DecisionInput(
            intent=intent or a_trade_intent(),
            now=now,
            agent=an_agent_view() if agent is DEFAULT else agent,
            book=a_book() if book is DEFAULT else book,
            held_from_trader=held_from_trader,
            held_total=held_total,
            observed_trader_holding=observed_trader_holding,
        )
    )


def a_sell(**overrides: Any) -> TradeIntent:
    return a_trade_intent(**{"side": "SELL", "intent_id": "sell-1", **overrides})


def the_check(decision: Decision, name: str) -> Check:
    found = [c for c in decision.checks if c.name == name]
    assert len(found) == 1, f"{name} ran {len(found)} times in {decision.checks}"
    return found[0]


def names(decision: Decision) -> list[str]:
    return [c.name for c in decision.checks]


# -- an accepted decision ---------------------------------------------------------------------


def test_decide_when_every_check_passes_then_accepted_with_a_sized_order() -> None:
    decision = decide_on()

    assert decision.accepted
    assert decision.failed is None
    assert decision.halt_reason is None
    assert names(decision) == [
        "agent_state",
        "venue",
        "trader_allowlist",
        "market_allowlist",
        "size_cap",
        "staleness",
        "book",
        "sizing",
        "slippage",
        "trades_per_day",
        "position_limit",
        "stop_loss",
        "budget",
    ]
    assert decision.order is not None
    assert decision.order.side is Side.BUY
    assert decision.order.order_type is OrderType.FAK
    assert decision.order.size == D("12.05")  # 10% of 120.5
    assert decision.order.price == D("0.52")  # the worst level the walk touched
    assert decision.order.notional == D("6.266")


def test_decide_when_order_walks_two_levels_then_limit_is_the_worst_level() -> None:
    config = an_agent_config(sizing={"mode": "PERCENTAGE", "value": "100"}, max_slippage_pct="5")
    book = a_book(asks=[("0.52", "100"), ("0.53", "900")])

    decision = decide_on(a_trade_intent(size="150"), agent=an_agent_view(config), book=book)

    assert decision.order is not None
    assert decision.order.price == D("0.53")
    slippage = the_check(decision, "slippage")
    assert slippage.values["average_price"] == str(D("78.5") / D(150))  # (52 + 26.5) / 150
    assert slippage.values["limit_price"] == "0.53"
    assert slippage.values["fillable"] == "150"


# -- agent ------------------------------------------------------------------------------------


def test_decide_when_agent_missing_then_denied_by_the_agent_check_alone() -> None:
    decision = decide_on(agent=None)

    assert not decision.accepted
    assert decision.order is None
    assert decision.sizing is None
    assert [c.to_record() for c in decision.checks] == [
        {
            "name": "agent",
            "passed": False,
            "detail": f"no agent named {AGENT!r} is configured",
            "values": {"agent": AGENT},
        }
    ]


# -- agent_state ------------------------------------------------------------------------------


def test_agent_state_when_active_then_passes() -> None:
    check = the_check(decide_on(), "agent_state")

    assert check.passed
    assert check.values == {"state": "ACTIVE", "side": "BUY"}


@pytest.mark.parametrize("side", ["BUY", "SELL"])
def test_agent_state_when_halted_then_denies_buys_and_sells(side: str) -> None:
    decision = decide_on(
        a_trade_intent(side=side),
        agent=an_agent_view(trading_state=TradingState.HALTED),
        held_from_trader=D(100),
        held_total=D(100),
    )

    check = the_check(decision, "agent_state")
    assert not check.passed
    assert check.values == {"state": "HALTED"}
    assert not decision.accepted
    assert decision.failed == check


def test_agent_state_when_reducing_then_denies_a_buy() -> None:
    decision = decide_on(agent=an_agent_view(trading_state=TradingState.REDUCING))

    check = the_check(decision, "agent_state")
    assert not check.passed
    assert check.values == {"state": "REDUCING", "side": "BUY"}
    assert not decision.accepted


def test_agent_state_when_reducing_then_allows_a_sell() -> None:
    decision = decide_on(
        a_sell(),
        agent=an_agent_view(trading_state=TradingState.REDUCING),
        held_from_trader=D(100),
        held_total=D(100),
    )

    check = the_check(decision, "agent_state")
    assert check.passed
    assert check.values == {"state": "REDUCING", "side": "SELL"}
    assert decision.accepted
    assert decision.order is not None
    assert decision.order.side is Side.SELL


# -- venue ------------------------------------------------------------------------------------


def test_venue_when_agent_trades_there_then_passes() -> None:
    check = the_check(decide_on(), "venue")

    assert check.passed
    assert check.values == {"venue": "polymarket", "allowed": "polymarket"}


def test_venue_when_agent_does_not_trade_there_then_denies() -> None:
    decision = decide_on(a_trade_intent(venue="kalshi"), book=a_book(venue="kalshi"))

    check = the_check(decision, "venue")
    assert not check.passed
    assert check.values == {"venue": "kalshi", "allowed": "polymarket"}
    assert decision.failed == check


# -- trader_allowlist -------------------------------------------------------------------------


def test_trader_allowlist_when_trader_followed_then_passes() -> None:
    check = the_check(decide_on(), "trader_allowlist")

    assert check.passed
    assert check.values == {"trader": TRADER, "followed": TRADER}


def test_trader_allowlist_when_trader_not_followed_then_denies() -> None:
    decision = decide_on(a_trade_intent(source=a_source(trader=OTHER_TRADER)))

    check = the_check(decision, "trader_allowlist")
    assert not check.passed
    assert check.values == {"trader": OTHER_TRADER, "followed": TRADER}
    assert decision.failed == check


def test_trader_allowlist_when_agent_follows_nobody_then_a_copy_is_denied() -> None:
    decision = decide_on(agent=an_agent_view(an_agent_config(follow=[])))

    check = the_check(decision, "trader_allowlist")
    assert not check.passed
    assert check.values == {"trader": TRADER, "followed": "(none)"}


@pytest.mark.parametrize("kind", ["strategy", "manual"])
def test_trader_allowlist_when_intent_is_not_a_copy_then_passes(kind: str) -> None:
    decision = decide_on(
        a_trade_intent(source={"kind": kind}), agent=an_agent_view(an_agent_config(follow=[]))
    )

    check = the_check(decision, "trader_allowlist")
    assert check.passed
    assert check.values == {"kind": kind}
    assert decision.accepted


# -- market_allowlist -------------------------------------------------------------------------


def test_market_allowlist_when_empty_then_every_market_passes() -> None:
    check = the_check(decide_on(), "market_allowlist")

    assert check.passed
    assert check.values == {"market_id": MARKET, "allowed": "all"}


def test_market_allowlist_when_market_listed_then_passes() -> None:
    config = an_agent_config(markets=[MARKET, "0xother"])

    check = the_check(decide_on(agent=an_agent_view(config)), "market_allowlist")

    assert check.passed
    assert check.values == {"market_id": MARKET, "allowed": f"{MARKET},0xother"}


def test_market_allowlist_when_market_not_listed_then_denies() -> None:
    config = an_agent_config(markets=["0xother"])

    decision = decide_on(agent=an_agent_view(config))

    check = the_check(decision, "market_allowlist")
    assert not check.passed
    assert check.values == {"market_id": MARKET, "allowed": "0xother"}
    assert decision.failed == check


# -- size_cap ---------------------------------------------------------------------------------


def test_size_cap_when_source_notional_at_the_cap_then_passes() -> None:
    # 0.52 x 120.5 = 62.66
    config = an_agent_config(max_intent_usdc="62.66")

    check = the_check(decide_on(agent=an_agent_view(config)), "size_cap")

    assert check.passed
    assert check.values == {"source_notional": "62.66", "max_intent_usdc": "62.66"}


def test_size_cap_when_buy_notional_above_the_cap_then_denies() -> None:
    config = an_agent_config(max_intent_usdc="62.65")

    decision = decide_on(agent=an_agent_view(config))

    check = the_check(decision, "size_cap")
    assert not check.passed
    assert check.values == {"source_notional": "62.66", "max_intent_usdc": "62.65"}
    assert decision.failed == check


def test_size_cap_when_sell_notional_above_the_cap_then_passes() -> None:
    config = an_agent_config(max_intent_usdc="1")

    decision = decide_on(
        a_sell(), agent=an_agent_view(config), held_from_trader=D(50), held_total=D(50)
    )

    check = the_check(decision, "size_cap")
    assert check.passed
    assert check.values == {"source_notional": "62.66"}
    assert decision.accepted


# -- staleness --------------------------------------------------------------------------------


def test_staleness_when_exactly_max_age_then_passes() -> None:
    decision = decide_on(now=T0 + timedelta(seconds=120))

    check = the_check(decision, "staleness")
    assert check.passed
    assert check.values == {
        "created_at": "2026-01-30T14:03:11+00:00",
        "now": "2026-01-30T14:05:11+00:00",
        "age_s": "120",
        "max_intent_age_s": "120",
    }


def test_staleness_when_older_than_max_age_then_denies() -> None:
    decision = decide_on(now=T0 + timedelta(seconds=120, microseconds=1))

    check = the_check(decision, "staleness")
    assert not check.passed
    assert check.values["age_s"] == "120.000001"
    assert decision.failed == check


# -- book -------------------------------------------------------------------------------------


def test_book_when_present_then_passes_with_its_time_and_best_prices() -> None:
    check = the_check(decide_on(), "book")

    assert check.passed
    assert check.values == {"at": "2026-01-30T14:03:10Z", "best_bid": "0.51", "best_ask": "0.52"}


def test_book_when_missing_then_denies_and_nothing_is_sized() -> None:
    decision = decide_on(book=None)

    check = the_check(decision, "book")
    assert not check.passed
    assert check.values == {"token_id": "7132"}
    assert names(decision)[-1] == "book"
    assert decision.sizing is None
    assert decision.order is None
    assert decision.failed == check


def test_market_open_when_book_not_accepting_orders_then_denies_and_nothing_is_sized() -> None:
    closed = replace(a_book(), accepting_orders=False, closed_reason="resolved")

    decision = decide_on(book=closed)

    check = the_check(decision, "market_open")
    assert not check.passed
    assert check.values == {"market_id": MARKET, "reason": "resolved"}
    assert "book" not in names(decision)
    assert decision.sizing is None
    assert decision.order is None
    assert decision.failed == check


# -- sizing -----------------------------------------------------------------------------------


def test_sizing_when_size_meets_the_venue_minimum_then_passes() -> None:
    check = the_check(decide_on(book=a_book(min_size="12.05")), "sizing")

    assert check.passed
    assert check.values == {"size": "12.05", "min_size": "12.05"}


def test_sizing_when_size_below_the_venue_minimum_then_denies_without_an_order() -> None:
    config = an_agent_config(sizing={"mode": "PERCENTAGE", "value": "1"})

    decision = decide_on(agent=an_agent_view(config))

    check = the_check(decision, "sizing")
    assert not check.passed
    assert check.values == {"size": "1.2", "min_size": "5"}  # 1% of 120.5, down to 0.01
    assert decision.order is None
    assert decision.sizing is not None
    assert decision.sizing.size == D("1.2")
    assert names(decision)[-1] == "sizing"
    assert decision.failed == check


def test_sizing_when_nothing_held_then_a_sell_is_denied_as_nothing_to_sell() -> None:
    decision = decide_on(a_sell(), held_from_trader=D(0), held_total=D(0))

    check = the_check(decision, "sizing")
    assert not check.passed
    assert check.detail.startswith("nothing to sell")
    assert check.values == {"size": "0", "held": "0"}
    assert decision.order is None


# -- liquidity --------------------------------------------------------------------------------


def test_liquidity_when_the_side_we_take_is_empty_then_denies() -> None:
    decision = decide_on(book=a_book(asks=[]))

    check = the_check(decision, "liquidity")
    assert not check.passed
    assert check.values == {"side": "BUY"}
    assert decision.order is None
    assert decision.failed == check


def test_liquidity_when_a_sell_meets_no_bids_then_denies() -> None:
    decision = decide_on(a_sell(), book=a_book(bids=[]), held_from_trader=D(10))

    check = the_check(decision, "liquidity")
    assert not check.passed
    assert check.values == {"side": "SELL"}


# -- slippage ---------------------------------------------------------------------------------


def test_slippage_when_exactly_the_limit_then_passes() -> None:
    decision = decide_on(a_trade_intent(price="0.50"), book=a_book(asks=[("0.51", "900")]))

    check = the_check(decision, "slippage")
    assert check.passed
    assert check.values == {
        "source_price": "0.5",
        "average_price": "0.51",
        "limit_price": "0.51",
        "fillable": "12.05",
        "slippage_pct": "2",
        "max_slippage_pct": "2",
    }
    assert decision.accepted


def test_slippage_when_above_the_limit_then_denies() -> None:
    decision = decide_on(a_trade_intent(price="0.50"), book=a_book(asks=[("0.5101", "900")]))

    check = the_check(decision, "slippage")
    assert not check.passed
    assert check.values["slippage_pct"] == "2.02"
    assert not decision.accepted
    assert decision.failed == check


def test_slippage_when_a_sell_gets_less_than_the_source_then_it_is_positive() -> None:
    decision = decide_on(
        a_sell(price="0.60"), book=a_book(bids=[("0.51", "900")]), held_from_trader=D(10)
    )

    check = the_check(decision, "slippage")
    assert not check.passed
    assert check.values["slippage_pct"] == "15"


def test_slippage_when_the_book_is_better_than_the_source_then_it_is_negative() -> None:
    decision = decide_on(a_trade_intent(price="0.55"))

    check = the_check(decision, "slippage")
    assert check.passed
    assert check.values["slippage_pct"] == "-5.4545"


# -- position_limit ---------------------------------------------------------------------------


def test_position_limit_when_market_cost_after_the_order_is_the_limit_then_passes() -> None:
    # the order costs 12.05 x 0.52 = 6.266
    decision = decide_on(agent=an_agent_view(market_cost=D("493.734")))

    check = the_check(decision, "position_limit")
    assert check.passed
    assert check.values == {
        "market_cost": "493.734",
        "order_notional": "6.266",
        "max_position_usdc": "500",
    }


def test_position_limit_when_market_cost_after_the_order_exceeds_it_then_denies() -> None:
    decision = decide_on(agent=an_agent_view(market_cost=D("493.735")))

    check = the_check(decision, "position_limit")
    assert not check.passed
    assert not decision.accepted
    assert decision.failed == check


def test_position_limit_when_selling_then_it_does_not_run() -> None:
    decision = decide_on(
        a_sell(), agent=an_agent_view(market_cost=D(10_000)), held_from_trader=D(10)
    )

    assert "position_limit" not in names(decision)
    exposure = the_check(decision, "exposure")
    assert exposure.passed
    assert decision.accepted


# -- trades_per_day ---------------------------------------------------------------------------


def test_trades_per_day_when_below_the_limit_then_passes() -> None:
    check = the_check(decide_on(agent=an_agent_view(trades_today=49)), "trades_per_day")

    assert check.passed
    assert check.values == {"trades_today": "49", "max_trades_per_day": "50"}
    assert "2026-01-30" in check.detail


@pytest.mark.parametrize("side", ["BUY", "SELL"])
def test_trades_per_day_when_the_limit_is_reached_then_denies(side: str) -> None:
    decision = decide_on(
        a_trade_intent(side=side), agent=an_agent_view(trades_today=50), held_from_trader=D(10)
    )

    check = the_check(decision, "trades_per_day")
    assert not check.passed
    assert check.values == {"trades_today": "50", "max_trades_per_day": "50"}
    assert decision.failed == check


def test_agent_trades_today_when_orders_committed_then_counted_per_utc_day() -> None:
    agent = Agent.register(config=an_agent_config(), at=T0)

    def commit(n: int, day: str) -> None:
        agent.commit_order(
            order_id=f"o{n}",
            day=day,
            market_id=MARKET,
            token_id=TOKEN,
            side=Side.BUY,
            size=D(10),
            notional=D(5),
            mark=None,
            at=T0,
        )

    commit(1, "2026-01-30")
    commit(2, "2026-01-30")
    assert agent.trades_today("2026-01-30") == 2
    assert agent.trades_today("2026-01-31") == 0

    commit(3, "2026-01-31")
    assert agent.trades_today("2026-01-31") == 1
    assert agent.trades_today("2026-01-30") == 0


# -- stop_loss --------------------------------------------------------------------------------


def test_stop_loss_when_loss_below_the_stop_then_passes_and_no_halt() -> None:
    decision = decide_on(agent=an_agent_view(realised_pnl=D("-150"), marked_pnl=D("-49.99")))

    check = the_check(decision, "stop_loss")
    assert check.passed
    assert check.values == {
        "realised_pnl": "-150",
        "marked_pnl": "-49.99",
        "stop_loss_usdc": "200",
    }
    assert decision.halt_reason is None


def test_stop_loss_when_loss_reaches_the_stop_then_denies_and_asks_for_a_halt() -> None:
    decision = decide_on(agent=an_agent_view(realised_pnl=D("-150"), marked_pnl=D("-50")))

    check = the_check(decision, "stop_loss")
    assert not check.passed
    assert not decision.accepted
    assert decision.failed == check
    assert decision.halt_reason == check.detail
    assert "loss 200 USDC" in check.detail


# -- budget -----------------------------------------------------------------------------------


def test_budget_when_deployed_after_the_order_is_the_budget_then_passes() -> None:
    check = the_check(decide_on(agent=an_agent_view(deployed=D("993.734"))), "budget")

    assert check.passed
    assert check.values == {
        "deployed": "993.734",
        "order_notional": "6.266",
        "budget_usdc": "1000",
    }


def test_budget_when_deployed_after_the_order_exceeds_it_then_denies() -> None:
    decision = decide_on(agent=an_agent_view(deployed=D("993.735")))

    check = the_check(decision, "budget")
    assert not check.passed
    assert not decision.accepted
    assert decision.failed == check


# -- the verdict ------------------------------------------------------------------------------


def test_decision_failed_when_several_checks_fail_then_it_is_the_first_in_order() -> None:
    config = an_agent_config(venues=["kalshi"], markets=["0xother"], max_intent_usdc="1")
    decision = decide_on(
        a_trade_intent(source=a_source(trader=OTHER_TRADER)),
        now=T0 + timedelta(hours=1),
        agent=an_agent_view(config, trading_state=TradingState.HALTED, trades_today=99),
    )

    failed = [c.name for c in decision.checks if not c.passed]
    assert failed == [
        "agent_state",
        "venue",
        "trader_allowlist",
        "market_allowlist",
        "size_cap",
        "staleness",
        "trades_per_day",
    ]
    assert decision.failed is not None
    assert decision.failed.name == "agent_state"
    assert not decision.accepted


def test_decision_failed_when_only_a_late_check_fails_then_it_is_that_check() -> None:
    decision = decide_on(agent=an_agent_view(deployed=D(5000)))

    assert decision.failed is not None
    assert decision.failed.name == "budget"
    assert decision.order is not None  # sized and priced, but not accepted
    assert not decision.accepted


def test_check_records_when_decided_then_every_value_is_text() -> None:
    records = decide_on().check_records()

    assert all(isinstance(v, str) for r in records for v in r["values"].values())
    assert all(list(r["values"]) == sorted(r["values"]) for r in records)


def test_decide_when_same_input_twice_then_same_decision() -> None:
    book: Book = a_book()

    assert decide_on(book=book) == decide_on(book=book)
