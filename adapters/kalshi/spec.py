"""Kalshi's venue spec: V2 orders signed with the key of the mapping handed in; without a key,
paper orders fill against Kalshi's live public books (``public_books``).

Kalshi's Trade API V2 (README, "Trading live on Kalshi"): client order ids are idempotent (a
duplicate is a 409), requests are signed with an RSA (or Ed25519) key, PEM text or a file, and
its key id.
"""

from __future__ import annotations

from collections.abc import Mapping

from adapters.kalshi.config import KEY_VARIABLES
from adapters.kalshi.fees import KALSHI_FEE
from adapters.kalshi.health import kalshi_health
from adapters.venues.spec import Credential, InstrumentRules, LiveVenue, VenueSpec
from engine.ports import MarketData


def build(environ: Mapping[str, str]) -> LiveVenue | None:
    """The live venue and market data, or None without a key (config errors raise)."""
    from adapters.kalshi.factory import kalshi_from_env  # noqa: PLC0415 - httpx, cryptography

    built = kalshi_from_env(environ)
    return None if built is None else LiveVenue(*built)


def public_books(environ: Mapping[str, str]) -> MarketData | None:
    """Kalshi's public books (no key needed), at ``KALSHI_API_URL`` or production."""
    from adapters.kalshi.factory import public_market_data  # noqa: PLC0415

    return public_market_data(environ)


SPEC = VenueSpec(
    name="kalshi",
    instruments=InstrumentRules(
        market_ids=r"[A-Z0-9][A-Z0-9.\-]*",
        outcome_ids=r"[A-Z0-9][A-Z0-9.\-]*:(yes|no)",
        describe="a market ticker (KXFED-26DEC-T4.25) and <ticker>:yes or <ticker>:no",
    ),
    key_variables=KEY_VARIABLES,
    credentials=(
        Credential("KALSHI_API_KEY_ID", secret=False, required=True, means="the key id (UUID)"),
        Credential("KALSHI_PRIVATE_KEY", secret=True, means="the private key, PEM text"),
        Credential("KALSHI_PRIVATE_KEY_PATH", secret=False, means="or the PEM file's path"),
        Credential("KALSHI_API_URL", secret=False, means="host, ending in /trade-api/v2"),
        Credential("KALSHI_TIMEOUT_S", secret=False, means="HTTP timeout (default 10 s)"),
        Credential("KALSHI_STATE_DIR", secret=False, means="the order journal's folder"),
    ),
    build=build,
    fee_model=KALSHI_FEE,
    health=kalshi_health,
    public_books=public_books,
)
