"""The traders' trades, as the copy intents the monitor reports: ordinary trading (who trades,
what, how much, when they sell) and the steps of the script (:mod:`adapters.sample_day.script`).
Each trade first moves its market and shows its books, then the intent arrives."""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from adapters.sample_day.agents import CUM_SHARES, LABELS, TIGHT_MARKETS, TRADERS
from adapters.sample_day.ids import VENUE, market_id, token_id
from adapters.sample_day.markets import Market, MarketBoard, line, price_text, shares_text
from adapters.sample_day.script import ONE_OFF
from engine.intent import format_utc


class TradingDay:
    """A day being generated: markets, each trader's holdings, recent intents, the clock."""

    def __init__(self, seed: int, markets: int, start: datetime) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - a seeded simulation, not crypto
        self.board = MarketBoard(self.rng, markets)
        self.holdings: dict[str, dict[tuple[int, int], int]] = {t: {} for t in TRADERS}
        self.recent: deque[dict[str, Any]] = deque(maxlen=32)
        self.now = start

    def trade(
        self,
        trader: str,
        market: Market,
        outcome: int,
        side: str,
        size: int,
        *,
        usdc: int = 0,
        below: int = 0,
        age: int | None = None,
        deep: bool = False,
        before: bool | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Iterator[str]:
        """The market moves and shows its books, then the trader's trade arrives as an intent.

        ``size`` is in hundredths of a share, or ``usdc`` (in 1e-4 USDC) sets it at the ask.
        ``below``: a buy filled that many ticks under the ask now; ``age``: seconds from the
        trade to now; ``before``: whether a sell reports the trader's holding (default: most
        do); ``extra``: fields that make the intent malformed (it then changes nothing).
        """
        rng = self.rng
        self.board.step(market)
        yield from self.board.books(market, self.now, deep=deep)
        if usdc:
            size = usdc // market.ask(outcome)
        key, held = (market.index, outcome), self.holdings[trader]
        tx_hash = f"0x{rng.getrandbits(256):064x}"
        address = TRADERS[trader].address
        source: dict[str, Any] = {"kind": "copy", "trader": address, "tx_hash": tx_hash}
        if side == "SELL" and (before if before is not None else rng.random() < 0.8):
            source["trader_position_before"] = shares_text(held.get(key, 0))
        price = market.ask(outcome) - below if side == "BUY" else market.bid_of(outcome)
        created = self.now - timedelta(seconds=age if age is not None else rng.randint(1, 5))
        intent = {
            "schema": "tape.intent/1",
            "intent_id": f"copy:{tx_hash}:{token_id(market.index, outcome)}:{side}",
            "agent": TRADERS[trader].agent,
            "venue": VENUE,
            "market_id": market_id(market.index),
            "token_id": token_id(market.index, outcome),
            "outcome": ("Yes", "No")[outcome],
            "side": side,
            "price": price_text(price),
            "size": shares_text(size),
            "created_at": format_utc(created),
            "source": source,
            **(extra or {}),
        }
        if extra is None:
            held[key] = held.get(key, 0) + (size if side == "BUY" else -size)
            if held[key] <= 0:
                del held[key]
            self.recent.append(intent)
        yield line({"type": "intent", "at": format_utc(self.now), "intent": intent})

    def natural(self) -> Iterator[str]:
        """One ordinary trade, by a trader picked by its share of the day's trading."""
        rng, markets = self.rng, self.board.markets
        trader = rng.choices(LABELS, cum_weights=CUM_SHARES)[0]
        skill, lag = TRADERS[trader].skill, rng.random()
        age = rng.randint(150, 900) if lag < 0.004 else None  # the monitor lagged
        sell = self._pick_sell(trader, skill)
        if sell is not None:
            holding = self.holdings[trader][sell]
            size = max(holding * rng.choice((50, 100, 100)) // 100, 1)
            yield from self.trade(trader, markets[sell[0]], sell[1], "SELL", size, age=age)
            return
        market = markets[rng.choice(self.board.free)]
        informed = rng.random() < skill
        outcome = int((market.bid < market.fair) != informed)  # what is cheap against fair
        size = trade_size(rng, whale=trader.startswith("whale"))
        below = rng.randint(3, 6) if 0.004 <= lag < 0.01 else 0  # the book ran away since
        yield from self.trade(trader, market, outcome, "BUY", size, age=age, below=below)

    def _pick_sell(self, trader: str, skill: float) -> tuple[int, int] | None:
        """What a trader sells now, if anything: a ripe profit, or room it needs."""
        rng, markets = self.rng, self.board.markets
        held = [k for k in self.holdings[trader] if k[0] not in self.board.reserved]
        ripe = [k for k in held if markets[k[0]].ripe(k[1])]
        if ripe and rng.random() < skill:
            return rng.choice(ripe)
        if len(held) > 10 or (held and rng.random() < 0.1):
            return rng.choice(held)
        return None

    def scripted(self, kind: str, arg: int) -> Iterator[str]:
        """One step of the script (see :data:`adapters.sample_day.script.SCRIPT`)."""
        rng, board = self.rng, self.board
        market = board.markets[arg]
        if kind == "duplicate" and self.recent:
            again = rng.choice(list(self.recent))
            yield line({"type": "intent", "at": format_utc(self.now), "intent": again})
        elif kind == "not_json":  # a line cut short
            yield '{"type": "intent", "at": "' + format_utc(self.now) + '", "intent": {"sch'
        elif kind == "open":  # the script is done with these markets
            board.open({*TIGHT_MARKETS} if arg in TIGHT_MARKETS else {arg})
        elif kind == "crash":
            market.fair, market.bid = 5, 6
            yield from board.books(market, self.now)
        elif kind in ("tight_buy", "tight_sell"):
            side = "BUY" if kind == "tight_buy" else "SELL"
            whole = self.holdings["careful-1"].get((arg, 0), 1)  # a sell sells it all
            size = rng.randint(5_000, 12_000) if side == "BUY" else whole
            yield from self.trade("careful-1", market, 0, side, size, deep=True, before=True)
        elif kind in ("big_buy", "dip_buy"):  # sized so the tier is known: x0.5, x0.25
            usdc = 4_800_000 if kind == "big_buy" else 1_500_000
            yield from self.trade("steady-1", market, 0, "BUY", 0, usdc=usdc, deep=True)
        elif kind in ONE_OFF:
            trader, size, odd = ONE_OFF[kind]
            free_market = board.markets[rng.choice(board.free)]
            yield from self.trade(trader, free_market, 0, "BUY", size, **odd)


def trade_size(rng: random.Random, *, whale: bool) -> int:
    """A source trade's size in hundredths of a share: mostly mid-sized, a few huge."""
    roll = rng.random()
    if roll < 0.07:
        return rng.randint(1_000, 4_999)
    if roll < 0.85:
        return rng.randint(5_000, 35_000)
    if roll < 0.98 or not whale:
        return rng.randint(35_000, 55_000)
    return rng.randint(100_000, 250_000)
