"""The fake CLOB's state: markets, books, accounts, orders, trades, and its scripting API."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import ThreadingHTTPServer
from typing import Any

from eth_utils import keccak

EXCHANGE_V2 = "0xE111180000d2663C0091e4f400237545B87B996B"
NEG_RISK_EXCHANGE_V2 = "0xe2222d279d744050d28e00520010520000310F59"
NEG_RISK_ADAPTER = "0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296"
CLOB_AUTH_MESSAGE = "This message attests that I control the given wallet"
END_CURSOR = "LTE="
MICRO = Decimal(1_000_000)
OTHER_MAKER = "0x" + "ab" * 20


class HttpError(Exception):
    """An error answer: status and JSON body."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body


def fmt(value: Decimal) -> str:
    """Decimal text without exponent or trailing zeros."""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def decimals_of(value: Decimal) -> int:
    """How many decimals a value needs."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -int(exponent))


@dataclass
class FakeMarket:
    """A market: its tokens and the state Gamma and the CLOB report."""

    condition_id: str
    question: str
    tokens: list[tuple[str, str]]  # (token id, outcome)
    tick: Decimal
    min_size: Decimal
    neg_risk: bool = False
    active: bool = True
    closed: bool = False
    archived: bool = False
    accepting_orders: bool = True
    enable_order_book: bool = True
    end_date: str = "2026-12-31T00:00:00Z"
    gamma_tick: Decimal | None = None  # what Gamma says, when it lags behind the CLOB
    gamma_neg_risk: bool | None = None  # what Gamma says, when it disagrees with the CLOB

    def gamma(self) -> dict[str, Any]:
        """The market as Gamma's /markets returns it."""
        tick = self.gamma_tick if self.gamma_tick is not None else self.tick
        return {
            "id": str(abs(hash(self.condition_id)) % 10_000_000),
            "question": self.question,
            "conditionId": self.condition_id,
            "slug": self.question.lower().replace(" ", "-").strip("?"),
            "outcomes": json.dumps([o for _, o in self.tokens]),
            "clobTokenIds": json.dumps([t for t, _ in self.tokens]),
            "outcomePrices": json.dumps(["0.5"] * len(self.tokens)),
            "orderPriceMinTickSize": float(tick),
            "orderMinSize": int(self.min_size)
            if self.min_size == int(self.min_size)
            else float(self.min_size),
            "negRisk": self.neg_risk if self.gamma_neg_risk is None else self.gamma_neg_risk,
            "active": self.active,
            "closed": self.closed,
            "archived": self.archived,
            "acceptingOrders": self.accepting_orders,
            "enableOrderBook": self.enable_order_book,
            "endDate": self.end_date,
            "feesEnabled": False,
        }


@dataclass
class BookOrder:
    """A resting order in the fake book (someone else's, or ours)."""

    order_id: str
    price: Decimal
    size: Decimal
    owner: str = "other-owner"
    maker_address: str = OTHER_MAKER


@dataclass
class OrderRecord:
    """An order the fake accepted."""

    order_id: str
    owner: str
    maker: str
    market: str
    token: str
    side: str
    price: Decimal
    original: Decimal
    matched: Decimal
    order_type: str
    status: str  # LIVE, MATCHED, CANCELED
    outcome: str
    created_at: int
    trades: list[str] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        """The OpenOrder shape."""
        return {
            "id": self.order_id,
            "status": self.status,
            "owner": self.owner,
            "maker_address": self.maker,
            "market": self.market,
            "asset_id": self.token,
            "side": self.side,
            "original_size": fmt(self.original),
            "size_matched": fmt(self.matched),
            "price": fmt(self.price),
            "outcome": self.outcome,
            "expiration": "0",
            "order_type": self.order_type,
            "associate_trades": list(self.trades),
            "created_at": self.created_at,
        }


@dataclass
class Fault:
    """A scripted misbehaviour of one route."""

    method: str
    path: str
    status: int | None = None  # answer this status without processing
    body: Any = None
    delay_s: float = 0.0  # process, then wait this long before answering
    times: int = 1


class ClobState:
    """The fake server's state and the calls a test scripts it with."""

    def __init__(self, *, chain_id: int = 137, trade_units: str = "shares") -> None:
        self.chain_id = chain_id
        self.trade_units = trade_units
        self.lock = threading.RLock()
        self.markets: dict[str, FakeMarket] = {}
        self.token_market: dict[str, str] = {}
        self.bids: dict[str, list[BookOrder]] = {}
        self.asks: dict[str, list[BookOrder]] = {}
        self.creds: dict[str, tuple[str, str, str]] = {}  # api key -> (address, secret, pass)
        self.key_of: dict[str, str] = {}  # address -> api key
        self.funders: dict[str, str] = {}  # EOA -> funder (signature types 1, 2)
        self.balances: dict[str, Decimal] = {}
        self.allowances: dict[tuple[str, str], Decimal] = {}
        self.positions: dict[tuple[str, str], Decimal] = {}
        self.orders: dict[str, OrderRecord] = {}
        self.trades: list[dict[str, Any]] = []
        self.trade_effects: dict[str, tuple[str, str, str, Decimal, Decimal]] = {}
        self.requests: list[tuple[str, str]] = []
        self.posted_orders: list[dict[str, Any]] = []
        self.auth_failures: list[str] = []
        self.faults: list[Fault] = []
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None
        self._ids = 0

    def _next_id(self, prefix: str) -> str:
        self._ids += 1
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"fake-clob/{prefix}/{self._ids}"))

    def add_market(
        self,
        question: str,
        tokens: list[tuple[str, str]],
        *,
        tick: str = "0.01",
        min_size: str = "5",
        neg_risk: bool = False,
        **state: Any,
    ) -> FakeMarket:
        """A market with its tokens (token id, outcome); empty books."""
        condition = "0x" + keccak(text=question).hex().removeprefix("0x")
        market = FakeMarket(
            condition, question, tokens, Decimal(tick), Decimal(min_size), neg_risk, **state
        )
        with self.lock:
            self.markets[condition] = market
            for token, _ in tokens:
                self.token_market[token] = condition
                self.bids.setdefault(token, [])
                self.asks.setdefault(token, [])
        return market

    def set_book(
        self, token: str, *, bids: list[tuple[str, str]] = (), asks: list[tuple[str, str]] = ()
    ) -> None:
        """Replace other makers' levels of a token (our resting orders stay)."""
        with self.lock:
            ours_b = [o for o in self.bids[token] if o.owner != "other-owner"]
            ours_a = [o for o in self.asks[token] if o.owner != "other-owner"]
            self.bids[token] = ours_b + [
                BookOrder("0x" + self._next_id("maker").replace("-", ""), Decimal(p), Decimal(s))
                for p, s in bids
            ]
            self.asks[token] = ours_a + [
                BookOrder("0x" + self._next_id("maker").replace("-", ""), Decimal(p), Decimal(s))
                for p, s in asks
            ]

    def fund(
        self,
        address: str,
        usdc: str,
        *,
        allowance: str | None = None,
        exchanges: tuple[str, ...] = (EXCHANGE_V2, NEG_RISK_EXCHANGE_V2),
    ) -> None:
        """Give an address collateral and approve the exchanges (default: the balance)."""
        with self.lock:
            self.balances[address.lower()] = Decimal(usdc)
            for exchange in exchanges:
                self.allowances[(address.lower(), exchange.lower())] = Decimal(
                    allowance if allowance is not None else usdc
                )

    def give_shares(self, address: str, token: str, shares: str) -> None:
        """Give an address outcome tokens."""
        with self.lock:
            key = (address.lower(), token)
            self.positions[key] = self.positions.get(key, Decimal(0)) + Decimal(shares)

    def fail(self, method: str, path: str, status: int, body: Any, *, times: int = 1) -> None:
        """Answer the next ``times`` calls of a route with this status, unprocessed."""
        with self.lock:
            self.faults.append(Fault(method, path, status=status, body=body, times=times))

    def delay(self, method: str, path: str, seconds: float, *, times: int = 1) -> None:
        """Process the next calls of a route, then wait before answering."""
        with self.lock:
            self.faults.append(Fault(method, path, delay_s=seconds, times=times))

    def count(self, method: str, path: str) -> int:
        """How many requests a route received."""
        with self.lock:
            return sum(1 for m, p in self.requests if m == method and p == path)
