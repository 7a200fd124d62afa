"""The fake's HTTP routes, its HMAC check, and its lifecycle."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fake_limitless.exchange import FakeExchange
from tests.fake_limitless.state import Account, HttpError
from tests.fakes.loopback import JsonHandler, LoopbackServer

WINDOW_S = 30


class FakeLimitless(FakeExchange, LoopbackServer):
    """The fake Limitless API (see the package)."""

    def start(self) -> FakeLimitless:
        """Serve on 127.0.0.1, a free port, in a daemon thread."""
        fake = self

        class Handler(_Handler):
            api = fake

        self.serve(Handler)
        return self

    @property
    def url(self) -> str:
        """The API base URL."""
        return self.origin

    def authenticate(self, method: str, target: str, headers: Any, body: str) -> Account:
        """The account of a request whose HMAC headers check out, else 401."""
        account = self.accounts.get(headers.get("lmts-api-key") or "")
        stamp = headers.get("lmts-timestamp") or ""
        if account is None:
            raise HttpError(401, "Unknown API token")
        try:
            sent = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            raise HttpError(401, "Invalid timestamp") from None
        if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp):
            raise HttpError(401, "Invalid timestamp format")
        if abs((datetime.now(UTC) - sent).total_seconds()) > WINDOW_S:
            raise HttpError(401, "Timestamp outside the 30 s window")
        canonical = f"{stamp}\n{method}\n{target}\n{body}".encode()
        key = base64.b64decode(account.secret_b64)
        expected = base64.b64encode(hmac.new(key, canonical, hashlib.sha256).digest()).decode()
        if not hmac.compare_digest(expected, headers.get("lmts-signature") or ""):
            raise HttpError(401, "Invalid signature")
        return account

    def route(self, method: str, target: str, headers: Any, body: str) -> Any:
        """The answer of one request (raises HttpError)."""
        path = urlsplit(target).path
        query = parse_qs(urlsplit(target).query)
        if method == "GET" and path == "/markets/active":
            page, limit = int(query.get("page", ["1"])[0]), int(query.get("limit", ["25"])[0])
            rows = [m.json() for m in self.markets.values()]
            return {"data": rows[(page - 1) * limit : page * limit], "totalMarketsCount": len(rows)}
        found = re.fullmatch(r"/markets/([^/]+)(/orderbook|/user-orders)?", path)
        if method == "GET" and found and found.group(2) != "/user-orders":
            market = self.markets.get(found.group(1))
            if market is None:
                raise HttpError(404, "Market not found")
            return market.json() if not found.group(2) else self.book_json(market.slug)
        return self._private(method, path, self.authenticate(method, target, headers, body), body)

    def _private(self, method: str, path: str, account: Account, body: str) -> Any:
        found = re.fullmatch(r"/markets/([^/]+)/user-orders", path)
        if method == "GET" and found:
            return self.user_orders(found.group(1), account)
        if method == "GET" and path == "/profiles/me":
            return {"id": account.profile_id, "account": account.address,
                    "rank": {"feeRateBps": account.fee_rate_bps}}  # fmt: skip
        if method == "GET" and path == "/portfolio/positions":
            return self.positions(account)
        if method == "POST" and path == "/orders":
            return self.place(json.loads(body), account)
        cancel = re.fullmatch(r"/orders/([^/]+)", path)
        if method == "DELETE" and cancel:
            return self.cancel(cancel.group(1), account)
        raise HttpError(404, f"Cannot {method} {path}")

    def book_json(self, slug: str) -> dict[str, Any]:
        """GET /markets/{slug}/orderbook: the YES book, best first, sizes x 1e6."""
        with self.lock:
            market = self.markets[slug]
            sizes: dict[tuple[str, Any], Any] = {}
            for resting in market.book:
                key = (resting.side, resting.price)
                sizes[key] = sizes.get(key, 0) + resting.size

        def levels(side: str) -> list[dict[str, Any]]:
            prices = sorted((p for s, p in sizes if s == side), reverse=side == "BUY")
            return [{"price": float(p), "size": int(sizes[(side, p)] * 1_000_000), "side": side}
                    for p in prices]  # fmt: skip

        return {"bids": levels("BUY"), "asks": levels("SELL"), "tokenId": market.yes,
                "minSize": str(int(market.min_size * 1_000_000))}  # fmt: skip


class _Handler(JsonHandler):
    api: FakeLimitless

    def serve(self, method: str) -> None:
        """Answer one request: scripted fault, or the fake's route."""
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        path = urlsplit(self.path).path
        with self.api.lock:
            self.api.calls[(self.command, path)] += 1
        fault = self.api.take_fault(self.command, path)
        status, answer, extra = 200, None, {}
        try:
            answer = self._answer(fault, body)
        except HttpError as error:
            status, answer, extra = error.status, error.body, error.headers
            if status == 401:
                self.api.auth_failures.append(str(error))
        if fault is not None and fault[1]:
            time.sleep(fault[1])  # the answer comes after the client gave up
        self.send_json(status, answer, extra)

    def _answer(self, fault: tuple[int, float, dict[str, str]] | None, body: str) -> Any:
        if fault is not None and fault[0]:
            raise HttpError(fault[0], "scripted fault", fault[2])
        return self.api.route(self.command, self.path, self.headers, body)
