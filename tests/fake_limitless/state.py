"""The fake's state: markets and their YES books, accounts, orders and their matches."""

from __future__ import annotations

import base64
import itertools
import threading
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

MICRO = Decimal(1_000_000)
TICK = Decimal("0.001")


class HttpError(Exception):
    """An error answer: status, body, extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"statusCode": status, "message": message, "error": "Error"}
        self.headers = headers or {}


def micro(value: Decimal) -> int:
    """Micro-units of an exact amount."""
    return int(value * MICRO)


@dataclass
class Resting:
    """Liquidity on a YES book: someone else's (``order`` None) or one of our orders."""

    side: str  # BUY (a bid) or SELL (an ask), in YES terms
    price: Decimal  # YES price
    size: Decimal
    order: Order | None = None


@dataclass
class Market:
    """One CLOB market: its exchange contract, outcomes, state and YES book."""

    slug: str
    exchange: str
    yes: str
    no: str
    adapter: str | None = None
    status: str = "FUNDED"
    fee_module: str = "COLLATERAL"
    min_size: Decimal = Decimal(0)
    book: list[Resting] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        """``GET /markets/{slug}``."""
        return {
            "id": abs(hash(self.slug)) % 100000,
            "slug": self.slug,
            "title": self.slug,
            "status": self.status,
            "tradeType": "clob",
            "marketType": "single",
            "positionIds": [self.yes, self.no],
            "tokens": {"yes": self.yes, "no": self.no},
            "expirationTimestamp": 4102444800000,
            "venue": {
                "exchange": self.exchange,
                "adapter": self.adapter,
                "feeModuleType": self.fee_module,
            },
            "settings": {"minSize": str(micro(self.min_size))},
            "winningOutcomeIndex": None,
        }


@dataclass
class Match:
    """One trade of an order: its id, size and price (in the order's token) and settlement."""

    id: str
    size: Decimal
    price: Decimal
    status: str = "MATCHED"

    def json(self) -> dict[str, Any]:
        """As the wire shows it."""
        return {
            "id": self.id,
            "matchedSize": str(micro(self.size)),
            "price": float(self.price),
            "settlementStatus": self.status,
            "usdFee": "0",
            "contractsFee": "0",
        }


@dataclass
class Order:
    """An order we took: its owner, market, token, terms, status and matches."""

    id: str
    owner: str  # the signer's address
    client_order_id: str
    market: Market
    token: str
    side: str
    price: Decimal
    size: Decimal
    order_type: str
    status: str = "LIVE"
    matches: list[Match] = field(default_factory=list)

    @property
    def filled(self) -> Decimal:
        """Shares matched (failed settlements included: they were matched)."""
        return sum((m.size for m in self.matches), Decimal(0))

    def json(self) -> dict[str, Any]:
        """A ``user-orders`` row."""
        return {
            "id": self.id,
            "clientOrderId": self.client_order_id,
            "status": self.status,
            "orderType": self.order_type,
            "side": 0 if self.side == "BUY" else 1,
            "tokenId": self.token,
            "price": float(self.price),
            "originalSize": str(micro(self.size)),
            "remainingSize": str(micro(self.size - self.filled)),
            "makerMatches": [m.json() for m in self.matches],
        }


@dataclass
class Account:
    """A scoped API token: its secret, the wallet it belongs to, the profile id."""

    token_id: str
    secret_b64: str
    address: str
    profile_id: int
    fee_rate_bps: int = 300


class FakeState:
    """Everything the fake holds, behind one lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.markets: dict[str, Market] = {}
        self.accounts: dict[str, Account] = {}
        self.orders: dict[str, Order] = {}
        self.by_client_id: dict[tuple[str, str], Order] = {}
        self.holdings: dict[tuple[str, str], Decimal] = {}  # (address, token) -> shares
        self.received: list[dict[str, Any]] = []  # every order body that passed the checks
        self.faults: list[tuple[str, str, int, float, dict[str, str]]] = []
        self.calls: Counter[tuple[str, str]] = Counter()  # requests by (method, path)
        self.auth_failures: list[str] = []
        self._ids = itertools.count(1)

    def next_id(self, prefix: str) -> str:
        """A fresh id."""
        return f"{prefix}-{next(self._ids)}"

    def add_market(self, market: Market) -> Market:
        """Serve a market."""
        self.markets[market.slug] = market
        return market

    def add_account(self, address: str, *, profile_id: int = 42) -> Account:
        """A token for ``address``; its id and base64 secret go into the adapter's config."""
        secret = base64.b64encode(f"secret-of-{address}".encode()).decode()
        account = Account(f"tok-{profile_id}", secret, address, profile_id)
        self.accounts[account.token_id] = account
        return account

    def set_book(
        self, slug: str, *, bids: list[tuple[str, str]], asks: list[tuple[str, str]]
    ) -> None:
        """Replace others' liquidity on a market's YES book (our resting orders stay)."""
        with self.lock:
            market = self.markets[slug]
            market.book = [r for r in market.book if r.order is not None]
            market.book += [Resting("BUY", Decimal(p), Decimal(s)) for p, s in bids]
            market.book += [Resting("SELL", Decimal(p), Decimal(s)) for p, s in asks]

    def fault(
        self,
        method: str,
        path: str,
        *,
        status: int = 0,
        delay_s: float = 0.0,
        headers: dict[str, str] | None = None,
    ) -> None:
        """The next call of ``method path`` fails with ``status`` before it is processed, or
        (status 0) is processed and answered after ``delay_s``."""
        self.faults.append((method, path, status, delay_s, headers or {}))

    def take_fault(self, method: str, path: str) -> tuple[int, float, dict[str, str]] | None:
        """The first scripted fault of this call, removed."""
        with self.lock:
            for index, (m, p, status, delay, headers) in enumerate(self.faults):
                if m == method and p == path:
                    del self.faults[index]
                    return status, delay, headers
        return None
