"""Deciding a paired intent (an arbitrage): the firewall on both legs (the pure
``engine.arbitrage.decision.decide_pair``), and, accepted, both legs' orders, the agent's
commitments and the ``Pair`` written ahead with ``IntentAccepted``, in the intent's step."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from engine.agents import Agent
from engine.arbitrage.decision import PairDecision, PairDecisionInput, decide_pair, second_leg_view
from engine.arbitrage.pair import Pair, leg_record
from engine.arbitrage.params import ArbParams, arb_params_of
from engine.decision import AgentView
from engine.handlers.context import EngineContext
from engine.intent import TradeIntent
from engine.intents import Intent
from engine.orders import Order
from engine.values import OrderType, Side, TradingState, dec_str


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
            agent=intent.addressed_agent,
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
        agent=intent.addressed_agent,
        pair=features.get("pair", ""),
        direction=features.get("direction", ""),
        instruments=instruments,
        legs=[leg_record(o, name, "entry") for o, name in zip(orders, ("a", "b"), strict=True)],
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
