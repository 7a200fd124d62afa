"""Aggregation of small copies, the pure rules: which copies are buffered, when a buffer
flushes, what it flushes at, and when it expires.

An agent with ``aggregate_small = true`` does not deny a buy whose sized order is below the
venue's minimum (the book's ``min_size``): the copy waits in the agent's buffer
(``engine/copy_buffer.py``) under its venue, token and side. The copy that brings the bucket
to the minimum flushes it: one order of the buffered sizes plus its own, walked against the
fresh book of that decision and checked for slippage against the volume-weighted source price
of every copy it carries. A bucket whose window (``aggregation_window_s``, from its first
copy, engine time) has ended is expired at the agent's next decision. Sells are never
buffered: a sell is sized from what the agent holds, and a sell that closes a position must
go out as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from engine.checks import Check, check, show
from engine.sizing import SizingResult
from engine.values import Book, Side

VWAP_QUANTUM = Decimal("0.000001")
WINDOW_ENDED = "window_ended"
"""The reason of an expiry whose window ended before the minimum was reached."""


@dataclass(frozen=True)
class Buffered:
    """One buffered copy: its intent, our sized order, the copied trade's price."""

    intent_id: str
    size: Decimal
    source_price: Decimal

    def describe(self) -> str:
        """``<intent id> <size>@<price>``, as the flush's check lists it."""
        return f"{self.intent_id} {show(self.size)}@{show(self.source_price)}"


@dataclass(frozen=True)
class PendingCopies:
    """The copies waiting under one key, oldest first."""

    key: str
    entries: tuple[Buffered, ...]
    opened_at: datetime | None = None

    @property
    def size(self) -> Decimal:
        """The shares buffered."""
        return sum((e.size for e in self.entries), Decimal(0))


def buffer_key(venue: str, token_id: str, side: Side) -> str:
    """The bucket of a copy: its venue, token and side (never across tokens or sides)."""
    return f"{venue}|{token_id}|{side.value}"


def window_ended(pending: PendingCopies, now: datetime, window_s: int) -> bool:
    """Whether a bucket's window, counted from its first copy, has ended at ``now``."""
    if pending.opened_at is None or not pending.entries:
        return False
    return now - pending.opened_at >= timedelta(seconds=window_s)


def vwap(entries: tuple[Buffered, ...]) -> Decimal:
    """The source price weighted by our sized shares of each copy."""
    shares = sum((e.size for e in entries), Decimal(0))
    if shares <= 0:
        raise ValueError("a volume-weighted price of no shares")
    weighted = sum((e.size * e.source_price for e in entries), Decimal(0)) / shares
    return weighted.quantize(VWAP_QUANTUM, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class SmallCopy:
    """What aggregation makes of a sized buy: buffered (``check`` says so), or an order of
    ``size`` carrying ``carried`` and checked against ``source_price``."""

    check: Check
    buffer: bool
    size: Decimal
    source_price: Decimal
    carried: PendingCopies


def applies(pending: PendingCopies | None, sizing: SizingResult, book: Book) -> bool:
    """Whether aggregation decides this copy: the agent aggregates (``pending`` is given only
    for its buys), the copy has a size, and it is small or a bucket waits for it."""
    if pending is None or sizing.size <= 0:
        return False
    return sizing.size < book.min_size or bool(pending.entries)


def aggregate(
    pending: PendingCopies,
    this: Buffered,
    book: Book,
    window_s: int,
    round_up_usdc: Decimal = Decimal(0),
) -> SmallCopy:
    """Buffer the copy while the bucket stays below the minimum; else flush it all as one
    (rounded up to the minimum when the shortfall costs no more than ``round_up_usdc``)."""
    total = pending.size + this.size
    shortfall = (book.min_size - total) * this.source_price
    if total < book.min_size and 0 < shortfall <= round_up_usdc:
        return _flush(pending, this, book, book.min_size, rounded_up=(total, shortfall))
    if total < book.min_size:
        return SmallCopy(
            check(
                "aggregation",
                True,
                f"size {show(this.size)} is below the venue minimum {show(book.min_size)}: "
                f"buffered, {show(total)} of {show(book.min_size)} shares with "
                f"{len(pending.entries)} earlier copies (window {window_s}s)",
                size=this.size,
                min_size=book.min_size,
                buffered_before=pending.size,
                buffered_after=total,
                window_s=window_s,
            ),
            buffer=True,
            size=total,
            source_price=this.source_price,
            carried=pending,
        )
    return _flush(pending, this, book, total, rounded_up=None)


def _flush(
    pending: PendingCopies,
    this: Buffered,
    book: Book,
    size: Decimal,
    rounded_up: tuple[Decimal, Decimal] | None,
) -> SmallCopy:
    # One order of ``size`` carrying the bucket and this copy.
    entries = (*pending.entries, this)
    price = vwap(entries)
    extra = {"rounded_up_from": rounded_up[0], "round_up_cost": rounded_up[1]} if rounded_up else {}
    note = (
        f", rounded up from {show(rounded_up[0])} for {show(rounded_up[1])} USDC at the source "
        "price"
        if rounded_up
        else ""
    )
    return SmallCopy(
        check(
            "aggregation",
            True,
            f"one order of {show(size)} shares carries {len(entries)} copies "
            f"({len(pending.entries)} buffered and this one), volume-weighted source price "
            f"{show(price)}{note}",
            copies=[e.describe() for e in entries],
            size=size,
            min_size=book.min_size,
            buffered=pending.size,
            vwap=price,
            **extra,
        ),
        buffer=False,
        size=size,
        source_price=price,
        carried=pending,
    )


def round_up_sell(
    size: Decimal, book: Book, held_from_trader: Decimal, price: Decimal, round_up_usdc: Decimal
) -> Check | None:
    """A sell below the minimum, rounded up to the minimum when what is held from the trader
    covers it and the extra shares cost no more than ``round_up_usdc`` at the source price
    (the check saying so), else None: sells are never buffered."""
    if not 0 < size < book.min_size or held_from_trader < book.min_size:
        return None
    extra = (book.min_size - size) * price
    if extra > round_up_usdc:
        return None
    return check(
        "aggregation",
        True,
        f"sell of {show(size)} is below the venue minimum {show(book.min_size)}: rounded up "
        f"to it ({show(held_from_trader)} held from the trader; {show(extra)} USDC at the "
        f"source price, limit {show(round_up_usdc)})",
        rounded_up_from=size,
        size=book.min_size,
        min_size=book.min_size,
        held_from_trader=held_from_trader,
        round_up_cost=extra,
        round_up_usdc=round_up_usdc,
    )
