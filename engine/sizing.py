"""Sizing: how a source trade becomes our order size, and proportional sells.

The intent says what the source did; the agent's sizing rule decides what we do. Sizes come
out in shares, rounded down to the venue's size grid (never up: we never buy more than the
rule allows nor sell more than we hold).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.checks import show
from engine.config import Sizing
from engine.grid import floor_to
from engine.intent import TradeIntent

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class SizingResult:
    """The size decided, the rule that decided it and the values it used."""

    size: Decimal
    rule: str
    values: dict[str, str] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        """The sizing as stored in the verdict."""
        return {
            "size": show(self.size),
            "rule": self.rule,
            "values": dict(sorted(self.values.items())),
        }


def tier_multiplier(sizing: Sizing, source_notional: Decimal) -> Decimal:
    """The multiplier of the highest tier whose threshold the source notional reaches."""
    chosen = Decimal(0)
    for threshold, multiplier in sizing.tiers:
        if source_notional >= threshold:
            chosen = multiplier
    return chosen


def size_by_rule(sizing: Sizing, intent: TradeIntent, size_step: Decimal) -> SizingResult:
    """Apply the agent's sizing rule to the source trade."""
    value = sizing.value if sizing.value is not None else Decimal(0)
    if sizing.mode == "FIXED":
        raw = value / intent.price
        rule = f"FIXED {show(value)} USDC at the source price {show(intent.price)}"
        values = {"usdc": value, "source_price": intent.price}
    elif sizing.mode == "PERCENTAGE":
        raw = intent.size * value / HUNDRED
        rule = f"PERCENTAGE {show(value)}% of the source size {show(intent.size)}"
        values = {"percent": value, "source_size": intent.size}
    else:
        notional = intent.notional()
        multiplier = tier_multiplier(sizing, notional)
        raw = intent.size * multiplier
        rule = f"TIERED x{show(multiplier)} for a source notional of {show(notional)} USDC"
        values = {"source_notional": notional, "multiplier": multiplier, "source_size": intent.size}
    size = floor_to(raw, size_step)
    return SizingResult(
        size,
        rule,
        {**{k: show(v) for k, v in values.items()}, "raw": show(raw), "step": show(size_step)},
    )


def size_copy_sell(
    intent: TradeIntent,
    *,
    held_from_trader: Decimal,
    observed_trader_holding: Decimal | None,
    size_step: Decimal,
) -> SizingResult:
    """Sell the fraction of what we bought copying the trader that the trader sold of its holding.

    The trader's holding before the trade comes from the intent, else from what we observed of
    its earlier intents; when it is unknown (or zero), everything bought from the trader is sold.
    """
    reported = intent.source.trader_position_before
    before = reported if reported is not None else observed_trader_holding
    basis = "reported" if reported is not None else "observed"
    if before is None or before <= 0:
        raw = held_from_trader
        rule = "trader's holding unknown: sell everything bought copying the trader"
        fraction = Decimal(1)
    else:
        fraction = min(Decimal(1), intent.size / before)
        raw = held_from_trader * fraction
        rule = f"sell {show(fraction * HUNDRED)}% of what was bought copying the trader"
    size = floor_to(min(raw, held_from_trader), size_step)
    return SizingResult(
        size,
        rule,
        {
            "trader_sold": show(intent.size),
            "trader_holding_before": show(before),
            "holding_basis": basis if before is not None else "unknown",
            "fraction": show(fraction),
            "held_from_trader": show(held_from_trader),
            "raw": show(raw),
            "step": show(size_step),
        },
    )


def size_plain_sell(
    sizing: Sizing, intent: TradeIntent, *, held: Decimal, size_step: Decimal
) -> SizingResult:
    """A strategy or manual sell: the sizing rule, never more than held."""
    by_rule = size_by_rule(sizing, intent, size_step)
    size = floor_to(min(by_rule.size, held), size_step)
    return SizingResult(
        size,
        f"{by_rule.rule}, capped at the {show(held)} held",
        {**by_rule.values, "held": show(held)},
    )


def size_flatten_sell(intent: TradeIntent, *, held: Decimal, size_step: Decimal) -> SizingResult:
    """A flatten (``tape agents flatten``): the size the intent asks, which is everything held
    when it was made, never more than is held now."""
    size = floor_to(min(intent.size, held), size_step)
    return SizingResult(
        size,
        f"flatten: sell the {show(min(intent.size, held))} held",
        {"asked": show(intent.size), "held": show(held), "step": show(size_step)},
    )


def size_strategy(intent: TradeIntent, *, held: Decimal, size_step: Decimal) -> SizingResult:
    """A strategy agent's own intent: the strategy's ``size`` (the intent's), on the size grid;
    a sell never more than held. The firewall's limits then apply to it as to any order."""
    raw = intent.size if intent.side.value == "BUY" else min(intent.size, held)
    size = floor_to(raw, size_step)
    values = {"strategy_size": show(intent.size), "raw": show(raw), "step": show(size_step)}
    if intent.side.value == "BUY":
        return SizingResult(size, f"the strategy's size {show(intent.size)}", values)
    return SizingResult(
        size,
        f"the strategy's size {show(intent.size)}, capped at the {show(held)} held",
        {**values, "held": show(held)},
    )
