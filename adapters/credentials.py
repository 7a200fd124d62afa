"""Venue credentials from the environment, held as Secrets from the moment they are read."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from engine.secrets import Secret

# venue -> the variables that hold its signing key (the first one set is used)
KEY_VARIABLES: dict[str, tuple[str, ...]] = {
    "polymarket": ("POLYMARKET_PRIVATE_KEY",),
    "kalshi": ("KALSHI_PRIVATE_KEY",),
    "limitless": ("LIMITLESS_PRIVATE_KEY",),
}


@dataclass(frozen=True)
class VenueCredentials:
    """The signing key of one venue."""

    venue: str
    key: Secret


def credentials_from_env(environ: Mapping[str, str] | None = None) -> dict[str, VenueCredentials]:
    """The venues whose keys are in the environment."""
    env = os.environ if environ is None else environ
    found = {}
    for venue, names in KEY_VARIABLES.items():
        for name in names:
            if env.get(name):
                found[venue] = VenueCredentials(venue, Secret(name, env[name]))
                break
    return found


def venue_modes(
    environ: Mapping[str, str] | None = None,
    *,
    live: set[str] | None = None,
    paper_only: bool = False,
) -> list[str]:
    """One line per venue saying how Tape trades there, for the run summary and health."""
    creds = credentials_from_env(environ)
    live = live or set()
    lines = []
    for venue in sorted(KEY_VARIABLES):
        if venue in live:
            lines.append(f"{venue}: live ({creds[venue].key.name} is set)")
        elif venue in creds and paper_only:
            lines.append(f"{venue}: {creds[venue].key.name} is set, but paper only was asked")
        elif venue in creds:
            lines.append(
                f"{venue}: {creds[venue].key.name} is set, but the live {venue} adapter is not "
                "built yet: trading on paper"
            )
        else:
            lines.append(f"{venue}: no key: trading on paper")
    return lines
