"""The sample day's markets as they move: each binary market's Yes book (best bid, spread, fair
price, in ticks of one cent) walks back towards its fair price, now and then news moves the fair
price, and the No book mirrors the Yes book. Also how prices, sizes and lines are written."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adapters.sample_day.agents import CRASH_MARKET, TIGHT_MARKETS
from adapters.sample_day.ids import VENUE, market_id, token_id
from engine.intent import format_utc

_PRICES = tuple(f"0.{ticks:02d}" for ticks in range(100))


def price_text(ticks: int) -> str:
    """A price in ticks as the day writes it (``0.01`` to ``0.99``, clamped)."""
    return _PRICES[min(max(ticks, 1), 99)]


def shares_text(hundredths: int) -> str:
    """A size in hundredths of a share as the day writes it (``12.50``)."""
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def line(record: dict[str, Any]) -> str:
    """One record of the day as its JSON line (no newline)."""
    return json.dumps(record)


@dataclass
class Market:
    """One binary market: the Yes book's best bid and spread, in ticks, and its fair price."""

    index: int
    bid: int
    spread: int
    fair: int

    def ask(self, outcome: int) -> int:
        """Best ask of outcome 0 (Yes) or 1 (No), in ticks."""
        return self.bid + self.spread if outcome == 0 else 100 - self.bid

    def bid_of(self, outcome: int) -> int:
        """Best bid of an outcome, in ticks."""
        return self.bid if outcome == 0 else 100 - self.bid - self.spread

    def ripe(self, outcome: int) -> bool:
        """Whether an outcome's best bid has reached its fair price: time to take a profit."""
        return self.bid_of(outcome) >= (self.fair if outcome == 0 else 100 - self.fair)


class MarketBoard:
    """Every market of the day, and which ones the script keeps to itself until it opens them
    (no news moves them, no ordinary trade goes there)."""

    def __init__(self, rng: random.Random, count: int) -> None:
        self.rng = rng
        fairs = [rng.randint(12, 88) for _ in range(count)]
        fairs[CRASH_MARKET] = 73
        self.markets = [Market(i, f - 1, rng.choice((1, 1, 2)), f) for i, f in enumerate(fairs)]
        self.reserved = {*TIGHT_MARKETS, CRASH_MARKET}  # the script's until it opens them
        self.free = [i for i in range(count) if i not in self.reserved]

    def open(self, indices: set[int]) -> None:
        """The script is done with these markets: ordinary trading may go there."""
        self.reserved -= indices
        self.free = [i for i in range(len(self.markets)) if i not in self.reserved]

    def step(self, market: Market) -> None:
        """Move a market one step: noise, a pull to its fair price, now and then news."""
        rng = self.rng
        if rng.random() < 0.02 and market.index not in self.reserved:
            market.fair = min(max(market.fair + rng.randint(-25, 25), 6), 94)
        pull = (market.fair > market.bid) - (market.fair < market.bid)
        move = rng.choice((-1, 0, 0, 1)) + (pull if rng.random() < 0.5 else 0)
        market.spread = rng.choice((1, 1, 1, 2))
        market.bid = min(max(market.bid + move, 2), 97 - market.spread)

    def books(self, market: Market, now: datetime, *, deep: bool = False) -> Iterator[str]:
        """The Yes and No books of a market now, five levels a side; ``deep``: a thick top."""
        rng = self.rng
        top = 500_000 if deep else rng.randint(20_000, 200_000)
        sizes = [top, *(rng.randint(5_000, 150_000) for _ in range(4))]
        bids = [(market.bid - k, size) for k, size in enumerate(sizes) if market.bid - k >= 1]
        asks = [
            (market.ask(0) + k, size) for k, size in enumerate(sizes) if market.ask(0) + k < 100
        ]
        no_bids, no_asks = [(100 - p, s) for p, s in asks], [(100 - p, s) for p, s in bids]
        for outcome, (side_bids, side_asks) in enumerate(((bids, asks), (no_bids, no_asks))):
            yield line(
                {
                    "type": "book",
                    "at": format_utc(now),
                    "venue": VENUE,
                    "token_id": token_id(market.index, outcome),
                    "market_id": market_id(market.index),
                    "bids": [[price_text(p), shares_text(s)] for p, s in side_bids],
                    "asks": [[price_text(p), shares_text(s)] for p, s in side_asks],
                    "tick_size": "0.01",
                    "min_size": "5",
                }
            )
