"""Polymarket's venue spec: CLOB V2 orders on Polygon, keys from the mapping handed in; without
a key, paper orders fill against Polymarket's live public books (``public_books``)."""

from __future__ import annotations

from collections.abc import Mapping

from adapters.polymarket import KEY_VARIABLES, polymarket_from_env
from adapters.polymarket.health import polymarket_health
from adapters.venues.spec import Credential, InstrumentRules, LiveVenue, VenueSpec
from engine.ports import MarketData


def build(environ: Mapping[str, str]) -> LiveVenue | None:
    """The live venue and market data, or None without a key (config errors raise)."""
    built = polymarket_from_env(environ)
    return None if built is None else LiveVenue(*built)


def public_books(environ: Mapping[str, str]) -> MarketData | None:
    """Polymarket's public books (Gamma and the CLOB's /book, no key needed)."""
    from adapters.polymarket.public_books import public_market_data  # noqa: PLC0415

    return public_market_data(environ)


SPEC = VenueSpec(
    name="polymarket",
    instruments=InstrumentRules(
        market_ids=r"0x[0-9a-fA-F]+",
        outcome_ids=r"[0-9]+",
        describe="a condition id (0x...) and a CLOB token id (decimal)",
    ),
    key_variables=KEY_VARIABLES,
    credentials=(
        Credential("POLYMARKET_PRIVATE_KEY", secret=True, means="the signing key (hex)"),
        Credential("POLYMARKET_KEYSTORE", secret=False, means="or an encrypted keystore file"),
        Credential("POLYMARKET_KEYSTORE_PASSWORD", secret=True, means="the keystore's password"),
        Credential("POLYMARKET_FUNDER", secret=False, means="the address holding the funds"),
        Credential("POLYMARKET_SIGNATURE_TYPE", secret=False, means="0 EOA, 1 proxy, 2 Safe"),
        Credential("POLYMARKET_API_KEY", secret=False, means="existing L2 key"),
        Credential("POLYMARKET_API_SECRET", secret=True, means="existing L2 secret"),
        Credential("POLYMARKET_API_PASSPHRASE", secret=True, means="existing L2 passphrase"),
        Credential("POLYMARKET_CLOB_URL", secret=False, means="host override"),
        Credential("POLYMARKET_GAMMA_URL", secret=False, means="host override"),
        Credential("POLYGON_RPC_URL", secret=False, means="Polygon JSON-RPC"),
    ),
    build=build,
    health=polymarket_health,
    public_books=public_books,
)
