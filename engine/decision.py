"""The decision on one intent: the firewall, sizing, the book check and the limits, as one pure
function of its inputs. It reads no clock and no store: the deciding handler gathers the
inputs (from aggregates and the market-data port) and records what comes out. The check
groups are in ``engine/decision_checks.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from engine.aggregation import Buffered, PendingCopies, aggregate, applies, round_up_sell
from engine.book_walk import slippage_pct, walk_book
from engine.checks import Check, check, show
from engine.config import AgentConfig
from engine.decision_checks import (
    gate_checks,
    limit_checks,
    min_size_check,
    size_order,
    source_checks,
)
from engine.intent import TradeIntent
from engine.sizing import SizingResult
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
    pending: PendingCopies | None = None  # the agent aggregates small buys: its bucket


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
    buffer: bool = False  # aggregation: the copy waits in the agent's buffer
    carried: PendingCopies | None = None  # aggregation: the buffered copies the order carries
    source_price: Decimal | None = None  # the price slippage was checked against

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
    checks = [*gate_checks(data, agent), *source_checks(data, config)]
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
    sizing = size_order(data, config, book)
    return _sized(data, agent, book, checks, sizing)


def _sized(
    data: DecisionInput,
    agent: AgentView,
    book: Book,
    checks: list[Check],
    sizing: SizingResult,
) -> Decision:
    # The minimum size (or, for an agent that aggregates, the buffer), then the order.
    intent = data.intent
    if data.pending is not None and applies(data.pending, sizing, book):
        this = Buffered(intent.intent_id, sizing.size, intent.price)
        small = aggregate(
            data.pending,
            this,
            book,
            agent.config.aggregation_window_s,
            agent.config.aggregation_round_up_usdc,
        )
        checks.append(small.check)
        if small.buffer:
            return Decision(tuple(checks), sizing, None, buffer=True, carried=small.carried)
        return _order(
            data,
            agent,
            book,
            checks,
            sizing,
            size=small.size,
            source_price=small.source_price,
            carried=small.carried,
        )
    config = agent.config
    if config.aggregate_small and intent.side is Side.SELL and config.aggregation_round_up_usdc:
        rounded = round_up_sell(
            sizing.size, book, data.held_from_trader, intent.price, config.aggregation_round_up_usdc
        )
        if rounded is not None:
            checks.append(rounded)
            return _order(
                data, agent, book, checks, sizing, size=book.min_size, source_price=intent.price
            )
    checks.append(min_size_check(intent.side, sizing, book, data.held_total))
    if sizing.size <= 0 or sizing.size < book.min_size:
        return Decision(tuple(checks), sizing, None)
    return _order(data, agent, book, checks, sizing, size=sizing.size, source_price=intent.price)


def _order(
    data: DecisionInput,
    agent: AgentView,
    book: Book,
    checks: list[Check],
    sizing: SizingResult,
    *,
    size: Decimal,
    source_price: Decimal,
    carried: PendingCopies | None = None,
) -> Decision:
    # The walk of the book, the slippage against the source price and the limits.
    intent, config = data.intent, agent.config
    walk = walk_book(book, intent.side, size)
    if walk.average_price is None or walk.worst_price is None:
        checks.append(
            check(
                "liquidity",
                False,
                "the book has nothing on the side we would take",
                side=intent.side.value,
            )
        )
        return Decision(tuple(checks), sizing, None, carried=carried)
    slip = slippage_pct(intent.side, source_price, walk.average_price)
    checks.append(
        check(
            "slippage",
            slip <= config.max_slippage_pct,
            f"average price {show(walk.average_price)} vs source {show(source_price)}: "
            f"{show(slip)}% (limit {show(config.max_slippage_pct)}%)",
            source_price=source_price,
            average_price=walk.average_price,
            limit_price=walk.worst_price,
            fillable=walk.fillable,
            slippage_pct=slip,
            max_slippage_pct=config.max_slippage_pct,
        )
    )
    order = OrderSpec(intent.side, config.order_type, walk.worst_price, size)
    checks.extend(limit_checks(data, agent, order))
    halt = next((c.detail for c in checks if c.name == "stop_loss" and not c.passed), None)
    return Decision(
        tuple(checks),
        sizing,
        order,
        halt_reason=halt,
        carried=carried,
        source_price=source_price,
    )
