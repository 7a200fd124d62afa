"""The decision on one intent: the firewall, sizing, the book check and the limits, as one pure
function of its inputs. It reads no clock and no store: the application service gathers the
inputs (from aggregates and the market-data port) and records what comes out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from engine.book_walk import slippage_pct, walk_book
from engine.checks import Check, check, show
from engine.config import AgentConfig
from engine.intent import TradeIntent
from engine.sizing import SizingResult, size_by_rule, size_copy_sell, size_plain_sell
from engine.values import Book, OrderType, Side, TradingState


@dataclass(frozen=True)
class AgentView:
    """What the limits need to know of an agent, read from its aggregate."""

    config: AgentConfig
    trading_state: TradingState
    trades_today: int
    market_cost: Decimal
    deployed: Decimal
    realised_pnl: Decimal
    marked_pnl: Decimal


@dataclass(frozen=True)
class DecisionInput:
    """Everything a decision depends on; the same input always gives the same decision."""

    intent: TradeIntent
    now: datetime
    agent: AgentView | None
    book: Book | None
    held_from_trader: Decimal
    held_total: Decimal
    observed_trader_holding: Decimal | None


@dataclass(frozen=True)
class OrderSpec:
    """The order to place when an intent is accepted."""

    side: Side
    order_type: OrderType
    price: Decimal
    size: Decimal

    @property
    def notional(self) -> Decimal:
        """Price x size."""
        return self.price * self.size


@dataclass(frozen=True)
class Decision:
    """The verdict: accepted with an order, or denied with the first failed check as reason."""

    checks: tuple[Check, ...]
    sizing: SizingResult | None
    order: OrderSpec | None
    halt_reason: str | None = None

    @property
    def accepted(self) -> bool:
        """Whether every check passed and there is an order to place."""
        return self.order is not None and all(c.passed for c in self.checks)

    @property
    def failed(self) -> Check | None:
        """The first failed check (the denial reason), if any."""
        return next((c for c in self.checks if not c.passed), None)

    def check_records(self) -> list[dict[str, Any]]:
        """The checks as stored in the verdict event."""
        return [c.to_record() for c in self.checks]


def decide(data: DecisionInput) -> Decision:
    """Run every check that can run, in a fixed order, and size the order if all pass."""
    intent = data.intent
    agent = data.agent
    if agent is None:
        return Decision(
            (
                check(
                    "agent",
                    False,
                    f"no agent named {intent.agent!r} is configured",
                    agent=intent.agent,
                ),
            ),
            None,
            None,
        )
    config = agent.config
    checks = [*_gate_checks(data, agent), *_source_checks(data, config)]
    book = data.book
    if book is None:
        checks.append(
            check(
                "book",
                False,
                f"no book for token {intent.token_id} on {intent.venue}",
                token_id=intent.token_id,
            )
        )
        return Decision(tuple(checks), None, None)
    if not book.accepting_orders:
        reason = book.closed_reason or "closed"
        checks.append(
            check(
                "market_open",
                False,
                f"the market is not accepting orders: {reason}",
                market_id=intent.market_id,
                reason=reason,
            )
        )
        return Decision(tuple(checks), None, None)
    checks.append(
        check(
            "book",
            True,
            f"book recorded at {book.at}",
            at=book.at,
            best_bid=book.best_bid(),
            best_ask=book.best_ask(),
        )
    )
    sizing = _size(data, config, book)
    checks.append(_min_size_check(intent.side, sizing, book, data.held_total))
    if sizing.size <= 0 or sizing.size < book.min_size:
        return Decision(tuple(checks), sizing, None)
    walk = walk_book(book, intent.side, sizing.size)
    if walk.average_price is None or walk.worst_price is None:
        checks.append(
            check(
                "liquidity",
                False,
                "the book has nothing on the side we would take",
                side=intent.side.value,
            )
        )
        return Decision(tuple(checks), sizing, None)
    slip = slippage_pct(intent.side, intent.price, walk.average_price)
    checks.append(
        check(
            "slippage",
            slip <= config.max_slippage_pct,
            f"average price {show(walk.average_price)} vs source {show(intent.price)}: "
            f"{show(slip)}% (limit {show(config.max_slippage_pct)}%)",
            source_price=intent.price,
            average_price=walk.average_price,
            limit_price=walk.worst_price,
            fillable=walk.fillable,
            slippage_pct=slip,
            max_slippage_pct=config.max_slippage_pct,
        )
    )
    order = OrderSpec(intent.side, config.order_type, walk.worst_price, sizing.size)
    checks.extend(_limit_checks(data, agent, order))
    halt = next((c.detail for c in checks if c.name == "stop_loss" and not c.passed), None)
    return Decision(tuple(checks), sizing, order, halt_reason=halt)


def _gate_checks(data: DecisionInput, agent: AgentView) -> list[Check]:
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


def _source_checks(data: DecisionInput, config: AgentConfig) -> list[Check]:
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
    allowed = not config.markets or intent.market_id in config.markets
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
    return [trader_check, market_check, size_check, stale_check]


def _size(data: DecisionInput, config: AgentConfig, book: Book) -> SizingResult:
    intent = data.intent
    if intent.side is Side.BUY:
        return size_by_rule(config.sizing, intent, book.size_step)
    if intent.source.kind == "copy":
        return size_copy_sell(
            intent,
            held_from_trader=data.held_from_trader,
            observed_trader_holding=data.observed_trader_holding,
            size_step=book.size_step,
        )
    return size_plain_sell(config.sizing, intent, held=data.held_total, size_step=book.size_step)


def _min_size_check(side: Side, sizing: SizingResult, book: Book, held: Decimal) -> Check:
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


def _limit_checks(data: DecisionInput, agent: AgentView, order: OrderSpec) -> list[Check]:
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
