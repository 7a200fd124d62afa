"""A fake Polymarket leaderboard and Data API on loopback, with scripted wallets.

Routes as the real API answers them (bare JSON arrays, camelCase, newest first, the real
rows' fields: each row is a real fixture row of ``tests/fixtures/real/`` with its values
replaced): ``/v1/leaderboard`` (``timePeriod``, ``category``, ``orderBy``, ``limit`` 1..50,
``offset`` 0..1000, else 400), ``/closed-positions`` (``limit`` up to 50), ``/activity`` and
``/trades`` (``limit`` up to 500, ``takerOnly`` true by default: maker fills only with
``takerOnly=false``). Every request is counted with its time, so tests see the limiter and
the cache at work.

The wallets (``WALLETS``): a steady trader (wins most markets it holds, takes some profit),
a modest one (passes every filter, earns less), a market maker (hundreds of maker fills a
day), a 0.99 harvester, a one-trade winner (one long shot makes all its PnL) and a wash
trader (round trips at the same price within minutes).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.loopback import JsonHandler, LoopbackServer

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "real"


def _wallet(n: int) -> str:
    return "0x" + f"{n:02d}" * 20


WALLETS = {
    "steady": _wallet(11),
    "modest": _wallet(22),
    "maker": _wallet(33),
    "harvester": _wallet(44),
    "lucky": _wallet(55),
    "wash": _wallet(66),
}
EXPECTED_REASONS = {
    "maker": "market_maker",
    "harvester": "near_certain",
    "lucky": "one_trade_luck",
    "wash": "wash_trading",
}


def _template(name: str) -> dict[str, Any]:
    rows: list[dict[str, Any]] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return dict(rows[0])


TRADE = _template("pm_trades_global_sample5.json")
CLOSED = _template("pm_closed_positions_kch123.json")
REDEEM = _template("pm_activity_wallet_09b428_redeems15.json")
ACTIVITY_TRADE = _template("pm_activity_kch123_10rec.json")


def _hex(*parts: Any) -> str:
    return "0x" + hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


@dataclass
class Market:
    """A scripted market: its condition id, YES and NO tokens, and who won."""

    n: int
    yes_wins: bool | None

    @property
    def condition(self) -> str:
        return _hex("market", self.n)

    @property
    def yes(self) -> str:
        return str(10**40 + 2 * self.n)

    @property
    def no(self) -> str:
        return str(10**40 + 2 * self.n + 1)


@dataclass
class Wallet:
    """A scripted wallet's rows."""

    address: str
    name: str
    trades: list[dict[str, Any]] = field(default_factory=list)  # with "maker": bool
    redeems: list[dict[str, Any]] = field(default_factory=list)
    closed: list[dict[str, Any]] = field(default_factory=list)

    def trade(
        self,
        market: Market,
        side: str,
        size: float,
        price: float,
        at: datetime,
        *,
        yes: bool = True,
        maker: bool = False,
    ) -> None:
        asset = market.yes if yes else market.no
        self.trades.append(
            {
                **TRADE,
                "proxyWallet": self.address,
                "side": side,
                "asset": asset,
                "conditionId": market.condition,
                "size": size,
                "price": price,
                "timestamp": int(at.timestamp()),
                "transactionHash": _hex(self.address, len(self.trades), asset, side),
                "outcome": "Yes" if yes else "No",
                "outcomeIndex": 0 if yes else 1,
                "name": self.name,
                "maker": maker,
            }
        )

    def resolve(self, market: Market, at: datetime, payout: float) -> None:
        """The market resolved: the closed position, and a redeem of what won."""
        assert market.yes_wins is not None
        self.closed.append(
            {
                **CLOSED,
                "proxyWallet": self.address,
                "asset": market.yes,
                "conditionId": market.condition,
                "oppositeAsset": market.no,
                "curPrice": 1 if market.yes_wins else 0,
                "timestamp": int(at.timestamp()),
            }
        )
        if payout > 0:
            self.redeems.append(
                {
                    **REDEEM,
                    "proxyWallet": self.address,
                    "conditionId": market.condition,
                    "size": payout,
                    "usdcSize": payout,
                    "timestamp": int(at.timestamp()),
                    "transactionHash": _hex("redeem", self.address, market.n),
                }
            )

    def activity(self) -> list[dict[str, Any]]:
        """TRADE rows (taker fills, as /activity shows them) and REDEEMs, newest first."""
        rows = [
            {
                **ACTIVITY_TRADE,
                **{k: v for k, v in t.items() if k != "maker"},
                "type": "TRADE",
                "usdcSize": round(t["size"] * t["price"], 6),
            }
            for t in self.trades
        ]
        rows += [{**r, "type": "REDEEM"} for r in self.redeems]
        return sorted(rows, key=lambda r: -r["timestamp"])


def script_wallets(now: datetime) -> dict[str, Wallet]:
    """Every scripted wallet, its history ending a day before ``now``."""
    start = now - timedelta(days=29)
    wallets = {label: Wallet(address, label) for label, address in WALLETS.items()}
    _steady(wallets["steady"], start, base=100, wins=11, entry=0.40, take=0.55)
    _steady(wallets["modest"], start, base=200, wins=8, entry=0.45, take=0.50)
    _maker(wallets["maker"], start)
    _harvester(wallets["harvester"], start)
    _lucky(wallets["lucky"], start)
    _wash(wallets["wash"], start)
    return wallets


def _steady(
    wallet: Wallet, start: datetime, *, base: int, wins: int, entry: float, take: float
) -> None:
    # 14 markets two days apart: buy 200, sell 100 a day later, hold the rest to resolution.
    for i in range(14):
        market = Market(base + i, yes_wins=(i * 5 % 14) < wins)  # winners spread out
        day = start + timedelta(days=2 * i, hours=10)
        wallet.trade(market, "BUY", 200.0, entry, day)
        wallet.trade(market, "SELL", 100.0, take, day + timedelta(hours=20))
        wallet.resolve(market, day + timedelta(days=1, hours=22), 100.0 if market.yes_wins else 0)


def _maker(wallet: Wallet, start: datetime) -> None:
    # Two days of quoting both sides of three markets: 600 maker fills a day.
    markets = [Market(300 + i, yes_wins=None) for i in range(3)]
    for day in range(2):
        for k in range(300):
            at = start + timedelta(days=20 + day, seconds=60 * k)
            market = markets[k % 3]
            wallet.trade(market, "BUY", 50.0, 0.49, at, maker=True)
            wallet.trade(market, "SELL", 50.0, 0.51, at + timedelta(seconds=30), maker=True)


def _harvester(wallet: Wallet, start: datetime) -> None:
    # Buys at 0.99 the day before resolution, in 28 markets; one goes wrong.
    for i in range(28):
        market = Market(400 + i, yes_wins=i != 13)
        at = start + timedelta(days=i, hours=12)
        wallet.trade(market, "BUY", 1000.0, 0.99, at)
        wallet.resolve(market, at + timedelta(hours=20), 1000.0 if market.yes_wins else 0)


def _lucky(wallet: Wallet, start: datetime) -> None:
    # Break-even trades in 8 markets over 12 days, and one long shot that won big.
    for i in range(12):
        market = Market(500 + i % 8, yes_wins=None)
        at = start + timedelta(days=i, hours=9)
        wallet.trade(market, "BUY", 20.0, 0.50, at)
        wallet.trade(market, "SELL", 20.0, 0.50, at + timedelta(hours=5))
    shot = Market(599, yes_wins=True)
    at = start + timedelta(days=15, hours=8)
    wallet.trade(shot, "BUY", 20000.0, 0.05, at)
    wallet.resolve(shot, at + timedelta(hours=30), 20000.0)


def _wash(wallet: Wallet, start: datetime) -> None:
    # Round trips at the same price ten minutes apart: volume with no risk taken.
    for day in range(6):
        for k in range(30):
            market = Market(600 + (day * 30 + k) % 10, yes_wins=None)
            at = start + timedelta(days=3 + day, minutes=20 * k)
            wallet.trade(market, "BUY", 500.0, 0.60, at)
            wallet.trade(market, "SELL", 500.0, 0.60, at + timedelta(minutes=10))


def _pnl(wallet: Wallet) -> float:
    cash = sum((-1 if t["side"] == "BUY" else 1) * t["size"] * t["price"] for t in wallet.trades)
    return round(cash + sum(r["usdcSize"] for r in wallet.redeems), 2)


class FakeDiscoveryApi(LoopbackServer):
    """The leaderboard and the Data API of the scripted wallets, on loopback."""

    def __init__(self, now: datetime) -> None:
        self.wallets = script_wallets(now)
        self.lock = threading.Lock()
        self.requests: list[tuple[float, str, dict[str, str]]] = []

    def board(self) -> list[dict[str, Any]]:
        """Every wallet as a board row, by PnL (the lucky one tops it, as boards mislead)."""
        rows = [
            {
                "proxyWallet": w.address,
                "userName": w.name,
                "vol": round(sum(t["size"] for t in w.trades), 2),
                "pnl": _pnl(w),
                "profileImage": "",
                "xUsername": "",
                "verifiedBadge": False,
            }
            for w in self.wallets.values()
        ]
        rows.sort(key=lambda r: -r["pnl"])
        return [{"rank": str(n), **r} for n, r in enumerate(rows, start=1)]

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        """The status and body of one GET."""
        limit, offset = int(query.get("limit", "25")), int(query.get("offset", "0"))
        if path == "/v1/leaderboard":
            if not 1 <= limit <= 50 or not 0 <= offset <= 1000:
                return 400, {"error": "limit 1..50, offset 0..1000"}
            return 200, self.board()[offset : offset + limit]
        wallet = next(
            (w for w in self.wallets.values() if w.address == query.get("user", "").lower()),
            None,
        )
        rows: list[dict[str, Any]]
        if path == "/closed-positions":
            if limit > 50:
                return 400, {"error": "limit at most 50"}
            rows = wallet.closed if wallet else []
        elif path == "/activity":
            rows = wallet.activity() if wallet else []
        elif path == "/trades":
            taker_only = query.get("takerOnly", "true") != "false"
            rows = [
                {k: v for k, v in t.items() if k != "maker"}
                for t in sorted(wallet.trades if wallet else [], key=lambda t: -t["timestamp"])
                if not (taker_only and t["maker"])
            ]
        else:
            return 404, {"error": "not found"}
        if limit > 500:
            return 400, {"error": "limit at most 500"}
        return 200, rows[offset : offset + limit]

    def start(self) -> FakeDiscoveryApi:
        """Serve on loopback."""
        fake = self

        class Handler(JsonHandler):
            def serve(self, method: str) -> None:
                split = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(split.query).items()}
                with fake.lock:
                    fake.requests.append((time.monotonic(), split.path, query))
                status, body = fake.answer(split.path, query)
                self.send_json(status, body)

        self.serve(Handler)
        return self
