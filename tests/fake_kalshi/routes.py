"""The fake Kalshi's HTTP server: routes under ``/trade-api/v2``, errors in Kalshi's envelope,
scripted faults."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fake_kalshi.auth import Unauthorized, verify
from tests.fake_kalshi.matching import KalshiRefusal, book_fill, create_order, settle
from tests.fake_kalshi.state import ExchangeState, Market, count_text, price_text
from tests.fakes.loopback import JsonHandler, LoopbackServer

PREFIX = "/trade-api/v2"
ORDERS = "/portfolio/events/orders"
D = Decimal


@dataclass
class Fault:
    """A scripted answer: ``status`` for the next ``times`` calls, or a delay after processing."""

    method: str
    path: str
    times: int = 1
    status: int | None = None
    delay_s: float = 0.0


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class FakeKalshi(ExchangeState, LoopbackServer):
    """The fake exchange (state in :class:`ExchangeState`) and its server."""

    window_ms: int = 5_000

    def __init__(self) -> None:
        super().__init__()
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str, Any]] = []  # (method, full path, JSON body)
        self.signed: list[tuple[str, str]] = []  # (method, full path) verified requests

    # -- set-up -----------------------------------------------------------------------------

    def add_market(self, ticker: str, **fields: Any) -> Market:
        """A new market (open, linear cent unless said otherwise)."""
        market = self.markets[ticker] = Market(ticker, **fields)
        return market

    def set_book(
        self, ticker: str, *, yes: list[tuple[str, str]], no: list[tuple[str, str]]
    ) -> None:
        """The other traders' resting bids on each leg (price, count)."""
        market = self.markets[ticker]
        market.yes_bids = {D(p): D(c) for p, c in yes}
        market.no_bids = {D(p): D(c) for p, c in no}

    def register_key(self, key_id: str, public_key: Any, balance: str = "0") -> None:
        """An API key (its public key) and the account's cash."""
        self.keys[key_id] = public_key
        self.account(key_id).balance = D(balance)

    def fault(self, method: str, path: str, **fields: Any) -> None:
        """Script a fault on ``method path`` (path under /trade-api/v2)."""
        with self.lock:
            self.faults.append(Fault(method, PREFIX + path, **fields))

    def hit_resting(self, order_id: str, size: str) -> None:
        """Another trader takes ``size`` of our resting order at its price (maker fee 0)."""
        with self.lock:
            order = self.orders[order_id]
            take = min(D(size), order.remaining)
            book_fill(self, order, take, order.yes_price, D(0), taker=False)
            if order.filled >= order.count:
                order.status = "executed"

    def settle(self, ticker: str, result: str) -> None:
        """The market settles on ``result`` (yes or no)."""
        with self.lock:
            settle(self, ticker, result)

    def create_orders(self) -> list[tuple[str, Any]]:
        """Every create-order request received: (path, body)."""
        return [(p, b) for m, p, b in self.requests if m == "POST" and "orders" in p]

    # -- routes -----------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, str], headers: Any, body: Any) -> Any:
        """One request under the prefix; the JSON answer or a KalshiRefusal."""
        sub = path[len(PREFIX) :]
        parts = sub.strip("/").split("/")
        if method == "GET" and parts[0] == "markets" and len(parts) in (2, 3):
            market = self.markets.get(parts[1])
            if market is None:
                raise KalshiRefusal(404, "not_found", "market not found")
            if len(parts) == 2:
                return {"market": market.json()}
            if parts[2] == "orderbook":
                return market.orderbook()
        if method == "GET" and parts[0] in ("events", "series") and len(parts) == 2:
            return self._series_route(parts[0], parts[1])
        if method == "GET" and sub == "/exchange/status":
            return {"exchange_active": True, "trading_active": self.trading_active}
        if parts[0] != "portfolio":
            raise KalshiRefusal(404, "not_found", "no such route")
        try:
            user = verify(self.keys, method, path, headers, window_ms=self.window_ms)
        except Unauthorized as error:
            raise KalshiRefusal(401, "authentication_error", str(error)) from None
        self.signed.append((method, path))
        return self._private(method, sub, parts, user, query, body)

    def _private(  # noqa: PLR0911, PLR0917 - one route table
        self, method: str, sub: str, parts: list[str], user: str, query: dict[str, str], body: Any
    ) -> Any:
        if method == "POST" and sub == "/portfolio/orders":
            raise KalshiRefusal(400, "deprecated_v1_order_endpoint", "use the V2 order endpoint")
        if method == "POST" and sub == ORDERS:
            return create_order(self, user, body, _now_ms())
        if method == "DELETE" and sub.startswith(ORDERS + "/"):
            return self._cancel(user, parts[-1])
        if method == "GET" and sub == "/portfolio/balance":
            balance = self.account(user).balance
            return {
                "balance": int(balance * 100),
                "balance_dollars": price_text(balance),
                "portfolio_value": int(balance * 100),
                "updated_ts": _now_ms() // 1000,
            }
        if method == "GET" and sub == "/portfolio/orders":
            rows = [o for o in self.orders.values() if o.user == user]
            if "ticker" in query:
                rows = [o for o in rows if o.ticker == query["ticker"]]
            return self._page("orders", [o.json() for o in rows], query)
        if method == "GET" and len(parts) == 3 and parts[1] == "orders":
            order = self.orders.get(parts[2])
            if order is None or order.user != user:
                raise KalshiRefusal(404, "not_found", "order not found")
            return {"order": order.json()}
        if method == "GET" and sub == "/portfolio/fills":
            fills = [f for f in self.fills if f.order.user == user]
            if "order_id" in query:
                fills = [f for f in fills if f.order.order_id == query["order_id"]]
            return self._page("fills", [f.json() for f in fills], query)
        if method == "GET" and sub == "/portfolio/positions":
            account = self.account(user)
            positions = [
                {
                    "ticker": t,
                    "position_fp": count_text(p),
                    "fees_paid_dollars": price_text(account.fees.get(t, D(0))),
                }
                for t, p in sorted(account.positions.items())
            ]
            return {"market_positions": positions, "event_positions": [], "cursor": ""}
        raise KalshiRefusal(404, "not_found", "no such route")

    def _series_route(self, kind: str, ticker: str) -> Any:
        """``GET /events/{event_ticker}`` (its series) and ``GET /series/{series_ticker}`` (its
        fee schedule, the multiplier its markets carry): a market ``S-E-M`` is of event
        ``S-E`` and series ``S``."""
        if kind == "events":
            if not any(m.json()["event_ticker"] == ticker for m in self.markets.values()):
                raise KalshiRefusal(404, "not_found", "event not found")
            return {
                "event": {"event_ticker": ticker, "series_ticker": ticker.split("-", maxsplit=1)[0]}
            }
        members = [m for m in self.markets.values() if m.ticker.split("-")[0] == ticker]
        if not members:
            raise KalshiRefusal(404, "not_found", "series not found")
        return {
            "series": {
                "ticker": ticker,
                "fee_type": "quadratic",
                "fee_multiplier": float(members[0].fee_multiplier),
            }
        }

    @staticmethod
    def _page(key: str, rows: list[Any], query: dict[str, str]) -> dict[str, Any]:
        """Cursor paging: ``limit`` rows from the ``cursor`` offset."""
        limit = min(int(query.get("limit") or 100), 1000)
        start = int(query.get("cursor") or 0)
        end = start + limit
        return {key: rows[start:end], "cursor": str(end) if end < len(rows) else ""}

    def _cancel(self, user: str, order_id: str) -> Any:
        order = self.orders.get(order_id)
        if order is None or order.user != user:
            raise KalshiRefusal(404, "not_found", "order not found")
        if order.status != "resting":
            raise KalshiRefusal(400, "invalid_order", f"order is {order.status}")
        reduced = order.remaining
        order.status = "canceled"
        return {
            "order_id": order_id,
            "client_order_id": order.client_order_id,
            "reduced_by": count_text(reduced),
            "ts_ms": _now_ms(),
        }

    # -- server -----------------------------------------------------------------------------

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The scripted fault for this call, if any (consumed)."""
        with self.lock:
            for fault in self.faults:
                if fault.method == method and fault.path == path and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    def start(self) -> FakeKalshi:
        """Serve on 127.0.0.1, a free port, in a daemon thread."""
        fake = self

        class Handler(_Handler):
            kalshi = fake

        self.serve(Handler)
        return self

    @property
    def url(self) -> str:
        """The REST base URL, ending in /trade-api/v2."""
        return f"{self.origin}{PREFIX}"


class _Handler(JsonHandler):
    kalshi: FakeKalshi

    def serve(self, method: str) -> None:
        """Answer one request: bad JSON, scripted fault, or the fake's route."""
        split = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(split.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        fake = self.kalshi
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            self.send_json(400, {"error": {"code": "invalid_parameters", "message": "bad JSON"}})
            return
        with fake.lock:
            fake.requests.append((method, split.path, body))
        fault = fake.take_fault(method, split.path)
        if fault is not None and fault.status is not None:
            self.send_json(
                fault.status, {"error": {"code": "too_many_requests", "message": "fault"}}
            )
            return
        if not split.path.startswith(PREFIX + "/"):
            status, answer = 404, {"error": {"code": "not_found", "message": "no such route"}}
        else:
            try:
                with fake.lock:
                    status, answer = 200, fake.handle(method, split.path, query, self.headers, body)
                if method == "POST":
                    status = 201
            except KalshiRefusal as error:
                status, answer = error.status, error.body
        if fault is not None and fault.delay_s:
            time.sleep(fault.delay_s)
        self.send_json(status, answer)
