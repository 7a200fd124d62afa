"""Limitless's ``tape health`` lines: configuration, the API token, USDC on Base and the
approvals a BUY and a SELL need, each named when missing.

A BUY needs ``USDC.approve(exchange)``; a SELL ``CTF.setApprovalForAll(exchange)`` and, on a
neg-risk market, ``CTF.setApprovalForAll(adapter)``. Exchanges are per market, so the checks
cover every exchange (and adapter) the active markets use.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from adapters.limitless.config import KEY_VARIABLE
from adapters.venues.spec import Check, HealthLine
from engine.values import dec_str

if TYPE_CHECKING:
    from web3 import Web3

    from adapters.limitless.client import LimitlessClient
    from adapters.limitless.config import LimitlessConfig


def connect_rpc(url: str) -> Web3:
    """A web3 client of the Base JSON-RPC at ``url``."""
    from web3 import Web3  # noqa: PLC0415 - slow import

    return Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 10}))


def limitless_health(
    environ: Mapping[str, str], *, web3: Web3 | None = None, **probes: Any
) -> Iterator[HealthLine]:
    """Limitless's lines; ``web3`` replaces the Base RPC client in tests."""
    if not environ.get(KEY_VARIABLE):
        yield "  limitless: no key: trading on paper"
        return
    from adapters.limitless.client import LimitlessClient  # noqa: PLC0415
    from adapters.limitless.config import LimitlessConfigError, config_from_env  # noqa: PLC0415

    try:
        config = config_from_env(environ)
    except LimitlessConfigError as error:
        yield Check("limitless config", False, f"limitless: {error}")
        return
    if config is None:
        return
    yield "  limitless: live (EIP-712 orders on Base)"
    for line in config.describe():
        yield f"    {line}"
    client = LimitlessClient(
        config.api_url, config.api_key, config.api_secret, timeout_s=config.timeout_s
    )
    try:
        yield from _api_checks(client)
        spenders = _spenders(client)
    finally:
        client.close()
    yield from _chain_checks(config, web3 or connect_rpc(config.rpc_url), spenders)


def _api_checks(client: LimitlessClient) -> Iterator[HealthLine]:
    from adapters.limitless.client import LimitlessError  # noqa: PLC0415

    try:
        profile = client.request("GET", "/profiles/me")
        owner = profile.get("id") if isinstance(profile, dict) else None
        yield Check("limitless token", True, f"API token accepted (profile {owner})")
    except LimitlessError as error:
        yield Check("limitless token", False, f"API token refused by {client.base_url}: {error}")


def _spenders(client: LimitlessClient) -> list[tuple[str, str, bool]]:
    """(exchange, adapter or "", neg risk) of the active markets' venues."""
    from adapters.limitless.client import LimitlessError  # noqa: PLC0415

    try:
        answer = client.request(
            "GET", "/markets/active", params={"page": 1, "limit": 25}, signed=False
        )
    except LimitlessError:
        return []
    found: dict[str, tuple[str, str, bool]] = {}
    for row in answer.get("data", []) if isinstance(answer, dict) else []:
        venue = row.get("venue") if isinstance(row, dict) else None
        if isinstance(venue, dict) and venue.get("exchange"):
            adapter = str(venue.get("adapter") or "")
            found[str(venue["exchange"]).lower()] = (str(venue["exchange"]), adapter, bool(adapter))
    return sorted(found.values())


def _chain_checks(
    config: LimitlessConfig, w3: Web3, spenders: list[tuple[str, str, bool]]
) -> Iterator[HealthLine]:
    from adapters.ctf.chain import Collateral, OutcomeTokens  # noqa: PLC0415
    from adapters.ctf.eip712 import address_of  # noqa: PLC0415

    owner = address_of(config.key)
    yield f"chain ({config.rpc_url})"
    try:
        chain_id = int(w3.eth.chain_id)
        usdc = Collateral(w3, config.collateral)
        balance = usdc.balance(owner)
        ctf = OutcomeTokens(w3, config.conditional_tokens)
        rows = [
            (
                exchange,
                adapter,
                usdc.allowance(owner, exchange),
                ctf.approved_for_all(owner, exchange),
                ctf.approved_for_all(owner, adapter) if adapter else None,
            )
            for exchange, adapter, _ in spenders
        ]
    except Exception as error:  # web3 raises many kinds; each is a failed check
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        yield Check("base rpc", False, f"Base RPC {config.rpc_url} unreadable: {first}")
        return
    if chain_id != config.chain_id:
        yield Check(
            "chain id", False, f"BASE_RPC_URL is chain {chain_id}, expected {config.chain_id}"
        )
    shown = dec_str(balance.quantize(usdc.scale**-1))
    yield Check(
        "usdc balance",
        balance > 0,
        f"USDC balance of {owner} on Base is {shown}"
        + ("" if balance > 0 else "; buying will fail"),
    )
    if not rows:
        yield Check("approvals", False, "no active market's exchange could be read", fatal=False)
    for exchange, adapter, allowance, exchange_ok, adapter_ok in rows:
        yield Check(
            f"BUY approval {exchange}",
            allowance > 0,
            f"USDC.approve({exchange}) "
            + ("is set" if allowance > 0 else "is missing: buying on its markets will fail"),
        )
        yield Check(
            f"SELL approval {exchange}",
            exchange_ok is not False,
            f"CTF.setApprovalForAll({exchange}) "
            + ("is set" if exchange_ok else "is missing: selling on its markets will fail"),
        )
        if adapter:
            yield Check(
                f"SELL approval neg-risk adapter {adapter}",
                adapter_ok is not False,
                f"CTF.setApprovalForAll({adapter}) (neg-risk adapter) "
                + ("is set" if adapter_ok else "is missing: selling on neg-risk markets will fail"),
            )
