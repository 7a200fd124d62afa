"""Reading ``tape.day/1`` and ``tape.intent/1`` files: one record per line, bad lines reported
with their number and reason and skipped, the rest read."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from engine.bounded_json import InputBoundsError, loads_bounded
from engine.intent import (
    DecimalText,
    IntentFormatError,
    TradeIntent,
    UtcTime,
    describe_validation_error,
    parse_intent,
    parse_utc,
)
from engine.strategies.base import TradeSeen
from engine.values import Book, Level, Side


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class BookLine(_Strict):
    """A ``book`` record: the whole book of one token at ``at``, best level first."""

    type: Literal["book"]
    at: UtcTime
    venue: str
    token_id: str
    market_id: str = ""
    bids: list[tuple[DecimalText, DecimalText]]
    asks: list[tuple[DecimalText, DecimalText]]
    tick_size: DecimalText
    min_size: DecimalText
    size_step: DecimalText = Decimal("0.01")

    @field_validator("bids", "asks", mode="before")
    @classmethod
    def _levels_as_lists(cls, value: Any) -> Any:
        # JSON has no tuples: accept [price, size] pairs.
        if isinstance(value, list):
            return [tuple(level) if isinstance(level, list) else level for level in value]
        return value

    @field_validator("tick_size", "min_size", "size_step")
    @classmethod
    def _grid_positive(cls, value: Decimal) -> Decimal:
        if value <= 0:
            raise ValueError("must be greater than 0")
        return value

    @field_validator("bids", "asks")
    @classmethod
    def _levels_sensible(
        cls, value: list[tuple[Decimal, Decimal]]
    ) -> list[tuple[Decimal, Decimal]]:
        for price, size in value:
            if not Decimal(0) < price < Decimal(1):
                raise ValueError(f"level price {price} must be between 0 and 1")
            if size <= 0:
                raise ValueError(f"level size {size} must be greater than 0")
        return value

    @field_validator("bids")
    @classmethod
    def _bids_best_first(
        cls, value: list[tuple[Decimal, Decimal]]
    ) -> list[tuple[Decimal, Decimal]]:
        prices = [p for p, _ in value]
        if prices != sorted(prices, reverse=True):
            raise ValueError("bids must be best (highest) first")
        return value

    @field_validator("asks")
    @classmethod
    def _asks_best_first(
        cls, value: list[tuple[Decimal, Decimal]]
    ) -> list[tuple[Decimal, Decimal]]:
        prices = [p for p, _ in value]
        if prices != sorted(prices):
            raise ValueError("asks must be best (lowest) first")
        return value

    def to_book(self, at_text: str) -> Book:
        """The engine's Book value."""
        return Book(
            venue=self.venue,
            token_id=self.token_id,
            at=at_text,
            bids=tuple(Level(p, s) for p, s in self.bids),
            asks=tuple(Level(p, s) for p, s in self.asks),
            tick_size=self.tick_size,
            min_size=self.min_size,
            size_step=self.size_step,
            market_id=self.market_id,
        )


class TradeLine(_Strict):
    """A ``trade`` record: a trade printed on the venue (price, size and, when known, the
    taker's side); strategies read it, the paper venue does not."""

    type: Literal["trade"]
    at: UtcTime
    venue: str
    token_id: str
    market_id: str = ""
    price: DecimalText
    size: DecimalText
    side: Literal["BUY", "SELL"] | None = None

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

    def to_event(self) -> TradeSeen:
        """The strategies' market event."""
        return TradeSeen(
            at=self.at,
            venue=self.venue,
            token_id=self.token_id,
            price=self.price,
            size=self.size,
            side=Side(self.side) if self.side is not None else None,
            market_id=self.market_id,
        )


class ResolutionLine(_Strict):
    """A ``resolution`` record: the market settled; the winning token pays 1, the others 0."""

    type: Literal["resolution"]
    at: UtcTime
    venue: str
    market_id: str
    winning_token_id: str


@dataclass(frozen=True)
class BookRecord:
    """A book arrived."""

    line_no: int
    at: datetime
    book: Book


@dataclass(frozen=True)
class IntentRecord:
    """An intent arrived."""

    line_no: int
    at: datetime
    intent: TradeIntent


@dataclass(frozen=True)
class TradeRecord:
    """A trade was printed."""

    line_no: int
    at: datetime
    trade: TradeSeen


@dataclass(frozen=True)
class ResolutionRecord:
    """A market resolved."""

    line_no: int
    at: datetime
    venue: str
    market_id: str
    winning_token_id: str


@dataclass(frozen=True)
class BadLine:
    """A line that could not be read: where, why, and a digest of its text."""

    line_no: int
    reason: str
    digest: str

    def message(self, source: str) -> str:
        """The one-line report of it."""
        return f"{source}:{self.line_no}: skipped: {self.reason}"


DayRecord = BookRecord | IntentRecord | TradeRecord | ResolutionRecord


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
