"""The Polymarket venue: CLOB V2 orders and fills, Gamma market data, Polygon chain reads.

The pieces, each replaceable on its own:

- :mod:`.config`: configuration from the environment (keys as :class:`engine.secrets.Secret`).
- :mod:`.amounts`: prices and sizes to integer micro-units on the market's grids (Decimal only).
- :mod:`.exchange`: the ``ExchangeClient`` boundary; :mod:`.clob_client`: it on py-clob-client-v2.
- :mod:`.venue`: :class:`PolymarketVenue`, the ``engine.ports.VenuePort``; :mod:`.preflight`
  (checks before sending) and :mod:`.tracked` (orders sent, read back) serve it.
- :mod:`.market_data`: :class:`PolymarketMarketData`, the ``engine.ports.MarketData``.
- :mod:`.chain`: collateral balance and allowances with web3, for ``tape health``.
- :mod:`.factory`: :func:`polymarket_from_env`, the live adapter from the mapping handed in.
- :mod:`.spec`: its ``VenueSpec`` (the venue registry reads it); :mod:`.health`: its checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adapters.polymarket.market_data import PolymarketMarketData
    from adapters.polymarket.venue import PolymarketVenue


KEY_VARIABLES = ("POLYMARKET_PRIVATE_KEY", "POLYMARKET_KEYSTORE")


def polymarket_from_env(
    environ: Mapping[str, str],
) -> tuple[PolymarketVenue, PolymarketMarketData] | None:
    """The live venue and market data, or None without a key (see :mod:`.factory`).

    Importing this package is cheap: web3, eth-account and the CLOB client load only when a
    key is configured.
    """
    if not any(environ.get(name) for name in KEY_VARIABLES):
        return None  # paper: web3 and the CLOB client are not even imported
    from adapters.polymarket.factory import polymarket_from_env as build  # noqa: PLC0415

    return build(environ)


__all__ = ["polymarket_from_env"]
