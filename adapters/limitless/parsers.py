"""Limitless wire shapes -> Tape's values: markets, order books, orders and their fills.

Numbers may come as JSON numbers or numeric strings (the SDK parses both); sizes are
micro-units (shares x 1e6); prices are floats on a 0.001 tick, read through their shortest
text so 0.545 stays 0.545.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters.ctf.amounts import from_micro
from engine.values import Book, Level

VENUE = "limitless"
TICK = Decimal("0.001")
SHARE_STEP = Decimal("0.001")  # a 0.001 tick keeps price x shares within 6 decimals
D0 = Decimal(0)
CLOSED_STATUSES = frozenset({"RESOLVED", "CLOSED", "EXPIRED", "CANCELLED", "CANCELED", "PAUSED"})


class ParseError(ValueError):
    """An answer that does not have the shape the adapter reads."""


def dec(value: Any, what: str) -> Decimal:
    """A JSON number or numeric string as a Decimal (floats through their shortest text)."""
    if isinstance(value, bool) or value is None:
        raise ParseError(f"{what}: not a number: {value!r:.40}")
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except InvalidOperation:
        raise ParseError(f"{what}: not a number: {value!r:.40}") from None
    if not number.is_finite():
        raise ParseError(f"{what}: not finite")
    return number


@dataclass(frozen=True)
class MarketInfo:
    """What an order on one market needs: its exchange, outcomes, grid and state."""

    slug: str
    exchange: str  # the EIP-712 verifyingContract of its orders
    adapter: str | None  # the neg-risk adapter, when the market has one
    yes: str
    no: str
    tick_size: Decimal
    min_size: Decimal
    collateral_fee: bool  # feeModuleType COLLATERAL: orders must sign feeRateBps 0
    closed_reason: str  # "" when it takes orders

    @property
    def position_ids(self) -> tuple[str, str]:
        """The YES and NO position ids (token ids)."""
        return (self.yes, self.no)


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _micro_shares(value: Any, what: str) -> Decimal:
    number = dec(value, what)
    if number != number.to_integral_value():
        raise ParseError(f"{what}: not a whole number of micro-units")
    return from_micro(int(number))


def parse_market(raw: Any, *, now_ms: int) -> MarketInfo:
    """A ``GET /markets/{slug}`` answer."""
    if not isinstance(raw, dict):
        raise ParseError("market: not an object")
    slug = raw.get("slug")
    venue, tokens, settings = (
        _obj(raw.get("venue")),
        _obj(raw.get("tokens")),
        _obj(raw.get("settings")),
    )
    positions = raw.get("positionIds")
    positions = positions if isinstance(positions, list) else []
    yes = tokens.get("yes") or (positions[0] if len(positions) > 0 else None)
    no = tokens.get("no") or (positions[1] if len(positions) > 1 else None)
    if (
        not isinstance(slug, str)
        or not slug
        or not isinstance(yes, str | int)
        or not isinstance(no, str | int)
    ):
        raise ParseError(f"market {slug!r:.60}: no slug or position ids")
    exchange = venue.get("exchange")
    adapter = venue.get("adapter")
    tick = dec(settings["priceTick"], "priceTick") if settings.get("priceTick") else TICK
    if not D0 < tick < 1:
        raise ParseError(f"market {slug}: tick {tick} outside (0, 1)")
    minimum = settings.get("minSize")
    return MarketInfo(
        slug=slug,
        exchange=exchange if isinstance(exchange, str) else "",
        adapter=adapter if isinstance(adapter, str) and adapter else None,
        yes=str(yes),
        no=str(no),
        tick_size=tick,
        min_size=_micro_shares(minimum, "minSize") if minimum else D0,
        collateral_fee=venue.get("feeModuleType") == "COLLATERAL",
        closed_reason=_closed_reason(
            raw, has_exchange=isinstance(exchange, str) and bool(exchange), now_ms=now_ms
        ),
    )


def _closed_reason(raw: dict[str, Any], *, has_exchange: bool, now_ms: int) -> str:
    slug, status = raw.get("slug"), str(raw.get("status") or "").upper()[:40]
    if status in CLOSED_STATUSES:
        return f"limitless market {slug} is {status}"
    if raw.get("winningOutcomeIndex") is not None:
        return f"limitless market {slug} is resolved"
    if str(raw.get("tradeType") or "clob").lower() != "clob":
        return f"limitless market {slug} is not an order book market ({raw.get('tradeType')})"
    if not has_exchange:
        return f"limitless market {slug} has no exchange contract"
    expires = raw.get("expirationTimestamp")
    if isinstance(expires, int | float) and 0 < expires <= now_ms:
        return f"limitless market {slug} expired"
    return ""


def _levels(raw: Any, what: str) -> list[tuple[Decimal, Decimal]]:
    if not isinstance(raw, list):
        raise ParseError(f"orderbook {what}: not a list")
    levels = []
    for entry in raw:
        if not isinstance(entry, dict):
            raise ParseError(f"orderbook {what}: a level is not an object")
        size = _micro_shares(entry.get("size"), f"{what} size")
        price = dec(entry.get("price"), f"{what} price")
        if not D0 < price < 1:
            raise ParseError(f"orderbook {what}: price {price} outside (0, 1)")
        if size > 0:
            levels.append((price, size))
    return levels


def parse_book(raw: Any, market: MarketInfo, token_id: str, *, at: datetime) -> Book:
    """A ``GET /markets/{slug}/orderbook`` answer (the YES token's book) as the book of
    ``token_id``, best first; the NO token's is the mirror (a NO bid at q is a YES ask at
    1 - q)."""
    if not isinstance(raw, dict):
        raise ParseError("orderbook: not an object")
    bids, asks = _levels(raw.get("bids", []), "bids"), _levels(raw.get("asks", []), "asks")
    if token_id == market.no:
        bids, asks = [(1 - p, s) for p, s in asks], [(1 - p, s) for p, s in bids]
    bids.sort(key=lambda level: -level[0])
    asks.sort(key=lambda level: level[0])
    min_size = market.min_size
    if raw.get("minSize"):
        min_size = _micro_shares(raw["minSize"], "minSize")
    return Book(
        venue=VENUE,
        token_id=token_id,
        at=at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        bids=tuple(Level(p, s) for p, s in bids),
        asks=tuple(Level(p, s) for p, s in asks),
        tick_size=market.tick_size,
        min_size=min_size,
        size_step=SHARE_STEP,
        market_id=market.slug,
        accepting_orders=not market.closed_reason,
        closed_reason=market.closed_reason,
        neg_risk=market.adapter is not None,
    )
