"""The rule for a pair's next step, pure: from what each leg's orders filled, wait, close, retry
the missing leg, or unwind the one that filled alone.

- While any order of the pair is open, wait: its answer decides.
- Both instruments hold the same number of shares: close (hedged, unwound or unfilled).
- One holds ``d`` more (it filled alone): retry the missing leg for ``d`` at the price limit
  it was decided with (``leg_retries`` times, only while the agent is ACTIVE); then sell the
  ``d`` back (``unwind_attempts`` orders), each at the lowest price whose worst loss, the
  venue's highest fee included, stays within what is left of ``max_leg_risk_usdc``; then
  close as exposed. A HALTED agent sends nothing more: the pair closes as exposed. A retry is
  sized on the missing venue's grid and an unwind on the filled one's (Kalshi: whole
  contracts); a difference neither can trade closes the pair as exposed.

The loss of an unwind is what the shares sold cost (their average entry, fees included) less
what the sale brought after its fee; a sale at ``p`` or better with a fee of at most the
venue's worst loses at most ``d x (entry - p) + worst fee``, which the price is chosen to keep
within the budget, so the losses of every unwind add up to at most ``max_leg_risk_usdc``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from engine.arbitrage.fees import VenueFee
from engine.values import Side, TradingState, dec_str

PRICE_TICK = Decimal("0.01")  # on every grid both venues use (0.01 and 0.001)
LOWEST, HIGHEST = Decimal("0.01"), Decimal("0.99")
SIZE_STEP = {"kalshi": Decimal(1), "polymarket": Decimal("0.01")}


@dataclass(frozen=True)
class LegFills:
    """What one of the pair's orders did: whether it is over, and its fills."""

    terminal: bool
    fills: tuple[tuple[Decimal, Decimal, Decimal], ...] = ()  # (price, size, fee)


@dataclass(frozen=True)
class Wait:
    """An order of the pair is still open."""


@dataclass(frozen=True)
class Place:
    """Write the next order ahead: a retry (BUY the missing leg) or an unwind (SELL)."""

    role: str
    instrument: str
    side: Side
    size: Decimal
    price: Decimal
    filled: dict[str, str]
    unwind: dict[str, Decimal] = field(default_factory=dict)  # entry cost, budget, worst fee


@dataclass(frozen=True)
class Close:
    """Nothing more to send."""

    outcome: str
    reason: str
    hedged: Decimal
    exposed: dict[str, str]
    unwind_loss: Decimal


Step = Wait | Place | Close


@dataclass
class _Book:
    # What the pair's orders did per instrument.
    bought: dict[str, Decimal]
    buy_cost: dict[str, Decimal]
    sold: dict[str, Decimal]
    sale_net: dict[str, Decimal]

    def net(self, x: str) -> Decimal:
        return self.bought[x] - self.sold[x]

    def entry(self, x: str) -> Decimal:
        return self.buy_cost[x] / self.bought[x] if self.bought[x] > 0 else Decimal(0)

    def unwind_loss(self) -> Decimal:
        return sum(
            (self.sold[x] * self.entry(x) - self.sale_net[x] for x in self.sold if self.sold[x]),
            Decimal(0),
        )


def _fold(legs: list[dict[str, Any]], orders: Mapping[str, LegFills]) -> _Book:
    zero = {"a": Decimal(0), "b": Decimal(0)}
    book = _Book(dict(zero), dict(zero), dict(zero), dict(zero))
    for leg in legs:
        x = leg["instrument"]
        for price, size, fee in orders[leg["order_id"]].fills:
            if leg["side"] == Side.BUY.value:
                book.bought[x] += size
                book.buy_cost[x] += price * size + fee
            else:
                book.sold[x] += size
                book.sale_net[x] += price * size - fee
    return book


@dataclass(frozen=True)
class PairFacts:
    """What the rule reads: the pair's instruments and legs, what each leg's order did, the
    venues' fee models by instrument, the agent's state and the pair's rules."""

    instruments: Mapping[str, Mapping[str, Any]]
    legs: list[dict[str, Any]]
    orders: Mapping[str, LegFills]
    fees: Mapping[str, VenueFee]
    state: TradingState
    max_leg_risk_usdc: Decimal
    leg_retries: int
    unwind_attempts: int


def next_step(facts: PairFacts) -> Step:
    """The pair's next step (see the module's docstring)."""
    if any(not facts.orders[leg["order_id"]].terminal for leg in facts.legs):
        return Wait()
    book = _fold(facts.legs, facts.orders)
    diff = book.net("a") - book.net("b")
    hedged = min(book.net("a"), book.net("b"))
    if diff == 0:
        sold = any(book.sold.values())
        outcome = "unwound" if sold else ("hedged" if hedged > 0 else "unfilled")
        reason = f"both legs hold {dec_str(hedged)} shares"
        return Close(outcome, reason, hedged, {}, book.unwind_loss())
    x = "a" if diff > 0 else "b"
    y = "b" if x == "a" else "a"
    # What can be traded of the difference: a retry buys it on the missing instrument's size
    # grid, an unwind sells it on the filled one's (Kalshi trades whole contracts).
    to_retry, to_unwind = _on_grid(facts, y, diff), _on_grid(facts, x, diff)
    if to_retry <= 0 and to_unwind <= 0:
        reason = f"{dec_str(abs(diff))} of {x} held alone: less than one tradable unit"
        return Close("exposed", reason, hedged, _exposed(diff), book.unwind_loss())
    return _one_legged(facts, book, x, to_retry, to_unwind)


def _on_grid(facts: PairFacts, instrument: str, diff: Decimal) -> Decimal:
    step = SIZE_STEP.get(str(facts.instruments[instrument]["venue"]), Decimal("0.01"))
    return abs(diff).quantize(step, rounding=ROUND_FLOOR)


def _one_legged(
    facts: PairFacts, book: _Book, x: str, to_retry: Decimal, to_unwind: Decimal
) -> Step:
    # ``x`` holds more shares than the other instrument: ``to_retry`` of them can be bought
    # on the other, ``to_unwind`` sold on ``x``.
    y = "b" if x == "a" else "a"
    diff = book.net("a") - book.net("b")
    hedged = min(book.net("a"), book.net("b"))
    loss = book.unwind_loss()
    filled = {i: dec_str(book.net(i)) for i in ("a", "b")}
    if facts.state is TradingState.HALTED:
        reason = "the agent is HALTED: nothing more is sent"
        return Close("exposed", reason, hedged, _exposed(diff), loss)
    legs = facts.legs
    unwinds = sum(1 for leg in legs if leg["role"] == "unwind")
    retries = sum(1 for leg in legs if leg["role"] == "retry" and leg["instrument"] == y)
    retry = unwinds == 0 and retries < facts.leg_retries and to_retry > 0
    if retry and facts.state is TradingState.ACTIVE:
        price = Decimal(str(facts.instruments[y]["limit_price"]))
        return Place("retry", y, Side.BUY, to_retry, price, filled)
    excess = to_unwind
    if excess <= 0:
        reason = f"{dec_str(abs(diff))} of {x} held alone: less than one contract to sell"
        return Close("exposed", reason, hedged, _exposed(diff), loss)
    if unwinds >= facts.unwind_attempts:
        reason = f"{dec_str(excess)} of {x} still held alone after {unwinds} unwind orders"
        return Close("exposed", reason, hedged, _exposed(diff), loss)
    entry = book.entry(x)
    budget_left = facts.max_leg_risk_usdc - loss
    worst = facts.fees[x].worst(excess, LOWEST)
    allowance = budget_left - worst
    price = max(_ceil_tick(entry - allowance / excess), LOWEST) if allowance >= 0 else HIGHEST + 1
    if price > HIGHEST:
        reason = (
            f"{dec_str(excess)} of {x} held alone: no sale price keeps the loss within what "
            f"is left of the budget ({dec_str(budget_left)})"
        )
        return Close("exposed", reason, hedged, _exposed(diff), loss)
    detail = {"entry_cost_per_share": entry, "budget_left": budget_left, "worst_fee": worst}
    return Place("unwind", x, Side.SELL, excess, price, filled, detail)


def _exposed(diff: Decimal) -> dict[str, str]:
    if diff == 0:
        return {}
    x = "a" if diff > 0 else "b"
    return {x: dec_str(abs(diff))}


def _ceil_tick(value: Decimal) -> Decimal:
    return (value / PRICE_TICK).to_integral_value(rounding=ROUND_CEILING) * PRICE_TICK
