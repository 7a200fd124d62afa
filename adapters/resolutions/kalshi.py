"""Kalshi resolutions: the market's settlement ``result`` (``yes``/``no``) once its status is
determined, finalized or settled (``KalshiMarketData.resolution``)."""

from __future__ import annotations

from adapters.kalshi.market_data import KalshiMarketData


class KalshiResolutions:
    """Reads whether a Kalshi market (a ticker) has settled."""

    venue = "kalshi"

    def __init__(self, market_data: KalshiMarketData) -> None:
        self.market_data = market_data

    def winner(self, market_id: str, tokens: set[str]) -> str | None:
        """``<ticker>:yes`` or ``<ticker>:no`` once settled, else None."""
        return self.market_data.resolution(market_id)
