"""What the paper venue process takes from a request, checked before anything reaches its
accounts or its ledger: a malformed request is a :class:`MalformedRequest` (a 400 with the
reason), never a dropped connection and never a junk order (a price of ``"NaN"``, a null id).

Only the fields the venue reads are checked; others are left to the wire's later versions.
"""

from __future__ import annotations

import math
from typing import Any

from engine.intent import decimal_from_text, parse_utc
from engine.values import OrderType, Side

MAX_AFTER_DIGITS = 18
FAULTS = frozenset({"drop_before_accept", "timeout_after_accept", "delay_s"})
MAX_FAULT = 1_000_000.0


class MalformedRequest(ValueError):
    """A request the paper venue cannot read; the message says which part and why."""


def checked_order(body: Any) -> dict[str, Any]:
    """The body of ``POST /orders``, or ``MalformedRequest``."""
    if not isinstance(body, dict):
        raise MalformedRequest("body must be a JSON object")
    for name in ("client_order_id", "venue", "token_id"):
        _text(body, name, required=True)
    if "market_id" in body:
        _text(body, "market_id", required=False, nullable=False)
    _text(body, "account", required=False)
    _choice(body, "side", Side)
    _choice(body, "order_type", OrderType)
    for name in ("price", "size"):
        try:
            number = decimal_from_text(body.get(name))
        except ValueError as error:
            raise MalformedRequest(f"{name}: {error}") from None
        if number <= 0:
            raise MalformedRequest(f"{name}: must be positive")
    checked_time(body.get("at"), "at")
    checked_line(body.get("line"))
    return body


def checked_time(value: Any, name: str) -> str | None:
    """An optional RFC 3339 UTC time (absent or empty: None)."""
    if value is None or value == "":
        return None
    try:
        parse_utc(value)
    except ValueError as error:
        raise MalformedRequest(f"{name}: {error}") from None
    return str(value)


def checked_line(value: Any, name: str = "line") -> str | None:
    """An optional line number of the engine's input (absent or empty: None)."""
    if value is None or value == "":
        return None
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not text.isascii() or not text.isdigit():
        raise MalformedRequest(f"{name}: must be a whole number")
    if len(text) > MAX_AFTER_DIGITS:
        raise MalformedRequest(f"{name}: must be a whole number")
    return text


def checked_after(value: str | None) -> int:
    """The ``after`` sequence of ``GET /reports`` (absent: 0)."""
    if value is None:
        return 0
    if not value.isascii() or not value.isdigit() or len(value) > MAX_AFTER_DIGITS:
        raise MalformedRequest("after: must be a whole number")
    return int(value)


def checked_faults(body: Any) -> dict[str, float]:
    """The body of ``POST /_faults``: known names, each a finite number in [0, 1e6]."""
    if not isinstance(body, dict):
        raise MalformedRequest("body must be a JSON object")
    faults: dict[str, float] = {}
    for name, value in body.items():
        if name not in FAULTS:
            raise MalformedRequest(f"{name}: unknown fault ({', '.join(sorted(FAULTS))})")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise MalformedRequest(f"{name}: must be a number")
        if not math.isfinite(value) or not 0 <= value <= MAX_FAULT:
            raise MalformedRequest(f"{name}: must be between 0 and {MAX_FAULT:g}")
        faults[name] = float(value)
    return faults


def _text(body: dict[str, Any], name: str, *, required: bool, nullable: bool = True) -> None:
    value = body.get(name)
    if value is None and nullable and not required:
        return
    if not isinstance(value, str):
        raise MalformedRequest(f"{name}: must be a string")
    if required and not value:
        raise MalformedRequest(f"{name}: must not be empty")


def _choice(body: dict[str, Any], name: str, kind: type[Side] | type[OrderType]) -> None:
    value = body.get(name)
    if not isinstance(value, str) or value not in {member.value for member in kind}:
        allowed = ", ".join(str(member.value) for member in kind)
        raise MalformedRequest(f"{name}: must be one of {allowed}")
