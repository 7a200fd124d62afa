"""Builders for the arbitrage tests: a Polymarket market and its Kalshi twin, their books, and
an arbitrage agent's parameters."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from engine.arbitrage.params import ArbParams
from engine.values import Book, Level

D = Decimal
POLY_MARKET = "0x" + "ab" * 32
POLY_YES = "1111"
POLY_NO = "2222"
TICKER = "KXFED-26DEC-T4.25"


def a_pair(**overrides: Any) -> dict[str, Any]:
    """One pair as ``tape.toml`` writes it."""
    pair: dict[str, Any] = {
        "polymarket": POLY_YES,
        "polymarket_no": POLY_NO,
        "polymarket_market": POLY_MARKET,
        "kalshi": TICKER,
    }
    pair.update(overrides)
    return pair


def arb_params(**overrides: Any) -> ArbParams:
    """Parameters of an arbitrage agent on the one pair."""
    raw: dict[str, Any] = {
        "pairs": [a_pair()],
        "min_profit_usdc": "0.50",
        "size": "50",
        "max_leg_risk_usdc": "5",
    }
    raw.update(overrides)
    return ArbParams.model_validate(raw)


def book_of(
    venue: str,
    token_id: str,
    asks: Sequence[tuple[Decimal, Decimal]],
    bids: Sequence[tuple[Decimal, Decimal]] = (),
    *,
    min_size: str = "1",
) -> Book:
    """A book of one token (best level first), on a 0.01 tick and the venue's size step."""
    return Book(
        venue=venue,
        token_id=token_id,
        at="2026-01-30T14:00:00Z",
        bids=tuple(Level(p, s) for p, s in bids),
        asks=tuple(Level(p, s) for p, s in asks),
        tick_size=D("0.01"),
        min_size=D(min_size),
        size_step=D(1) if venue == "kalshi" else D("0.01"),
        market_id=POLY_MARKET if venue == "polymarket" else TICKER,
    )
