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

from decimal import Decimal

from adapters.ctf.amounts import (
    MICRO,
    GridError,
    OrderAmounts,
    amounts_of,
    check_price,
    check_size,
    from_micro,
    to_micro,
)
from engine.grid import floor_to
from engine.values import OrderType, Side, dec_str

SHARE_STEP = Decimal("0.01")
CENT = Decimal("0.01")
MARKET_SHARE_STEP = Decimal("0.0001")


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
    check_size(size, max(size_step, SHARE_STEP))
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
    return amounts_of(side, shares, usdc)


__all__ = [
    "MICRO",
    "GridError",
    "OrderAmounts",
    "check_price",
    "from_micro",
    "order_amounts",
    "to_micro",
]
