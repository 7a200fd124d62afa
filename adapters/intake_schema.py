"""The OpenAPI shapes of ``tape serve``'s intake: the intent schema and the answers."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel


class ReceiptOut(BaseModel):
    """The receipt of one intent of a request."""

    intent_id: str | None
    status: Literal["received", "duplicate", "invalid"]
    reason: str | None = None


class HealthOut(BaseModel):
    """The service's health: ``ok``, or why its store cannot be written."""

    status: str
    reason: str | None = None


class ErrorOut(BaseModel):
    """A request refused as a whole."""

    error: str


_DECIMAL = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "examples": ["0.52"]}
INTENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A tape.intent/1 intent: what a signal source saw. Unknown fields are an error.",
    "additionalProperties": False,
    "required": [
        "schema",
        "intent_id",
        "agent",
        "venue",
        "market_id",
        "token_id",
        "outcome",
        "side",
        "price",
        "size",
        "created_at",
        "source",
    ],
    "properties": {
        "schema": {"type": "string", "enum": ["tape.intent/1"]},
        "intent_id": {"type": "string", "minLength": 1},
        "agent": {"type": "string", "minLength": 1},
        "venue": {"type": "string", "minLength": 1},
        "market_id": {"type": "string", "minLength": 1},
        "token_id": {"type": "string", "minLength": 1},
        "outcome": {"type": "string", "minLength": 1},
        "side": {"type": "string", "enum": ["BUY", "SELL"]},
        "price": {**_DECIMAL, "description": "Decimal string, 0 < price < 1."},
        "size": {**_DECIMAL, "description": "Decimal string, shares, > 0."},
        "created_at": {
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339 UTC (Z or +00:00).",
        },
        "source": {
            "type": "object",
            "additionalProperties": False,
            "required": ["kind"],
            "properties": {
                "kind": {"type": "string", "enum": ["copy", "strategy", "manual"]},
                "trader": {"type": "string", "pattern": "^0x[0-9a-fA-F]{40}$"},
                "tx_hash": {"type": "string", "pattern": "^0x[0-9a-fA-F]+$"},
                "trader_position_before": _DECIMAL,
                "strategy": {"type": "string"},
                "reason": {"type": "string", "maxLength": 500},
                "features": {
                    "type": "object",
                    "maxProperties": 64,
                    "additionalProperties": {"type": "string", "maxLength": 100},
                },
            },
        },
        "legs": {
            "type": "array",
            "description": "A paired intent (an arbitrage): both legs, the first repeating the "
            "intent's own venue, market, token, outcome, side, price and size.",
            "minItems": 2,
            "maxItems": 2,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["venue", "market_id", "token_id", "outcome", "side", "price", "size"],
                "properties": {
                    "venue": {"type": "string", "minLength": 1},
                    "market_id": {"type": "string", "minLength": 1},
                    "token_id": {"type": "string", "minLength": 1},
                    "outcome": {"type": "string", "minLength": 1},
                    "side": {"type": "string", "enum": ["BUY", "SELL"]},
                    "price": _DECIMAL,
                    "size": _DECIMAL,
                },
            },
        },
    },
}
