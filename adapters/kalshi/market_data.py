"""``KalshiMarketData``: Kalshi's public books (no key needed) and settlement results."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from adapters.kalshi.books import VENUE, BadAnswer, leg_book, split_token, winning_token
from adapters.kalshi.client import KalshiClient, KalshiError, KalshiHTTPError
from adapters.kalshi.fees import KalshiFee
from adapters.kalshi.series import SeriesFees
from engine.values import Book

log = logging.getLogger(__name__)


def _wall() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """RFC 3339 UTC text of a moment, as books carry it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class KalshiMarketData:
    """``engine.ports.MarketData`` on ``GET /markets/{ticker}`` and its ``/orderbook``.

    A book is read fresh at every call (the market's status with it, so a closed market is
    seen at once). Its ``at`` is the engine's time when given (the moment of the decision),
    else the wall clock's. A market Kalshi does not know, or an answer that cannot be read,
    gives None: no trading on a market whose state is unknown.
    """

    def __init__(self, client: KalshiClient, *, now: Callable[[], datetime] = _wall) -> None:
        self.client = client
        self.now = now
        self.series = SeriesFees(client)

    def fee_model(self) -> KalshiFee:
        """Kalshi's taker fee at the multiplier of each token's series (read once per series)."""
        return KalshiFee(schedule=lambda token_id: self.series.of_token(token_id).multiplier)

    def market(self, ticker: str) -> dict[str, Any] | None:
        """The market object, or None when Kalshi has no such ticker."""
        try:
            answer = self.client.get(f"/markets/{ticker}")
        except KalshiHTTPError as error:
            if error.status == 404:
                return None
            raise
        market = answer.get("market") if isinstance(answer, dict) else None
        if not isinstance(market, dict):
            raise BadAnswer(f"GET /markets/{ticker} has no market object")
        return market

    def book(
        self, venue: str, token_id: str, *, at: datetime | None = None, account: str = ""
    ) -> Book | None:
        """The leg's book now, best first; None for another venue, an unknown market or an
        answer that cannot be read."""
        if venue != VENUE:
            return None
        try:
            ticker, _ = split_token(token_id)
            market = self.market(ticker)
            if market is None:
                return None
            orderbook = self.client.get(f"/markets/{ticker}/orderbook", {"depth": "0"})
            return leg_book(market, orderbook, token_id, at=stamp(at or self.now()))
        except (KalshiError, BadAnswer, ValueError) as error:
            log.warning("kalshi book of %s not read: %s", token_id, error)
            return None

    def resolution(self, ticker: str) -> str | None:
        """The winning token id of a settled market (``<ticker>:yes``/``:no``), else None."""
        market = self.market(ticker)
        return None if market is None else winning_token(market)
