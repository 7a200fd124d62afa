"""Kalshi markets and orderbooks into Tape's words.

An instrument is ``<ticker>:yes`` or ``<ticker>:no``. The REST book (``orderbook_fp``) has
bids only, per leg, ascending (best LAST), as ``[price_dollars, count_fp]`` strings. A leg's
asks are implied by the other leg's bids: a NO bid at q is a YES ask at 1 - q. Tape's book of
a leg is best first on both sides.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from engine.values import Book, Level

VENUE = "kalshi"
OPEN_STATUSES = frozenset({"active", "open"})
TICKS = {"linear_cent": Decimal("0.01"), "deci_cent": Decimal("0.001")}
# tapered_deci_cent is 0.001 only below 0.10 and above 0.90: the cent is valid everywhere.
DEFAULT_TICK = Decimal("0.01")
ONE = Decimal(1)


class BadAnswer(ValueError):
    """A Kalshi answer whose shape we cannot read."""


def split_token(token_id: str) -> tuple[str, str]:
    """``KXFED-26DEC-T4.00:yes`` -> (``KXFED-26DEC-T4.00``, ``yes``); ValueError otherwise."""
    ticker, sep, leg = token_id.rpartition(":")
    if not sep or not ticker or leg not in ("yes", "no"):
        raise ValueError(f"token id {token_id!r} is not <ticker>:yes or <ticker>:no")
    return ticker, leg


def dec(value: Any, what: str) -> Decimal:
    """A fixed-point string (or number) as Decimal; BadAnswer names the field."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise BadAnswer(f"{what} is not a number: {value!r}") from None
    if not number.is_finite():
        raise BadAnswer(f"{what} is not finite")
    return number


def tick_of(market: dict[str, Any]) -> Decimal:
    """The price grid of a market (from ``price_level_structure``)."""
    return TICKS.get(str(market.get("price_level_structure") or ""), DEFAULT_TICK)


def size_step_of(market: dict[str, Any]) -> Decimal:
    """Whole contracts, or hundredths where the market trades fractions."""
    return Decimal("0.01") if market.get("fractional_trading_enabled") else ONE


def _bids(raw: Any, what: str) -> list[Level]:
    """One leg's bids, best (highest) first; empty levels dropped."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise BadAnswer(f"{what} is not a list of levels")
    levels = []
    for entry in raw:
        if not isinstance(entry, list | tuple) or len(entry) != 2:
            raise BadAnswer(f"{what} holds a level that is not [price, count]")
        price, size = dec(entry[0], f"{what} price"), dec(entry[1], f"{what} count")
        if not 0 < price < 1:
            raise BadAnswer(f"{what} holds a price outside (0, 1): {price}")
        if size > 0:
            levels.append(Level(price, size))
    return sorted(levels, key=lambda lv: lv.price, reverse=True)


def leg_book(market: dict[str, Any], orderbook: dict[str, Any], token_id: str, *, at: str) -> Book:
    """Tape's book of one leg from ``GET /markets/{t}`` and ``GET /markets/{t}/orderbook``."""
    ticker, leg = split_token(token_id)
    fp = orderbook.get("orderbook_fp")
    if not isinstance(fp, dict):
        raise BadAnswer("the orderbook answer has no orderbook_fp")
    yes, no = _bids(fp.get("yes_dollars"), "yes_dollars"), _bids(fp.get("no_dollars"), "no_dollars")
    own, other = (yes, no) if leg == "yes" else (no, yes)
    asks = tuple(Level(ONE - level.price, level.size) for level in other)
    status = str(market.get("status") or "")
    step = size_step_of(market)
    return Book(
        venue=VENUE,
        token_id=token_id,
        at=at,
        bids=tuple(own),
        asks=asks,
        tick_size=tick_of(market),
        min_size=step,
        size_step=step,
        market_id=ticker,
        accepting_orders=status in OPEN_STATUSES,
        closed_reason="" if status in OPEN_STATUSES else f"market {status or 'unknown'}",
    )


def winning_token(market: dict[str, Any]) -> str | None:
    """The winning instrument of a settled market (``result`` yes/no), else None."""
    result = str(market.get("result") or "").lower()
    if result not in ("yes", "no"):
        return None
    if str(market.get("status") or "") not in ("determined", "finalized", "settled"):
        return None
    return f"{market['ticker']}:{result}"
