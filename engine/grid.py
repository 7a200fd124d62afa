"""Rounding to a venue's price tick and size grid, always in the direction that is safe."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal


def floor_to(value: Decimal, step: Decimal) -> Decimal:
    """The largest multiple of ``step`` not above ``value``."""
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


def ceil_to(value: Decimal, step: Decimal) -> Decimal:
    """The smallest multiple of ``step`` not below ``value``."""
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


def on_grid(value: Decimal, step: Decimal) -> bool:
    """Whether ``value`` is a multiple of ``step``."""
    return value % step == 0
