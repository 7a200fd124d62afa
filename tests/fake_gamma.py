"""A fake Gamma API on loopback: ``GET /markets?clob_token_ids=`` (and ``closed=true``)
answering real Gamma market objects (``tests/fixtures/real/``), which a test can replace while
it runs (a market closing, its outcome prices going to 1 and 0). Like the real one it leaves
closed markets out unless asked with ``closed=true``."""

from __future__ import annotations

import copy
import gzip
import json
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.fakes.loopback import JsonHandler, LoopbackServer

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "real"


def resolved_btc_market() -> dict[str, Any]:
    """A real resolved Gamma market (``raw`` of the first line of
    ``pm_gamma_btc5m_markets_2026-07-24.jsonl.gz``: closed, outcome prices ["1", "0"])."""
    path = FIXTURES / "pm_gamma_btc5m_markets_2026-07-24.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        raw: dict[str, Any] = json.loads(lines.readline())["raw"]
    return raw


def still_open(market: dict[str, Any]) -> dict[str, Any]:
    """The same market before it closed: trading, prices not yet 0/1."""
    before = copy.deepcopy(market)
    before.update(closed=False, umaResolutionStatus=None, outcomePrices='["0.5", "0.5"]')
    return before


class FakeGamma(LoopbackServer):
    """Gamma's ``/markets`` over the markets the test sets."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.markets: dict[str, dict[str, Any]] = {}  # by conditionId
        self.requests = 0
        self.failing = 0  # answer 500 to this many requests

    def put(self, market: dict[str, Any]) -> None:
        """Add or replace a market (by its conditionId)."""
        with self.lock:
            self.markets[market["conditionId"]] = copy.deepcopy(market)

    def answer(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        """Status and body of ``GET /markets``."""
        with self.lock:
            self.requests += 1
            if self.failing:
                self.failing -= 1
                return 500, {"error": "internal"}
            wanted = set(",".join(query.get("clob_token_ids", [])).split(",")) - {""}
            closed = query.get("closed", ["false"])[0] == "true"
            found = [
                m
                for m in self.markets.values()
                if (not wanted or wanted & set(json.loads(m["clobTokenIds"])))
                and bool(m.get("closed")) == closed
            ]
            return 200, copy.deepcopy(found)

    def start(self) -> FakeGamma:
        """Serve on a free loopback port."""
        fake = self

        class Handler(JsonHandler):
            def serve(self, method: str) -> None:
                url = urlparse(self.path)
                if method != "GET" or url.path != "/markets":
                    self.send_json(404, {"error": "not found"})
                    return
                self.send_json(*fake.answer(parse_qs(url.query)))

        self.serve(Handler)
        return self

    @property
    def url(self) -> str:
        """The base URL."""
        return self.origin
