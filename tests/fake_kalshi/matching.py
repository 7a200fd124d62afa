"""The fake exchange's order handling: the V2 body checked as Kalshi checks it, then matched
against the other traders' resting bids, on the YES leg."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from tests.fake_kalshi.state import (
    ONE,
    Account,
    ExchangeState,
    Fill,
    Market,
    Order,
    count_text,
    price_text,
    taker_fee,
)

D = Decimal
REQUIRED = {"ticker", "side", "count", "price", "time_in_force", "self_trade_prevention_type"}
OPTIONAL = {
    "client_order_id", "post_only", "reduce_only", "cancel_order_on_pause", "expiration_time",
    "order_group_id", "subaccount", "exchange_index",
}  # fmt: skip
PRICE = re.compile(r"0\.\d{2,4}")
COUNT = re.compile(r"\d+(\.\d{1,2})?")


class KalshiRefusal(Exception):
    """An answer in Kalshi's error envelope."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"code": code, "message": message, "service": "exchange"}}


def _check_body(state: ExchangeState, body: Any) -> tuple[Market, Decimal, Decimal]:
    if not isinstance(body, dict):
        raise KalshiRefusal(400, "invalid_parameters", "body is not a JSON object")
    missing, unknown = REQUIRED - set(body), set(body) - REQUIRED - OPTIONAL
    if missing or unknown:
        raise KalshiRefusal(
            400, "invalid_parameters", f"missing {sorted(missing)} unknown {sorted(unknown)}"
        )
    if body["side"] not in ("bid", "ask"):
        raise KalshiRefusal(400, "invalid_parameters", "side must be bid or ask")
    if body["time_in_force"] not in ("fill_or_kill", "immediate_or_cancel", "good_till_canceled"):
        raise KalshiRefusal(400, "invalid_parameters", "bad time_in_force")
    if body["self_trade_prevention_type"] not in ("taker_at_cross", "maker"):
        raise KalshiRefusal(400, "invalid_parameters", "bad self_trade_prevention_type")
    if body["time_in_force"] == "immediate_or_cancel" and body.get("expiration_time") is not None:
        raise KalshiRefusal(400, "invalid_parameters", "IOC cannot expire")
    price, count = body["price"], body["count"]
    if not isinstance(price, str) or not PRICE.fullmatch(price):
        raise KalshiRefusal(400, "invalid_price", "price must be a dollar string, 2-4 dp")
    if not isinstance(count, str) or not COUNT.fullmatch(count) or D(count) <= 0:
        raise KalshiRefusal(400, "invalid_parameters", "count must be a positive string, 0-2 dp")
    market = state.markets.get(str(body["ticker"]))
    if market is None:
        raise KalshiRefusal(404, "market_not_found", "market not found")
    if market.status != "active":
        raise KalshiRefusal(400, "market_closed", f"market is {market.status}")
    if not market.on_tick(D(price)):
        raise KalshiRefusal(400, "invalid_price", "price is not on the market's tick")
    if not market.fractional and D(count) % 1:
        raise KalshiRefusal(400, "invalid_parameters", "this market trades whole contracts")
    return market, D(price), D(count)


def _crossing(market: Market, side: str, limit: Decimal) -> list[tuple[Decimal, Decimal]]:
    """(YES price, count) of the others' bids our order crosses, best first."""
    if side == "bid":  # a NO bid at n is a YES ask at 1 - n
        levels = [(ONE - n, c) for n, c in market.no_bids.items() if ONE - n <= limit and c > 0]
        return sorted(levels)
    levels = [(b, c) for b, c in market.yes_bids.items() if b >= limit and c > 0]
    return sorted(levels, reverse=True)


def _opening(account: Account, ticker: str, side: str, count: Decimal) -> Decimal:
    """The part of an order that opens (rather than closes) a position."""
    held = account.positions.get(ticker, D(0))
    closing = min(count, max(-held if side == "bid" else held, D(0)))
    return count - closing


def book_fill(
    state: ExchangeState, order: Order, count: Decimal, yes: Decimal, fee: Decimal, *, taker: bool
) -> Fill:
    """Record a fill: the order, the position, the cash (closing pays back, opening costs)."""
    account = state.account(order.user)
    opening = _opening(account, order.ticker, order.side, count)
    closing = count - opening
    paid = yes if order.side == "bid" else ONE - yes
    account.balance += (ONE - paid) * closing - paid * opening - fee
    sign = 1 if order.side == "bid" else -1
    account.positions[order.ticker] = account.positions.get(order.ticker, D(0)) + sign * count
    account.fees[order.ticker] = account.fees.get(order.ticker, D(0)) + fee
    order.filled += count
    if taker:
        order.taker_fees += fee
    else:
        order.maker_fees += fee
    fill = Fill(f"fill-{len(state.fills) + 1:06d}", order, count, yes, fee, taker)
    state.fills.append(fill)
    return fill


def create_order(state: ExchangeState, user: str, body: Any, now_ms: int) -> dict[str, Any]:
    """``POST /portfolio/events/orders``: the 201 body, or a KalshiRefusal."""
    market, limit, count = _check_body(state, body)
    cid = str(body.get("client_order_id") or f"auto-{len(state.orders) + 1}")
    if any(o.client_order_id == cid and o.user == user for o in state.orders.values()):
        raise KalshiRefusal(409, "order_already_exists", "duplicate client_order_id")
    side, tif = body["side"], body["time_in_force"]
    account = state.account(user)
    cost = _opening(account, market.ticker, side, count) * (limit if side == "bid" else ONE - limit)
    if cost > account.balance:
        raise KalshiRefusal(400, "insufficient_balance", "insufficient balance")
    levels = _crossing(market, side, limit)
    if tif == "fill_or_kill" and sum((c for _, c in levels), D(0)) < count:
        raise KalshiRefusal(
            400, "fill_or_kill_insufficient_resting_volume", "not enough resting volume"
        )
    order_id = f"ord-{len(state.orders) + 1:06d}"
    order = Order(order_id, cid, user, market.ticker, side, limit, count, tif)
    state.orders[order_id] = order
    paid, fees = D(0), D(0)
    for yes, available in levels:
        left = count - order.filled
        if left <= 0:
            break
        size = min(left, available)
        book = market.no_bids if side == "bid" else market.yes_bids
        key = ONE - yes if side == "bid" else yes
        book[key] -= size
        if book[key] <= 0:
            del book[key]
        fee = taker_fee(size, yes, market.fee_multiplier)
        book_fill(state, order, size, yes, fee, taker=True)
        paid += yes * size
        fees += fee
    if order.filled >= count:
        order.status = "executed"
    elif tif != "good_till_canceled":
        order.status = "canceled"
    answer: dict[str, Any] = {
        "order_id": order_id,
        "client_order_id": cid,
        "fill_count": count_text(order.filled),
        "remaining_count": count_text(order.remaining),
        "ts_ms": now_ms,
    }
    if order.filled:
        answer["average_fill_price"] = price_text(paid / order.filled)
        answer["average_fee_paid"] = price_text(fees / order.filled)
    return answer


def settle(state: ExchangeState, ticker: str, result: str) -> None:
    """The market settles: $1 per winning contract, positions closed."""
    market = state.markets[ticker]
    market.status, market.result = "finalized", result
    for account in state.accounts.values():
        held = account.positions.pop(ticker, D(0))
        account.balance += max(held, D(0)) if result == "yes" else max(-held, D(0))
