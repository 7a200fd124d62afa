"""Kalshi's venue spec: instruments and keys are declared; no live adapter yet (paper).

See ``/work/shared/reference/kalshi.md``: client order ids are idempotent (a duplicate is a
409), requests are signed with an RSA key (PEM text or a file) and its key id.
"""

from __future__ import annotations

from adapters.venues.spec import Credential, InstrumentRules, VenueSpec

SPEC = VenueSpec(
    name="kalshi",
    instruments=InstrumentRules(
        market_ids=r"[A-Z0-9][A-Z0-9.\-]*",
        outcome_ids=r"[A-Z0-9][A-Z0-9.\-]*:(yes|no)",
        describe="a market ticker (KXFED-26DEC-T4.25) and <ticker>:yes or <ticker>:no",
    ),
    key_variables=("KALSHI_PRIVATE_KEY", "KALSHI_PRIVATE_KEY_PATH"),
    credentials=(
        Credential("KALSHI_API_KEY_ID", secret=False, required=True, means="the key id (UUID)"),
        Credential("KALSHI_PRIVATE_KEY", secret=True, means="the RSA private key, PEM text"),
        Credential("KALSHI_PRIVATE_KEY_PATH", secret=False, means="or the PEM file's path"),
        Credential("KALSHI_API_URL", secret=False, means="host, ending in /trade-api/v2"),
    ),
)
