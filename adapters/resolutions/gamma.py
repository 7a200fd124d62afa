"""Polymarket resolutions from Gamma: a market that is ``closed`` with outcome prices of one
``1`` and the rest ``0`` has resolved to the token at the ``1`` (``clobTokenIds`` and
``outcomePrices`` are index-aligned JSON strings). A closed market whose prices are not yet
0/1 (the UMA answer still pending, a 50-50 split) is not a resolution."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters.polymarket.market_data import GammaClient

ONE, ZERO = Decimal(1), Decimal(0)


def _listed(raw: Any) -> list[str]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return []
    return [str(item) for item in raw] if isinstance(raw, list) else []


def gamma_winner(market: dict[str, Any]) -> str | None:
    """The winning token of a Gamma market object, or None while it is not resolved."""
    if market.get("closed") is not True:
        return None
    tokens = _listed(market.get("clobTokenIds"))
    try:
        prices = [Decimal(p) for p in _listed(market.get("outcomePrices"))]
    except InvalidOperation:
        return None
    if len(tokens) < 2 or len(prices) != len(tokens):
        return None
    winners = [t for t, p in zip(tokens, prices, strict=True) if p == ONE]
    losers = [t for t, p in zip(tokens, prices, strict=True) if p == ZERO]
    if len(winners) != 1 or len(losers) != len(tokens) - 1:
        return None
    return winners[0]


class GammaResolutions:
    """Reads whether a Polymarket market has resolved, by one of its tokens."""

    venue = "polymarket"

    def __init__(self, gamma: GammaClient) -> None:
        self.gamma = gamma

    def winner(self, market_id: str, tokens: set[str]) -> str | None:
        """The winning token of the market holding ``tokens``, or None while it is open."""
        token = min(tokens)
        markets = self.gamma.markets_by_token(token)
        if not any(m.get("closed") is True for m in markets):
            # Gamma may leave closed markets out unless asked for them
            markets += [
                m
                for m in self.gamma.get("/markets", {"clob_token_ids": token, "closed": "true"})
                if isinstance(m, dict)
            ]
        for market in markets:
            if token in _listed(market.get("clobTokenIds")):
                winner = gamma_winner(market)
                if winner is not None:
                    return winner
        return None
