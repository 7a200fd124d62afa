"""Small value types shared by the whole engine: sides, order types, books."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Side(StrEnum):
    """Which way a trade goes."""

    BUY = "BUY"
    SELL = "SELL"


class OrderType(StrEnum):
    """Time in force of an order: rest (GTC), all or nothing (FOK), take what is there (FAK)."""

    GTC = "GTC"
    FOK = "FOK"
    FAK = "FAK"


class TradingState(StrEnum):
    """An agent's switch: ACTIVE trades, REDUCING only reduces, HALTED places nothing."""

    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"
    HALTED = "HALTED"


_TEXTS: dict[Decimal, str] = {}
"""Texts of Decimals already rendered: equal Decimals (``1.50`` and ``1.5``) have one text, so
the value is the key; a day renders the same prices and sizes into thousands of events."""
TEXTS_KEPT = 4096


def dec_str(value: Decimal) -> str:
    """Canonical text of a Decimal: no exponent, no trailing zeros (``1.50`` -> ``1.5``)."""
    if type(value) is Decimal and value.is_finite():
        text = _TEXTS.get(value)
        if text is None:
            text = _dec_str(value)
            if len(_TEXTS) >= TEXTS_KEPT:
                _TEXTS.clear()
            _TEXTS[value] = text
        return text
    return _dec_str(value)


def _dec_str(value: Decimal) -> str:
    if value == 0:
        return "0"
    text = format(value, "f")  # exact: normalize() would round to the context's 28 digits
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


@dataclass(frozen=True)
class Level:
    """One price level of a book."""

    price: Decimal
    size: Decimal


@dataclass(frozen=True)
class Book:
    """The book of one token at one moment, best level first on both sides.

    ``tick_size`` is the price grid, ``min_size`` the smallest order the venue takes and
    ``size_step`` the share grid (Polymarket: 0.01 shares).
    """

    venue: str
    token_id: str
    at: str
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    tick_size: Decimal
    min_size: Decimal
    size_step: Decimal = Decimal("0.01")
    market_id: str = ""
    accepting_orders: bool = True
    closed_reason: str = ""
    neg_risk: bool = False

    def best_bid(self) -> Decimal | None:
        """The highest bid, if any."""
        return self.bids[0].price if self.bids else None

    def best_ask(self) -> Decimal | None:
        """The lowest ask, if any."""
        return self.asks[0].price if self.asks else None

    def mid(self) -> Decimal | None:
        """The midpoint, or the one side there is, or None for an empty book."""
        bid, ask = self.best_bid(), self.best_ask()
        if bid is not None and ask is not None:
            return (bid + ask) / 2
        return bid if bid is not None else ask

    def same_market(self, other: Book) -> bool:
        """Whether ``other`` shows the same levels and rules (whatever its time): a fresh
        read of an unchanged book."""
        return (
            self.bids,
            self.asks,
            self.tick_size,
            self.min_size,
            self.size_step,
            self.accepting_orders,
        ) == (
            other.bids,
            other.asks,
            other.tick_size,
            other.min_size,
            other.size_step,
            other.accepting_orders,
        )

    def to_record(self) -> dict[str, Any]:
        """The book as JSON-ready text, the form stored inside decision events."""
        return {
            "venue": self.venue,
            "token_id": self.token_id,
            "at": self.at,
            "bids": [[dec_str(lv.price), dec_str(lv.size)] for lv in self.bids],
            "asks": [[dec_str(lv.price), dec_str(lv.size)] for lv in self.asks],
            "tick_size": dec_str(self.tick_size),
            "min_size": dec_str(self.min_size),
            "size_step": dec_str(self.size_step),
            **({} if self.accepting_orders else {"closed_reason": self.closed_reason or "closed"}),
            **({"neg_risk": True} if self.neg_risk else {}),
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Book:
        """Inverse of :meth:`to_record`."""
        return cls(
            venue=record["venue"],
            token_id=record["token_id"],
            at=record["at"],
            bids=tuple(Level(Decimal(p), Decimal(s)) for p, s in record["bids"]),
            asks=tuple(Level(Decimal(p), Decimal(s)) for p, s in record["asks"]),
            tick_size=Decimal(record["tick_size"]),
            min_size=Decimal(record["min_size"]),
            size_step=Decimal(record.get("size_step", "0.01")),
            accepting_orders="closed_reason" not in record,
            closed_reason=record.get("closed_reason", ""),
            neg_risk=bool(record.get("neg_risk", False)),
        )
