"""Seeded sample trading days (``tape.day/1``) for the demo, tests and benchmarks.

A day is a pure function of its seed: dozens of Polymarket binary markets whose books follow a
mean-reverting walk (the Yes and No books mirror each other), followed and unfollowed traders
who buy and later sell in proportion, and copy intents addressed to the agents of
:data:`DEMO_CONFIG_TOML`. A fixed script, woven in at evenly spread points, makes the engine
deny intents for every firewall and limit reason, redeliver duplicates and skip malformed
lines; the rest is ordinary trading, mostly accepted. Lines stream out one at a time: only
each market's state and each trader's holdings are kept, so a million intents are cheap.
"""

from __future__ import annotations

import hashlib
import json
import random
import tomllib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import Any

from engine.config import AgentConfig
from engine.intent import format_utc

VENUE = "polymarket"
DEFAULT_START = datetime(2026, 1, 30, 14, 0, tzinfo=UTC)
MIN_MARKETS = 6


def _digest(label: str) -> str:
    return hashlib.sha256(f"tape-sample/{label}".encode()).hexdigest()


@cache
def market_id(index: int) -> str:
    """The id (0x + 64 hex) of sample market ``index``; the same for every seed."""
    return "0x" + _digest(f"market/{index}")


@cache
def token_id(index: int, outcome: int) -> str:
    """The decimal token id of outcome 0 (Yes) or 1 (No) of sample market ``index``."""
    return str(int(_digest(f"token/{index}/{outcome}"), 16))


# label -> (address, the agent its intents go to, share of the trades, skill: how often it
# buys what is cheap against the market's fair price and sells what has reached it)
_TRADERS: dict[str, tuple[str, str, float, float]] = {
    label: ("0x" + _digest(f"trader/{label}")[:40], agent, share, skill)
    for label, agent, share, skill in (
        ("whale-1", "follow-whales", 0.22, 0.7),
        ("whale-2", "follow-whales", 0.20, 0.7),
        ("whale-3", "follow-whales", 0.18, 0.65),
        ("steady-1", "tiered", 0.16, 0.6),
        ("steady-2", "tiered", 0.16, 0.6),
        ("careful-1", "tight-risk", 0.04, 0.6),
        ("dropped-1", "follow-whales", 0.02, 0.5),  # followed by no agent any more, but
        ("dropped-2", "tiered", 0.02, 0.5),  # the monitor still reports its trades
    )
}
_LABELS = tuple(_TRADERS)
_CUM_SHARES = tuple(accumulate(spec[2] for spec in _TRADERS.values()))
DEMO_TRADERS: dict[str, str] = {label: spec[0] for label, spec in _TRADERS.items()}
"""The sample day's traders by label: ``dropped-*`` are followed by no agent."""

_TIGHT_MARKETS = (0, 1, 2, 3)  # tight-risk's allowlist; its script trades 0, 1 and 2
_CRASH_MARKET = 4  # bought big by tiered, then crashes: the stop loss
_SCRIPT_SPAN = 2000  # intents the script is woven into, but for its end: one UTC afternoon


def _toml_list(items: list[str]) -> str:
    return json.dumps(items)  # a JSON list of strings is a TOML array


DEMO_CONFIG_TOML = f"""\
# The sample day's agents (see adapters/sample_day.py).

[agents.follow-whales]
strategy = "copy"
venues = ["polymarket"]
follow = {_toml_list([DEMO_TRADERS[f"whale-{n}"] for n in (1, 2, 3)])}
markets = []
sizing = {{ mode = "PERCENTAGE", value = "10" }}
max_intent_usdc = "500"
max_intent_age_s = 60
max_slippage_pct = "3"
max_position_usdc = "400"
max_trades_per_day = 5000
stop_loss_usdc = "500"
budget_usdc = "5000"

[agents.tight-risk]
strategy = "copy"
venues = ["polymarket"]
follow = {_toml_list([DEMO_TRADERS["careful-1"]])}
markets = {_toml_list([market_id(i) for i in _TIGHT_MARKETS])}
sizing = {{ mode = "FIXED", value = "10" }}
max_intent_usdc = "150"
max_intent_age_s = 60
max_slippage_pct = "3"
max_position_usdc = "25"
max_trades_per_day = 6
stop_loss_usdc = "50"
budget_usdc = "45"

[agents.tiered]
strategy = "copy"
venues = ["polymarket"]
follow = {_toml_list([DEMO_TRADERS["steady-1"], DEMO_TRADERS["steady-2"]])}
markets = []
sizing = {{ mode = "TIERED", tiers = [["0", "0.1"], ["100", "0.25"], ["300", "0.5"]] }}
max_intent_usdc = "500"
max_intent_age_s = 90
max_slippage_pct = "3"
max_position_usdc = "400"
max_trades_per_day = 3000
stop_loss_usdc = "150"
budget_usdc = "4000"
"""
"""A ``tape.toml`` with the three agents the sample day addresses."""


def demo_agent_configs() -> list[AgentConfig]:
    """The agents of :data:`DEMO_CONFIG_TOML`, in file order."""
    tables = tomllib.loads(DEMO_CONFIG_TOML)["agents"]
    return [AgentConfig(name=name, **table) for name, table in tables.items()]


# The script, woven in at evenly spread intents; each comment says what the engine does.
_SCRIPT: tuple[tuple[str, int], ...] = (
    ("tight_buy", 0),  # accepted: tight-risk's trade 1, about 10 USDC
    ("unfollowed", 0),  # trader_allowlist
    ("tight_buy", 0),  # accepted: trade 2
    ("size_cap", 0),  # size_cap
    ("tight_buy", 0),  # position_limit: a third 10 USDC in market 0 passes 25
    ("stale", 0),  # staleness
    ("tight_buy", 1),  # accepted: trade 3
    ("duplicate", 0),  # redelivered
    ("slippage", 0),  # slippage
    ("tight_buy", 1),  # accepted: trade 4
    ("tiny", 0),  # sizing: 10% of 20 shares is under the minimum 5
    ("not_json", 0),  # a bad line
    ("tight_buy", 2),  # budget: 40 USDC deployed + 10 passes 45
    ("off_allowlist", 0),  # market_allowlist
    ("big_buy", _CRASH_MARKET),  # accepted: tiered holds ~240 USDC of the crash market
    ("tight_sell", 0),  # accepted: trade 5, a position reduced
    ("bad_field", 0),  # a bad line
    ("tight_sell", 1),  # accepted: trade 6
    ("tight_buy", 2),  # trades_per_day
    ("open", 0),  # careful-1 may trade tight-risk's markets from now on
    ("duplicate", 0),  # redelivered
    ("crash", _CRASH_MARKET),  # the market falls to a few cents
    ("dip_buy", _CRASH_MARKET),  # accepted: tiered's mark of it now shows the loss
    ("dip_buy", _CRASH_MARKET),  # stop_loss: tiered is halted
    ("open", _CRASH_MARKET),
)
_LATE = _SCRIPT.index(("crash", _CRASH_MARKET))  # from here on, steps spread over the whole day
# Steps that come besides the slot's intent, not instead of it.
_EXTRAS = frozenset(("duplicate", "not_json", "bad_field", "crash", "open"))
_BAD = frozenset(("not_json", "bad_field"))  # their last line is malformed
# One-off buys: trader, size (hundredths of a share) and what is odd about them.
_ONE_OFF: dict[str, tuple[str, int, dict[str, Any]]] = {
    "unfollowed": ("dropped-1", 20_000, {}),
    "size_cap": ("whale-2", 0, {"usdc": 9_000_000}),  # 900 USDC
    "stale": ("whale-1", 20_000, {"age": 600}),  # the monitor lagged ten minutes
    "slippage": ("whale-1", 20_000, {"below": 6}),  # filled six ticks under the ask now
    "tiny": ("whale-3", 2_000, {}),
    "off_allowlist": ("careful-1", 8_000, {}),
    "bad_field": ("whale-1", 10_000, {"extra": {"leverage": "3"}}),
}


@dataclass
class _Market:
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


_PRICES = tuple(f"0.{ticks:02d}" for ticks in range(100))


def _price(ticks: int) -> str:
    return _PRICES[min(max(ticks, 1), 99)]


def _shares(hundredths: int) -> str:
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record)


class _Day:
    """A day being generated: markets, each trader's holdings, recent intents, the clock."""

    def __init__(self, seed: int, markets: int, start: datetime) -> None:
        self.rng = rng = random.Random(seed)  # noqa: S311 - a seeded simulation, not crypto
        fairs = [rng.randint(12, 88) for _ in range(markets)]
        fairs[_CRASH_MARKET] = 73
        self.markets = [_Market(i, f - 1, rng.choice((1, 1, 2)), f) for i, f in enumerate(fairs)]
        self.reserved = {*_TIGHT_MARKETS, _CRASH_MARKET}  # the script's until it opens them
        self.free = [i for i in range(markets) if i not in self.reserved]
        self.holdings: dict[str, dict[tuple[int, int], int]] = {t: {} for t in _TRADERS}
        self.recent: deque[dict[str, Any]] = deque(maxlen=32)
        self.now = start

    def step(self, market: _Market) -> None:
        """Move a market one step: noise, a pull to its fair price, now and then news."""
        rng = self.rng
        if rng.random() < 0.02 and market.index not in self.reserved:
            market.fair = min(max(market.fair + rng.randint(-25, 25), 6), 94)
        pull = (market.fair > market.bid) - (market.fair < market.bid)
        move = rng.choice((-1, 0, 0, 1)) + (pull if rng.random() < 0.5 else 0)
        market.spread = rng.choice((1, 1, 1, 2))
        market.bid = min(max(market.bid + move, 2), 97 - market.spread)

    def books(self, market: _Market, *, deep: bool = False) -> Iterator[str]:
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
            yield _line(
                {
                    "type": "book",
                    "at": format_utc(self.now),
                    "venue": VENUE,
                    "token_id": token_id(market.index, outcome),
                    "market_id": market_id(market.index),
                    "bids": [[_price(p), _shares(s)] for p, s in side_bids],
                    "asks": [[_price(p), _shares(s)] for p, s in side_asks],
                    "tick_size": "0.01",
                    "min_size": "5",
                }
            )

    def trade(
        self,
        trader: str,
        market: _Market,
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
        self.step(market)
        yield from self.books(market, deep=deep)
        if usdc:
            size = usdc // market.ask(outcome)
        key, held = (market.index, outcome), self.holdings[trader]
        tx_hash = f"0x{rng.getrandbits(256):064x}"
        source: dict[str, Any] = {"kind": "copy", "trader": _TRADERS[trader][0], "tx_hash": tx_hash}
        if side == "SELL" and (before if before is not None else rng.random() < 0.8):
            source["trader_position_before"] = _shares(held.get(key, 0))
        price = market.ask(outcome) - below if side == "BUY" else market.bid_of(outcome)
        created = self.now - timedelta(seconds=age if age is not None else rng.randint(1, 5))
        intent = {
            "schema": "tape.intent/1",
            "intent_id": f"copy:{tx_hash}:{token_id(market.index, outcome)}:{side}",
            "agent": _TRADERS[trader][1],
            "venue": VENUE,
            "market_id": market_id(market.index),
            "token_id": token_id(market.index, outcome),
            "outcome": ("Yes", "No")[outcome],
            "side": side,
            "price": _price(price),
            "size": _shares(size),
            "created_at": format_utc(created),
            "source": source,
            **(extra or {}),
        }
        if extra is None:
            held[key] = held.get(key, 0) + (size if side == "BUY" else -size)
            if held[key] <= 0:
                del held[key]
            self.recent.append(intent)
        yield _line({"type": "intent", "at": format_utc(self.now), "intent": intent})

    def natural(self) -> Iterator[str]:
        """One ordinary trade, by a trader picked by its share of the day's trading."""
        rng = self.rng
        trader = rng.choices(_LABELS, cum_weights=_CUM_SHARES)[0]
        skill, lag = _TRADERS[trader][3], rng.random()
        age = rng.randint(150, 900) if lag < 0.004 else None  # the monitor lagged
        sell = self._pick_sell(trader, skill)
        if sell is not None:
            holding = self.holdings[trader][sell]
            size = max(holding * rng.choice((50, 100, 100)) // 100, 1)
            yield from self.trade(trader, self.markets[sell[0]], sell[1], "SELL", size, age=age)
            return
        market = self.markets[rng.choice(self.free)]
        informed = rng.random() < skill
        outcome = int((market.bid < market.fair) != informed)  # what is cheap against fair
        size = _trade_size(rng, whale=trader.startswith("whale"))
        below = rng.randint(3, 6) if 0.004 <= lag < 0.01 else 0  # the book ran away since
        yield from self.trade(trader, market, outcome, "BUY", size, age=age, below=below)

    def _pick_sell(self, trader: str, skill: float) -> tuple[int, int] | None:
        """What a trader sells now, if anything: a ripe profit, or room it needs."""
        rng = self.rng
        held = [k for k in self.holdings[trader] if k[0] not in self.reserved]
        ripe = [k for k in held if self.markets[k[0]].ripe(k[1])]
        if ripe and rng.random() < skill:
            return rng.choice(ripe)
        if len(held) > 10 or (held and rng.random() < 0.1):
            return rng.choice(held)
        return None

    def scripted(self, kind: str, arg: int) -> Iterator[str]:
        """One step of the script (see ``_SCRIPT``)."""
        rng, market = self.rng, self.markets[arg]
        if kind == "duplicate" and self.recent:
            again = rng.choice(list(self.recent))
            yield _line({"type": "intent", "at": format_utc(self.now), "intent": again})
        elif kind == "not_json":  # a line cut short
            yield '{"type": "intent", "at": "' + format_utc(self.now) + '", "intent": {"sch'
        elif kind == "open":  # the script is done with these markets
            self.reserved -= {*_TIGHT_MARKETS} if arg in _TIGHT_MARKETS else {arg}
            self.free = [i for i in range(len(self.markets)) if i not in self.reserved]
        elif kind == "crash":
            market.fair, market.bid = 5, 6
            yield from self.books(market)
        elif kind in ("tight_buy", "tight_sell"):
            side = "BUY" if kind == "tight_buy" else "SELL"
            whole = self.holdings["careful-1"].get((arg, 0), 1)  # a sell sells it all
            size = rng.randint(5_000, 12_000) if side == "BUY" else whole
            yield from self.trade("careful-1", market, 0, side, size, deep=True, before=True)
        elif kind in ("big_buy", "dip_buy"):  # sized so the tier is known: x0.5, x0.25
            usdc = 4_800_000 if kind == "big_buy" else 1_500_000
            yield from self.trade("steady-1", market, 0, "BUY", 0, usdc=usdc, deep=True)
        elif kind in _ONE_OFF:
            trader, size, odd = _ONE_OFF[kind]
            yield from self.trade(
                trader, self.markets[rng.choice(self.free)], 0, "BUY", size, **odd
            )


def _trade_size(rng: random.Random, *, whale: bool) -> int:
    """A source trade's size in hundredths of a share: mostly mid-sized, a few huge."""
    roll = rng.random()
    if roll < 0.07:
        return rng.randint(1_000, 4_999)
    if roll < 0.85:
        return rng.randint(5_000, 35_000)
    if roll < 0.98 or not whale:
        return rng.randint(35_000, 55_000)
    return rng.randint(100_000, 250_000)


def _schedule(intents: int) -> dict[int, list[tuple[str, int]]]:
    """The intent slot of every script step, spread evenly (each centred in its share).

    Up to the crash, steps share the first ``_SCRIPT_SPAN`` intents, so tight-risk's limits
    meet within one UTC day; the crash and the halt it brings come late in the day.
    """
    slots: dict[int, list[tuple[str, int]]] = {}
    for j, step in enumerate(_SCRIPT):
        span = intents if j >= _LATE else min(intents, _SCRIPT_SPAN)
        slots.setdefault((2 * j + 1) * span // (2 * len(_SCRIPT)), []).append(step)
    return slots


def iter_day(
    seed: int,
    *,
    intents: int = 200,
    markets: int = 24,
    start: datetime | None = None,
    bad_lines: bool = True,
) -> Iterator[str]:
    """Yield the JSONL lines (no newline) of a seeded sample ``tape.day/1`` day, ordered by at.

    ``intents`` counts distinct intents (redeliveries and bad lines come on top); with fewer
    than ``len(_SCRIPT)`` of them the script's steps share slots. ``markets`` is at least 6;
    ``bad_lines=False`` leaves out the two malformed lines and nothing else. Three markets
    resolve at the end. The same arguments always give the same lines.

    Every denial reason shows from about 25 intents on; on very long days tiered's profits
    may absorb the late crash, so ``stop_loss`` is certain only up to a few thousand.
    """
    if markets < MIN_MARKETS:
        raise ValueError(f"a sample day needs at least {MIN_MARKETS} markets, not {markets}")
    day = _Day(seed, markets, start or DEFAULT_START)
    rng, schedule = day.rng, _schedule(intents)
    for slot in range(intents):
        day.now += timedelta(seconds=rng.randint(1, 20))
        if rng.random() < 0.6:  # another market moves meanwhile
            other = day.markets[rng.randrange(markets)]
            day.step(other)
            yield from day.books(other)
        steps = schedule.get(slot, [])
        for kind, arg in steps:
            lines = list(day.scripted(kind, arg))
            yield from lines if bad_lines or kind not in _BAD else lines[:-1]
        if rng.random() < 0.01:  # a redelivery
            yield from day.scripted("duplicate", 0)
        if all(kind in _EXTRAS for kind, _ in steps):
            yield from day.natural()
    end = format_utc(day.now + timedelta(minutes=30))
    for index in dict.fromkeys((_CRASH_MARKET, markets - 1, markets - 2)):
        winner = token_id(index, 0 if day.markets[index].bid >= 50 else 1)
        yield _line(
            {
                "type": "resolution",
                "at": end,
                "venue": VENUE,
                "market_id": market_id(index),
                "winning_token_id": winner,
            }
        )


def write_day(path: Path | str, seed: int, **kw: Any) -> int:
    """Write :func:`iter_day` (``kw`` are its keywords) to ``path``; returns the line count."""
    count = 0
    with Path(path).open("w", encoding="utf-8") as out:
        for line in iter_day(seed, **kw):
            out.write(line + "\n")
            count += 1
    return count
