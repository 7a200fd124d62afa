"""Discovery's writes: a run's candidates ranked and recorded, and a change of an agent's
follow list."""

from __future__ import annotations

from typing import Any

from engine.agents import Agent
from engine.commands import ChangeFollowList, RecordDiscovery
from engine.config import AgentConfig
from engine.discovery.candidates import Candidate
from engine.discovery.screen import first_failed, rank
from engine.handlers.context import EngineContext
from engine.ids import agent_uuid, candidate_uuid


class UnknownAgentError(LookupError):
    """The follow list of an agent that is not registered cannot change."""


def record_discovery(ctx: EngineContext, command: RecordDiscovery) -> dict[str, int]:
    """Rank the run's candidates by their copy simulation and record each verdict."""
    now = ctx.clock.now()
    ranks = rank(
        [(c.wallet, first_failed(list(c.checks)) is None, c.copy_pnl) for c in command.candidates]
    )
    changed: list[Any] = []
    for scored in command.candidates:
        found: Candidate | None = ctx.unit.get_or_none(candidate_uuid(scored.wallet))
        at = ctx.after(found.modified_on) if found is not None else now
        candidate = found or Candidate.observe(wallet=scored.wallet.lower(), at=at)
        reason = first_failed(list(scored.checks))
        candidate.score(
            at=at,
            wallet=scored.wallet.lower(),
            run=command.run,
            board=list(scored.board),
            metrics=scored.metrics,
            thresholds=scored.thresholds,
            checks=list(scored.checks),
            verdict="filtered" if reason else "ranked",
            reason=reason,
            rank=ranks.get(scored.wallet),
            copy_pnl=scored.copy_pnl,
            simulation=scored.simulation,
        )
        changed.append(candidate)
    ctx.unit.add(*changed)
    return ranks


def change_follow_list(ctx: EngineContext, command: ChangeFollowList) -> bool:
    """Add the wallet to (or take it from) the agent's follow list."""
    agent: Agent | None = ctx.unit.refresh(agent_uuid(command.agent))
    if agent is None:
        raise UnknownAgentError(f"no agent named {command.agent!r}")
    config = agent.config
    wallet = command.wallet.lower()
    follow = set(config.follow) | {wallet} if command.follow else set(config.follow) - {wallet}
    # A command's rules (set_by "api"): a configuration file read at the next start leaves them.
    record = {**config.to_record(), "follow": sorted(follow), "set_by": "api"}
    changed = agent.change_config(
        config=AgentConfig.from_record(record), at=ctx.after(agent.modified_on)
    )
    if changed:
        ctx.unit.add(agent)
    return changed
