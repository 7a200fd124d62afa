"""What a taker fill costs on each venue of an arbitrage, as the engine must know it to price
an edge: the same formulas, the same rounding and the same per-fill application as the paper
venue's fee models (``adapters/kalshi/fees.py``, ``adapters/venues/spec.py``), which a test
holds equal.

- Kalshi: ``ceil_to_cent(0.07 x C x P x (1 - P))`` per fill, times the series multiplier.
- Polymarket: the repo's model, ``rate x P x C`` to the micro-dollar per fill, at the rate the
  agent names (``polymarket_fee_rate``; 0 by default, as ``[paper] fee_rate``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Protocol

CENT = Decimal("0.01")
MICRO = Decimal("0.000001")
KALSHI_TAKER_RATE = Decimal("0.07")


class VenueFee(Protocol):
    """The fee of one fill of ``size`` at ``price`` on a venue."""

    def fee(self, price: Decimal, size: Decimal) -> Decimal:
        """The fee in dollars, as the venue charges it."""
        ...

    def worst(self, size: Decimal, floor: Decimal) -> Decimal:
        """The most one fill of ``size`` at any price from ``floor`` up to 1 can cost."""
        ...


@dataclass(frozen=True)
class KalshiTakerFee:
    """Kalshi's quadratic taker fee, rounded up to the cent per fill."""

    multiplier: Decimal = Decimal(1)

    def fee(self, price: Decimal, size: Decimal) -> Decimal:
        """``ceil_to_cent(0.07 x size x price x (1 - price)) x multiplier``."""
        raw = KALSHI_TAKER_RATE * size * price * (1 - price)
        return raw.quantize(CENT, rounding=ROUND_CEILING) * self.multiplier

    def worst(self, size: Decimal, floor: Decimal) -> Decimal:
        """P x (1 - P) is largest at 0.5 (or at ``floor`` above it)."""
        return self.fee(max(floor, Decimal("0.5")), size)


@dataclass(frozen=True)
class PolymarketFee:
    """The repo's Polymarket fee: ``rate x price x size`` to the micro-dollar per fill."""

    rate: Decimal = Decimal(0)

    def fee(self, price: Decimal, size: Decimal) -> Decimal:
        """``price x size x rate``, rounded to the micro-dollar."""
        return (price * size * self.rate).quantize(MICRO)

    def worst(self, size: Decimal, floor: Decimal) -> Decimal:
        """The fee grows with the price: its bound is at 1."""
        return self.fee(Decimal(1), size)


def fee_of(venue: str, *, polymarket_rate: Decimal, kalshi_multiplier: Decimal) -> VenueFee:
    """The fee model of a venue an arbitrage trades on."""
    if venue == "kalshi":
        return KalshiTakerFee(kalshi_multiplier)
    if venue == "polymarket":
        return PolymarketFee(polymarket_rate)
    raise ValueError(f"no arbitrage fee model for venue {venue!r}")
