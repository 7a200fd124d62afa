"""A fake Polymarket CLOB V2 (and Gamma) server on loopback, speaking the real wire protocol.

Real HTTP (``http.server.ThreadingHTTPServer`` on port 0, which keeps the ``POLY_*`` headers
with their underscores), so the real client library drives it through Tape's adapter:

- L1: ``/auth/api-key`` and ``/auth/derive-api-key`` recover the EIP-712 ``ClobAuth``
  signature and compare it with ``POLY_ADDRESS``; a second create is refused with
  ``Could not create api key``, as production does.
- L2: every trading route recomputes the HMAC-SHA256 over ``timestamp + METHOD + path + raw
  body`` with the account's secret, and checks the API key, passphrase and address (401).
- ``POST /order``: recovers the EIP-712 V2 order signer with the exchange contract of the
  token's market (standard or neg-risk; domain "Polymarket CTF Exchange" version "2"),
  checks owner, maker (funder), tick, precision, minimum size, balance and allowance with the
  real error strings, matches against the book (FOK, FAK, GTC), answers with the EIP-712
  digest as ``orderID``, and records one trade per crossed level (status MATCHED).
- Books are served best price LAST (bids ascending, asks descending) with the real keys and
  hash; Gamma markets with JSON-string ``outcomes`` / ``clobTokenIds`` under ``/gamma``.
- Scriptable faults: an error status for the next N calls of a route, or a delay after the
  request was processed (a client timeout after the venue accepted); trade status changes
  (MINED, CONFIRMED, FAILED with the balances restored); fills of resting orders by others.

Independent of Tape's adapter on purpose: its contract addresses and rules are written here
from the reference, so a mistake in the adapter is not mirrored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address

EXCHANGE_V2 = "0xE111180000d2663C0091e4f400237545B87B996B"
NEG_RISK_EXCHANGE_V2 = "0xe2222d279d744050d28e00520010520000310F59"
NEG_RISK_ADAPTER = "0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296"
CLOB_AUTH_MESSAGE = "This message attests that I control the given wallet"
END_CURSOR = "LTE="
MICRO = Decimal(1_000_000)
OTHER_MAKER = "0x" + "ab" * 20

ORDER_TYPES = [
    {"name": "salt", "type": "uint256"},
    {"name": "maker", "type": "address"},
    {"name": "signer", "type": "address"},
    {"name": "tokenId", "type": "uint256"},
    {"name": "makerAmount", "type": "uint256"},
    {"name": "takerAmount", "type": "uint256"},
    {"name": "side", "type": "uint8"},
    {"name": "signatureType", "type": "uint8"},
    {"name": "timestamp", "type": "uint256"},
    {"name": "metadata", "type": "bytes32"},
    {"name": "builder", "type": "bytes32"},
]
DOMAIN_TYPES = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


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


class FakeClob:
    """The fake server's state and its scripting API."""

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

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> FakeClob:
        """Serve on 127.0.0.1, a free port, in a daemon thread."""
        fake = self

        class Handler(_Handler):
            clob = fake

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @property
    def url(self) -> str:
        """The CLOB base URL."""
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def gamma_url(self) -> str:
        """The Gamma base URL (same server, under /gamma)."""
        return self.url + "/gamma"

    # -- scripting --------------------------------------------------------------------------

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

    def set_trade_status(self, trade_id: str, status: str) -> None:
        """Move a trade along MATCHED -> MINED -> CONFIRMED, or to FAILED (balances back)."""
        with self.lock:
            trade = next(t for t in self.trades if t["id"] == trade_id)
            trade["status"] = status
            trade["last_update"] = str(int(time.time()))
            if status == "FAILED":
                self._undo_trade(trade_id)

    def hit_resting(self, order_id: str, size: str) -> str:
        """Someone takes ``size`` of our resting order; returns the trade id."""
        with self.lock:
            record = self.orders[order_id]
            book = self.bids if record.side == "BUY" else self.asks
            resting = next(o for o in book[record.token] if o.order_id == order_id)
            take = min(Decimal(size), resting.size)
            resting.size -= take
            if resting.size <= 0:
                book[record.token].remove(resting)
            record.matched += take
            if record.matched >= record.original:
                record.status = "MATCHED"
            trade_id = self._next_id("trade")
            market = self.markets[record.market]
            self._settle(
                trade_id,
                maker=record.maker,
                token=record.token,
                side=record.side,
                size=take,
                price=record.price,
            )
            self.trades.append(
                {
                    "id": trade_id,
                    "taker_order_id": "0x" + "cd" * 32,
                    "market": record.market,
                    "asset_id": record.token,
                    "side": "SELL" if record.side == "BUY" else "BUY",
                    "size": self._units(take),
                    "fee_rate_bps": "0",
                    "price": fmt(record.price),
                    "status": "MATCHED",
                    "match_time": str(int(time.time())),
                    "last_update": str(int(time.time())),
                    "outcome": dict(market.tokens)[record.token],
                    "bucket_index": 0,
                    "owner": "other-owner",
                    "maker_address": OTHER_MAKER,
                    "transaction_hash": "0x" + keccak(text=trade_id).hex().removeprefix("0x"),
                    "trader_side": "MAKER",
                    "maker_orders": [
                        {
                            "order_id": order_id,
                            "owner": record.owner,
                            "maker_address": record.maker,
                            "matched_amount": self._units(take),
                            "price": fmt(record.price),
                            "fee_rate_bps": "0",
                            "asset_id": record.token,
                            "outcome": dict(market.tokens)[record.token],
                            "side": record.side,
                        }
                    ],
                }
            )
            record.trades.append(trade_id)
            return trade_id

    def trades_of(self, order_id: str) -> list[dict[str, Any]]:
        """The trades an order took part in."""
        with self.lock:
            return [
                t
                for t in self.trades
                if t["taker_order_id"] == order_id
                or any(m["order_id"] == order_id for m in t["maker_orders"])
            ]

    def _units(self, shares: Decimal) -> str:
        return str(int(shares * MICRO)) if self.trade_units == "micro" else fmt(shares)

    def _settle(
        self, trade_id: str, *, maker: str, token: str, side: str, size: Decimal, price: Decimal
    ) -> None:
        maker = maker.lower()
        usdc = size * price
        sign = 1 if side == "BUY" else -1
        self.balances[maker] = self.balances.get(maker, Decimal(0)) - sign * usdc
        key = (maker, token)
        self.positions[key] = self.positions.get(key, Decimal(0)) + sign * size
        self.trade_effects[trade_id] = (maker, token, side, size, price)

    def _undo_trade(self, trade_id: str) -> None:
        maker, token, side, size, price = self.trade_effects.pop(trade_id)
        sign = 1 if side == "BUY" else -1
        self.balances[maker] += sign * size * price
        self.positions[(maker, token)] -= sign * size

    # -- auth -------------------------------------------------------------------------------

    def _credentials_for(self, address: str) -> tuple[str, str, str]:
        seed = hashlib.sha256(f"fake-clob/{address.lower()}".encode()).digest()
        api_key = str(uuid.UUID(bytes=seed[:16]))
        secret = base64.urlsafe_b64encode(hashlib.sha256(seed + b"secret").digest()).decode()
        passphrase = hashlib.sha256(seed + b"pass").hexdigest()[:32]
        return api_key, secret, passphrase

    def verify_l1(self, headers: Any) -> str:
        """Recover the ClobAuth signature; the checksummed address, or 401."""
        address = headers.get("POLY_ADDRESS", "")
        signature = headers.get("POLY_SIGNATURE", "")
        timestamp = headers.get("POLY_TIMESTAMP", "")
        nonce = headers.get("POLY_NONCE", "0")
        typed = {
            "types": {
                "EIP712Domain": DOMAIN_TYPES[:3],
                "ClobAuth": [
                    {"name": "address", "type": "address"},
                    {"name": "timestamp", "type": "string"},
                    {"name": "nonce", "type": "uint256"},
                    {"name": "message", "type": "string"},
                ],
            },
            "primaryType": "ClobAuth",
            "domain": {"name": "ClobAuthDomain", "version": "1", "chainId": self.chain_id},
            "message": {
                "address": address,
                "timestamp": timestamp,
                "nonce": int(nonce or 0),
                "message": CLOB_AUTH_MESSAGE,
            },
        }
        try:
            recovered = Account.recover_message(
                encode_typed_data(full_message=typed), signature=signature
            )
        except Exception as error:
            self.auth_failures.append(f"L1: {error}")
            raise HttpError(401, {"error": "Unauthorized/Invalid L1 signature"}) from None
        if recovered.lower() != address.lower():
            self.auth_failures.append("L1: signer mismatch")
            raise HttpError(401, {"error": "Unauthorized/Invalid L1 signature"})
        return to_checksum_address(address)

    def verify_l2(self, method: str, path: str, headers: Any, raw_body: bytes) -> str:
        """Check API key, passphrase, address and HMAC; the API key, or 401."""
        api_key = headers.get("POLY_API_KEY", "")
        known = self.creds.get(api_key)
        if known is None:
            self.auth_failures.append("L2: unknown api key")
            raise HttpError(401, {"error": "Unauthorized/Invalid api key"})
        address, secret, passphrase = known
        if headers.get("POLY_PASSPHRASE", "") != passphrase:
            self.auth_failures.append("L2: passphrase")
            raise HttpError(401, {"error": "Unauthorized/Invalid api key"})
        if headers.get("POLY_ADDRESS", "").lower() != address.lower():
            self.auth_failures.append("L2: address")
            raise HttpError(401, {"error": "Unauthorized/Invalid api key"})
        timestamp = headers.get("POLY_TIMESTAMP", "")
        message = timestamp + method + path + raw_body.decode("utf-8")
        expected = base64.urlsafe_b64encode(
            hmac.new(base64.urlsafe_b64decode(secret), message.encode(), hashlib.sha256).digest()
        ).decode()
        if not hmac.compare_digest(expected, headers.get("POLY_SIGNATURE", "")):
            self.auth_failures.append("L2: hmac")
            raise HttpError(401, {"error": "Unauthorized/Invalid api key"})
        if abs(int(time.time()) - int(timestamp or 0)) > 300:
            self.auth_failures.append("L2: clock skew")
            raise HttpError(401, {"error": "Unauthorized/Invalid api key"})
        return api_key

    # -- routes -----------------------------------------------------------------------------

    def create_api_key(self, headers: Any) -> dict[str, Any]:
        """POST /auth/api-key (L1)."""
        address = self.verify_l1(headers)
        if address.lower() in self.key_of:
            raise HttpError(400, {"error": "Could not create api key"})
        return self.derive_api_key(headers)

    def derive_api_key(self, headers: Any) -> dict[str, Any]:
        """GET /auth/derive-api-key (L1)."""
        address = self.verify_l1(headers)
        api_key, secret, passphrase = self._credentials_for(address)
        self.creds[api_key] = (address, secret, passphrase)
        self.key_of[address.lower()] = api_key
        return {"apiKey": api_key, "secret": secret, "passphrase": passphrase}

    def book_json(self, token: str) -> dict[str, Any]:
        """GET /book: best price LAST (bids ascending, asks descending)."""
        if token not in self.token_market:
            raise HttpError(404, {"error": "No orderbook exists for the requested token id"})
        market = self.markets[self.token_market[token]]

        def levels(orders: list[BookOrder], *, descending: bool) -> list[dict[str, str]]:
            sizes: dict[Decimal, Decimal] = {}
            for order in orders:
                sizes[order.price] = sizes.get(order.price, Decimal(0)) + order.size
            prices = sorted(sizes, reverse=descending)
            return [{"price": fmt(p), "size": fmt(sizes[p])} for p in prices if sizes[p] > 0]

        book = {
            "market": market.condition_id,
            "asset_id": token,
            "timestamp": str(int(time.time() * 1000)),
            "hash": "",
            "bids": levels(self.bids[token], descending=False),
            "asks": levels(self.asks[token], descending=True),
            "min_order_size": fmt(market.min_size),
            "tick_size": fmt(market.tick),
            "neg_risk": market.neg_risk,
            "last_trade_price": "0.5",
        }
        serialized = json.dumps(book, separators=(",", ":"), ensure_ascii=False)
        book["hash"] = hashlib.sha1(serialized.encode()).hexdigest()  # noqa: S324 - the wire's
        return book

    def _order_digest(self, order: dict[str, Any], exchange: str) -> tuple[str, str]:
        typed = {
            "types": {"EIP712Domain": DOMAIN_TYPES, "Order": ORDER_TYPES},
            "primaryType": "Order",
            "domain": {
                "name": "Polymarket CTF Exchange",
                "version": "2",
                "chainId": self.chain_id,
                "verifyingContract": exchange,
            },
            "message": {
                "salt": int(order["salt"]),
                "maker": order["maker"],
                "signer": order["signer"],
                "tokenId": int(order["tokenId"]),
                "makerAmount": int(order["makerAmount"]),
                "takerAmount": int(order["takerAmount"]),
                "side": 0 if order["side"] == "BUY" else 1,
                "signatureType": int(order["signatureType"]),
                "timestamp": int(order["timestamp"]),
                "metadata": bytes.fromhex(order["metadata"].removeprefix("0x").zfill(64)),
                "builder": bytes.fromhex(order["builder"].removeprefix("0x").zfill(64)),
            },
        }
        signable = encode_typed_data(full_message=typed)
        digest = "0x" + keccak(b"\x19" + signable.version + signable.header + signable.body).hex()
        recovered = Account.recover_message(signable, signature=order["signature"])
        return digest.lower(), recovered

    def post_order(self, api_key: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST /order (L2): verify, check, match."""
        order = body.get("order")
        self.posted_orders.append(dict(order) if isinstance(order, dict) else {})
        if not isinstance(order, dict) or body.get("orderType") not in ("GTC", "FOK", "FAK", "GTD"):
            raise HttpError(400, {"error": "Invalid order payload"})
        if body.get("owner") != api_key:
            raise HttpError(400, {"error": "the order owner has to be the owner of the API KEY"})
        token = str(order.get("tokenId"))
        if token not in self.token_market:
            raise HttpError(400, {"error": "Invalid token id"})
        market = self.markets[self.token_market[token]]
        exchange = NEG_RISK_EXCHANGE_V2 if market.neg_risk else EXCHANGE_V2
        try:
            order_id, recovered = self._order_digest(order, exchange)
        except (KeyError, ValueError, TypeError):
            raise HttpError(400, {"error": "Invalid order payload"}) from None
        signer_address = self.creds[api_key][0]
        if recovered.lower() != str(order["signer"]).lower() or recovered.lower() != (
            signer_address.lower()
        ):
            raise HttpError(400, {"error": "invalid signature"})
        signature_type = int(order["signatureType"])
        maker = str(order["maker"])
        if signature_type == 0 and maker.lower() != recovered.lower():
            raise HttpError(400, {"error": "invalid signature: maker must be the signer (EOA)"})
        funder = self.funders.get(recovered.lower())
        if signature_type in (1, 2) and funder is not None and funder.lower() != maker.lower():
            raise HttpError(400, {"error": "invalid signature: maker is not the signer's wallet"})
        if order_id in self.orders:
            raise HttpError(400, {"error": f"order {order_id} is invalid. Duplicated."})
        if market.closed or market.archived:
            raise HttpError(400, {"error": "market is closed"})
        if not market.accepting_orders or not market.active:
            raise HttpError(400, {"error": "the market is not yet ready to process new orders"})
        return self._place(
            api_key, order_id, order=order, market=market, order_type=body["orderType"], maker=maker
        )

    def _amounts(
        self, order_id: str, order: dict[str, Any], market: FakeMarket, *, marketable: bool
    ) -> tuple[Decimal, Decimal, Decimal]:
        """(shares, usdc, price) of a signed order, after the tick, precision and size rules."""
        side = order["side"]
        maker_micro, taker_micro = int(order["makerAmount"]), int(order["takerAmount"])
        if maker_micro <= 0 or taker_micro <= 0:
            raise HttpError(400, {"error": "invalid amounts, amounts must be positive"})
        maker_amount, taker_amount = Decimal(maker_micro) / MICRO, Decimal(taker_micro) / MICRO
        shares, usdc = (
            (taker_amount, maker_amount) if side == "BUY" else (maker_amount, taker_amount)
        )
        price = usdc / shares
        if marketable:
            if decimals_of(maker_amount) > 2 or decimals_of(taker_amount) > 4:
                raise HttpError(
                    400,
                    {
                        "error": f"invalid amounts, the market {side.lower()} orders maker amount "
                        "supports a max accuracy of 2 decimals, taker amount a max of 4 decimals"
                    },
                )
            if side == "BUY" and usdc < 1:
                raise HttpError(
                    400,
                    {"error": f"invalid amount for a marketable BUY order (${fmt(usdc)}), "
                     "min size: $1"},
                )  # fmt: skip
        else:
            self._limit_rules(order_id, side, market, maker_amount, taker_amount)
        if not market.tick <= price <= 1 - market.tick + Decimal("0.0001"):
            raise HttpError(400, {"error": f"invalid price ({fmt(price)})"})
        return shares, usdc, price

    def _limit_rules(
        self,
        order_id: str,
        side: str,
        market: FakeMarket,
        maker_amount: Decimal,
        taker_amount: Decimal,
    ) -> None:
        shares, usdc = (
            (taker_amount, maker_amount) if side == "BUY" else (maker_amount, taker_amount)
        )
        price = usdc / shares
        if price % market.tick != 0:
            raise HttpError(
                400,
                {
                    "error": f"order {order_id} is invalid. Price ({fmt(price)}) breaks "
                    f"minimum tick size rule: {fmt(market.tick)}"
                },
            )
        usdc_decimals, share_decimals = decimals_of(market.tick) + 2, 2
        maker_max, taker_max = (
            (usdc_decimals, share_decimals) if side == "BUY" else (share_decimals, usdc_decimals)
        )
        if decimals_of(maker_amount) > maker_max or decimals_of(taker_amount) > taker_max:
            raise HttpError(
                400,
                {
                    "error": f"invalid amounts, the {side.lower()} orders maker amount supports "
                    f"a max accuracy of {maker_max} decimals, taker amount a max of "
                    f"{taker_max} decimals"
                },
            )
        if shares < market.min_size:
            raise HttpError(
                400,
                {
                    "error": f"order {order_id} is invalid. Size ({fmt(shares)}) lower than "
                    f"the minimum: {fmt(market.min_size)}"
                },
            )

    def _place(
        self,
        api_key: str,
        order_id: str,
        *,
        order: dict[str, Any],
        market: FakeMarket,
        order_type: str,
        maker: str,
    ) -> dict[str, Any]:
        side = order["side"]
        token = str(order["tokenId"])
        marketable = order_type in ("FOK", "FAK")
        shares, usdc, price = self._amounts(order_id, order, market, marketable=marketable)
        exchange = (NEG_RISK_EXCHANGE_V2 if market.neg_risk else EXCHANGE_V2).lower()
        if side == "BUY":
            balance = self.balances.get(maker.lower(), Decimal(0))
            allowance = self.allowances.get((maker.lower(), exchange), Decimal(0))
            if balance < usdc or allowance < usdc:
                raise HttpError(400, {"error": "not enough balance / allowance"})
        elif self.positions.get((maker.lower(), token), Decimal(0)) < shares:
            raise HttpError(400, {"error": "not enough balance / allowance"})
        book = self.asks[token] if side == "BUY" else self.bids[token]
        crossing = sorted(
            (
                o
                for o in book
                if o.owner != api_key and (o.price <= price if side == "BUY" else o.price >= price)
            ),
            key=lambda o: o.price if side == "BUY" else -o.price,
        )
        available = sum((o.size for o in crossing), Decimal(0))
        if order_type == "FOK" and available < shares:
            raise HttpError(
                400,
                {"error": "order couldn't be fully filled. FOK orders are fully filled or killed."},
            )
        if order_type == "FAK" and available <= 0:
            raise HttpError(
                400,
                {
                    "error": "no orders found to match with FAK order. FAK orders are partially "
                    "filled or killed if no match is found."
                },
            )
        now = int(time.time())
        outcome = dict(market.tokens)[token]
        record = OrderRecord(
            order_id, api_key, maker, market.condition_id, token, side,
            price.quantize(market.tick) if not marketable else price,
            shares, Decimal(0), order_type, "LIVE", outcome, now,
        )  # fmt: skip
        left = shares
        spent = Decimal(0)
        trade_ids, tx_hashes = [], []
        for bucket, resting in enumerate(crossing):
            if left <= 0:
                break
            take = min(left, resting.size)
            resting.size -= take
            if resting.size <= 0:
                book.remove(resting)
            left -= take
            spent += take * resting.price
            trade_id = self._next_id("trade")
            tx_hash = "0x" + keccak(text=trade_id).hex().removeprefix("0x")
            self._settle(
                trade_id, maker=maker, token=token, side=side, size=take, price=resting.price
            )
            self.trades.append(
                {
                    "id": trade_id,
                    "taker_order_id": order_id,
                    "market": market.condition_id,
                    "asset_id": token,
                    "side": side,
                    "size": self._units(take),
                    "fee_rate_bps": "0",
                    "price": fmt(resting.price),
                    "status": "MATCHED",
                    "match_time": str(now),
                    "last_update": str(now),
                    "outcome": outcome,
                    "bucket_index": bucket,
                    "owner": api_key,
                    "maker_address": maker,
                    "transaction_hash": tx_hash,
                    "trader_side": "TAKER",
                    "maker_orders": [
                        {
                            "order_id": resting.order_id,
                            "owner": resting.owner,
                            "maker_address": resting.maker_address,
                            "matched_amount": self._units(take),
                            "price": fmt(resting.price),
                            "fee_rate_bps": "0",
                            "asset_id": token,
                            "outcome": outcome,
                            "side": "SELL" if side == "BUY" else "BUY",
                        }
                    ],
                }
            )
            trade_ids.append(trade_id)
            tx_hashes.append(tx_hash)
        matched = shares - left
        record.matched = matched
        record.trades = list(trade_ids)
        if left <= 0 or marketable:
            record.status = "MATCHED"
        else:
            resting_book = self.bids[token] if side == "BUY" else self.asks[token]
            resting_book.append(BookOrder(order_id, record.price, left, api_key, maker))
        self.orders[order_id] = record
        status = "matched" if matched > 0 else "live"
        making, taking = (spent, matched) if side == "BUY" else (matched, spent)
        return {
            "success": True,
            "errorMsg": "",
            "orderID": order_id,
            "status": status,
            "makingAmount": fmt(making) if matched > 0 else "",
            "takingAmount": fmt(taking) if matched > 0 else "",
            "transactionsHashes": tx_hashes,
            "tradeIDs": trade_ids,
        }

    def get_order(self, api_key: str, order_id: str) -> Any:
        """GET /data/order/<id> (L2)."""
        record = self.orders.get(order_id.lower())
        if record is None or record.owner != api_key:
            raise HttpError(404, {"error": "order not found"})
        return record.json()

    def get_trades(self, api_key: str, query: dict[str, str]) -> dict[str, Any]:
        """GET /data/trades (L2): the account's trades as taker or maker."""
        rows = []
        for trade in self.trades:
            mine = trade["owner"] == api_key or any(
                m["owner"] == api_key for m in trade["maker_orders"]
            )
            if not mine:
                continue
            if query.get("id") and trade["id"] != query["id"]:
                continue
            if query.get("asset_id") and trade["asset_id"] != query["asset_id"]:
                continue
            if query.get("market") and trade["market"] != query["market"]:
                continue
            if query.get("after") and int(trade["match_time"]) < int(query["after"]):
                continue
            rows.append(dict(trade))
        return {"data": rows, "next_cursor": END_CURSOR, "limit": 500, "count": len(rows)}

    def cancel(self, api_key: str, body: dict[str, Any]) -> dict[str, Any]:
        """DELETE /order (L2)."""
        order_id = str(body.get("orderID", "")).lower()
        record = self.orders.get(order_id)
        if record is None or record.owner != api_key or record.status != "LIVE":
            return {"canceled": [], "not_canceled": {order_id: "order not found or not live"}}
        record.status = "CANCELED"
        for book in (self.bids[record.token], self.asks[record.token]):
            book[:] = [o for o in book if o.order_id != order_id]
        return {"canceled": [order_id], "not_canceled": {}}

    def balance_allowance(self, api_key: str) -> dict[str, Any]:
        """GET /balance-allowance (L2): the funder's collateral as the venue sees it."""
        address = self.creds[api_key][0].lower()
        holder = self.funders.get(address, address).lower()
        balance = self.balances.get(holder, Decimal(0))
        return {
            "balance": str(int(balance * MICRO)),
            "allowances": {
                ex: str(int(self.allowances.get((holder, ex.lower()), Decimal(0)) * MICRO))
                for ex in (EXCHANGE_V2, NEG_RISK_EXCHANGE_V2, NEG_RISK_ADAPTER)
            },
        }

    def gamma_markets(self, query: dict[str, str]) -> list[dict[str, Any]]:
        """Gamma GET /markets (?clob_token_ids=, ?condition_ids=, ?limit=)."""
        markets = list(self.markets.values())
        if query.get("clob_token_ids"):
            wanted = set(query["clob_token_ids"].split(","))
            markets = [m for m in markets if wanted & {t for t, _ in m.tokens}]
        if query.get("condition_ids"):
            wanted = set(query["condition_ids"].split(","))
            markets = [m for m in markets if m.condition_id in wanted]
        if query.get("limit"):
            markets = markets[: int(query["limit"])]
        return [m.gamma() for m in markets]

    # -- dispatch ---------------------------------------------------------------------------

    def _private(
        self, method: str, path: str, api_key: str, query: dict[str, str], body: Any
    ) -> Any:
        """The L2 routes (the caller checked the HMAC)."""
        if method == "GET" and path.startswith("/data/order/"):
            return self.get_order(api_key, path.removeprefix("/data/order/"))
        routes = {
            ("POST", "/order"): lambda: self.post_order(api_key, body or {}),
            ("GET", "/data/trades"): lambda: self.get_trades(api_key, query),
            ("GET", "/data/orders"): lambda: self.open_orders(api_key),
            ("DELETE", "/order"): lambda: self.cancel(api_key, body or {}),
            ("GET", "/balance-allowance"): lambda: self.balance_allowance(api_key),
        }
        if (method, path) not in routes:
            raise HttpError(404, {"error": "not found"})
        return routes[(method, path)]()

    def open_orders(self, api_key: str) -> dict[str, Any]:
        """GET /data/orders (L2): the account's live orders, one page."""
        rows = [o.json() for o in self.orders.values() if o.owner == api_key]
        rows = [r for r in rows if r["status"] == "LIVE"]
        return {"data": rows, "next_cursor": END_CURSOR, "limit": 500, "count": len(rows)}

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The scripted fault for this call, if any (consumed)."""
        with self.lock:
            for fault in self.faults:
                if fault.method == method and fault.path == path and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    def handle(
        self, method: str, path: str, query: dict[str, str], headers: Any, raw: bytes
    ) -> tuple[int, Any]:
        """Route one request; (status, JSON body)."""
        with self.lock:
            self.requests.append((method, path))
        body: Any = json.loads(raw) if raw else None
        with self.lock:
            if path.startswith("/gamma/"):
                if method == "GET" and path == "/gamma/markets":
                    return 200, self.gamma_markets(query)
                raise HttpError(404, {"error": "not found"})
            public = {
                ("GET", "/"): lambda: "OK",
                ("GET", "/ok"): lambda: "OK",
                ("GET", "/time"): lambda: int(time.time()),
                ("GET", "/version"): lambda: {"version": 2},
                ("GET", "/book"): lambda: self.book_json(query.get("token_id", "")),
                ("GET", "/tick-size"): lambda: {
                    "minimum_tick_size": float(
                        self.markets[self.token_market[query["token_id"]]].tick
                    )
                },
                ("GET", "/neg-risk"): lambda: {
                    "neg_risk": self.markets[self.token_market[query["token_id"]]].neg_risk
                },
                ("POST", "/auth/api-key"): lambda: self.create_api_key(headers),
                ("GET", "/auth/derive-api-key"): lambda: self.derive_api_key(headers),
            }
            if (method, path) in public:
                return 200, public[(method, path)]()
            api_key = self.verify_l2(method, path, headers, raw)
            return 200, self._private(method, path, api_key, query, body)
        raise HttpError(404, {"error": "not found"})


class _Handler(BaseHTTPRequestHandler):
    clob: FakeClob

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        return

    def _serve(self, method: str) -> None:
        split = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(split.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        fault = self.clob.take_fault(method, split.path)
        if fault is not None and fault.status is not None:
            with self.clob.lock:
                self.clob.requests.append((method, split.path))
            self._answer(fault.status, fault.body)
            return
        try:
            status, body = self.clob.handle(method, split.path, query, self.headers, raw)
        except HttpError as error:
            status, body = error.status, error.body
        except (KeyError, ValueError) as error:
            status, body = 400, {"error": f"Invalid request: {error}"}
        if fault is not None and fault.delay_s:
            time.sleep(fault.delay_s)
        self._answer(status, body)

    def _answer(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")
