"""``tape health``: configuration, store, venue reachability, balances and allowances.

Each check prints one line (``ok``, ``FAIL`` or ``warn``) that says exactly what is missing;
the command exits 1 when a check fails. Without a Polymarket key it checks the store and says
that Polymarket trades on paper.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import click

from adapters.credentials import venue_modes
from adapters.polymarket.chain import Check, chain_checks, read_chain_state
from adapters.polymarket.config import PolymarketConfig, PolymarketConfigError, config_from_env
from adapters.polymarket.errors import error_message
from adapters.storage import StorageConfigError, storage_from_env
from engine.values import dec_str

if TYPE_CHECKING:  # web3 and the CLOB client are slow to import: only when a key is set
    from web3 import Web3

    from adapters.polymarket.exchange import ExchangeClient


@dataclass
class HealthReport:
    """The lines to print and the checks that ran."""

    lines: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    def add(self, check: Check) -> None:
        """Record a check and its line."""
        self.checks.append(check)
        mark = "ok  " if check.ok and check.fatal else ("warn" if check.ok else "FAIL")
        self.lines.append(f"  [{mark}] {check.message}")

    def say(self, line: str) -> None:
        """A line of information."""
        self.lines.append(line)

    @property
    def failed(self) -> list[Check]:
        """The checks that failed."""
        return [c for c in self.checks if not c.ok]


def _store_checks(environ: Mapping[str, str], report: HealthReport) -> None:
    report.say("store")
    try:
        storage = storage_from_env(dict(environ))
    except (StorageConfigError, OSError) as error:
        report.add(Check("store", False, f"store unusable: {error}"))
        return
    if storage.kind == "sqlite":
        folder = Path(storage.location).parent
        writable = os.access(folder, os.W_OK)
        state = "exists" if Path(storage.location).exists() else "will be created"
        report.add(
            Check(
                "store",
                writable,
                f"sqlite {storage.location} ({state})"
                if writable
                else f"sqlite {storage.location}: folder {folder} is not writable",
            )
        )
        return
    try:
        import psycopg  # noqa: PLC0415 - only when the store is PostgreSQL

        url = environ.get("TAPE_DATABASE_URL", "")
        with psycopg.connect(url, connect_timeout=5) as connection:
            connection.execute("SELECT 1")
        report.add(Check("store", True, f"postgres {storage.location} answers"))
    except Exception as error:  # any failure is the check's answer
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        report.add(Check("store", False, f"postgres {storage.location} unreachable: {first}"))


def _venue_checks(
    config: PolymarketConfig,
    report: HealthReport,
    exchange: ExchangeClient,
    web3: Web3 | None,
) -> None:
    from adapters.polymarket.exchange import ExchangeError  # noqa: PLC0415
    from adapters.polymarket.market_data import GammaClient  # noqa: PLC0415

    try:
        exchange.get_ok()
        report.add(Check("clob", True, f"CLOB {config.clob_url} reachable"))
    except ExchangeError as error:
        report.add(Check("clob", False, f"CLOB {config.clob_url} unreachable: {error}"))
        return
    try:
        exchange.ensure_credentials()
        report.add(Check("auth", True, "API credentials accepted (L1 signature, L2 HMAC)"))
        venue_view = exchange.get_balance_allowance()
        balance = venue_view.get("balance")
        if isinstance(balance, str) and balance.isdigit():
            shown = dec_str(Decimal(balance) / Decimal(1_000_000))
            report.say(f"  the CLOB sees a collateral balance of {shown} pUSD")
    except ExchangeError as error:
        report.add(Check("auth", False, f"API credentials refused by the CLOB: {error}"))
    gamma = GammaClient(config.gamma_url, timeout_s=config.timeout_s)
    try:
        gamma.get("/markets", {"limit": "1"})
        report.add(Check("gamma", True, f"Gamma {config.gamma_url} reachable"))
    except ExchangeError as error:
        report.add(Check("gamma", False, f"Gamma {config.gamma_url} unreachable: {error}"))
    report.say(f"chain ({config.rpc_url})")
    w3 = web3 or connect_rpc(config.rpc_url)
    try:
        state = read_chain_state(w3, config.contracts, config.funder, signer=config.signer_address)
    except Exception as error:  # web3 raises many kinds; each is a failed check
        message = error_message(str(error)).splitlines()[0] if str(error) else type(error).__name__
        report.add(Check("chain", False, f"Polygon RPC {config.rpc_url} unreadable: {message}"))
        return
    for check in chain_checks(state, expected_chain_id=config.chain_id):
        report.add(check)
    if state.gas_balance is not None:
        report.say(f"  signer {config.signer_address} holds {state.gas_balance:f} POL for gas")


def connect_rpc(url: str) -> Web3:
    """A web3 client of the Polygon JSON-RPC at ``url``."""
    from web3 import Web3  # noqa: PLC0415 - slow import

    return Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 10}))


def run_health(
    environ: Mapping[str, str],
    *,
    web3: Web3 | None = None,
    exchange_factory: Callable[[PolymarketConfig], ExchangeClient] | None = None,
) -> HealthReport:
    """Run every check; ``web3`` and ``exchange_factory`` replace the real ones in tests."""
    report = HealthReport()
    report.say("Tape health")
    _store_checks(environ, report)
    report.say("venues")
    for line in venue_modes(environ):
        if not line.startswith("polymarket:"):
            report.say(f"  {line}")
    try:
        config = config_from_env(environ)
    except PolymarketConfigError as error:
        report.add(Check("polymarket config", False, f"polymarket: {error}"))
        return report
    if config is None:
        report.say(
            "  polymarket: no key (POLYMARKET_PRIVATE_KEY or POLYMARKET_KEYSTORE): trading on paper"
        )
        return report
    report.say("  polymarket: live (CLOB V2)")
    for line in config.describe():
        report.say(f"    {line}")
    if exchange_factory is None:
        from adapters.polymarket.exchange import ClobV2ExchangeClient  # noqa: PLC0415

        exchange_factory = ClobV2ExchangeClient
    factory = exchange_factory
    _venue_checks(config, report, factory(config), web3)
    return report


@click.command()
def health() -> None:
    """Configuration, store, venue reachability, balances and allowances (exit 1 on a failure)."""
    report = run_health(os.environ)
    failed = report.failed
    report.say("health: ok" if not failed else f"health: {len(failed)} check(s) failed")
    click.echo("\n".join(report.lines))
    if failed:
        raise click.exceptions.Exit(1)
