"""Paired intents (arbitrage): the verdict on both legs, written ahead together with the
``Pair``; each next step of a pair (close, retry the missing leg, unwind the one that filled
alone) as a step of its own, written ahead before its order is sent; and the loop that sends
what the steps write until every pair waits on a venue or is closed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from engine.agents import Agent
from engine.application import TapeApplication
from engine.arbitrage.decision import PairDecision, PairDecisionInput, decide_pair, second_leg_view
from engine.arbitrage.fees import VenueFee, fee_of
from engine.arbitrage.legs import Close, LegFills, PairFacts, Place, next_step
from engine.arbitrage.pair import Pair, pair_uuid
from engine.arbitrage.params import ArbParams, arb_params_of
from engine.commands import AdvancePair, ExecuteOrder, RunPairs
from engine.decision import AgentView
from engine.handlers.context import EngineContext
from engine.ids import agent_uuid
from engine.intent import TradeIntent
from engine.intents import Intent
from engine.orders import Order
from engine.values import OrderType, Side, TradingState, dec_str

MAX_STEPS = 16
"""A bound on one pair's steps in one run (each sends one order; the rules allow fewer)."""


def decide_paired(
    ctx: EngineContext, record: Intent, intent: TradeIntent, agent: Agent | None, now: datetime
) -> list[UUID]:
    """The verdict on a paired intent: both legs' orders and the ``Pair`` written ahead with
    ``IntentAccepted``, or ``IntentDenied`` (a stop loss halts the agent, as for a copy)."""
    params = arb_params_of(agent.config) if agent is not None else None
    features = dict(intent.source.features or {})
    decision = decide_pair(
        PairDecisionInput(intent, now, _views(agent, intent, now), params, features)
    )
    if decision.accepted and agent is not None and params is not None:
        return _accept(
            ctx,
            record=record,
            agent=agent,
            intent=intent,
            decision=decision,
            params=params,
            features=features,
            now=now,
        )
    failed = decision.failed
    record.deny(
        reason=failed.name if failed else "no_order",
        detail=failed.detail if failed else "no order to place",
        checks=[c.to_record() for c in decision.checks],
        sizing=None,
        book=None,
        at=now,
    )
    to_save: list[Any] = [record]
    stop = next((c for c in decision.checks if c.name.endswith("stop_loss") and not c.passed), None)
    if stop is not None and agent is not None:
        agent.set_trading_state(
            state=TradingState.HALTED, reason=f"stop loss: {stop.detail}", at=now
        )
        to_save.append(agent)
    ctx.unit.add(*to_save)
    return []


def _views(
    agent: Agent | None, intent: TradeIntent, now: datetime
) -> tuple[AgentView, AgentView] | None:
    if agent is None or intent.legs is None:
        return None
    first = AgentView(
        config=agent.config,
        trading_state=TradingState(agent.trading_state),
        trades_today=agent.trades_today(now.date().isoformat()),
        market_cost=agent.market_cost(intent.legs[0].market_id),
        deployed=agent.deployed(),
        realised_pnl=agent.realised_pnl,
        marked_pnl=agent.marked_pnl(),
    )
    a = intent.legs[0]
    second = second_leg_view(first, agent.market_cost(intent.legs[1].market_id), a.price * a.size)
    return first, second


def _accept(
    ctx: EngineContext,
    *,
    record: Intent,
    agent: Agent,
    intent: TradeIntent,
    decision: PairDecision,
    params: ArbParams,
    features: dict[str, str],
    now: datetime,
) -> list[UUID]:
    legs = intent.legs or []
    orders = [
        Order.place(
            intent_id=intent.intent_id,
            leg=index,
            agent=intent.agent,
            venue=leg.venue,
            market_id=leg.market_id,
            token_id=leg.token_id,
            outcome=leg.outcome,
            side=leg.side.value,
            order_type=OrderType.FAK.value,
            price=leg.price,
            size=leg.size,
            source_trader=None,
            at=now,
        )
        for index, leg in enumerate(legs)
    ]
    record.accept(
        checks=[c.to_record() for c in decision.checks],
        sizing={
            "rule": "arbitrage: the strategy's equal shares on both legs",
            "size": dec_str(legs[0].size),
            "values": {"legs": "2", "size_per_leg": dec_str(legs[0].size)},
        },
        book=None,
        order_ids=[str(o.id) for o in orders],
        at=now,
    )
    instruments = {
        name: {
            "venue": leg.venue,
            "market_id": leg.market_id,
            "token_id": leg.token_id,
            "outcome": leg.outcome,
            "limit_price": dec_str(leg.price),
            "fee_rate": dec_str(
                params.polymarket_fee_rate
                if leg.venue == "polymarket"
                else params.kalshi_fee_multiplier
            ),
        }
        for name, leg in zip(("a", "b"), legs, strict=True)
    }
    pair = Pair.open(
        intent_id=intent.intent_id,
        agent=intent.agent,
        pair=features.get("pair", ""),
        direction=features.get("direction", ""),
        instruments=instruments,
        legs=[_leg_record(o, name, "entry") for o, name in zip(orders, ("a", "b"), strict=True)],
        size=legs[0].size,
        edge=_decimal(features.get("edge")),
        fees=_decimal(features.get("fees")),
        cost=_decimal(features.get("cost")),
        features=dict(sorted(features.items())),  # as the intent stores them
        max_leg_risk_usdc=params.max_leg_risk_usdc,
        leg_retries=params.leg_retries,
        unwind_attempts=params.unwind_attempts,
        at=now,
    )
    for order in orders:
        agent.commit_order(
            order_id=str(order.id),
            day=now.date().isoformat(),
            market_id=order.market_id,
            token_id=order.token_id,
            side=Side(order.side),
            size=order.size,
            notional=order.price * order.size,
            mark=None,
            at=now,
        )
    ctx.unit.add(record, pair, *orders, agent)
    ctx.open_pairs.add(pair.id)
    return [o.id for o in orders]


def _decimal(text: str | None) -> Decimal:
    try:
        return Decimal(text or "0")
    except InvalidOperation:
        return Decimal(0)


def _leg_record(order: Order, instrument: str, role: str) -> dict[str, Any]:
    return {
        "leg": order.leg,
        "order_id": str(order.id),
        "instrument": instrument,
        "role": role,
        "venue": order.venue,
        "token_id": order.token_id,
        "side": order.side,
        "price": dec_str(order.price),
        "size": dec_str(order.size),
    }


def _fee(instrument: dict[str, Any]) -> VenueFee:
    rate = _decimal(instrument.get("fee_rate"))
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
    leg = _leg_record(order, step.instrument, step.role)
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
