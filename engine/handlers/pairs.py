"""Paired intents (arbitrage) after their verdict (``engine/handlers/pair_deciding.py``): each
next step of a pair (close, retry the missing leg, unwind the one that filled alone) as a step
of its own, written ahead before its order is sent; the loop that sends what the steps write
until every pair waits on a venue or is closed; and the pairs a restart finds open."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from engine.agents import Agent
from engine.application import TapeApplication
from engine.arbitrage.fees import VenueFee, fee_of
from engine.arbitrage.legs import Close, LegFills, PairFacts, Place, next_step
from engine.arbitrage.pair import Pair, leg_record, pair_uuid
from engine.commands import AdvancePair, ExecuteOrder, RunPairs
from engine.handlers.context import EngineContext
from engine.ids import agent_uuid
from engine.intent import TradeIntent
from engine.orders import Order
from engine.values import OrderType, TradingState

MAX_STEPS = 16
"""A bound on one pair's steps in one run (each sends one order; the rules allow fewer)."""


def _fee(instrument: dict[str, Any]) -> VenueFee:
    rate = Decimal(str(instrument.get("fee_rate") or "0"))
    return fee_of(str(instrument["venue"]), polymarket_rate=rate, kalshi_multiplier=rate)


def advance_pair(ctx: EngineContext, command: AdvancePair) -> list[UUID]:
    """The pair's next step (``engine.arbitrage.legs``), recorded; answers the order written
    ahead, if any."""
    pair: Pair | None = ctx.unit.find(command.pair_id)
    if pair is None or pair.closed:
        ctx.open_pairs.discard(command.pair_id)
        return []
    orders: dict[str, Order] = {
        leg["order_id"]: ctx.unit.get(UUID(leg["order_id"])) for leg in pair.legs
    }
    agent: Agent = ctx.unit.get(agent_uuid(pair.agent))
    facts = PairFacts(
        instruments=pair.instruments,
        legs=pair.legs,
        orders={
            key: LegFills(
                o.is_terminal, tuple((f["price"], f["size"], f["fee"]) for f in o.fills.values())
            )
            for key, o in orders.items()
        },
        fees={name: _fee(i) for name, i in pair.instruments.items()},
        state=TradingState(agent.trading_state),
        max_leg_risk_usdc=pair.max_leg_risk_usdc,
        leg_retries=pair.leg_retries,
        unwind_attempts=pair.unwind_attempts,
    )
    step = next_step(facts)
    at = ctx.after(max([pair.modified_on, *(o.modified_on for o in orders.values())]))
    if isinstance(step, Close):
        pair.close(
            outcome=step.outcome,
            reason=step.reason,
            hedged=step.hedged,
            exposed=step.exposed,
            unwind_loss=step.unwind_loss,
            at=at,
        )
        ctx.unit.add(pair)
        ctx.open_pairs.discard(pair.id)
        return []
    if not isinstance(step, Place):
        return []
    return [_place_step(ctx, pair, agent, step, at)]


def _place_step(ctx: EngineContext, pair: Pair, agent: Agent, step: Place, at: datetime) -> UUID:
    instrument = pair.instruments[step.instrument]
    order = Order.place(
        intent_id=pair.intent_id,
        leg=len(pair.legs),
        agent=pair.agent,
        venue=instrument["venue"],
        market_id=instrument["market_id"],
        token_id=instrument["token_id"],
        outcome=instrument["outcome"],
        side=step.side.value,
        order_type=OrderType.FAK.value,
        price=step.price,
        size=step.size,
        source_trader=None,
        at=at,
    )
    leg = leg_record(order, step.instrument, step.role)
    if step.role == "retry":
        pair.retry(leg=leg, filled=step.filled, at=at)
    else:
        pair.unwind(
            leg=leg,
            filled=step.filled,
            entry_cost_per_share=step.unwind["entry_cost_per_share"],
            budget_left=step.unwind["budget_left"],
            worst_fee=step.unwind["worst_fee"],
            at=at,
        )
    agent.commit_order(
        order_id=str(order.id),
        day=at.date().isoformat(),
        market_id=order.market_id,
        token_id=order.token_id,
        side=step.side,
        size=order.size,
        notional=order.price * order.size,
        mark=None,
        at=at,
    )
    ctx.unit.add(pair, order, agent)
    return order.id


def run_pairs(ctx: EngineContext, command: RunPairs) -> int:
    """Advance each pair and send what it writes ahead, until it waits or closes."""
    sent = 0
    for pair_id in command.pair_ids or tuple(sorted(ctx.open_pairs)):
        for _ in range(MAX_STEPS):
            placed = ctx.handle(AdvancePair(pair_id))
            if not placed:
                break
            for order_id in placed:
                ctx.handle(ExecuteOrder(order_id))
                sent += 1
    return sent


_PAIR_TOPICS = [get_topic(Pair.PairOpened), get_topic(Pair.PairClosed)]


def open_pairs_in(app: TapeApplication) -> set[UUID]:
    """The pairs the log shows opened and not closed (for a restart)."""
    found: set[UUID] = set()
    start = 1
    while page := app.recorder.select_notifications(start=start, limit=1000, topics=_PAIR_TOPICS):
        for notification in page:
            event = app.mapper.to_domain_event(notification)
            if isinstance(event, Pair.PairOpened):
                found.add(event.originator_id)
            else:
                found.discard(event.originator_id)
        start = page[-1].id + 1
    return found


def pairs_of(intents: Iterable[TradeIntent]) -> tuple[UUID, ...]:
    """The pairs paired intents open."""
    return tuple(pair_uuid(i.intent_id) for i in intents if i.legs is not None)
