"""The resolution sources of a deployment, from the venues' own variables (the mapping the
Settings hand venue factories): Polymarket's Gamma (``POLYMARKET_GAMMA_URL``, default
production) and Kalshi's public markets (``KALSHI_API_URL``). Neither needs a key."""

from __future__ import annotations

from collections.abc import Mapping

from adapters.kalshi.factory import public_market_data
from adapters.polymarket.config import DEFAULT_GAMMA_URL
from adapters.polymarket.market_data import GammaClient
from adapters.resolutions.gamma import GammaResolutions
from adapters.resolutions.kalshi import KalshiResolutions
from adapters.resolutions.poller import ResolutionSource


def resolution_sources(environ: Mapping[str, str]) -> dict[str, ResolutionSource]:
    """venue -> where its resolutions are read."""
    gamma = environ.get("POLYMARKET_GAMMA_URL") or DEFAULT_GAMMA_URL
    return {
        "polymarket": GammaResolutions(GammaClient(gamma, timeout_s=10.0)),
        "kalshi": KalshiResolutions(public_market_data(environ)),
    }
