"""Build the Limitless venue and market data from the mapping handed in (the spec's
``build``), and the keyless market data of paper runs on the live book. Nothing is sent over
the network here."""

from __future__ import annotations

from collections.abc import Mapping

from adapters.ctf.eip712 import address_of
from adapters.limitless.client import LimitlessClient
from adapters.limitless.config import DEFAULT_API_URL, LimitlessConfig, config_from_env
from adapters.limitless.journal import OrderJournal
from adapters.limitless.market_data import LimitlessMarketData
from adapters.limitless.ratelimit import TokenLimiter
from adapters.limitless.venue import LimitlessVenue


def build_limitless(
    config: LimitlessConfig, *, limiter: TokenLimiter | None = None, market_ttl_s: float = 60.0
) -> tuple[LimitlessVenue, LimitlessMarketData]:
    """The venue and its market data on one client (one token, one rate limit)."""
    client = LimitlessClient(
        config.api_url,
        config.api_key,
        config.api_secret,
        timeout_s=config.timeout_s,
        limiter=limiter,
    )
    market_data = LimitlessMarketData(client, ttl_s=market_ttl_s)
    journal = OrderJournal(
        None
        if config.state_dir is None
        else config.state_dir / f"orders-{address_of(config.key).lower()}.jsonl"
    )
    venue = LimitlessVenue(client, market_data, config.key, journal, chain_id=config.chain_id)
    return venue, market_data


def limitless_from_env(
    environ: Mapping[str, str],
) -> tuple[LimitlessVenue, LimitlessMarketData] | None:
    """The live venue and market data, None without ``LIMITLESS_PRIVATE_KEY``; a
    ``LimitlessConfigError`` naming the variable when what is set cannot be used."""
    config = config_from_env(environ)
    return None if config is None else build_limitless(config)


def public_market_data(environ: Mapping[str, str]) -> LimitlessMarketData:
    """Limitless's live public books, no key needed (paper trading on the live book)."""
    url = (environ.get("LIMITLESS_API_URL", "").strip() or DEFAULT_API_URL).rstrip("/")
    return LimitlessMarketData(LimitlessClient(url))
