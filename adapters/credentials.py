"""Venue credentials from the mapping handed in, held as Secrets from the moment they are read.

Which variables hold a venue's key is the venue's own declaration (``VenueSpec.key_variables``
in the registry); this module only reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from adapters.venues.registry import market_venues
from engine.secrets import Secret


def key_variables() -> dict[str, tuple[str, ...]]:
    """venue -> the variables that hold its signing key (the first one set is used)."""
    return {spec.name: spec.key_variables for spec in market_venues()}


@dataclass(frozen=True)
class VenueCredentials:
    """The signing key of one venue."""

    venue: str
    key: Secret


def credentials_from_env(environ: Mapping[str, str]) -> dict[str, VenueCredentials]:
    """The venues whose keys are in ``environ``."""
    found = {}
    for spec in market_venues():
        name = spec.key_in(environ)
        if name is not None:
            found[spec.name] = VenueCredentials(spec.name, Secret(name, environ[name]))
    return found


def venue_modes(
    environ: Mapping[str, str],
    *,
    live: set[str] | None = None,
    paper_only: bool = False,
) -> list[str]:
    """One line per venue saying how Tape trades there, for the run summary and health."""
    return [
        venue_mode(spec.name, environ, live=live, paper_only=paper_only) for spec in market_venues()
    ]


def venue_mode(
    venue: str,
    environ: Mapping[str, str],
    *,
    live: set[str] | None = None,
    paper_only: bool = False,
) -> str:
    """The line saying how Tape trades on one venue."""
    creds = credentials_from_env(environ).get(venue)
    if venue in (live or set()):
        return f"{venue}: live ({creds.key.name} is set)" if creds else f"{venue}: live"
    if creds is not None and paper_only:
        return f"{venue}: {creds.key.name} is set, but paper only was asked"
    if creds is not None:
        return (
            f"{venue}: {creds.key.name} is set, but the live {venue} adapter is not "
            "built yet: trading on paper"
        )
    return f"{venue}: no key: trading on paper"
