"""Limitless's venue spec: EIP-712 orders on Base, scoped HMAC tokens, keys from the mapping
handed in (``reference/limitless.md``; ARCHITECTURE.md, "The Limitless venue")."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from adapters.limitless.config import KEY_VARIABLE
from adapters.limitless.health import limitless_health
from adapters.venues.spec import Credential, InstrumentRules, LiveVenue, VenueSpec
from engine.ports import MarketData


def build(environ: Mapping[str, str]) -> LiveVenue | None:
    """The live venue and market data, or None without a key (config errors raise)."""
    from adapters.limitless.factory import limitless_from_env  # noqa: PLC0415 - eth-account

    built = limitless_from_env(environ)
    return None if built is None else LiveVenue(*built)


def public_books(environ: Mapping[str, str]) -> MarketData | None:
    """The live public order books, for paper trading without keys."""
    from adapters.limitless.factory import public_market_data  # noqa: PLC0415

    return public_market_data(environ)


SPEC = VenueSpec(
    name="limitless",
    instruments=InstrumentRules(
        market_ids=r"[a-z0-9][a-z0-9\-]*",
        outcome_ids=r"[0-9]+",
        describe="a market slug and a position id (decimal)",
        tick_size=Decimal("0.001"),
        size_step=Decimal("0.001"),
    ),
    key_variables=(KEY_VARIABLE,),
    credentials=(
        Credential(KEY_VARIABLE, secret=True, means="the signing wallet's key"),
        Credential("LIMITLESS_API_KEY", secret=False, required=True, means="the API token id"),
        Credential("LIMITLESS_API_SECRET", secret=True, required=True, means="base64 HMAC secret"),
        Credential("LIMITLESS_API_URL", secret=False, means="host override"),
        Credential("BASE_RPC_URL", secret=False, means="Base JSON-RPC"),
        Credential("LIMITLESS_CHAIN_ID", secret=False, means="8453 Base, 84532 Base Sepolia"),
        Credential("LIMITLESS_COLLATERAL_ADDRESS", secret=False, means="USDC override"),
        Credential("LIMITLESS_CONDITIONAL_TOKENS_ADDRESS", secret=False, means="CTF override"),
    ),
    build=build,
    health=limitless_health,
    public_books=public_books,
)
