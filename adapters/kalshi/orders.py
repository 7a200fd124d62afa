"""Tape's order as Kalshi's V2 order (``POST /portfolio/events/orders``), and back.

V2 prices and sides are on the YES leg (``reference/kalshi.md`` §4.2):

| Tape            | V2 side | V2 price |
|-----------------|---------|----------|
| BUY  :yes at p  | bid     | p        |
| SELL :yes at p  | ask     | p        |
| BUY  :no  at q  | ask     | 1 - q    |
| SELL :no  at q  | bid     | 1 - q    |

Prices go as 4-decimal dollar strings, counts as 2-decimal strings. Kalshi's
``client_order_id`` is a uuid5 of the engine's client order id: derived, never drawn, so the
same order always carries the same id and a resubmission is a 409.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from adapters.kalshi.books import ONE, split_token
from engine.ports import OrderRequest
from engine.values import OrderType, Side

NAMESPACE = uuid.UUID("6b616c73-6869-4f72-8465-725461706531")  # "kalshiOrderTape1"
TIME_IN_FORCE = {
    OrderType.FOK: "fill_or_kill",
    OrderType.FAK: "immediate_or_cancel",
    OrderType.GTC: "good_till_canceled",
}
SELF_TRADE = "taker_at_cross"
PRICE_PLACES = Decimal("0.0001")
COUNT_PLACES = Decimal("0.01")

# Kalshi's error codes -> Tape's reject codes (the rest keep Kalshi's code, upper-cased).
CODES = {
    "fill_or_kill_insufficient_resting_volume": "FOK_NOT_FILLED",
    "insufficient_balance": "INSUFFICIENT_BALANCE",
    "insufficient_funds": "INSUFFICIENT_BALANCE",
    "invalid_price": "INVALID_PRICE",
    "market_closed": "MARKET_CLOSED",
    "market_settled": "MARKET_CLOSED",
    "MARKET_INACTIVE": "MARKET_CLOSED",
    "market_not_found": "MARKET_NOT_FOUND",
    "not_found": "MARKET_NOT_FOUND",
    "invalid_order": "INVALID_ORDER",
    "self_trade": "SELF_TRADE",
    "post_only_rejected": "POST_ONLY_REJECTED",
}


def kalshi_client_order_id(client_order_id: str) -> str:
    """Kalshi's client order id of an engine order (uuid5 of the engine's id)."""
    return str(uuid.uuid5(NAMESPACE, client_order_id))


def reject_code(code: str) -> str:
    """Tape's reject code for a Kalshi error code."""
    return CODES.get(code) or CODES.get(code.lower()) or code.upper() or "VENUE_REJECTED"


def yes_leg(request: OrderRequest) -> tuple[str, Decimal]:
    """(V2 side, YES-leg price) of an order."""
    _, leg = split_token(request.token_id)
    buys_yes = (request.side is Side.BUY) == (leg == "yes")
    price = request.price if leg == "yes" else ONE - request.price
    return ("bid" if buys_yes else "ask"), price


def to_leg_price(token_id: str, yes_price: Decimal) -> Decimal:
    """A YES-leg price as the price of the order's own leg."""
    _, leg = split_token(token_id)
    return yes_price if leg == "yes" else ONE - yes_price


def v2_body(request: OrderRequest) -> dict[str, Any]:
    """The V2 create-order body of an order (already checked to be on the market's grid)."""
    ticker, _ = split_token(request.token_id)
    side, price = yes_leg(request)
    return {
        "ticker": ticker,
        "client_order_id": kalshi_client_order_id(request.client_order_id),
        "side": side,
        "count": str(request.size.quantize(COUNT_PLACES)),
        "price": str(price.quantize(PRICE_PLACES)),
        "time_in_force": TIME_IN_FORCE[request.order_type],
        "self_trade_prevention_type": SELF_TRADE,
        "post_only": False,
        "reduce_only": False,
    }
