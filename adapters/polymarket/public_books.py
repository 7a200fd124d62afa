"""Polymarket's public market data, no key needed: Gamma's markets and the CLOB's ``/book``.

Without a key a live run trades on paper against these books (``VenueSpec.public_books``,
``adapters/paper/live_books.py``): the same ``PolymarketMarketData`` as live trading (closed
markets, tick and minimum size, levels best first), on a client that can only read books.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.polymarket.config import DEFAULT_CLOB_URL, DEFAULT_GAMMA_URL, PolymarketConfigError
from adapters.polymarket.exchange import ExchangeError
from adapters.polymarket.market_data import GammaClient, PolymarketMarketData
from adapters.polymarket.ratelimit import Backoff, RateLimiter


class PublicClob:
    """The part of ``ExchangeClient`` that needs no key: ``GET /book``."""

    signer_address = ""
    funder_address = ""

    def __init__(self, base_url: str, *, timeout_s: float, limiter: RateLimiter) -> None:
        self.http = GammaClient(
            base_url, timeout_s=timeout_s, limiter=limiter, backoff=Backoff(), family="book"
        )

    def get_order_book(self, token_id: str) -> dict[str, Any]:
        """GET /book?token_id= (public); the answer as the venue sends it."""
        answer = self.http.get("/book", {"token_id": token_id})
        if not isinstance(answer, dict):
            raise ExchangeError(f"GET /book: unexpected answer {answer!r:.200}")
        return answer


def _url(environ: Mapping[str, str], name: str, default: str) -> str:
    value = environ.get(name, "").strip() or default
    if not value.startswith(("http://", "https://")):
        raise PolymarketConfigError(f"{name} must be an http(s) URL")
    return value.rstrip("/")


def public_market_data(environ: Mapping[str, str]) -> PolymarketMarketData:
    """Gamma and the CLOB's books at ``POLYMARKET_GAMMA_URL`` / ``POLYMARKET_CLOB_URL`` (or
    production), read without a key."""
    limiter = RateLimiter()
    gamma = GammaClient(
        _url(environ, "POLYMARKET_GAMMA_URL", DEFAULT_GAMMA_URL),
        timeout_s=10.0,
        limiter=limiter,
        backoff=Backoff(),
    )
    clob = PublicClob(
        _url(environ, "POLYMARKET_CLOB_URL", DEFAULT_CLOB_URL), timeout_s=10.0, limiter=limiter
    )
    return PolymarketMarketData(clob, gamma)  # type: ignore[arg-type]  # reads books only
