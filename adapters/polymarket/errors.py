"""What the CLOB's error answers mean: a rejection code, a rate limit, or an unknown outcome.

Rejections are mostly HTTP 400 ``{"error": "..."}`` and sometimes 200 with
``success: false`` and ``errorMsg``. The strings below are the ones seen in the wild (see
``reference/polymarket.md`` §1.7); an unknown 4xx text is still a rejection
(``VENUE_REJECTED``, its text kept), because the venue answered no.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# (substring of the lower-cased message, code); the first match wins, so the order matters
# ("breaks minimum tick size rule" is a price problem, not a minimum size).
_RULES: tuple[tuple[str, str], ...] = (
    ("invalid_order_duplicated", "DUPLICATE_ORDER"),
    ("duplicated", "DUPLICATE_ORDER"),
    ("tick size", "INVALID_PRICE"),
    ("invalid_order_min_tick_size", "INVALID_PRICE"),
    ("invalid price", "INVALID_PRICE"),
    ("max accuracy", "INVALID_PRECISION"),
    ("invalid amounts", "INVALID_PRECISION"),
    ("lower than the minimum", "ORDER_SIZE_BELOW_MIN"),
    ("min size", "ORDER_SIZE_BELOW_MIN"),
    ("invalid_order_min_size", "ORDER_SIZE_BELOW_MIN"),
    ("not enough balance", "INSUFFICIENT_BALANCE_OR_ALLOWANCE"),
    ("invalid_order_not_enough_balance", "INSUFFICIENT_BALANCE_OR_ALLOWANCE"),
    ("allowance", "INSUFFICIENT_BALANCE_OR_ALLOWANCE"),
    ("fok orders are fully filled or killed", "FOK_NOT_FILLED"),
    ("couldn't be fully filled", "FOK_NOT_FILLED"),
    ("no orders found to match with fak", "FAK_NOT_FILLED"),
    ("not yet ready", "MARKET_NOT_READY"),
    ("market_not_ready", "MARKET_NOT_READY"),
    ("not accepting orders", "MARKET_CLOSED"),
    ("closed", "MARKET_CLOSED"),
    ("crosses book", "POST_ONLY_CROSSES"),
    ("invalid expiration", "INVALID_EXPIRATION"),
    ("no orderbook exists", "MARKET_NOT_FOUND"),
    ("invalid token id", "MARKET_NOT_FOUND"),
    ("market not found", "MARKET_NOT_FOUND"),
    ("order_version_mismatch", "ORDER_VERSION_MISMATCH"),
    ("invalid signature", "INVALID_SIGNATURE"),
    ("invalid order payload", "INVALID_ORDER_PAYLOAD"),
    ("unauthorized", "UNAUTHORIZED"),
    ("invalid api key", "UNAUTHORIZED"),
    ("restricted", "REGION_RESTRICTED"),
    ("execution_error", "EXECUTION_ERROR"),
)

_STATUS_CODES = {401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND"}

# statuses whose answer proves nothing about the order (it may have been processed)
UNCERTAIN_4XX = frozenset({408, 409, 425})
RATE_LIMITED = 429


@dataclass(frozen=True)
class Rejection:
    """The venue's no, as Tape records it."""

    code: str
    message: str


def error_message(body: Any) -> str:
    """The human text of an error body (``{"error": ..}``, ``{"errorMsg": ..}`` or text)."""
    if isinstance(body, dict):
        for key in ("error", "errorMsg", "error_msg", "message"):
            value = body.get(key)
            if value:
                return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        return json.dumps(body, sort_keys=True)
    if body is None:
        return ""
    return str(body)


def rejection_code(message: str) -> str:
    """The rejection code of an error text."""
    lowered = message.lower()
    for needle, code in _RULES:
        if needle in lowered:
            return code
    return "VENUE_REJECTED"


def classify(status: int) -> str:
    """``reject`` (a proven no), ``rate_limited`` or ``uncertain`` for a non-200 status."""
    if status == RATE_LIMITED:
        return "rate_limited"
    if 400 <= status < 500 and status not in UNCERTAIN_4XX:
        return "reject"
    return "uncertain"


def rejection_of(status: int, body: Any) -> Rejection:
    """The rejection an HTTP error answer stands for."""
    message = error_message(body) or f"HTTP {status}"
    code = rejection_code(message)
    if code == "VENUE_REJECTED" and status in _STATUS_CODES:
        code = _STATUS_CODES[status]
    return Rejection(code, message)
