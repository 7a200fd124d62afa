"""``engine.ports.MarketData`` on Limitless: markets from ``/markets/{slug}`` (cached), books
from the public ``/markets/{slug}/orderbook``.

The engine asks for a book by token (position id) alone, and Limitless serves books by market:
the adapter keeps an index position id -> slug, filled by every market it reads and, for a
token it has not seen, by paging ``/markets/active`` (at most once per ``ttl_s``). A token that
no active market holds has no book (None). Needs no key: paper runs read the live book here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from adapters.limitless.client import LimitlessClient, LimitlessError
from adapters.limitless.parsers import VENUE, MarketInfo, ParseError, parse_book, parse_market
from engine.values import Book

log = logging.getLogger(__name__)

PAGE = 25  # the API's largest page of /markets/active
MAX_PAGES = 40


class LimitlessMarketData:
    """Markets (TTL cache), the token -> market index, and live books."""

    def __init__(
        self,
        client: LimitlessClient,
        *,
        ttl_s: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client = client
        self.ttl_s = ttl_s
        self.monotonic = monotonic
        self.now = now
        self._markets: dict[str, tuple[float, MarketInfo]] = {}
        self._slug_of: dict[str, str] = {}
        self._indexed_at = float("-inf")

    def market(self, slug: str) -> MarketInfo:
        """The market (read again after ``ttl_s``); raises LimitlessError / ParseError."""
        cached = self._markets.get(slug)
        if cached is not None and self.monotonic() - cached[0] < self.ttl_s:
            return cached[1]
        raw = self.client.request("GET", f"/markets/{slug}", signed=False)
        info = parse_market(raw, now_ms=int(self.now().timestamp() * 1000))
        self._markets[slug] = (self.monotonic(), info)
        for token in info.position_ids:
            self._slug_of[token] = info.slug
        return info

    def slug_of(self, token_id: str) -> str | None:
        """The market of a position id, paging the active markets once per ``ttl_s``."""
        if token_id in self._slug_of or self.monotonic() - self._indexed_at < self.ttl_s:
            return self._slug_of.get(token_id)
        self._indexed_at = self.monotonic()
        for page in range(1, MAX_PAGES + 1):
            answer = self.client.request(
                "GET", "/markets/active", params={"page": page, "limit": PAGE}, signed=False
            )
            rows = answer.get("data", []) if isinstance(answer, dict) else []
            for row in rows:
                if not isinstance(row, dict) or not row.get("slug"):
                    continue
                tokens = row.get("tokens") or {}
                for token in [*(row.get("positionIds") or []), *tokens.values()]:
                    self._slug_of[str(token)] = str(row["slug"])
            total = answer.get("totalMarketsCount", 0) if isinstance(answer, dict) else 0
            if token_id in self._slug_of or len(rows) < PAGE or page * PAGE >= int(total or 0):
                break
        return self._slug_of.get(token_id)

    def book(
        self, venue: str, token_id: str, *, at: datetime | None = None, account: str = ""
    ) -> Book | None:
        """The live book of a token, best first; a closed market's book says it is closed
        (``accepting_orders=False``). None when the market or book cannot be read.
        ``at`` and ``account`` are ignored: a live book is the book of now, for everyone."""
        if venue != VENUE:
            return None
        try:
            slug = self.slug_of(token_id)
            if slug is None:
                return None
            market = self.market(slug)
            if market.closed_reason:
                return parse_book({}, market, token_id, at=self.now())
            raw = self.client.request("GET", f"/markets/{slug}/orderbook", signed=False)
            return parse_book(raw, market, token_id, at=self.now())
        except (LimitlessError, ParseError) as error:
            log.warning("limitless book of token %s unavailable: %s", token_id, error)
            return None
