"""Prices and sizes to the integer micro-units (x 1e6) of a signed CTF order, Decimal only.

BUY: the maker gives collateral (makerAmount) and takes shares (takerAmount); SELL the reverse.
Each venue's own rounding rules (Polymarket's marketable-order precision, Limitless's FOK
amounts) are in its adapter; the units, the tick check and the limit-order amounts are here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from engine.grid import ceil_to, floor_to, on_grid
from engine.values import Side, dec_str

MICRO = Decimal(1_000_000)
UNIT = Decimal("0.000001")


class GridError(ValueError):
    """An order that cannot be put on the venue's grid; carries the rejection code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class OrderAmounts:
    """What a signed order says: integer micro-units, and the Decimal values they came from."""

    side: Side
    maker_amount: int
    taker_amount: int
    shares: Decimal
    usdc: Decimal

    @property
    def implied_price(self) -> Decimal:
        """USDC per share of the signed amounts."""
        return self.usdc / self.shares


def to_micro(value: Decimal) -> int:
    """Exact integer micro-units of a value with at most 6 decimals."""
    scaled = value * MICRO
    if scaled != scaled.to_integral_value():
        raise GridError("INVALID_PRECISION", f"{dec_str(value)} has more than 6 decimals")
    return int(scaled)


def from_micro(value: int | str) -> Decimal:
    """A micro-unit integer (or its text) as a Decimal amount."""
    return Decimal(int(value)) / MICRO


def check_price(price: Decimal, tick: Decimal) -> None:
    """Refuse a price off the tick grid or outside [tick, 1 - tick]."""
    if not on_grid(price, tick):
        raise GridError(
            "INVALID_PRICE", f"price {dec_str(price)} is not on the tick {dec_str(tick)}"
        )
    if not tick <= price <= 1 - tick:
        raise GridError(
            "INVALID_PRICE",
            f"price {dec_str(price)} is outside [{dec_str(tick)}, {dec_str(1 - tick)}]",
        )


def check_size(size: Decimal, step: Decimal) -> None:
    """Refuse a size that is not a positive multiple of ``step``."""
    if size <= 0 or not on_grid(size, step):
        raise GridError(
            "INVALID_SIZE", f"size {dec_str(size)} is not a positive multiple of {dec_str(step)}"
        )


def amounts_of(side: Side, shares: Decimal, usdc: Decimal) -> OrderAmounts:
    """The maker/taker micro-units of ``shares`` for ``usdc`` on ``side``."""
    shares_micro, usdc_micro = to_micro(shares), to_micro(usdc)
    if side is Side.BUY:
        return OrderAmounts(side, usdc_micro, shares_micro, shares, usdc)
    return OrderAmounts(side, shares_micro, usdc_micro, shares, usdc)


def limit_amounts(side: Side, price: Decimal, shares: Decimal) -> OrderAmounts:
    """A limit order of ``shares`` at ``price``: a BUY pays ``ceil(shares x price)`` micro-USDC,
    a SELL asks ``floor(shares x price)`` (exact whenever the tick and share grid keep the
    product within 6 decimals, as both venues' grids do)."""
    notional = price * shares
    usdc = ceil_to(notional, UNIT) if side is Side.BUY else floor_to(notional, UNIT)
    return amounts_of(side, shares, usdc)
