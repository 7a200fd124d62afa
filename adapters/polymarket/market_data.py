"""Market data: Gamma markets (cached) and CLOB books, as ``engine.ports.MarketData``.

A market that is closed, archived, inactive, without an order book or not accepting orders
gives a Book with ``accepting_orders=False`` and the reason, so the engine denies the intent
(check ``market_open``) before any order. When Gamma cannot be read the answer is None (no
book): Tape does not trade a market whose state it cannot see.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from adapters.polymarket.errors import RATE_LIMITED
from adapters.polymarket.exchange import (
    ExchangeClient,
    ExchangeError,
    ExchangeHTTPError,
    ExchangeRateLimitedError,
    ExchangeTransportError,
)
from adapters.polymarket.parsers import (
    VENUE,
    MarketInfo,
    ParseError,
    parse_book,
    parse_gamma_market,
)
from adapters.polymarket.ratelimit import Backoff, RateLimiter
from engine.values import Book

log = logging.getLogger(__name__)


class GammaClient:
    """Gamma's ``/markets`` (public, no auth), rate limited, 429 retried with bounded backoff."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 10.0,
        limiter: RateLimiter | None = None,
        backoff: Backoff | None = None,
        transport: httpx.BaseTransport | None = None,
        family: str = "gamma",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.family = family  # the rate-limit family and the name in errors
        self.limiter = limiter or RateLimiter()
        self.backoff = backoff or Backoff()
        self.http = httpx.Client(timeout=timeout_s, transport=transport)

    def get(self, path: str, params: dict[str, str]) -> Any:
        """GET a Gamma path; JSON back, or an Exchange* error."""
        delays = self.backoff.delays()
        what = f"GET {self.family} {path}"
        while True:
            self.limiter.acquire(self.family)
            try:
                response = self.http.get(self.base_url + path, params=params)
            except httpx.HTTPError:
                raise ExchangeTransportError(
                    f"{what}: no answer from {self.base_url} (timeout or connection error)"
                ) from None
            if response.status_code == RATE_LIMITED and delays:
                self.limiter.sleep(delays.pop(0))
                continue
            if response.status_code != 200:
                body: Any
                try:
                    body = response.json()
                except ValueError:
                    body = response.text
                error = (
                    ExchangeRateLimitedError
                    if response.status_code == RATE_LIMITED
                    else ExchangeHTTPError
                )
                raise error(response.status_code, body, what)
            try:
                return response.json()
            except ValueError:
                raise ExchangeError(f"{what}: the answer is not JSON") from None

    def markets_by_token(self, token_id: str) -> list[dict[str, Any]]:
        """The Gamma markets holding a CLOB token id."""
        answer = self.get("/markets", {"clob_token_ids": token_id})
        return [m for m in answer if isinstance(m, dict)] if isinstance(answer, list) else []


@dataclass(frozen=True)
class OrderParams:
    """What signing an order on a token needs to know about its market."""

    token_id: str
    market_id: str
    tick_size: Decimal
    min_size: Decimal
    neg_risk: bool
    closed_reason: str


class PolymarketMarketData:
    """Gamma markets with a TTL cache, and CLOB books converted to best-first Books."""

    def __init__(
        self,
        exchange: ExchangeClient,
        gamma: GammaClient,
        *,
        venue_name: str = VENUE,
        ttl_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.exchange = exchange
        self.gamma = gamma
        self.venue_name = venue_name
        self.ttl_s = ttl_s
        self.clock = clock
        self._markets: dict[str, tuple[float, MarketInfo]] = {}
        self._ticks: dict[str, Decimal] = {}  # the latest tick a book showed (it can change)

    def market(self, token_id: str, *, refresh: bool = False) -> MarketInfo | None:
        """The Gamma market of a token (cached for ``ttl_s``); None when Gamma has none.

        Raises ExchangeError subclasses when Gamma cannot be read.
        """
        cached = self._markets.get(token_id)
        now = self.clock()
        if cached is not None and cached[0] > now and not refresh:
            return cached[1]
        found: MarketInfo | None = None
        for raw in self.gamma.markets_by_token(token_id):
            try:
                info = parse_gamma_market(raw)
            except ParseError as error:
                log.warning("gamma market for token %s skipped: %s", token_id, error)
                continue
            for token in info.token_ids:
                self._markets[token] = (now + self.ttl_s, info)
            if token_id in info.token_ids:
                found = info
        if found is None:
            self._markets.pop(token_id, None)
        return found

    def book(
        self, venue: str, token_id: str, *, at: datetime | None = None, account: str = ""
    ) -> Book | None:
        """The current book of a token, best level first (MarketData port; ``at`` and
        ``account`` are ignored: the venue's book is the book of now, the same for all)."""
        if venue != self.venue_name:
            return None
        try:
            info = self.market(token_id)
        except ExchangeError as error:
            log.warning("polymarket market of token %s unknown: %s", token_id, error)
            return None
        if info is None:
            return None
        reason = info.closed_reason()
        try:
            raw = self.exchange.get_order_book(token_id)
            book = parse_book(
                raw,
                tick_size=info.tick_size,
                min_size=info.min_size,
                neg_risk=info.neg_risk,
                accepting_orders=not reason,
                closed_reason=reason,
            )
        except (ExchangeError, ParseError) as error:
            if not reason:
                log.warning("polymarket book of token %s unavailable: %s", token_id, error)
                return None
            book = Book(  # closed: an empty book that says so
                venue=self.venue_name,
                token_id=token_id,
                at="",
                bids=(),
                asks=(),
                tick_size=info.tick_size or Decimal("0.01"),
                min_size=info.min_size or Decimal(0),
                market_id=info.condition_id,
                accepting_orders=False,
                closed_reason=reason,
                neg_risk=info.neg_risk,
            )
        self._ticks[token_id] = book.tick_size
        if not book.market_id:
            book = replace(book, market_id=info.condition_id)
        return book

    def order_params(self, token_id: str) -> OrderParams | None:
        """Tick, minimum size, neg-risk flag and market of a token, for signing an order.

        The tick is the one the latest book showed (it changes near 0 and 1), else Gamma's.
        Raises ExchangeError subclasses when the venue cannot be read.
        """
        info = self.market(token_id)
        if info is None:
            return None
        tick = self._ticks.get(token_id)
        if tick is None:
            try:
                raw = self.exchange.get_order_book(token_id)
                tick = parse_book(raw, tick_size=info.tick_size).tick_size
                self._ticks[token_id] = tick
            except ExchangeHTTPError:
                tick = info.tick_size
            except ParseError:
                tick = info.tick_size
        if tick is None:
            raise ExchangeError(f"no tick size known for token {token_id}")
        return OrderParams(
            token_id=token_id,
            market_id=info.condition_id,
            tick_size=tick,
            min_size=info.min_size or Decimal(0),
            neg_risk=info.neg_risk,
            closed_reason=info.closed_reason(),
        )

    def forget_tick(self, token_id: str) -> None:
        """Drop the cached tick (after the venue refused a price), so the next order reads it."""
        self._ticks.pop(token_id, None)
        self._markets.pop(token_id, None)
