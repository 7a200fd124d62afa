"""The decision's check groups: the gates (agent state, venue), the source checks (trader and
market allowlists, size cap, staleness, clock skew), sizing and its minimum, and the limits
(trades per day, position per market, stop loss, budget). Each returns its checks with the
values it compared."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from engine.checks import Check, check, show
from engine.config import AgentConfig
from engine.sizing import (
    SizingResult,
    size_by_rule,
    size_copy_sell,
    size_flatten_sell,
    size_plain_sell,
    size_strategy,
)
from engine.values import Book, Side, TradingState

if TYPE_CHECKING:
    from engine.decision import AgentView, DecisionInput, OrderSpec


def gate_checks(data: DecisionInput, agent: AgentView) -> list[Check]:
    """Whether the agent may trade (its state) and the venue is one it trades on."""
    intent, config = data.intent, agent.config
    state = agent.trading_state
    if state is TradingState.HALTED:
        state_check = check(
            "agent_state", False, "the agent is HALTED: it places nothing", state=state.value
        )
    elif state is TradingState.REDUCING and intent.side is Side.BUY:
        state_check = check(
            "agent_state",
            False,
            "the agent is REDUCING: a buy would increase exposure",
            state=state.value,
            side=intent.side.value,
        )
    else:
        state_check = check(
            "agent_state",
            True,
            f"the agent is {state.value}",
            state=state.value,
            side=intent.side.value,
        )
    venue_check = check(
        "venue",
        intent.venue in config.venues,
        f"venue {intent.venue} for an agent trading on {show(list(config.venues))}",
        venue=intent.venue,
        allowed=list(config.venues),
    )
    return [state_check, venue_check]


def source_checks(data: DecisionInput, config: AgentConfig) -> list[Check]:
    """Trader and market allowlists, the size cap (buys), staleness of the intent and, for an
    intent dated after the engine's clock, the clock skew."""
    intent = data.intent
    trader = intent.source.trader
    if intent.source.kind != "copy":
        trader_check = check(
            "trader_allowlist",
            True,
            f"a {intent.source.kind} intent, not a copy",
            kind=intent.source.kind,
        )
    else:
        trader_check = check(
            "trader_allowlist",
            trader in config.follow,
            f"trader {trader} {'is' if trader in config.follow else 'is not'} followed",
            trader=trader,
            followed=list(config.follow),
        )
    allowed = (
        not config.markets
        or intent.market_id in config.markets
        or intent.token_id in config.markets  # a strategy agent lists tokens
    )
    market_check = check(
        "market_allowlist",
        allowed,
        f"market {intent.market_id} {'is' if allowed else 'is not'} allowed"
        + (" (every market is)" if not config.markets else ""),
        market_id=intent.market_id,
        allowed=list(config.markets) or "all",
    )
    notional = intent.notional()
    if intent.side is Side.BUY:
        size_check = check(
            "size_cap",
            notional <= config.max_intent_usdc,
            f"source notional {show(notional)} USDC vs cap {show(config.max_intent_usdc)}",
            source_notional=notional,
            max_intent_usdc=config.max_intent_usdc,
        )
    else:
        size_check = check(
            "size_cap", True, "sells reduce exposure: no size cap", source_notional=notional
        )
    age = Decimal(str((data.now - intent.created_at).total_seconds()))
    stale_check = check(
        "staleness",
        age <= config.max_intent_age_s,
        f"intent is {show(age)}s old (limit {config.max_intent_age_s}s)",
        created_at=intent.created_at.isoformat(),
        now=data.now.isoformat(),
        age_s=age,
        max_intent_age_s=config.max_intent_age_s,
    )
    checks = [trader_check, market_check, size_check, stale_check]
    if age < 0:
        checks.append(clock_skew_check(data, config, -age))
    return checks


def clock_skew_check(data: DecisionInput, config: AgentConfig, ahead: Decimal) -> Check:
    """An intent created after the engine's clock: allowed within the agent's skew (clocks of
    two machines differ a little), denied beyond it (a future date would never be stale).
    Only intents ahead of the clock have this check, so other decisions' records (and their
    digest) are unchanged."""
    return check(
        "clock_skew",
        ahead <= config.max_clock_skew_s,
        f"intent is dated {show(ahead)}s after the engine's clock "
        f"(limit {config.max_clock_skew_s}s)",
        created_at=data.intent.created_at.isoformat(),
        now=data.now.isoformat(),
        ahead_s=ahead,
        max_clock_skew_s=config.max_clock_skew_s,
    )


def size_order(data: DecisionInput, config: AgentConfig, book: Book) -> SizingResult:
    """The order size by the agent's sizing rule (sells: proportional to the source); a
    strategy agent's own intents are sized by the strategy's ``size`` (sells: capped at what
    is held)."""
    intent = data.intent
    if intent.source.kind == "strategy" and config.strategy != "copy":
        return size_strategy(intent, held=data.held_total, size_step=book.size_step)
    if intent.side is Side.BUY:
        return size_by_rule(config.sizing, intent, book.size_step)
    if intent.source.kind == "copy":
        return size_copy_sell(
            intent,
            held_from_trader=data.held_from_trader,
            observed_trader_holding=data.observed_trader_holding,
            size_step=book.size_step,
        )
    if intent.source.kind == "flatten":
        return size_flatten_sell(intent, held=data.held_total, size_step=book.size_step)
    return size_plain_sell(config.sizing, intent, held=data.held_total, size_step=book.size_step)


def min_size_check(side: Side, sizing: SizingResult, book: Book, held: Decimal) -> Check:
    """Whether the sized order reaches the book's minimum size (and a sell has shares)."""
    if side is Side.SELL and sizing.size <= 0:
        return check(
            "sizing",
            False,
            "nothing to sell: the agent holds none of this from the source",
            size=sizing.size,
            held=held,
        )
    ok = sizing.size >= book.min_size
    return check(
        "sizing",
        ok,
        f"size {show(sizing.size)} {'meets' if ok else 'is below'} the venue minimum "
        f"{show(book.min_size)} ({sizing.rule})",
        size=sizing.size,
        min_size=book.min_size,
    )


def limit_checks(data: DecisionInput, agent: AgentView, order: OrderSpec) -> list[Check]:
    """Trades per day; for buys, position per market, stop loss and budget."""
    config = agent.config
    day = data.now.date().isoformat()
    trades = check(
        "trades_per_day",
        agent.trades_today < config.max_trades_per_day,
        f"{agent.trades_today} orders on {day} (limit {config.max_trades_per_day})",
        trades_today=agent.trades_today,
        max_trades_per_day=config.max_trades_per_day,
    )
    if order.side is Side.SELL:
        return [
            trades,
            check(
                "exposure",
                True,
                "a sell only reduces exposure: position, loss and budget limits do not apply",
                notional=order.notional,
            ),
        ]
    after = agent.market_cost + order.notional
    position = check(
        "position_limit",
        after <= config.max_position_usdc,
        f"market cost after the order {show(after)} USDC (limit {show(config.max_position_usdc)})",
        market_cost=agent.market_cost,
        order_notional=order.notional,
        max_position_usdc=config.max_position_usdc,
    )
    loss = -(agent.realised_pnl + agent.marked_pnl)
    stop = check(
        "stop_loss",
        loss < config.stop_loss_usdc,
        f"loss {show(loss)} USDC (realised {show(agent.realised_pnl)}, marked "
        f"{show(agent.marked_pnl)}) vs stop {show(config.stop_loss_usdc)}",
        realised_pnl=agent.realised_pnl,
        marked_pnl=agent.marked_pnl,
        stop_loss_usdc=config.stop_loss_usdc,
    )
    deployed = agent.deployed + order.notional
    budget = check(
        "budget",
        deployed <= config.budget_usdc,
        f"deployed after the order {show(deployed)} USDC (budget {show(config.budget_usdc)})",
        deployed=agent.deployed,
        order_notional=order.notional,
        budget_usdc=config.budget_usdc,
    )
    return [trades, position, stop, budget]
