"""The venues Tape trades on: one line per venue package, each with a ``spec`` module.

To add a venue, copy ``adapters/venue_template/`` and add its package here (ARCHITECTURE.md,
"How to add a venue").
"""

VENUE_PACKAGES: tuple[str, ...] = (
    "adapters.paper",
    "adapters.polymarket",
    "adapters.kalshi",
    "adapters.limitless",
)

from adapters.venues.registry import (  # noqa: E402 - the registry reads VENUE_PACKAGES
    UnknownVenueError,
    market_venues,
    venue_spec,
    venue_specs,
)
from adapters.venues.spec import LiveVenue, VenueSpec  # noqa: E402
from adapters.venues.wiring import WiredVenues, wire_venues  # noqa: E402

__all__ = [
    "VENUE_PACKAGES",
    "LiveVenue",
    "UnknownVenueError",
    "VenueSpec",
    "WiredVenues",
    "market_venues",
    "venue_spec",
    "venue_specs",
    "wire_venues",
]
