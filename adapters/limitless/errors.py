"""Limitless error answers -> what they mean for an order: a rejection code, or "unknown".

Proven nos: 400, 401, 403, 404, 422 (the order was refused). Unknown (the order may be at the
venue; reconcile): no answer, 408, 425, 429 after its retries, 5xx (503 is maintenance). 409 is
a duplicate ``clientOrderId``: the venue has the original, which ``order_status`` reports; it
is never retried.
"""

from __future__ import annotations

DUPLICATE = 409
REJECTING = frozenset({400, 401, 403, 404, 422})

_CODES = (
    ("fok", "FOK_NOT_FILLED"),
    ("fill or kill", "FOK_NOT_FILLED"),
    ("tick", "INVALID_PRICE"),
    ("price", "INVALID_PRICE"),
    ("signature", "INVALID_SIGNATURE"),
    ("balance", "INSUFFICIENT_BALANCE_OR_ALLOWANCE"),
    ("allowance", "INSUFFICIENT_BALANCE_OR_ALLOWANCE"),
    ("min", "ORDER_SIZE_BELOW_MIN"),
    ("closed", "MARKET_CLOSED"),
    ("not active", "MARKET_CLOSED"),
    ("amount", "INVALID_AMOUNTS"),
)


def rejection_code(status: int, message: str) -> str:
    """The code of a refused order, from its status and the venue's words."""
    if status in (401, 403):
        return "UNAUTHORIZED"
    text = message.lower()
    for needle, code in _CODES:
        if needle in text:
            return code
    return "VENUE_REJECTED"
