"""The TradeIntent wire format, ``tape.intent/1``: what a signal source saw, never what we do.

The intent itself and its parsing live here; its parts (``source``, ``legs``) are in
``engine/intent_parts.py`` and the text of its decimals and times in ``engine/wire_text.py``,
re-exported so ``from engine.intent import ...`` names all of the format."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from engine.bounded_json import InputBoundsError, check_bounds
from engine.intent_parts import (
    MAX_FEATURE_CHARS,
    MAX_FEATURES,
    MAX_REASON_CHARS,
    IntentLeg,
    IntentSource,
)
from engine.values import Side
from engine.wire_text import (
    DECIMALS_KEPT,
    MAX_FRACTION_DIGITS,
    MAX_INTEGER_DIGITS,
    DecimalText,
    PriceText,
    SizeText,
    UtcTime,
    decimal_from_text,
    format_utc,
    parse_utc,
)

__all__ = [
    "DECIMALS_KEPT",
    "INTENT_SCHEMA",
    "MAX_FEATURES",
    "MAX_FEATURE_CHARS",
    "MAX_FRACTION_DIGITS",
    "MAX_INTEGER_DIGITS",
    "MAX_REASON_CHARS",
    "PAIRED_LEGS",
    "DecimalText",
    "IntentFormatError",
    "IntentLeg",
    "IntentSource",
    "TradeIntent",
    "UtcTime",
    "decimal_from_text",
    "describe_validation_error",
    "format_utc",
    "parse_intent",
    "parse_utc",
    "redelivery_stand_in",
]

INTENT_SCHEMA = "tape.intent/1"

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
    price: PriceText
    size: SizeText
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
