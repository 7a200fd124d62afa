"""The parts of a ``tape.intent/1`` object: who produced it (``source``) and, for a paired
intent, its legs."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from engine.values import Side
from engine.wire_text import DecimalText, PriceText, SizeText

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
MAX_REASON_CHARS = 500
MAX_FEATURES = 64
MAX_FEATURE_CHARS = 100
"""Bounds of a strategy intent's ``source.reason`` and ``source.features`` (the values that
led to it, as text)."""


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
    price: PriceText
    size: SizeText

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
