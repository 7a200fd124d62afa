"""The TradeIntent wire format, ``tape.intent/1``: what a signal source saw, never what we do."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    ValidationError,
    field_validator,
    model_validator,
)

from engine.bounded_json import InputBoundsError, check_bounds
from engine.values import Side, dec_str

INTENT_SCHEMA = "tape.intent/1"
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
MAX_INTEGER_DIGITS = 12
MAX_FRACTION_DIGITS = 12
"""Bounds of a decimal on the wire: up to a trillion, to a trillionth. Within them every product
and quotient the engine forms (notional, size from USDC, grid rounding) stays inside the
28-digit decimal context, so no input can make arithmetic raise."""
MAX_REASON_CHARS = 500
MAX_FEATURES = 64
MAX_FEATURE_CHARS = 100
"""Bounds of a strategy intent's ``source.reason`` and ``source.features`` (the values that
led to it, as text)."""
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


class IntentSource(BaseModel):
    """Who produced the intent: a copied trader, a strategy, or a person. A strategy's intent
    names the strategy and carries its reason and the feature values that led to it."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    kind: Literal["copy", "strategy", "manual", "flatten"]
    trader: str | None = None
    tx_hash: str | None = None
    trader_position_before: DecimalText | None = None
    strategy: str | None = None
    reason: str | None = None
    features: dict[str, str] | None = None

    @field_validator("reason")
    @classmethod
    def _reason_bounded(cls, value: str | None) -> str | None:
        if value is not None and len(value) > MAX_REASON_CHARS:
            raise ValueError(f"must be at most {MAX_REASON_CHARS} characters")
        return value

    @field_validator("features")
    @classmethod
    def _features_bounded(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return None
        if len(value) > MAX_FEATURES:
            raise ValueError(f"must have at most {MAX_FEATURES} entries")
        if any(len(k) > MAX_FEATURE_CHARS or len(v) > MAX_FEATURE_CHARS for k, v in value.items()):
            raise ValueError(f"names and values must be at most {MAX_FEATURE_CHARS} characters")
        return value

    @field_validator("trader")
    @classmethod
    def _trader_is_address(cls, value: str | None) -> str | None:
        if value is not None and not _ADDRESS.fullmatch(value):
            raise ValueError("must be a 0x address of 40 hex digits")
        return value.lower() if value is not None else None

    @field_validator("tx_hash")
    @classmethod
    def _tx_hash_is_hex(cls, value: str | None) -> str | None:
        if value is not None and not _HEX.fullmatch(value):
            raise ValueError("must be 0x followed by hex digits")
        return value

    @field_validator("trader_position_before")
    @classmethod
    def _position_not_negative(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value < 0:
            raise ValueError("must not be negative")
        return value

    @model_validator(mode="after")
    def _copy_needs_trader(self) -> IntentSource:
        if self.kind == "copy" and self.trader is None:
            raise ValueError("a copy intent needs source.trader")
        return self


class IntentLeg(BaseModel):
    """One leg of a paired intent (an arbitrage): what to trade on which venue, at what price
    limit and size. The first leg repeats the intent's own fields."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    venue: str
    market_id: str
    token_id: str
    outcome: str
    side: Side
    price: DecimalText
    size: DecimalText

    @field_validator("side", mode="before")
    @classmethod
    def _side_from_text(cls, value: Any) -> Side:
        if value not in ("BUY", "SELL"):
            raise ValueError("must be BUY or SELL")
        return Side(value)

    @field_validator("venue", "market_id", "token_id", "outcome")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("price")
    @classmethod
    def _price_is_probability(cls, value: Decimal) -> Decimal:
        if not Decimal(0) < value < Decimal(1):
            raise ValueError("must be between 0 and 1 (exclusive)")
        return value

    @field_validator("size")
    @classmethod
    def _size_positive(cls, value: Decimal) -> Decimal:
        if value <= 0:
            raise ValueError("must be greater than 0")
        return value


PAIRED_LEGS = 2


class TradeIntent(BaseModel):
    """One trade a source made or wants (``tape.intent/1``); the engine decides what we do."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    schema_: Literal["tape.intent/1"]
    intent_id: str
    agent: str | None = None  # None: a copy signal, decided for every agent following its trader
    venue: str
    market_id: str
    token_id: str
    outcome: str
    side: Side
    price: DecimalText
    size: DecimalText
    created_at: UtcTime
    source: IntentSource
    legs: list[IntentLeg] | None = (
        None  # a paired intent (arbitrage): both legs, the first as above
    )

    @model_validator(mode="before")
    @classmethod
    def _rename_schema(cls, data: Any) -> Any:
        # "schema" shadows a BaseModel attribute, so it is stored as schema_.
        if isinstance(data, dict) and "schema" in data:
            data = dict(data)
            data["schema_"] = data.pop("schema")
        return data

    @model_validator(mode="after")
    def _signal_is_a_copy(self) -> TradeIntent:
        if self.agent is None and self.source.kind != "copy":
            raise ValueError(
                "only a copy intent may leave out agent (it goes to every agent following "
                "source.trader)"
            )
        return self

    @property
    def is_signal(self) -> bool:
        """Whether the intent addresses a trader's followers rather than one agent."""
        return self.agent is None

    @property
    def addressed_agent(self) -> str:
        """The agent the intent addresses; deciding only ever sees such intents (a signal is
        routed to its followers at intake), so a signal here is a ValueError."""
        if self.agent is None:
            raise ValueError(f"intent {self.intent_id} addresses no agent")
        return self.agent

    @field_validator("side", mode="before")
    @classmethod
    def _side_from_text(cls, value: Any) -> Side:
        if value not in ("BUY", "SELL"):
            raise ValueError("must be BUY or SELL")
        return Side(value)

    @field_validator("intent_id", "agent", "venue", "market_id", "token_id", "outcome")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("price")
    @classmethod
    def _price_is_probability(cls, value: Decimal) -> Decimal:
        if not Decimal(0) < value < Decimal(1):
            raise ValueError("must be between 0 and 1 (exclusive)")
        return value

    @field_validator("size")
    @classmethod
    def _size_positive(cls, value: Decimal) -> Decimal:
        if value <= 0:
            raise ValueError("must be greater than 0")
        return value

    @model_validator(mode="after")
    def _legs_pair_up(self) -> TradeIntent:
        if self.legs is None:
            return self
        if len(self.legs) != PAIRED_LEGS:
            raise ValueError("a paired intent has exactly two legs")
        first = self.legs[0]
        own = (self.venue, self.market_id, self.token_id, self.outcome, self.side, self.price)
        if (
            first.venue,
            first.market_id,
            first.token_id,
            first.outcome,
            first.side,
            first.price,
            first.size,
        ) != (*own, self.size):
            raise ValueError(
                "the first leg must repeat the intent's own venue, market, token, "
                "outcome, side, price and size"
            )
        return self

    def leg(self, index: int) -> TradeIntent:
        """The intent as seen from one of its legs (its venue, instrument, side, price, size)."""
        if self.legs is None:
            return self
        leg = self.legs[index]
        return self.model_copy(
            update={
                "venue": leg.venue,
                "market_id": leg.market_id,
                "token_id": leg.token_id,
                "outcome": leg.outcome,
                "side": leg.side,
                "price": leg.price,
                "size": leg.size,
            }
        )

    def notional(self) -> Decimal:
        """USDC value of the source trade (price x size)."""
        return self.price * self.size

    def to_wire(self) -> dict[str, Any]:
        """The intent as its ``tape.intent/1`` JSON object, canonical and round-trippable."""
        data = self.model_dump(mode="json", exclude_none=True)
        data["schema"] = data.pop("schema_")
        source = data["source"]
        if "features" in source:
            source["features"] = dict(sorted(source["features"].items()))
        data["source"] = {k: source[k] for k in sorted(source)}
        return {k: data[k] for k in sorted(data)}


class IntentFormatError(ValueError):
    """Raised when a line is not a valid ``tape.intent/1`` object; the text says why."""


def describe_validation_error(error: ValidationError) -> str:
    """One line naming each offending field and what is wrong with it."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]).replace("schema_", "schema") or "intent"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown field"
        elif item["type"] == "missing":
            message = "missing"
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def parse_intent(data: Any, *, bounds_checked: bool = False) -> TradeIntent:
    """Validate a decoded JSON object as a TradeIntent, or raise IntentFormatError.
    ``bounds_checked``: the caller decoded it with ``loads_bounded``, which checked it."""
    if not isinstance(data, dict):
        raise IntentFormatError("an intent must be a JSON object")
    try:
        if not bounds_checked:
            check_bounds(data)  # whichever way it came: a lone surrogate cannot even be stored
    except InputBoundsError as error:
        raise IntentFormatError(str(error)) from None
    try:
        return TradeIntent.model_validate(data)
    except ValidationError as error:
        raise IntentFormatError(describe_validation_error(error)) from None


def redelivery_stand_in(intent: TradeIntent, *, same_payload: bool) -> TradeIntent:
    """The intent to record a redelivery with when only its fact was stored (replay, and a
    worker following the ingest log): the intent itself, or, when the redelivered payload
    differed, another payload (what was stored is only that it differed)."""
    if same_payload:
        return intent
    return intent.model_copy(update={"outcome": intent.outcome + " (redelivered)"})
