"""Build the Polymarket venue and market data from the mapping handed in (the venue spec's
``build``). Nothing is sent over the network here: API credentials are derived on the first
trading call."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from adapters.polymarket.clob_client import ClobV2ExchangeClient
from adapters.polymarket.config import PolymarketConfig, config_from_env
from adapters.polymarket.exchange import ExchangeClient
from adapters.polymarket.journal import OrderJournal
from adapters.polymarket.market_data import GammaClient, PolymarketMarketData
from adapters.polymarket.ratelimit import Backoff, RateLimiter
from adapters.polymarket.venue import PolymarketVenue


def journal_for(config: PolymarketConfig) -> OrderJournal:
    """The order journal of this funder (one file per funder under the state folder)."""
    if config.state_dir is None:
        return OrderJournal()
    return OrderJournal(config.state_dir / f"orders-{config.funder.lower()}.jsonl")


def build_polymarket(
    config: PolymarketConfig,
    *,
    limiter: RateLimiter | None = None,
    backoff: Backoff | None = None,
    exchange: ExchangeClient | None = None,
    market_ttl_s: float = 60.0,
    clock_ms: Callable[[], int] | None = None,
    trade_units: str = "shares",
) -> tuple[PolymarketVenue, PolymarketMarketData]:
    """The venue and its market data on one exchange client and one set of rate limits."""
    limiter = limiter or RateLimiter()
    backoff = backoff or Backoff()
    client = exchange or ClobV2ExchangeClient(config, limiter=limiter, backoff=backoff)
    gamma = GammaClient(
        config.gamma_url, timeout_s=config.timeout_s, limiter=limiter, backoff=backoff
    )
    market_data = PolymarketMarketData(client, gamma, ttl_s=market_ttl_s)
    venue = PolymarketVenue(client, market_data, journal_for(config), trade_units=trade_units)
    if clock_ms is not None:
        venue.clock_ms = clock_ms
    return venue, market_data


def polymarket_from_env(
    environ: Mapping[str, str],
) -> tuple[PolymarketVenue, PolymarketMarketData] | None:
    """The live Polymarket venue and market data, or None when no key is configured.

    Raises :class:`adapters.polymarket.config.PolymarketConfigError` (a ``ConfigError``) when
    the configuration is set but cannot be used.
    """
    config = config_from_env(environ)
    if config is None:
        return None
    return build_polymarket(config)
