"""Polymarket's ``tape health`` checks: configuration, CLOB, API credentials, Gamma, chain."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from adapters.polymarket import KEY_VARIABLES
from adapters.venues.spec import Check, HealthLine
from engine.values import dec_str

if TYPE_CHECKING:  # web3 and the CLOB client are slow to import: only when a key is set
    from web3 import Web3

    from adapters.polymarket.config import PolymarketConfig
    from adapters.polymarket.exchange import ExchangeClient


def connect_rpc(url: str) -> Web3:
    """A web3 client of the Polygon JSON-RPC at ``url``."""
    from web3 import Web3  # noqa: PLC0415 - slow import

    return Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 10}))


def polymarket_health(
    environ: Mapping[str, str],
    *,
    web3: Web3 | None = None,
    exchange_factory: Callable[[PolymarketConfig], ExchangeClient] | None = None,
    **_probes: Any,  # other parts' probes (the Data API's)
) -> Iterator[HealthLine]:
    """Polymarket's lines; ``web3`` and ``exchange_factory`` replace the real ones in tests."""
    if not any(environ.get(name) for name in KEY_VARIABLES):
        yield f"  polymarket: no key ({' or '.join(KEY_VARIABLES)}): trading on paper"
        clob = environ.get("POLYMARKET_CLOB_URL", "").strip() or "https://clob.polymarket.com"
        yield f"    paper orders fill against Polymarket's live public books at {clob}"
        return
    from adapters.polymarket.config import PolymarketConfigError, config_from_env  # noqa: PLC0415

    try:
        config = config_from_env(environ)
    except PolymarketConfigError as error:
        yield Check("polymarket config", False, f"polymarket: {error}")
        return
    if config is None:
        yield f"  polymarket: no key ({' or '.join(KEY_VARIABLES)}): trading on paper"
        return
    yield "  polymarket: live (CLOB V2)"
    for line in config.describe():
        yield f"    {line}"
    if exchange_factory is None:
        from adapters.polymarket.clob_client import ClobV2ExchangeClient  # noqa: PLC0415

        exchange_factory = ClobV2ExchangeClient
    yield from _venue_checks(config, exchange_factory(config), web3)


def _venue_checks(
    config: PolymarketConfig, exchange: ExchangeClient, web3: Web3 | None
) -> Iterator[HealthLine]:
    from adapters.polymarket.exchange import ExchangeError  # noqa: PLC0415
    from adapters.polymarket.market_data import GammaClient  # noqa: PLC0415

    try:
        exchange.get_ok()
        yield Check("clob", True, f"CLOB {config.clob_url} reachable")
    except ExchangeError as error:
        yield Check("clob", False, f"CLOB {config.clob_url} unreachable: {error}")
        return
    try:
        exchange.ensure_credentials()
        yield Check("auth", True, "API credentials accepted (L1 signature, L2 HMAC)")
        balance = exchange.get_balance_allowance().get("balance")
        if isinstance(balance, str) and balance.isdigit():
            shown = dec_str(Decimal(balance) / Decimal(1_000_000))
            yield f"  the CLOB sees a collateral balance of {shown} pUSD"
    except ExchangeError as error:
        yield Check("auth", False, f"API credentials refused by the CLOB: {error}")
    gamma = GammaClient(config.gamma_url, timeout_s=config.timeout_s)
    try:
        gamma.get("/markets", {"limit": "1"})
        yield Check("gamma", True, f"Gamma {config.gamma_url} reachable")
    except ExchangeError as error:
        yield Check("gamma", False, f"Gamma {config.gamma_url} unreachable: {error}")
    yield from _chain_checks(config, web3)


def _chain_checks(config: PolymarketConfig, web3: Web3 | None) -> Iterator[HealthLine]:
    from adapters.polymarket.chain import chain_checks, read_chain_state  # noqa: PLC0415
    from adapters.polymarket.errors import error_message  # noqa: PLC0415

    yield f"chain ({config.rpc_url})"
    w3 = web3 or connect_rpc(config.rpc_url)
    try:
        state = read_chain_state(w3, config.contracts, config.funder, signer=config.signer_address)
    except Exception as error:  # web3 raises many kinds; each is a failed check
        message = error_message(str(error)).splitlines()[0] if str(error) else type(error).__name__
        yield Check("chain", False, f"Polygon RPC {config.rpc_url} unreadable: {message}")
        return
    yield from chain_checks(state, expected_chain_id=config.chain_id)
    if state.gas_balance is not None:
        yield f"  signer {config.signer_address} holds {state.gas_balance:f} POL for gas"
