"""Which agents run a strategy: the names the engine hands market events to. Read once from the
log's agent events (a restart: the agents registered before), then kept up to date from the
agents this engine registers (``RegisterAgents``: the configuration, the API, a replay)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eventsourcing.utils import get_topic

from engine.agents import Agent
from engine.application import TapeApplication
from engine.config import AgentConfig

_TOPICS = [get_topic(Agent.AgentRegistered), get_topic(Agent.AgentConfigChanged)]
_PAGE = 1000


@dataclass
class StrategyRoster:
    """The names of the agents whose ``strategy`` is, or once was, not ``copy`` (the handler
    reads each one's current rules)."""

    names: set[str] = field(default_factory=set)
    position: int = 0
    parsed: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    """name -> (the agent's config record, what the handler parsed of it)"""

    def note(self, config: AgentConfig) -> None:
        """An agent registered or changed by this engine."""
        self._set(config.name, config.strategy)

    def catch_up(self, app: TapeApplication) -> frozenset[str]:
        """The names: the log's agent events are read at the first call (one pass over the
        agent topics), later only this engine's registrations count (a market event costs
        no query of the log)."""
        if self.position:
            return frozenset(self.names)
        while True:
            page = app.recorder.select_notifications(
                start=self.position + 1, limit=_PAGE, topics=_TOPICS
            )
            if not page:
                # Nothing more of ours: the next look starts after everything stored now, so
                # each look reads only what is new.
                self.position = max(self.position, app.recorder.max_notification_id() or 0, 1)
                break
            for notification in page:
                event: Any = app.mapper.to_domain_event(notification)
                name = event.name if isinstance(event, Agent.AgentRegistered) else None
                if name is None:
                    agent: Any = app.get_or_none(event.originator_id)
                    name = agent.name if agent is not None else None
                if name is not None:
                    self._set(name, str(event.config.get("strategy", "copy")))
            self.position = page[-1].id
        return frozenset(self.names)

    def _set(self, name: str, strategy: str) -> None:
        # Names are only added: the handler reads each agent's current rules anyway, and a
        # log read after this engine's own (not yet committed) change must not undo it.
        if strategy != "copy":
            self.names.add(name)
