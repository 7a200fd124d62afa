"""Venues by name, made on first use, for registered venue names only."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TypeVar

from adapters.venues.registry import UnknownVenueError, market_venue_names

V = TypeVar("V")


class RegisteredVenues(Mapping[str, V]):
    """One venue object per registered venue, made on first use by :meth:`make`; a name no
    venue package registered raises :class:`UnknownVenueError` (``get`` answers None)."""

    def __init__(self) -> None:
        self._made: dict[str, V] = {}

    def make(self, name: str) -> V:
        """A new venue object for a registered venue name."""
        raise NotImplementedError

    def knows(self, name: str) -> bool:
        """Whether ``name`` is a registered venue."""
        return name in self._made or name in market_venue_names()

    def __getitem__(self, name: str) -> V:
        venue = self._made.get(name)
        if venue is None:
            if not self.knows(name):
                raise UnknownVenueError(name)
            venue = self._made[name] = self.make(name)
        return venue

    def __iter__(self) -> Iterator[str]:
        return iter(self._made)

    def __len__(self) -> int:
        return len(self._made)
