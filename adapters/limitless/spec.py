"""Limitless's venue spec: instruments and keys are declared; no live adapter yet (paper).

See ``/work/shared/reference/limitless.md``: orders are signed per market against that
market's exchange contract; API requests carry an HMAC of a scoped key; tick 0.001.
"""

from __future__ import annotations

from decimal import Decimal

from adapters.venues.spec import Credential, InstrumentRules, VenueSpec

SPEC = VenueSpec(
    name="limitless",
    instruments=InstrumentRules(
        market_ids=r"[a-z0-9][a-z0-9\-]*",
        outcome_ids=r"[0-9]+",
        describe="a market slug and a position id (decimal)",
        tick_size=Decimal("0.001"),
        size_step=Decimal("0.001"),
    ),
    key_variables=("LIMITLESS_PRIVATE_KEY",),
    credentials=(
        Credential("LIMITLESS_PRIVATE_KEY", secret=True, means="the signing wallet's key"),
        Credential("LIMITLESS_API_KEY", secret=False, required=True, means="the API token id"),
        Credential("LIMITLESS_API_SECRET", secret=True, required=True, means="base64 HMAC secret"),
        Credential("LIMITLESS_API_URL", secret=False, means="host override"),
        Credential("BASE_RPC_URL", secret=False, means="Base JSON-RPC"),
    ),
)
