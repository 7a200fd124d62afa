"""A token id -> its market's condition id and its outcome name, from Gamma, kept for good.

The chain's events name only the token; an intent also carries the market (condition id) and
the outcome, as the Data API's rows do. A token's market never changes, so each answer is
kept in the monitor's state (``chain.tokens``) and Gamma is asked once per token.
"""

from __future__ import annotations

from typing import Any

from adapters.polymarket.exchange import ExchangeError
from adapters.polymarket.market_data import GammaClient
from adapters.polymarket.parsers import ParseError, parse_gamma_market


class TokenError(RuntimeError):
    """The token's market cannot be found now: Gamma did not answer (ask again later)."""


class TokenUnknown(TokenError):
    """Gamma answered and knows no market holding the token (asking again will not help)."""


class TokenDirectory:
    """Gamma's ``/markets?clob_token_ids=``, remembered in ``known`` (token -> [cid, outcome])."""

    def __init__(self, gamma: GammaClient, known: dict[str, Any]) -> None:
        self.gamma = gamma
        self.known = known

    def market_of(self, token_id: str) -> tuple[str, str]:
        """(condition id, outcome) of a token; TokenError when Gamma cannot be read,
        TokenUnknown when it knows no such token."""
        cached = self.known.get(token_id)
        if cached is not None:
            return str(cached[0]), str(cached[1])
        try:
            raws = self.gamma.markets_by_token(token_id)
        except ExchangeError as error:
            raise TokenError(f"token {token_id}: Gamma: {error}") from None
        for raw in raws:
            try:
                info = parse_gamma_market(raw)
            except ParseError:
                continue
            for token in info.token_ids:
                outcome = info.outcome_of(token)
                if outcome:
                    self.known[token] = [info.condition_id, outcome]
        cached = self.known.get(token_id)
        if cached is None:
            raise TokenUnknown(f"token {token_id}: Gamma knows no market with its outcome")
        return str(cached[0]), str(cached[1])
