"""Deciding: the verdict of a received intent, from the pure ``engine.decision.decide``, and
what it writes ahead of any venue call (the order, the agent's commitment, the copied trader's
observed holding), all in the intent's step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from engine.agents import Agent
from engine.checks import check
from engine.commands import DecideIntent, DecidePending
from engine.copy_buffer import CopyBuffer
from engine.decision import AgentView, Decision, DecisionInput, OrderSpec, decide
from engine.handlers import buffering
from engine.handlers.context import EngineContext
from engine.handlers.pair_deciding import decide_paired
from engine.ids import (
    agent_uuid,
    intent_uuid,
    position_uuid,
    trader_holding_uuid,
)
from engine.intent import TradeIntent, parse_intent
from engine.intents import Intent
from engine.orders import Order
from engine.positions import Position
from engine.traders import TraderHolding
from engine.values import Book, TradingState

INTERNAL_ERROR = "internal_error"
"""The reason (and check) of a denial whose deciding raised."""


def decide_intent(ctx: EngineContext, command: DecideIntent) -> list[UUID]:
    """The verdict (``IntentAccepted`` with ``OrderPlaced`` and ``OrderCommitted``, or
    ``IntentDenied``, halting the agent on a stop loss); answers the orders written ahead."""
    intent = command.intent
    record: Intent | None = ctx.unit.get_or_none(intent_uuid(intent.intent_id))
    if record is None or record.decided or intent.agent is None:
        return []  # a signal is never decided itself: each follower's intent is
    now = ctx.after(record.modified_on)
    agent: Agent | None = ctx.unit.refresh(agent_uuid(intent.addressed_agent))
    if intent.legs is not None:  # a paired intent (arbitrage): both legs or neither
        try:
            with ctx.unit.savepoint(record, agent):
                return decide_paired(ctx, record, intent, agent, now)
        except Exception as error:  # as for a single leg: a verdict, never a stop
            _deny_internal_error(ctx, _Gathered(record, agent, None, None, None, now), error)
            return []
    position: Position | None = ctx.unit.find(
        position_uuid(intent.addressed_agent, intent.venue, intent.token_id)
    )
    holding = _trader_holding(ctx, intent)
    book = ctx.market_data.book(
        intent.venue, intent.token_id, at=now, account=intent.addressed_agent
    )
    buffer = buffering.copy_buffer(ctx, agent, intent)
    gathered = _Gathered(record, agent, position, holding, book, now, buffer)
    try:
        with ctx.unit.savepoint(record, agent, holding, buffer):
            return _verdict(ctx, intent, gathered)
    except Exception as error:  # whatever deciding raises is a verdict, never a stop
        _deny_internal_error(ctx, gathered, error)
        return []


@dataclass(frozen=True)
class _Gathered:
    # What deciding read: the intent's record, the aggregates and the book, at the engine's time.
    record: Intent
    agent: Agent | None
    position: Position | None
    holding: TraderHolding | None
    book: Book | None
    now: datetime
    buffer: CopyBuffer | None = None


def _verdict(ctx: EngineContext, intent: TradeIntent, gathered: _Gathered) -> list[UUID]:
    # The decision and what it writes; anything in here that raises is an ``internal_error``.
    record, agent, book, now = gathered.record, gathered.agent, gathered.book, gathered.now
    position, holding = gathered.position, gathered.holding
    to_save: list[Any] = [record]
    pending = buffering.sweep(agent, gathered.buffer, intent, now, to_save)
    decision = decide(
        DecisionInput(
            intent=intent,
            now=now,
            agent=_agent_view(agent, intent, now.date().isoformat()),
            book=book,
            held_from_trader=_sellable(agent, position, intent, intent.source.trader),
            held_total=_sellable(agent, position, intent, None),
            observed_trader_holding=holding.holding if holding is not None else None,
            pending=pending,
        )
    )
    if _observes_trader(decision, intent):
        if holding is None:
            holding = TraderHolding.first_seen(
                agent=intent.addressed_agent,
                venue=intent.venue,
                trader=intent.source.trader or "",
                token_id=intent.token_id,
                at=now,
            )
        holding.observe(
            intent_id=intent.intent_id,
            side=intent.side,
            size=intent.size,
            reported_before=intent.source.trader_position_before,
            at=now,
        )
        to_save.append(holding)
    if decision.accepted and decision.order is not None and agent is not None:
        order = _place(record, agent, intent, decision=decision, book=book, now=now)
        to_save += [order, agent]
        buffering.flush(gathered.buffer, intent, decision, order, now, to_save)
        ctx.unit.add(*to_save)
        return [order.id]
    if decision.buffer and agent is not None:
        buffering.buffer_copy(record, gathered.buffer, intent, decision, book, now, to_save)
        ctx.unit.add(*to_save)
        return []
    failed = decision.failed
    record.deny(
        reason=failed.name if failed else "no_order",
        detail=failed.detail if failed else "no order to place",
        checks=decision.check_records(),
        sizing=decision.sizing.to_record() if decision.sizing is not None else None,
        book=book.to_record() if book is not None else None,
        at=now,
    )
    if decision.halt_reason and agent is not None:
        agent.set_trading_state(
            state=TradingState.HALTED, reason=f"stop loss: {decision.halt_reason}", at=now
        )
        to_save.append(agent)
    ctx.unit.add(*to_save)
    return []


def decide_pending(ctx: EngineContext, command: DecidePending) -> list[UUID]:
    """Decide an intent that was received but has no verdict yet (after a restart)."""
    record: Intent | None = ctx.unit.get_or_none(intent_uuid(command.intent_id))
    if record is None or record.decided:
        return []
    try:
        intent = parse_intent(record.intent)
    except Exception as error:  # stored by an older Tape, unreadable now: denied, not retried
        now = ctx.after(record.modified_on)
        _deny_internal_error(ctx, _Gathered(record, None, None, None, None, now), error)
        return []
    return ctx.handle(DecideIntent(intent))


def _deny_internal_error(ctx: EngineContext, gathered: _Gathered, error: Exception) -> None:
    """Deny an intent whose deciding raised: the reason ``internal_error`` and a check naming
    the exception's type, never its message (it could hold anything the input held). The book
    is recorded as for any verdict, so a replay decides on it and raises again."""
    name = type(error).__name__
    record = gathered.record
    record.deny(
        reason=INTERNAL_ERROR,
        detail=f"deciding raised {name}",
        checks=[
            check(INTERNAL_ERROR, False, f"deciding raised {name}", exception=name).to_record()
        ],
        sizing=None,
        book=gathered.book.to_record() if gathered.book is not None else None,
        at=gathered.now,
    )
    ctx.unit.add(record)


def _place(
    record: Intent,
    agent: Agent,
    intent: TradeIntent,
    *,
    decision: Decision,
    book: Book | None,
    now: datetime,
) -> Order:
    # The accepted verdict, the order written ahead and the agent's commitment to it.
    spec: OrderSpec | None = decision.order
    if spec is None:
        raise ValueError("an accepted decision without an order")
    order = Order.place(
        intent_id=intent.intent_id,
        leg=0,
        agent=intent.addressed_agent,
        venue=intent.venue,
        market_id=intent.market_id,
        token_id=intent.token_id,
        outcome=intent.outcome,
        side=spec.side.value,
        order_type=spec.order_type.value,
        price=spec.price,
        size=spec.size,
        source_trader=intent.source.trader,
        at=now,
    )
    record.accept(
        checks=decision.check_records(),
        sizing=decision.sizing.to_record() if decision.sizing is not None else {},
        book=book.to_record() if book is not None else None,
        order_ids=[str(order.id)],
        at=now,
    )
    agent.commit_order(
        order_id=str(order.id),
        day=now.date().isoformat(),
        market_id=intent.market_id,
        token_id=intent.token_id,
        side=spec.side,
        size=spec.size,
        notional=spec.notional,
        mark=book.mid() if book is not None else None,
        at=now,
    )
    return order


def _agent_view(agent: Agent | None, intent: TradeIntent, day: str) -> AgentView | None:
    if agent is None:
        return None
    return AgentView(
        config=agent.config,
        trading_state=TradingState(agent.trading_state),
        trades_today=agent.trades_today(day),
        market_cost=agent.market_cost(intent.market_id),
        deployed=agent.deployed(),
        realised_pnl=agent.realised_pnl,
        marked_pnl=agent.marked_pnl(),
    )


def _sellable(
    agent: Agent | None, position: Position | None, intent: TradeIntent, trader: str | None
) -> Decimal:
    # What a new sell may take: held (from the trader, or in all), less what open sells
    # of this token may still take.
    if position is None:
        return Decimal(0)
    free = position.size - (agent.selling_size(intent.token_id) if agent else Decimal(0))
    return max(min(position.held_from(trader), free), Decimal(0))


def _trader_holding(ctx: EngineContext, intent: TradeIntent) -> TraderHolding | None:
    if intent.source.kind != "copy" or intent.source.trader is None:
        return None
    holding: TraderHolding | None = ctx.unit.find(
        trader_holding_uuid(
            intent.addressed_agent, intent.venue, intent.source.trader, intent.token_id
        )
    )
    return holding


def _observes_trader(decision: Decision, intent: TradeIntent) -> bool:
    # The trader's holdings are followed once it is followed: its trades reached the agent.
    followed = next((c.passed for c in decision.checks if c.name == "trader_allowlist"), False)
    return intent.source.kind == "copy" and intent.source.trader is not None and followed
