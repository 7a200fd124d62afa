"""``tape redeem [--agent NAME] [--dry-run]``: redeem resolved winning Polymarket positions
through the CTF contract (``adapters/redeem``). With ``POLYMARKET_PRIVATE_KEY`` (an EOA wallet)
it signs and sends ``redeemPositions`` on ``POLYGON_RPC_URL``, each step an event; without a
key, or with ``--dry-run``, it prints what it would send and records nothing."""

from __future__ import annotations

from collections.abc import Callable

import click
from web3 import Web3

from adapters.bootstrap import live_clock, open_app, recording_engine
from adapters.polymarket.config import PolymarketConfig, SignatureType, config_from_env
from adapters.redeem.candidates import candidates
from adapters.redeem.ctf import CtfRedeemer
from adapters.redeem.redeemer import describe, dry_run, redeem, total
from adapters.settings import Settings
from cli.context import claim_store, pass_settings
from cli.errors import TapeProblem
from cli.render import counts
from engine.values import dec_str

Web3Factory = Callable[[PolymarketConfig], Web3]


def _web3(config: PolymarketConfig) -> Web3:
    return Web3(Web3.HTTPProvider(config.rpc_url, request_kwargs={"timeout": config.timeout_s}))


def run_redeem(
    settings: Settings, *, agent: str | None, dry: bool, web3: Web3Factory = _web3
) -> None:
    """The command's work, with the chain's Web3 injectable (tests: an in-process EVM)."""
    config = config_from_env(settings.venue_environ)
    app, _ = open_app(settings)
    found = candidates(app, agent=agent)
    ready = [c for c in found if c.state in {"redeemable", "pending"}]
    for candidate in found:
        if candidate.state == "redeemed":
            click.echo(f"redeemed already: {describe(candidate)}")
    if not ready:
        click.echo("nothing to redeem")
        return
    redeemer = None
    if config is not None:
        if config.signature_type is not SignatureType.EOA:
            raise TapeProblem(
                f"the shares are held by the {config.signature_type.name} wallet "
                f"{config.funder}: redeem them from that wallet (polymarket.com); "
                "tape redeem signs for an EOA wallet only"
            )
        redeemer = CtfRedeemer(
            web3(config),
            key=config.key,
            contract=config.contracts.conditional_tokens,
            collateral=config.contracts.collateral,
            chain_id=config.chain_id,
        )
    if dry or redeemer is None:
        why = "dry run" if dry else "no POLYMARKET_PRIVATE_KEY: dry run"
        for line in dry_run(ready, redeemer):
            click.echo(line)
        click.echo(f"{why}: {len(ready)} market(s), {dec_str(total(ready))} USDC to redeem")
        return
    claim_store(settings, "tape redeem")
    engine = recording_engine(app, live_clock())
    done = redeem(engine, ready, redeemer, report=click.echo)
    click.echo(f"redeem: {counts(done.items())}")
    if set(done) - {"redeemed"}:
        raise TapeProblem("not every market was redeemed (see above); run tape redeem again")


@click.command("redeem")
@click.option("--agent", default=None, help="Only markets this agent won shares in.")
@click.option("--dry-run", "dry", is_flag=True, help="Print what would be sent; send nothing.")
@pass_settings
def redeem_command(settings: Settings, agent: str | None, dry: bool) -> None:
    """Redeem resolved winning Polymarket positions through the CTF contract (redeemPositions).

    Redeeming one market redeems the wallet's whole winning balance of it, whichever agents
    bought the shares.
    """
    run_redeem(settings, agent=agent, dry=dry)
