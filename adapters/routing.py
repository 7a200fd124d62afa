"""Venues by name: the live adapters that were built, paper for every other registered venue.

A name no venue package registered is an :class:`~adapters.venues.registry.UnknownVenueError`
(``get`` answers None, which the engine records as a NO_VENUE rejection).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from adapters.venues.registry import UnknownVenueError, market_venue_names
from adapters.venues.spec import LiveVenue
from engine.ports import VenuePort
from engine.values import Book


class RoutedVenues(Mapping[str, VenuePort]):
    """The engine's venues and market data: a live venue where one is wired, else paper."""

    def __init__(
        self,
        paper: Any,
        live: Mapping[str, LiveVenue] | None = None,
        *,
        names: frozenset[str] | None = None,
    ) -> None:
        self.paper = paper
        self.live = dict(live or {})
        self.names = (market_venue_names() if names is None else names) | set(self.live)

    def __getitem__(self, name: str) -> VenuePort:
        if name in self.live:
            return self.live[name].venue
        if name in self.names:
            venue: VenuePort = self.paper[name]
            return venue
        raise UnknownVenueError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.names))

    def __len__(self) -> int:
        return len(self.names)

    def book(
        self, venue: str, token_id: str, *, at: datetime | None = None, account: str = ""
    ) -> Book | None:
        """The book of a token from the venue's own market data, as the account sees it
        (MarketData port; live venues show every account the same book; None for a venue
        that is not registered)."""
        if venue in self.live:
            return self.live[venue].market_data.book(venue, token_id, at=at, account=account)
        if venue not in self.names:
            return None
        book: Book | None = self.paper.book(venue, token_id, at=at, account=account)
        return book
