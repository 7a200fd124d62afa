"""Kalshi's fee schedule per series (``reference/kalshi.md`` §7): a market's series is found
through its event (``GET /events/{event_ticker}`` -> ``series_ticker``), and the series says its
``fee_type`` and ``fee_multiplier`` (``GET /series/{series_ticker}``). Read once per series and
kept: a schedule changes rarely, and a paper fill must not wait on three requests."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters.kalshi.books import split_token
from adapters.kalshi.client import KalshiClient, KalshiError

log = logging.getLogger(__name__)

WITH_MAKER_FEES = "quadratic_with_maker_fees"


@dataclass(frozen=True)
class FeeSchedule:
    """One series' fees: the taker fee's multiplier, and whether makers pay too."""

    multiplier: Decimal = Decimal(1)
    fee_type: str = "quadratic"

    @property
    def maker_pays(self) -> bool:
        """Whether resting orders pay the maker fee on this series."""
        return self.fee_type == WITH_MAKER_FEES


DEFAULT = FeeSchedule()


def _multiplier(raw: Any) -> Decimal:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise ValueError(f"fee_multiplier {raw!r} is not a number") from None
    if not value.is_finite() or value < 0 or value > 100:
        raise ValueError("fee_multiplier is out of range")
    return value


class SeriesFees:
    """The fee schedule of each market's series, read from Kalshi's public endpoints."""

    def __init__(self, client: KalshiClient) -> None:
        self.client = client
        self._series_of: dict[str, str] = {}  # market ticker -> series ticker
        self._schedules: dict[str, FeeSchedule] = {}  # series ticker -> schedule

    def of_token(self, token_id: str) -> FeeSchedule:
        """The schedule of the market a ``<ticker>:yes|no`` token belongs to; the default
        (multiplier 1, no maker fee) when Kalshi's answers cannot be read."""
        ticker, _ = split_token(token_id)
        try:
            return self.of_market(ticker)
        except (KalshiError, ValueError, KeyError, TypeError) as error:
            log.warning("kalshi fee schedule of %s not read: %s", ticker, error)
            return DEFAULT

    def of_market(self, ticker: str) -> FeeSchedule:
        """The schedule of a market's series (raises when an answer cannot be read)."""
        series = self._series_of.get(ticker)
        if series is None:
            market = self.client.get(f"/markets/{ticker}")["market"]
            event = self.client.get(f"/events/{market['event_ticker']}")["event"]
            series = str(event["series_ticker"])
            self._series_of[ticker] = series
        schedule = self._schedules.get(series)
        if schedule is None:
            body = self.client.get(f"/series/{series}")["series"]
            schedule = FeeSchedule(
                multiplier=_multiplier(body.get("fee_multiplier", 1)),
                fee_type=str(body.get("fee_type") or "quadratic"),
            )
            self._schedules[series] = schedule
        return schedule
