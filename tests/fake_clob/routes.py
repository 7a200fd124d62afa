"""The fake CLOB's HTTP routes (real HTTP on loopback) and its lifecycle."""

from __future__ import annotations

import hashlib
import json
import time
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fake_clob.matching import ClobMatching
from tests.fake_clob.state import (
    END_CURSOR,
    EXCHANGE_V2,
    MICRO,
    NEG_RISK_ADAPTER,
    NEG_RISK_EXCHANGE_V2,
    BookOrder,
    Fault,
    HttpError,
    fmt,
)
from tests.fakes.loopback import JsonHandler, LoopbackServer


class FakeClob(ClobMatching, LoopbackServer):
    """The fake CLOB V2 and Gamma server: state, auth, matching and routes (see the package)."""

    def start(self) -> FakeClob:
        """Serve on 127.0.0.1, a free port, in a daemon thread."""
        fake = self

        class Handler(_Handler):
            clob = fake

        self.serve(Handler)
        return self

    @property
    def url(self) -> str:
        """The CLOB base URL."""
        return self.origin

    @property
    def gamma_url(self) -> str:
        """The Gamma base URL (same server, under /gamma)."""
        return self.url + "/gamma"

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


class _Handler(JsonHandler):
    clob: FakeClob

    def serve(self, method: str) -> None:
        """Answer one request: scripted fault, or the fake's route."""
        split = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(split.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        fault = self.clob.take_fault(method, split.path)
        if fault is not None and fault.status is not None:
            with self.clob.lock:
                self.clob.requests.append((method, split.path))
            self.send_json(fault.status, fault.body)
            return
        try:
            status, body = self.clob.handle(method, split.path, query, self.headers, raw)
        except HttpError as error:
            status, body = error.status, error.body
        except (KeyError, ValueError) as error:
            status, body = 400, {"error": f"Invalid request: {error}"}
        if fault is not None and fault.delay_s:
            time.sleep(fault.delay_s)
        self.send_json(status, body)
