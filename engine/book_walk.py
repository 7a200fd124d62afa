"""Walking a recorded book: what an order of a given size would pay, and its slippage."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from engine.values import Book, Level, Side

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Walk:
    """The result of taking ``size`` from one side of a book."""

    fillable: Decimal  # how much of the size the book can fill
    average_price: Decimal | None  # volume-weighted over what fills
    worst_price: Decimal | None  # the last level touched: the marketable limit price
    levels_used: int


def walk_book(book: Book, side: Side, size: Decimal) -> Walk:
    """Take ``size`` from the asks (a buy) or the bids (a sell), best level first."""
    levels: tuple[Level, ...] = book.asks if side is Side.BUY else book.bids
    left = size
    cost = Decimal(0)
    worst: Decimal | None = None
    used = 0
    for level in levels:
        if left <= 0:
            break
        take = min(left, level.size)
        if take <= 0:
            continue
        cost += take * level.price
        left -= take
        worst = level.price
        used += 1
    fillable = size - left
    average = cost / fillable if fillable > 0 else None
    return Walk(fillable, average, worst, used)


def slippage_pct(side: Side, source_price: Decimal, price: Decimal) -> Decimal:
    """How much worse than the source price, in percent (negative when better)."""
    worse = price - source_price if side is Side.BUY else source_price - price
    return (worse / source_price * HUNDRED).quantize(Decimal("0.0001"))
