"""The public data discovery reads: the leaderboard (``/v1/leaderboard``, paged within its
limits) and each candidate's closed positions, activity (trades, redeems, rewards) and trades
with maker fills (``/trades?takerOnly=false``; the taker-only answer tells which are maker).

Every request waits for a token of its family (the Data API's published limits:
``/trades`` 200 and ``/positions`` 150 per 10 s, the rest 1000), retries 429 and 5xx with
backoff (``adapters.polymarket_data.client``), and is answered from the disk cache when a
young enough copy is there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.discovery.cache import DiskCache
from adapters.polymarket.ratelimit import RateLimiter
from adapters.polymarket_data.client import DataApiClient, DataApiError

DATA_API_LIMITS: dict[str, tuple[int, float]] = {
    "trades": (200, 10.0),
    "positions": (150, 10.0),
    "other": (1000, 10.0),
}
BOARD_PAGE = 50  # the leaderboard's largest page
BOARD_OFFSET_CAP = 1000  # its largest offset
CLOSED_PAGE = 50
ACTIVITY_PAGE = 500
ACTIVITY_OFFSET_CAP = 5000
WINDOWS = ("DAY", "WEEK", "MONTH", "ALL")
CATEGORIES = (
    "OVERALL",
    "POLITICS",
    "SPORTS",
    "CRYPTO",
    "CULTURE",
    "MENTIONS",
    "WEATHER",
    "ECONOMICS",
    "TECH",
    "FINANCE",
)


class DiscoveryClient:
    """Reads the leaderboard and wallets' histories through a limiter and a cache."""

    def __init__(
        self,
        data: DataApiClient,
        *,
        limiter: RateLimiter | None = None,
        cache: DiskCache | None = None,
    ) -> None:
        self.data = data
        self.limiter = limiter or RateLimiter(DATA_API_LIMITS)
        self.cache = cache
        self.requests = 0

    def get(self, path: str, params: Mapping[str, Any], family: str = "other") -> list[Any]:
        """One answer: from the cache, else from the API (after a token of ``family``)."""
        if self.cache is not None:
            found = self.cache.get(path, params)
            if found is not None:
                return list(found)
        self.limiter.acquire(family)
        self.requests += 1
        answer = self.data.get_list(path, params)
        if self.cache is not None:
            self.cache.put(path, params, answer)
        return answer

    def leaderboard(
        self, *, window: str, category: str, order_by: str = "PNL", limit: int = 50
    ) -> list[dict[str, Any]]:
        """The board's first ``limit`` rows (pages of 50, offsets up to 1000)."""
        rows: list[dict[str, Any]] = []
        offset = 0
        while len(rows) < limit and offset <= BOARD_OFFSET_CAP:
            size = min(BOARD_PAGE, limit - len(rows))
            page = self.get(
                "/v1/leaderboard",
                {
                    "timePeriod": window,
                    "category": category,
                    "orderBy": order_by,
                    "limit": size,
                    "offset": offset,
                },
            )
            rows += page
            if len(page) < size:
                break
            offset += size
        return rows[:limit]

    def closed_positions(self, user: str, *, most: int = 1000) -> list[dict[str, Any]]:
        """The wallet's closed positions, newest first, up to ``most``."""
        return self._paged(
            "/closed-positions",
            {"user": user, "sortBy": "TIMESTAMP", "sortDirection": "DESC"},
            CLOSED_PAGE,
            most,
            "positions",
        )

    def activity(self, user: str, *, most: int = 5000) -> list[dict[str, Any]]:
        """The wallet's activity (trades, redeems, rewards...), newest first."""
        return self._paged("/activity", {"user": user}, ACTIVITY_PAGE, most, "other")

    def trades(self, user: str, *, taker_only: bool, most: int = 5000) -> list[dict[str, Any]]:
        """The wallet's trades: with its maker fills (``taker_only=False``) or without."""
        return self._paged(
            "/trades",
            {"user": user, "takerOnly": "true" if taker_only else "false"},
            ACTIVITY_PAGE,
            most,
            "trades",
        )

    def _paged(
        self, path: str, params: Mapping[str, Any], page_size: int, most: int, family: str
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        offset = 0
        while len(rows) < most and offset <= ACTIVITY_OFFSET_CAP:
            page = self.get(path, {**params, "limit": page_size, "offset": offset}, family)
            if not all(isinstance(r, dict) for r in page):
                raise DataApiError(f"{path} answered something that is not a list of objects")
            rows += page
            if len(page) < page_size:
                break
            offset += page_size
        return rows[:most]
