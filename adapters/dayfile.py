"""Reading ``tape.day/1`` and ``tape.intent/1`` files: one record per line, bad lines reported
with their number and reason and skipped, the rest read. The records themselves, and the models
each kind of line is validated with, are ``adapters/day_records.py``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from pydantic import ValidationError

from adapters.day_records import (
    BadLine,
    BookLine,
    BookRecord,
    DayRecord,
    IntentRecord,
    ResolutionLine,
    ResolutionRecord,
    TradeLine,
    TradeRecord,
)
from engine.bounded_json import InputBoundsError, loads_bounded
from engine.intent import IntentFormatError, describe_validation_error, parse_intent, parse_utc

__all__ = [
    "BadLine",
    "BookLine",
    "BookRecord",
    "DayRecord",
    "IntentRecord",
    "ResolutionLine",
    "ResolutionRecord",
    "TradeLine",
    "TradeRecord",
    "line_digest",
    "numbered_lines",
    "parse_day_line",
    "parse_intent_line",
    "read_day",
    "read_intents",
]


def line_digest(line: str) -> str:
    """A short digest that identifies a line without storing its text."""
    return hashlib.sha256(line.encode("utf-8", "replace")).hexdigest()[:16]


def _decode(line_no: int, line: str) -> dict[str, Any] | BadLine:
    try:
        data = loads_bounded(line)
    except json.JSONDecodeError as error:
        return BadLine(
            line_no, f"not JSON ({error.msg} at column {error.colno})", line_digest(line)
        )
    except InputBoundsError as error:
        return BadLine(line_no, f"out of bounds: {error}", line_digest(line))
    if not isinstance(data, dict):
        return BadLine(line_no, "a record must be a JSON object", line_digest(line))
    return data


def parse_day_line(line_no: int, line: str) -> DayRecord | BadLine:
    """Parse one line of a ``tape.day/1`` file."""
    data = _decode(line_no, line)
    if isinstance(data, BadLine):
        return data
    kind = data.get("type")
    parser = _RECORD_PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None:
        return BadLine(
            line_no,
            f"unknown record type {kind!r} (book, trade, intent or resolution)",
            line_digest(line),
        )
    try:
        return parser(line_no, data)
    except ValidationError as error:
        return BadLine(
            line_no, f"{kind} record: {describe_validation_error(error)}", line_digest(line)
        )
    except IntentFormatError as error:
        return BadLine(line_no, f"intent record: {error}", line_digest(line))


def _book_record(line_no: int, data: dict[str, Any]) -> BookRecord:
    parsed = BookLine.model_validate(data)
    return BookRecord(line_no, parsed.at, parsed.to_book(data["at"]))


def _trade_record(line_no: int, data: dict[str, Any]) -> TradeRecord:
    parsed = TradeLine.model_validate(data)
    return TradeRecord(line_no, parsed.at, parsed.to_event())


def _resolution_record(line_no: int, data: dict[str, Any]) -> ResolutionRecord:
    res = ResolutionLine.model_validate(data)
    return ResolutionRecord(line_no, res.at, res.venue, res.market_id, res.winning_token_id)


def _intent_record(line_no: int, data: dict[str, Any]) -> IntentRecord:
    unknown = sorted(set(data) - {"type", "at", "intent"})
    if unknown:
        raise IntentFormatError(f"{', '.join(unknown)}: unknown field")
    if "at" not in data or "intent" not in data:
        raise IntentFormatError("an intent record needs at and intent")
    try:
        at = parse_utc(data["at"])
    except ValueError as error:
        raise IntentFormatError(f"at: {error}") from None
    # the whole line was decoded by loads_bounded, which checked its bounds
    return IntentRecord(line_no, at, parse_intent(data["intent"], bounds_checked=True))


_RECORD_PARSERS: dict[str, Callable[[int, dict[str, Any]], DayRecord]] = {
    "book": _book_record,
    "intent": _intent_record,
    "trade": _trade_record,
    "resolution": _resolution_record,
}


def parse_intent_line(line_no: int, line: str) -> IntentRecord | BadLine:
    """Parse one line of a ``tape.intent/1`` file (its time is the intent's created_at)."""
    data = _decode(line_no, line)
    if isinstance(data, BadLine):
        return data
    try:
        intent = parse_intent(data, bounds_checked=True)  # decoded by loads_bounded
    except IntentFormatError as error:
        return BadLine(line_no, str(error), line_digest(line))
    return IntentRecord(line_no, intent.created_at, intent)


def numbered_lines(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """Lines with their 1-based numbers, blank lines left out."""
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if line:
            yield number, line


def read_day(lines: Iterable[str]) -> Iterator[DayRecord | BadLine]:
    """Every record of a day file, in file order, bad lines included as BadLine."""
    for number, line in numbered_lines(lines):
        yield parse_day_line(number, line)


def read_intents(lines: Iterable[str]) -> Iterator[IntentRecord | BadLine]:
    """Every intent of an intent file, bad lines included as BadLine."""
    for number, line in numbered_lines(lines):
        yield parse_intent_line(number, line)
