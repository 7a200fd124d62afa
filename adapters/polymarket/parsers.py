"""Parsers of Polymarket's wire shapes: CLOB books (REST and websocket), Gamma markets,
trades and orders. Pure functions of JSON values; every number becomes a Decimal from its text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.values import Book, Level

VENUE = "polymarket"


class ParseError(ValueError):
    """A response that does not have the shape Polymarket documents."""


def dec(value: Any, what: str = "number") -> Decimal:
    """A Decimal from a JSON number or its text (floats through their shortest text)."""
    if isinstance(value, bool) or value is None:
        raise ParseError(f"{what}: not a number: {value!r}")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ParseError(f"{what}: not a number: {value!r}") from None


def ms_to_iso(value: Any) -> str:
    """A CLOB timestamp (unix ms, as text or number) as RFC 3339 UTC text."""
    try:
        millis = int(str(value))
    except ValueError:
        return str(value)
    at = datetime.fromtimestamp(millis / 1000, tz=UTC)
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _json_list(value: Any, what: str) -> list[Any]:
    """Gamma sends some lists as JSON-encoded strings (``"[\\"Yes\\", \\"No\\"]"``)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ParseError(f"{what}: not a JSON list: {value!r}") from None
    if not isinstance(value, list):
        raise ParseError(f"{what}: not a list")
    return value


def _levels(raw: Any, *, best_first_descending: bool, what: str) -> tuple[Level, ...]:
    if not isinstance(raw, list):
        raise ParseError(f"{what}: not a list of levels")
    levels = []
    for entry in raw:
        if not isinstance(entry, dict):
            raise ParseError(f"{what}: a level is not an object")
        price, size = dec(entry.get("price"), f"{what} price"), dec(entry.get("size"), what)
        if size > 0:
            levels.append(Level(price, size))
    levels.sort(key=lambda lv: lv.price, reverse=best_first_descending)
    return tuple(levels)


def parse_book(
    raw: dict[str, Any],
    *,
    tick_size: Decimal | None = None,
    min_size: Decimal | None = None,
    neg_risk: bool | None = None,
    accepting_orders: bool = True,
    closed_reason: str = "",
) -> Book:
    """A CLOB ``/book`` answer (or a websocket ``book`` message) as a best-first Book.

    The wire lists levels best price LAST (bids ascending, asks descending); the Book lists
    them best first. The book's own ``tick_size``, ``min_order_size`` and ``neg_risk`` win
    over the arguments, which are the fallbacks (Gamma's values) for messages without them.
    """
    if not isinstance(raw, dict):
        raise ParseError("book: not an object")
    token = raw.get("asset_id")
    if not token:
        raise ParseError("book: no asset_id")
    bids = raw.get("bids", raw.get("buys", []))
    asks = raw.get("asks", raw.get("sells", []))
    tick = dec(raw["tick_size"], "tick_size") if raw.get("tick_size") else tick_size
    minimum = dec(raw["min_order_size"], "min_order_size") if raw.get("min_order_size") else None
    if tick is None:
        raise ParseError(f"book of {token}: no tick_size")
    book_neg_risk = raw.get("neg_risk")
    return Book(
        venue=VENUE,
        token_id=str(token),
        at=ms_to_iso(raw.get("timestamp", "0")),
        bids=_levels(bids, best_first_descending=True, what="bids"),
        asks=_levels(asks, best_first_descending=False, what="asks"),
        tick_size=tick,
        min_size=minimum if minimum is not None else (min_size or Decimal(0)),
        market_id=str(raw.get("market", "")),
        accepting_orders=accepting_orders,
        closed_reason="" if accepting_orders else (closed_reason or "closed"),
        neg_risk=bool(book_neg_risk) if book_neg_risk is not None else bool(neg_risk),
    )


@dataclass(frozen=True)
class MarketInfo:
    """One Gamma market: what trading it needs to know."""

    condition_id: str
    question: str
    slug: str
    token_ids: tuple[str, ...]
    outcomes: tuple[str, ...]
    tick_size: Decimal | None
    min_size: Decimal | None
    neg_risk: bool
    active: bool
    closed: bool
    archived: bool
    accepting_orders: bool
    enable_order_book: bool
    end_date: str

    @property
    def tradable(self) -> bool:
        """Active, not closed or archived, accepting orders, with an order book."""
        return not self.closed_reason()

    def closed_reason(self) -> str:
        """Why orders cannot be placed now ("" when they can)."""
        if self.closed:
            return f"market closed (end date {self.end_date or 'unknown'})"
        if self.archived:
            return "market archived"
        if not self.active:
            return "market not active"
        if not self.enable_order_book:
            return "market has no order book"
        if not self.accepting_orders:
            return "market not accepting orders"
        return ""

    def outcome_of(self, token_id: str) -> str:
        """The outcome name of one of the market's tokens."""
        for token, outcome in zip(self.token_ids, self.outcomes, strict=False):
            if token == token_id:
                return outcome
        return ""


def _flag(raw: dict[str, Any], key: str, *, default: bool) -> bool:
    value = raw.get(key)
    return default if value is None else bool(value)


def parse_gamma_market(raw: dict[str, Any]) -> MarketInfo:
    """A Gamma ``/markets`` object (clobTokenIds and outcomes are JSON strings, index-aligned)."""
    if not isinstance(raw, dict):
        raise ParseError("gamma market: not an object")
    condition_id = raw.get("conditionId") or raw.get("condition_id")
    if not condition_id:
        raise ParseError("gamma market: no conditionId")
    tokens = tuple(str(t) for t in _json_list(raw.get("clobTokenIds"), "clobTokenIds"))
    outcomes = tuple(str(o) for o in _json_list(raw.get("outcomes"), "outcomes"))
    if outcomes and len(outcomes) != len(tokens):
        raise ParseError(
            f"gamma market {condition_id}: {len(tokens)} tokens, {len(outcomes)} outcomes"
        )
    tick = raw.get("orderPriceMinTickSize")
    minimum = raw.get("orderMinSize")
    return MarketInfo(
        condition_id=str(condition_id),
        question=str(raw.get("question", "")),
        slug=str(raw.get("slug", "")),
        token_ids=tokens,
        outcomes=outcomes,
        tick_size=dec(tick, "orderPriceMinTickSize") if tick not in (None, "") else None,
        min_size=dec(minimum, "orderMinSize") if minimum not in (None, "") else None,
        neg_risk=_flag(raw, "negRisk", default=False),
        active=_flag(raw, "active", default=True),
        closed=_flag(raw, "closed", default=False),
        archived=_flag(raw, "archived", default=False),
        accepting_orders=_flag(raw, "acceptingOrders", default=False),
        enable_order_book=_flag(raw, "enableOrderBook", default=True),
        end_date=str(raw.get("endDate") or raw.get("endDateIso") or ""),
    )


# -- trades and orders ------------------------------------------------------------------------

PROVISIONAL_STATUSES = frozenset({"MATCHED", "MINED", "RETRYING"})
CONFIRMED = "CONFIRMED"
FAILED = "FAILED"


@dataclass(frozen=True)
class TradeFill:
    """Our part of one trade: a fill of one order, with the trade's settlement status."""

    fill_id: str
    order_hash: str
    price: Decimal
    size: Decimal
    fee: Decimal
    status: str  # MATCHED, MINED, RETRYING, CONFIRMED, FAILED (upper case, prefix stripped)

    @property
    def provisional(self) -> bool:
        """Matched but not settled yet."""
        return self.status != CONFIRMED

    @property
    def failed(self) -> bool:
        """The trade failed on chain: the fill is void."""
        return self.status == FAILED


def trade_status(value: Any) -> str:
    """A trade status, upper case, without a ``TRADE_STATUS_`` prefix."""
    return str(value or "").upper().removeprefix("TRADE_STATUS_")


def _amount(value: Any, units: str, what: str) -> Decimal:
    number = dec(value, what)
    return number / Decimal(1_000_000) if units == "micro" else number


def fills_of_trade(
    trade: dict[str, Any], order_hash: str, *, units: str = "shares"
) -> list[TradeFill]:
    """The fills one trade holds for one of our orders.

    A taker trade (``taker_order_id`` is ours) is one fill at the trade's price and size,
    with the trade id as fill id. A maker trade lists our order in ``maker_orders``: one fill
    per entry (``matched_amount`` at its price), with id ``<trade id>:m<index>``. ``units``
    says how sizes are written: ``shares`` (decimal text) or ``micro`` (1e6 units).
    """
    trade_id = str(trade.get("id", ""))
    if not trade_id:
        raise ParseError("trade: no id")
    status = trade_status(trade.get("status"))
    wanted = order_hash.lower()
    fills = []
    if str(trade.get("taker_order_id", "")).lower() == wanted:
        price = dec(trade.get("price"), "trade price")
        size = _amount(trade.get("size"), units, "trade size")
        bps = dec(trade.get("fee_rate_bps") or 0, "fee_rate_bps")
        fee = (bps / 10_000 * min(price, 1 - price) * size).quantize(Decimal("0.000001"))
        fills.append(TradeFill(trade_id, wanted, price, size, fee, status))
    for index, maker in enumerate(trade.get("maker_orders") or []):
        if str(maker.get("order_id", "")).lower() != wanted:
            continue
        price = dec(maker.get("price"), "maker price")
        size = _amount(maker.get("matched_amount"), units, "matched_amount")
        fills.append(TradeFill(f"{trade_id}:m{index}", wanted, price, size, Decimal(0), status))
    return fills


@dataclass(frozen=True)
class OpenOrderState:
    """An order as ``/data/order/<id>`` shows it."""

    order_hash: str
    status: str  # LIVE, MATCHED, CANCELED, DELAYED, UNMATCHED (prefix stripped)
    original_size: Decimal
    size_matched: Decimal

    @property
    def open(self) -> bool:
        """Still able to trade."""
        return self.status in ("LIVE", "DELAYED")


def parse_open_order(raw: dict[str, Any], *, units: str = "shares") -> OpenOrderState:
    """An OpenOrder object (``status`` may read ``LIVE`` or ``ORDER_STATUS_LIVE``)."""
    if not isinstance(raw, dict) or not raw.get("id"):
        raise ParseError("order: not an order object")
    status = str(raw.get("status", "")).upper().removeprefix("ORDER_STATUS_")
    return OpenOrderState(
        order_hash=str(raw["id"]).lower(),
        status=status,
        original_size=_amount(raw.get("original_size") or 0, units, "original_size"),
        size_matched=_amount(raw.get("size_matched") or 0, units, "size_matched"),
    )
