"""What every read model shares: rows as mappings, their keys, times as sortable text, and rows
as canonical JSON (how a store keeps them and how scripts read them)."""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from engine.values import dec_str

Rows = MutableMapping[str, dict[str, Any]]
"""Rows of a view by key: a dict in memory, a store-backed table in a tracked projection."""


def new_rows() -> Rows:
    """Empty rows in memory (a view folded over a plain dict)."""
    return {}


def event_name(event: Any) -> str:
    """An event's name as the vocabulary says it (``OrderPlaced``)."""
    return type(event).__name__


def aggregate_key(event: Any) -> str:
    """The row key of the aggregate an event is of: its id as text."""
    return str(getattr(event, "originator_id", ""))


def pair_key(agent: str, venue: str) -> str:
    """The row key of an (agent, venue) pair, unambiguous whatever the names hold."""
    return json.dumps([agent, venue])


def time_key(value: datetime) -> str:
    """A time as sortable text (UTC, always with microseconds), the form the ``at`` column
    and the ``--since``/``--until`` filters compare."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def time_seq(value: datetime) -> int:
    """A time as whole microseconds since the epoch: the ``seq`` a row is listed by."""
    delta = value.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def in_time_order(rows: Rows, field_name: str) -> list[dict[str, Any]]:
    """The rows by the time in ``field_name``, ties by row key: the order the projections'
    ``seq`` column gives them, the same whichever way several logs interleaved."""
    return [row for _, row in sorted(rows.items(), key=lambda kv: (kv[1][field_name], kv[0]))]


def plain(value: Any) -> Any:
    """A row value as JSON-ready data (Decimals as canonical strings, times as RFC 3339,
    UUIDs as text)."""
    if isinstance(value, Decimal):
        return dec_str(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat().replace("+00:00", "Z")
    return value


def _encode_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"$dec": dec_str(value)}
    if isinstance(value, datetime):
        return {"$time": value.isoformat()}
    raise TypeError(f"a read-model row cannot hold {type(value).__name__}")


def _decode_object(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "$dec" in obj:
            return Decimal(obj["$dec"])
        if "$time" in obj:
            return datetime.fromisoformat(obj["$time"])
    return obj


def encode_row(row: dict[str, Any]) -> str:
    """A row as canonical JSON (sorted keys; Decimals and times tagged, so they come back)."""
    return json.dumps(row, default=_encode_value, sort_keys=True, separators=(",", ":"))


def decode_row(data: str) -> dict[str, Any]:
    """Inverse of :func:`encode_row`."""
    row: dict[str, Any] = json.loads(data, object_hook=_decode_object)
    return row
