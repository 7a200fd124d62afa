"""``tape agents``: list agents, add them from the configuration, switch their trading state."""

from __future__ import annotations

from pathlib import Path

import click

from adapters.bootstrap import build, live_clock, open_app
from adapters.settings import Settings
from cli.context import pass_settings
from cli.control_cmd import cancel_after_switch
from cli.errors import TapeUsageError
from cli.render import table, to_json
from engine.agents import Agent
from engine.commands import ChangeFollowList
from engine.config import ADDRESS
from engine.handlers.discovery import UnknownAgentError
from engine.ids import agent_uuid
from engine.values import TradingState
from projections.logs import read_log


@click.group()
def agents() -> None:
    """List, add, activate, reduce or halt agents."""


@agents.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_settings
def list_agents(settings: Settings, as_json: bool) -> None:
    """Every registered agent with its state and risk book."""
    app, _ = open_app(settings)
    ids = [e.originator_id for _, e in read_log(app) if isinstance(e, Agent.AgentRegistered)]
    rows = []
    for agent_id in ids:
        agent: Agent = app.repository.get(agent_id)
        config = agent.config
        rows.append(
            {
                "name": agent.name,
                "state": agent.trading_state,
                "reason": agent.state_reason,
                "strategy": config.strategy,
                "venues": list(config.venues),
                "follows": len(config.follow),
                "trades_today": agent.trades_on_day,
                "deployed": agent.deployed(),
                "realised_pnl": agent.realised_pnl,
            }
        )
    columns = [
        "name",
        "state",
        "reason",
        "strategy",
        "venues",
        "follows",
        "deployed",
        "realised_pnl",
    ]
    click.echo(to_json(rows) if as_json else table(rows, columns))


@agents.command("add")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None)
@pass_settings
def add_agents(settings: Settings, config_path: Path | None) -> None:
    """Register the configuration's agents (and record changed rules of known ones)."""
    config = settings.with_config(config_path).tape_config()
    tape = build(settings, config, clock=live_clock())
    tape.engine.register_agents(config.agents)
    click.echo(f"agents from {config.source}: {', '.join(a.name for a in config.agents)}")


def _switch(settings: Settings, name: str, state: TradingState, reason: str) -> None:
    app, _ = open_app(settings)
    agent = app.get_or_none(agent_uuid(name))
    if agent is None:
        raise TapeUsageError(f"no agent named {name!r}")
    if agent.set_trading_state(state=state, reason=reason, at=live_clock().now()):
        app.save(agent)
        click.echo(f"{name}: {state.value} ({reason})")
    else:
        click.echo(f"{name}: already {state.value}")
    cancel_after_switch(settings, name, state)


@agents.command("activate")
@click.argument("name")
@click.option("--reason", default="activated by the operator")
@pass_settings
def activate(settings: Settings, name: str, reason: str) -> None:
    """Let an agent trade again (also resets a tripped circuit breaker)."""
    _switch(settings, name, TradingState.ACTIVE, reason)


@agents.command("reduce")
@click.argument("name")
@click.option("--reason", default="reduce-only set by the operator")
@pass_settings
def reduce(settings: Settings, name: str, reason: str) -> None:
    """Let an agent only reduce its positions."""
    _switch(settings, name, TradingState.REDUCING, reason)


@agents.command("follow")
@click.argument("name")
@click.argument("wallet")
@pass_settings
def follow(settings: Settings, name: str, wallet: str) -> None:
    """Add WALLET to agent NAME's follow list (a recorded change: AgentConfigChanged)."""
    _follow(settings, name, wallet, follow=True)


@agents.command("unfollow")
@click.argument("name")
@click.argument("wallet")
@pass_settings
def unfollow(settings: Settings, name: str, wallet: str) -> None:
    """Take WALLET from agent NAME's follow list (a recorded change)."""
    _follow(settings, name, wallet, follow=False)


def _follow(settings: Settings, name: str, wallet: str, *, follow: bool) -> None:
    if not ADDRESS.fullmatch(wallet):
        raise TapeUsageError("WALLET must be a 0x address of 40 hex digits")
    tape = build(settings, settings.tape_config(), clock=live_clock())
    try:
        changed = tape.engine.handle(ChangeFollowList(name, wallet, follow=follow))
    except UnknownAgentError as error:
        raise TapeUsageError(str(error)) from None
    verb = "follows" if follow else "no longer follows"
    click.echo(f"{name} {verb} {wallet.lower()}" + ("" if changed else " (already)"))


@agents.command("halt")
@click.argument("name")
@click.option("--reason", default="halted by the operator")
@pass_settings
def halt(settings: Settings, name: str, reason: str) -> None:
    """Stop an agent from placing anything."""
    _switch(settings, name, TradingState.HALTED, reason)
