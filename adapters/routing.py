"""Venues by name: the live adapters that have credentials, paper for every other venue."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from engine.ports import MarketData, VenuePort
from engine.values import Book


class RoutedVenues(dict[str, Any]):
    """The engine's venues and market data: a live venue where one is wired, else paper."""

    def __init__(
        self, paper: Any, live: Mapping[str, tuple[VenuePort, MarketData]] | None = None
    ) -> None:
        super().__init__()
        self.paper = paper
        self.live = dict(live or {})
        for name, (venue, _) in self.live.items():
            self[name] = venue

    def __missing__(self, name: str) -> Any:
        return self.paper[name]

    def get(self, name: str, default: Any = None) -> Any:
        """The venue of that name (paper unless live)."""
        return self[name]

    def book(
        self, venue: str, token_id: str, *, at: datetime | None = None, account: str = ""
    ) -> Book | None:
        """The book of a token from the venue's own market data, as the account sees it
        (MarketData port; live venues show every account the same book)."""
        if venue in self.live:
            return self.live[venue][1].book(venue, token_id, at=at, account=account)
        book: Book | None = self.paper.book(venue, token_id, at=at, account=account)
        return book
