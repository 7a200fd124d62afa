"""Kalshi's trading fee (``reference/kalshi.md`` §7).

Taker: ``ceil_to_cent(0.07 x C x P x (1 - P))`` times the series' ``fee_multiplier``; maker:
zero on most series, ``0.0175`` on ``quadratic_with_maker_fees`` series. ``P`` is the price of
either leg (the fee is symmetric in P and 1 - P).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

CENT = Decimal("0.01")
TAKER_RATE = Decimal("0.07")
MAKER_RATE = Decimal("0.0175")


def quadratic_fee(
    count: Decimal, price: Decimal, *, rate: Decimal = TAKER_RATE, multiplier: Decimal = Decimal(1)
) -> Decimal:
    """``ceil`` to the cent of ``rate x count x price x (1 - price)``, times ``multiplier``."""
    raw = rate * count * price * (1 - price)
    return raw.quantize(CENT, rounding=ROUND_CEILING) * multiplier


def taker_fee(count: Decimal, price: Decimal, multiplier: Decimal = Decimal(1)) -> Decimal:
    """The taker fee of one fill of ``count`` contracts at ``price`` dollars."""
    return quadratic_fee(count, price, multiplier=multiplier)


@dataclass(frozen=True)
class KalshiFee:
    """The paper venue's fee for Kalshi fills (``VenueSpec.fee_model``): Kalshi's taker fee
    at the series multiplier; the configured paper fee rate does not apply (Kalshi publishes
    its own schedule). ``schedule``: the multiplier of a token's series (read from Kalshi when
    the paper venue trades on its live books); without it, ``multiplier`` for every token."""

    multiplier: Decimal = Decimal(1)
    schedule: Callable[[str], Decimal] | None = None

    def fee(self, price: Decimal, size: Decimal, rate: Decimal, *, token_id: str = "") -> Decimal:
        """The taker fee of one fill (``rate`` is ignored)."""
        if self.schedule is not None and token_id:
            return taker_fee(size, price, self.schedule(token_id))
        return taker_fee(size, price, self.multiplier)


KALSHI_FEE = KalshiFee()
