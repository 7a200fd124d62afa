"""A fake Polymarket Data API on loopback: real HTTP, the real recorded responses, paging.

It serves ``/activity`` and ``/positions`` for the wallets of the real fixtures in
``tests/fixtures/real/`` (``pm_activity_*.json``, ``pm_positions_*.json``), as the Data API
v1 does: bare JSON arrays, camelCase, newest first, ``limit`` (at most 500) and ``offset`` (at
most 10 000), ``type``, ``start`` and ``end`` (unix seconds, inclusive unless told otherwise).
Tests add trades while it runs, make some of them late (visible only some time after their
timestamp, as the real API lags), make a wallet unreachable, and inject 429/5xx answers.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "real"
MAX_LIMIT = 500
MAX_OFFSET = 10_000

KCH123 = "0x6a72f61820b26b1fe4d956e17b6dc2a1ea3033ee"
DEEDDIT = "0x09b428f7c2b469786286214aa5c90dd9015f7320"


def load_fixture_rows() -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """(activity rows by wallet, positions rows by wallet) from the real fixtures."""
    activity: dict[str, list[dict[str, Any]]] = {}
    positions: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(FIXTURES.glob("pm_activity_*.json")):
        for row in json.loads(path.read_text(encoding="utf-8")):
            activity.setdefault(row["proxyWallet"].lower(), []).append(row)
    for path in sorted(FIXTURES.glob("pm_positions_*.json")):
        for row in json.loads(path.read_text(encoding="utf-8")):
            positions.setdefault(row["proxyWallet"].lower(), []).append(row)
    return activity, positions


@dataclass
class _Row:
    data: dict[str, Any]
    visible_at: float  # time.monotonic() from when the API shows it
    seq: int


@dataclass
class FakeDataApi:
    """The fake's state; all methods are thread-safe."""

    activity: dict[str, list[_Row]] = field(default_factory=dict)
    positions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    unreachable: set[str] = field(default_factory=set)
    failures: list[int] = field(default_factory=list)  # statuses for the next requests
    failure_rate: float = 0.0
    ignore_type_filter: bool = False
    exclusive_bounds: bool = False  # start/end inclusive (the documented behaviour) unless set
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    lock: threading.Lock = field(default_factory=threading.Lock)
    _seq: int = 0

    def add_rows(self, wallet: str, rows: list[dict[str, Any]], *, delay_s: float = 0.0) -> None:
        """Add activity rows (shown ``delay_s`` seconds from now)."""
        with self.lock:
            visible_at = time.monotonic() + delay_s  # the rows of one call show up together
            for row in rows:
                self._seq += 1
                self.activity.setdefault(wallet.lower(), []).append(
                    _Row(dict(row), visible_at, self._seq)
                )

    def trade_rows(self, wallet: str) -> list[dict[str, Any]]:
        """Every TRADE row of a wallet, late ones included."""
        with self.lock:
            return [
                r.data for r in self.activity.get(wallet.lower(), []) if r.data["type"] == "TRADE"
            ]

    def all_visible(self) -> bool:
        """Whether every late row is shown by now."""
        now = time.monotonic()
        with self.lock:
            return all(r.visible_at <= now for rows in self.activity.values() for r in rows)

    # -- serving ----------------------------------------------------------------------------

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, Any]:  # noqa: PLR0911
        """(status, JSON body) for a GET."""
        with self.lock:
            self.requests.append((path, query))
            if self.failures:
                return self.failures.pop(0), {"error": "injected"}
            if self.failure_rate and self.rng.random() < self.failure_rate:
                return self.rng.choice([429, 500, 502, 503]), {"error": "injected"}
            user = query.get("user", "").lower()
            if user in self.unreachable:
                return 503, {"error": "unavailable"}
            try:
                limit = int(query.get("limit", "100"))
                offset = int(query.get("offset", "0"))
            except ValueError:
                return 400, {"error": "bad limit/offset"}
            if not 0 <= limit <= MAX_LIMIT or not 0 <= offset <= MAX_OFFSET:
                return 400, {"error": "limit or offset over the cap"}
            if path == "/activity":
                rows = self._activity(user, query)
            elif path == "/positions":
                rows = list(self.positions.get(user, []))
            else:
                return 404, {"error": f"no route {path}"}
            return 200, rows[offset : offset + limit]

    def _activity(self, user: str, query: dict[str, str]) -> list[dict[str, Any]]:
        now = time.monotonic()
        types = set(query.get("type", "").split(",")) - {""}
        start = int(query["start"]) if "start" in query else None
        end = int(query["end"]) if "end" in query else None
        rows = [r for r in self.activity.get(user, []) if r.visible_at <= now]
        if types and not self.ignore_type_filter:
            rows = [r for r in rows if r.data["type"] in types]
        if start is not None:
            low = start + 1 if self.exclusive_bounds else start
            rows = [r for r in rows if r.data["timestamp"] >= low]
        if end is not None:
            high = end - 1 if self.exclusive_bounds else end
            rows = [r for r in rows if r.data["timestamp"] <= high]
        descending = query.get("sortDirection", "DESC").upper() != "ASC"
        rows.sort(key=lambda r: (r.data["timestamp"], r.seq), reverse=descending)
        return [r.data for r in rows]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        status, body = self.server.api.answer(url.path, query)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if status == 429:
            self.send_header("Retry-After", "0")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """Quiet."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, api: FakeDataApi) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.api = api


@dataclass
class RunningFake:
    """A fake Data API serving on loopback."""

    api: FakeDataApi
    url: str


@contextlib.contextmanager
def serve_fake(api: FakeDataApi) -> Iterator[RunningFake]:
    """Serve ``api`` on 127.0.0.1 (a free port) in a thread for the duration of the generator."""
    server = _Server(api)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield RunningFake(api, f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()


def fixture_api() -> FakeDataApi:
    """A fake loaded with every real activity and positions fixture."""
    activity, positions = load_fixture_rows()
    api = FakeDataApi(positions=positions)
    for wallet, rows in activity.items():
        api.add_rows(wallet, rows)
    return api


def trade_row(
    wallet: str,
    *,
    tx_hash: str,
    asset: str,
    side: str,
    size: float,
    price: float,
    timestamp: int,
    outcome: str = "Yes",
    condition_id: str = "0x" + "c1" * 32,
    title: str = "A test market",
) -> dict[str, Any]:
    """An /activity TRADE row shaped like the real ones."""
    return {
        "proxyWallet": wallet,
        "timestamp": timestamp,
        "conditionId": condition_id,
        "type": "TRADE",
        "size": size,
        "usdcSize": round(size * price, 6),
        "transactionHash": tx_hash,
        "price": price,
        "asset": asset,
        "side": side,
        "outcomeIndex": 0 if outcome == "Yes" else 1,
        "title": title,
        "slug": "a-test-market",
        "icon": "",
        "eventSlug": "a-test-market",
        "outcome": outcome,
        "name": "tester",
        "pseudonym": "Test-Trader",
        "bio": "",
        "profileImage": "",
        "profileImageOptimized": "",
    }
