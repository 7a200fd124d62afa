"""Administration: agents registered and their rules changed, trading states switched."""

from __future__ import annotations

from engine.agents import Agent
from engine.commands import RegisterAgents, SetTradingState
from engine.handlers.context import EngineContext
from engine.ids import agent_uuid


def register_agents(ctx: EngineContext, command: RegisterAgents) -> None:
    """``AgentRegistered`` for new agents, ``AgentConfigChanged`` for changed rules. Rules a
    command set over the API (``set_by="api"``) are the log's: a configuration file (a command
    not ``by_command``) seeds only agents it never saw and leaves those alone."""
    at = ctx.clock.now()
    changed = []
    for config in sorted(command.configs, key=lambda c: c.name):
        ctx.strategy_roster.note(config)
        agent = ctx.unit.get_or_none(agent_uuid(config.name))
        if agent is None:
            agent = Agent.register(config=config, at=at)
            ctx.roster.note(agent.id)
            changed.append(agent)
        elif not command.by_command and file_yields(agent):
            continue
        elif agent.change_config(config=config, at=at):
            changed.append(agent)
    if changed:
        ctx.unit.add(*changed)


def set_trading_state(ctx: EngineContext, command: SetTradingState) -> bool:
    """``TradingStateChanged``; answers whether the state changed."""
    agent = ctx.unit.get_or_none(agent_uuid(command.name))
    if agent is None:
        raise LookupError(f"no agent named {command.name!r}")
    if agent.set_trading_state(state=command.state, reason=command.reason, at=ctx.clock.now()):
        ctx.unit.add(agent)
        return True
    return False


def file_yields(agent: Agent) -> bool:
    """Whether a configuration file must leave this agent's rules alone: a command set them."""
    return bool(agent.config_record.get("set_by") == "api")
