"""Operator controls on the command line: ``tape orders cancel ID``, ``tape agents flatten
NAME``, and the cancels a ``tape agents halt`` or ``reduce`` sends (``adapters/control``).

Each builds the engine as ``tape ingest`` does (live venues with keys, else paper) and takes
the store's writer lock; while ``tape follow`` or ``tape serve`` holds it, a switch's cancels
are left to that process (``tape follow`` sweeps halted and reducing agents; the API's halt and
reduce cancel at once)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import click

from adapters.bootstrap import Tape, build, live_clock
from adapters.control.cancels import cancel_for_state, cancel_order
from adapters.control.flatten import flatten
from adapters.settings import Settings
from adapters.store_lock import StoreBusyError
from cli.context import claim_store, pass_settings
from cli.errors import TapeProblem, TapeUsageError
from cli.read_cmd import orders as orders_list
from cli.render import counts
from engine.ids import agent_uuid, order_id_of_client_order_id
from engine.values import TradingState

config_option = click.option(
    "--config", "config_path", type=click.Path(path_type=Path), default=None
)


def _engine(settings: Settings, config_path: Path | None, holder: str) -> Tape:
    claim_store(settings, holder)
    config = settings.with_config(config_path).tape_config()
    return build(settings, config, clock=live_clock())


def _order_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        found = order_id_of_client_order_id(text)
        if found is None:
            raise TapeUsageError(f"{text!r} is neither an order id nor a client order id") from None
        return found


@click.group(
    "orders",
    invoke_without_command=True,
    params=list(orders_list.params),
    help=f"{orders_list.help}\n\n`tape orders cancel ID` cancels one at its venue.",
)
@click.pass_context
def orders(ctx: click.Context, **options: Any) -> None:
    """Orders (the read command), and ``cancel``."""
    if ctx.invoked_subcommand is None:
        assert orders_list.callback is not None  # noqa: S101 - a click command has one
        ctx.invoke(orders_list.callback, **options)


@orders.command("cancel")
@click.argument("order_id")
@click.option("--reason", default="canceled by the operator")
@config_option
@pass_settings
def cancel(settings: Settings, order_id: str, reason: str, config_path: Path | None) -> None:
    """Cancel one open order at its venue (ORDER_ID as `tape orders` shows it)."""
    tape = _engine(settings, config_path, "tape orders cancel")
    wanted = _order_id(order_id)
    if tape.app.get_or_none(wanted) is None:
        raise TapeUsageError(f"no order {order_id}")
    outcome = cancel_order(tape.engine, wanted, reason=reason)
    click.echo(f"{wanted}: {outcome}")
    if outcome in ("venue unreachable", "no venue", "unknown at venue"):
        raise TapeProblem(
            f"{wanted} stays open ({outcome}); run the cancel again, or a restart's "
            "reconciliation will find it"
        )


@click.command("flatten")
@click.argument("name")
@click.option("--reason", default="flattened by the operator")
@config_option
@pass_settings
def flatten_agent(settings: Settings, name: str, reason: str, config_path: Path | None) -> None:
    """Sell every open position of an agent through the firewall (within its slippage limit),
    after switching it to REDUCING."""
    tape = _engine(settings, config_path, "tape agents flatten")
    if tape.app.get_or_none(agent_uuid(name)) is None:
        raise TapeUsageError(f"no agent named {name!r}")
    result = flatten(tape.engine, name, reason=reason)
    if result.canceled:
        click.echo(f"{name}: resting buys: {counts(result.canceled.items())}")
    for intent_id, verdict in result.verdicts.items():
        click.echo(f"{intent_id}: {verdict}")
    for line in result.skipped:
        click.echo(f"{name}: {line}", err=True)
    if not result.verdicts and not result.skipped:
        click.echo(f"{name}: no open position")
    if result.skipped or any(not v.startswith("ACCEPTED") for v in result.verdicts.values()):
        raise TapeProblem(f"{name}: not every position was sold (see above; tape why ID)")


def cancel_after_switch(settings: Settings, name: str, state: TradingState) -> None:
    """The resting orders a halt (every one) or a reduce (the buys) leaves, cancelled at their
    venues; left to the running engine when another process holds the store."""
    if state is TradingState.ACTIVE:
        return
    try:
        tape = _engine(settings, None, f"tape agents {state.value.lower()}")
    except StoreBusyError as busy:
        click.echo(f"{name}: resting orders are left to the running engine ({busy})", err=True)
        return
    done = cancel_for_state(tape.engine, name, state)
    if done:
        click.echo(f"{name}: resting orders: {counts(done.items())}")
