"""The text of values on the wire: plain decimal strings and RFC 3339 UTC times, and the
pydantic types (``DecimalText``, ``UtcTime``) that read and write them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer

from engine.values import dec_str

_DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
MAX_INTEGER_DIGITS = 12
MAX_FRACTION_DIGITS = 12
"""Bounds of a decimal on the wire: up to a trillion, to a trillionth. Within them every product
and quotient the engine forms (notional, size from USDC, grid rounding) stays inside the
28-digit decimal context, so no input can make arithmetic raise."""
_RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|\+00:00)$")


_DECIMALS: dict[str, Decimal] = {}
"""Decimal strings already read and their values (a day repeats its prices and sizes in every
book: the checks below ran once for each); emptied when it reaches :data:`DECIMALS_KEPT`."""
DECIMALS_KEPT = 4096


def decimal_from_text(value: Any) -> Decimal:
    """Parse a plain decimal string (``"120.5"``); floats, exponents, spaces and other types
    are refused: floats lose precision, and the wire format has one way to write a number."""
    known = _DECIMALS.get(value) if type(value) is str else None
    if known is not None:
        return known
    parsed = _decimal_from_text(value)
    if len(_DECIMALS) >= DECIMALS_KEPT:
        _DECIMALS.clear()
    _DECIMALS[value] = parsed
    return parsed


def _decimal_from_text(value: Any) -> Decimal:
    if not isinstance(value, str):
        raise ValueError('must be a decimal string such as "0.52"')  # noqa: TRY004
    if not _DECIMAL.fullmatch(value):
        raise ValueError(f"{value[:40]!r} is not a decimal number")
    whole, _, fraction = value.lstrip("-").partition(".")
    if len(whole.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise ValueError(f"has more than {MAX_INTEGER_DIGITS} digits before the point")
    if len(fraction.rstrip("0")) > MAX_FRACTION_DIGITS:
        raise ValueError(f"has more than {MAX_FRACTION_DIGITS} digits after the point")
    return Decimal(value)


def parse_utc(value: Any) -> datetime:
    """Parse an RFC 3339 UTC timestamp (``Z`` or ``+00:00``) into an aware datetime."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() != UTC.utcoffset(None):
            raise ValueError("must be a UTC time")
        return value
    if not isinstance(value, str) or not _RFC3339_UTC.fullmatch(value):
        raise ValueError("must be an RFC 3339 UTC time such as 2026-01-30T14:03:11Z")
    text = value.replace("Z", "+00:00")
    if "." in text:
        head, tail = text.split(".", 1)
        fraction, offset = tail[:-6], tail[-6:]
        text = f"{head}.{fraction[:6].ljust(6, '0')}{offset}"
    return datetime.fromisoformat(text)


def format_utc(value: datetime) -> str:
    """The canonical text of a UTC time: seconds, with microseconds only when present."""
    text = value.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")


DecimalText = Annotated[
    Decimal, BeforeValidator(decimal_from_text), PlainSerializer(dec_str, return_type=str)
]
UtcTime = Annotated[
    datetime, BeforeValidator(parse_utc), PlainSerializer(format_utc, return_type=str)
]


def _probability(value: Decimal) -> Decimal:
    if not Decimal(0) < value < Decimal(1):
        raise ValueError("must be between 0 and 1 (exclusive)")
    return value


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be greater than 0")
    return value


PriceText = Annotated[DecimalText, AfterValidator(_probability)]
"""A price as text: a probability, strictly between 0 and 1."""
SizeText = Annotated[DecimalText, AfterValidator(_positive)]
"""A size as text: greater than 0."""
