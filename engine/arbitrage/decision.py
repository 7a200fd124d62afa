"""The firewall's decision on a paired (arbitrage) intent, pure: the same gates, allowlists and
limits as a copy, applied to each leg, and the pair's own checks (two buys of equal size on two
venues, a configured pair, price limits that add up to less than 1, the strategy's edge after
fees above the agent's ``min_profit_usdc``: an intent that came from outside with a claimed
edge still cannot buy pairs that lose before fees). Both legs are placed
or neither. The prices are the strategy's limits; the sizes its equal share counts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation

from engine.arbitrage.params import ArbParams
from engine.checks import Check, check, show
from engine.decision import AgentView, DecisionInput, OrderSpec
from engine.decision_checks import gate_checks, limit_checks, source_checks
from engine.intent import TradeIntent
from engine.values import OrderType, Side

SHARED = ("agent_state", "trader_allowlist", "staleness", "clock_skew")
"""Checks of the intent as a whole: taken once, from the first leg."""


@dataclass(frozen=True)
class PairDecisionInput:
    """Everything a pair's decision depends on."""

    intent: TradeIntent
    now: datetime
    agents: tuple[AgentView, AgentView] | None  # the agent as each leg's market sees it
    params: ArbParams | None
    features: Mapping[str, str]


@dataclass(frozen=True)
class PairDecision:
    """The verdict on both legs: an order per leg, or none."""

    checks: tuple[Check, ...]
    orders: tuple[OrderSpec, OrderSpec] | None

    @property
    def accepted(self) -> bool:
        """Every check passed."""
        return self.orders is not None and all(c.passed for c in self.checks)

    @property
    def failed(self) -> Check | None:
        """The first failed check."""
        return next((c for c in self.checks if not c.passed), None)


def _named(checks: list[Check], leg: int) -> list[Check]:
    # Leg 0's checks keep their names (so a halted agent is denied for ``agent_state`` as
    # always); leg 1's carry its number, and the intent-wide ones are not repeated.
    if leg == 0:
        return checks
    return [replace(c, name=f"leg1_{c.name}") for c in checks if c.name not in SHARED]


def _edge(features: Mapping[str, str]) -> Decimal | None:
    try:
        return Decimal(features["edge"])
    except (KeyError, InvalidOperation):
        return None


def pair_checks(data: PairDecisionInput, params: ArbParams) -> list[Check]:
    """The pair's own checks: its shape, a configured pair, the edge above the minimum."""
    intent = data.intent
    legs = intent.legs or []
    a, b = legs
    shape_ok = (
        a.side is Side.BUY
        and b.side is Side.BUY
        and a.size == b.size
        and {a.venue, b.venue} == {"polymarket", "kalshi"}
    )
    tokens = {(a.venue, a.token_id), (b.venue, b.token_id)}
    listed = any(
        tokens
        in (
            {("polymarket", p.polymarket), ("kalshi", p.kalshi_token("no"))},
            {("polymarket", p.polymarket_no), ("kalshi", p.kalshi_token("yes"))},
        )
        for p in params.pairs
    )
    edge = _edge(data.features)
    limits = a.price + b.price
    return [
        check(
            "pair_shape",
            shape_ok,
            "two buys of equal size, one on polymarket and one on kalshi"
            if shape_ok
            else "a paired intent must buy equal sizes on polymarket and kalshi",
            sides=[a.side.value, b.side.value],
            sizes=[a.size, b.size],
            venues=[a.venue, b.venue],
        ),
        check(
            "pair_listed",
            listed,
            f"{a.token_id} and {b.token_id} {'are' if listed else 'are not'} complementary "
            "legs of a configured pair",
            tokens=[a.token_id, b.token_id],
        ),
        check(
            "pair_prices",
            limits < 1,
            f"the price limits add up to {show(limits)} a pair"
            + (" (under 1 before fees)" if limits < 1 else ": no edge even before fees"),
            limit_prices=[a.price, b.price],
        ),
        check(
            "edge",
            edge is not None and edge > params.min_profit_usdc,
            f"edge after fees {show(edge)} USDC vs minimum {show(params.min_profit_usdc)}",
            edge=edge,
            min_profit_usdc=params.min_profit_usdc,
            fees=data.features.get("fees"),
        ),
    ]


def decide_pair(data: PairDecisionInput) -> PairDecision:
    """Run every check on both legs; place both legs (FAK at the strategy's limits) or none."""
    intent = data.intent
    if data.agents is None:
        return PairDecision(
            (check("agent", False, f"no agent named {intent.agent!r} is configured"),), None
        )
    if data.params is None or intent.legs is None:
        reason = "the agent is not an arbitrage agent" if data.params is None else "one leg"
        return PairDecision((check("strategy", False, reason, agent=intent.agent),), None)
    checks: list[Check] = []
    specs: list[OrderSpec] = []
    for index, view in enumerate(data.agents):
        leg = intent.leg(index)
        single = DecisionInput(leg, data.now, view, None, Decimal(0), Decimal(0), None)
        spec = OrderSpec(leg.side, OrderType.FAK, leg.price, leg.size)
        found = [*gate_checks(single, view), *source_checks(single, view.config)]
        found += limit_checks(single, view, spec)
        checks += _named(found, index)
        specs.append(spec)
    checks += pair_checks(data, data.params)
    return PairDecision(tuple(checks), (specs[0], specs[1]))


def second_leg_view(
    first: AgentView, second_market_cost: Decimal, first_notional: Decimal
) -> AgentView:
    """The agent as the second leg's limits see it: after the first leg's order."""
    return replace(
        first,
        trades_today=first.trades_today + 1,
        market_cost=second_market_cost,
        deployed=first.deployed + first_notional,
    )
