"""Build Kalshi's live venue, or its public market data, from the mapping handed in."""

from __future__ import annotations

from collections.abc import Mapping

from adapters.kalshi.client import KalshiClient
from adapters.kalshi.config import KalshiConfig, config_from_env, public_url
from adapters.kalshi.journal import OrderJournal
from adapters.kalshi.market_data import KalshiMarketData
from adapters.kalshi.signing import KalshiAuth
from adapters.kalshi.venue import KalshiVenue


def signed_client(config: KalshiConfig) -> KalshiClient:
    """A client that signs every request with the configured key."""
    auth = KalshiAuth(config.key_id, config.private_key)
    return KalshiClient(config.url, auth=auth, timeout_s=config.timeout_s)


def journal_for(config: KalshiConfig) -> OrderJournal:
    """The order journal of this key (one file per key id under the state folder)."""
    if config.state_dir is None:
        return OrderJournal()
    return OrderJournal(config.state_dir / f"orders-{config.key_id}.jsonl")


def build_kalshi(
    config: KalshiConfig, client: KalshiClient | None = None
) -> tuple[KalshiVenue, KalshiMarketData]:
    """The venue and its market data on one signed client."""
    client = client or signed_client(config)
    market_data = KalshiMarketData(client)
    return KalshiVenue(client, market_data, journal_for(config)), market_data


def kalshi_from_env(environ: Mapping[str, str]) -> tuple[KalshiVenue, KalshiMarketData] | None:
    """The live venue and market data, or None without a key (KalshiConfigError when what
    is set cannot be used)."""
    config = config_from_env(environ)
    return None if config is None else build_kalshi(config)


def public_market_data(environ: Mapping[str, str]) -> KalshiMarketData:
    """Kalshi's public books (no key): for paper trading against live books."""
    return KalshiMarketData(KalshiClient(public_url(environ)))
