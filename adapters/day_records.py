"""The records of ``tape.day/1`` and ``tape.intent/1`` files: the strict models each kind of
line is validated with, and the records a line becomes (a line that cannot be read: BadLine).
Reading and parsing lines is ``adapters/dayfile.py``'s."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from engine.intent import DecimalText, TradeIntent, UtcTime
from engine.strategies.base import TradeSeen
from engine.values import Book, Level, Side
from engine.wire_text import PriceText, SizeText


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
    price: PriceText
    size: SizeText
    side: Literal["BUY", "SELL"] | None = None

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
