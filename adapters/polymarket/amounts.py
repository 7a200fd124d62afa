"""Prices and sizes to the integer micro-units of a signed order, with Decimal only.

The clients build amounts with floats (``round_down(2.03, 2) == 2.02``, 5-decimal share
amounts on 0.001 ticks that the server refuses). Tape computes them here, exactly, before the
client library sees anything, and signs the integers:

- limit orders (GTC): shares on the 0.01 grid, USDC = price x shares exactly (at most the
  tick's decimals + 2, which is the server's limit-order rule);
- marketable orders (FOK, FAK): the USDC side at most 2 decimals and the share side at most 4.
  A BUY spends ``floor(price x size, 0.01)`` USDC for ``floor(usdc / price, 0.0001)`` shares
  (never more than ordered, never above the committed notional); a SELL gives ``size`` shares
  for ``floor(price x size, 0.0001)`` USDC.

BUY: the maker gives USDC (makerAmount) and takes shares (takerAmount); SELL the reverse.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from engine.grid import floor_to, on_grid
from engine.values import OrderType, Side, dec_str

MICRO = Decimal(1_000_000)
SHARE_STEP = Decimal("0.01")
CENT = Decimal("0.01")
MARKET_SHARE_STEP = Decimal("0.0001")


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


def order_amounts(
    side: Side,
    order_type: OrderType,
    price: Decimal,
    size: Decimal,
    *,
    tick: Decimal,
    size_step: Decimal = SHARE_STEP,
) -> OrderAmounts:
    """The signed amounts of an order of ``size`` shares at limit ``price``.

    Raises :class:`GridError` (code INVALID_PRICE or INVALID_SIZE) when the order is off the
    grid: the engine rounds before it asks, so this is a proven local no, never a guess.
    """
    check_price(price, tick)
    step = max(size_step, SHARE_STEP)
    if size <= 0 or not on_grid(size, step):
        raise GridError(
            "INVALID_SIZE", f"size {dec_str(size)} is not a positive multiple of {dec_str(step)}"
        )
    if order_type is OrderType.GTC:
        shares, usdc = size, price * size
    elif side is Side.BUY:
        usdc = floor_to(price * size, CENT)
        shares = floor_to(usdc / price, MARKET_SHARE_STEP)
        if usdc <= 0 or shares <= 0:
            raise GridError(
                "INVALID_SIZE",
                f"a marketable BUY of {dec_str(size)} at {dec_str(price)} is less than one cent",
            )
    else:
        shares, usdc = size, floor_to(price * size, MARKET_SHARE_STEP)
        if usdc <= 0:
            raise GridError(
                "INVALID_SIZE",
                f"a marketable SELL of {dec_str(size)} at {dec_str(price)} pays nothing",
            )
    shares_micro, usdc_micro = to_micro(shares), to_micro(usdc)
    if side is Side.BUY:
        return OrderAmounts(side, usdc_micro, shares_micro, shares, usdc)
    return OrderAmounts(side, shares_micro, usdc_micro, shares, usdc)
