"""The registry: every venue package's :class:`~adapters.venues.spec.VenueSpec`, by name.

Specs are loaded on first use from ``adapters.venues.VENUE_PACKAGES`` (``<package>.spec``,
attribute ``SPEC``), so importing the registry imports no venue's client library.
"""

from __future__ import annotations

import importlib

from adapters.venues.spec import VenueSpec


class UnknownVenueError(KeyError):
    """No venue of that name is registered."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"no venue {self.name!r} is registered (adapters/venues/__init__.py)"


_loaded: dict[str, VenueSpec] = {}


def venue_specs() -> tuple[VenueSpec, ...]:
    """Every registered venue, in the order the packages are listed."""
    if not _loaded:
        from adapters.venues import VENUE_PACKAGES  # noqa: PLC0415 - the listing imports us

        for package in VENUE_PACKAGES:
            spec: VenueSpec = importlib.import_module(f"{package}.spec").SPEC
            _loaded[spec.name] = spec
    return tuple(_loaded.values())


def market_venues() -> tuple[VenueSpec, ...]:
    """The venues intents can name (every venue but the paper simulator), by name."""
    return tuple(sorted((s for s in venue_specs() if not s.simulator), key=lambda s: s.name))


def market_venue_names() -> frozenset[str]:
    """The names intents can use as ``venue``."""
    return frozenset(spec.name for spec in market_venues())


def venue_spec(name: str) -> VenueSpec:
    """The spec of a registered venue; raises :class:`UnknownVenueError`."""
    for spec in venue_specs():
        if spec.name == name:
            return spec
    raise UnknownVenueError(name)
