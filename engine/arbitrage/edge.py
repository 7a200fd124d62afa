"""The edge of a pair after both venues' fees and the books' depth.

Buying YES on one venue and NO on the other pays exactly 1 per pair of shares whatever the
event does, so a pair of ``n`` shares earns ``n - cost``, where the cost walks each leg's asks
level by level (the VWAP, never the top of book alone) and adds each venue's fee per level
filled, as the venue charges it. Both directions are priced; sizes are whole contracts, equal
on both legs (equal dollars would not hedge), at most the agent's ``size`` and what both books
hold. The size chosen is the one with the largest edge among the depths where a level ends (of
equal edges, the smaller), so its last levels never cost 1 or more a pair.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from engine.arbitrage.fees import VenueFee, fee_of
from engine.arbitrage.params import ArbPair, ArbParams
from engine.values import Book, dec_str

ONE = Decimal(1)

BookKey = tuple[str, str]
"""(venue, token id)."""


@dataclass(frozen=True)
class LegPlan:
    """One leg of a paired buy: the instrument, what the walk takes and what it costs."""

    venue: str
    market_id: str
    token_id: str
    outcome: str
    size: Decimal
    cost: Decimal  # price x size over the levels taken
    fee: Decimal  # the venue's fee over the same levels
    limit_price: Decimal  # the last level the walk touches

    @property
    def average_price(self) -> Decimal:
        """Volume-weighted price of the leg."""
        return self.cost / self.size

    def to_record(self) -> dict[str, str]:
        """The leg as features record it."""
        return {
            "venue": self.venue,
            "token_id": self.token_id,
            "outcome": self.outcome,
            "size": dec_str(self.size),
            "average_price": dec_str(self.average_price.quantize(Decimal("0.000001"))),
            "limit_price": dec_str(self.limit_price),
            "cost": dec_str(self.cost),
            "fee": dec_str(self.fee),
        }


@dataclass(frozen=True)
class Opportunity:
    """One direction of a pair priced at one size: its two legs and the edge after fees."""

    pair: ArbPair
    direction: str  # "polymarket_yes" (buy Polymarket YES + its Kalshi complement) or "_no"
    legs: tuple[LegPlan, LegPlan]

    @property
    def size(self) -> Decimal:
        """Shares per leg."""
        return self.legs[0].size

    @property
    def fees(self) -> Decimal:
        """Both venues' fees."""
        return self.legs[0].fee + self.legs[1].fee

    @property
    def cost(self) -> Decimal:
        """What the pair costs, fees included."""
        return self.legs[0].cost + self.legs[1].cost + self.fees

    @property
    def edge(self) -> Decimal:
        """What the pair earns for sure: the payout (1 per pair of shares) less the cost."""
        return self.size - self.cost

    def to_record(self) -> dict[str, Any]:
        """The opportunity as features record it."""
        return {
            "pair": self.pair.key,
            "direction": self.direction,
            "size": dec_str(self.size),
            "cost": dec_str(self.cost),
            "fees": dec_str(self.fees),
            "edge": dec_str(self.edge),
            "legs": [leg.to_record() for leg in self.legs],
        }


def _leg(
    book: Book, fee: VenueFee, size: Decimal, *, market_id: str, outcome: str
) -> LegPlan | None:
    # Walk the asks for ``size``; None when the book holds less.
    left, cost, fees = size, Decimal(0), Decimal(0)
    limit: Decimal | None = None
    for level in book.asks:
        if left <= 0:
            break
        take = min(left, level.size)
        if take <= 0:
            continue
        cost += take * level.price
        fees += fee.fee(level.price, take)
        left -= take
        limit = level.price
    if left > 0 or limit is None:
        return None
    return LegPlan(book.venue, market_id, book.token_id, outcome, size, cost, fees, limit)


def _depths(book: Book) -> list[Decimal]:
    total, out = Decimal(0), []
    for level in book.asks:
        total += level.size
        out.append(total)
    return out


def _candidate_sizes(a: Book, b: Book, cap: Decimal) -> list[Decimal]:
    depth = min(
        sum((lv.size for lv in a.asks), Decimal(0)), sum((lv.size for lv in b.asks), Decimal(0))
    )
    top = min(cap, depth).to_integral_value(rounding=ROUND_FLOOR)
    floor = max(a.min_size, b.min_size, ONE)
    sizes = {top} | {d.to_integral_value(rounding=ROUND_FLOOR) for d in _depths(a) + _depths(b)}
    return sorted(s for s in sizes if floor <= s <= top)


def price_direction(
    pair: ArbPair, poly: Book, kalshi: Book, params: ArbParams, *, direction: str
) -> Opportunity | None:
    """The best-priced size of one direction (None: the books cannot make one pair)."""
    poly_fee = fee_of(
        "polymarket",
        polymarket_rate=params.polymarket_fee_rate,
        kalshi_multiplier=params.kalshi_fee_multiplier,
    )
    kalshi_fee = fee_of(
        "kalshi",
        polymarket_rate=params.polymarket_fee_rate,
        kalshi_multiplier=params.kalshi_fee_multiplier,
    )
    if not (poly.accepting_orders and kalshi.accepting_orders):
        return None
    poly_outcome = "Yes" if direction == "polymarket_yes" else "No"
    kalshi_outcome = kalshi.token_id.rpartition(":")[2].capitalize()
    best: Opportunity | None = None
    for size in _candidate_sizes(poly, kalshi, params.size):
        a = _leg(poly, poly_fee, size, market_id=pair.polymarket_market, outcome=poly_outcome)
        b = _leg(kalshi, kalshi_fee, size, market_id=pair.kalshi, outcome=kalshi_outcome)
        if a is None or b is None:
            continue
        found = Opportunity(pair, direction, (a, b))
        if best is None or found.edge > best.edge:  # a tie: the fewer shares
            best = found
    return best


def price_pair(
    pair: ArbPair, books: Mapping[BookKey, Book], params: ArbParams
) -> list[Opportunity]:
    """Both directions of a pair that the books can price, best edge first."""
    found = []
    for direction, poly_token, outcome in (
        ("polymarket_yes", pair.polymarket, "yes"),
        ("polymarket_no", pair.polymarket_no, "no"),
    ):
        poly = books.get(("polymarket", poly_token))
        kalshi = books.get(("kalshi", pair.kalshi_token("no" if outcome == "yes" else "yes")))
        if poly is None or kalshi is None:
            continue
        priced = price_direction(pair, poly, kalshi, params, direction=direction)
        if priced is not None:
            found.append(priced)
    return sorted(found, key=lambda o: (-o.edge, o.direction))


def worth_taking(opportunity: Opportunity, params: ArbParams) -> bool:
    """The rule: the edge after fees exceeds ``min_profit_usdc``."""
    return opportunity.edge > params.min_profit_usdc
