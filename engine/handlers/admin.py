"""Administration: agents registered and their rules changed, trading states switched."""

from __future__ import annotations

from engine.agents import Agent
from engine.commands import RegisterAgents, SetTradingState
from engine.handlers.context import EngineContext
from engine.ids import agent_uuid


def register_agents(ctx: EngineContext, command: RegisterAgents) -> None:
    """``AgentRegistered`` for new agents, ``AgentConfigChanged`` for changed rules."""
    at = ctx.clock.now()
    changed = []
    for config in sorted(command.configs, key=lambda c: c.name):
        agent = ctx.unit.get_or_none(agent_uuid(config.name))
        if agent is None:
            agent = Agent.register(config=config, at=at)
            ctx.roster.note(agent.id)
            changed.append(agent)
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
