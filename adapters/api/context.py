"""What the API's routes share: the engine (behind the intake's lock), the read models, the
logs the PnL series folds, and the venue environment (for which keys are present)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID

from engine.agents import Agent
from engine.service import TradingEngine
from projections.logs import LogSource, notifications
from projections.queries import TrackedReadModels

T = TypeVar("T")
REGISTERED_TOPIC = "engine.agents:Agent.AgentRegistered"


@dataclass
class ApiContext:
    """The service's parts. ``lock`` is the intake's: the engine takes one command at a time;
    ``read_lock`` serialises the projector (one SQLite connection, one catch-up at a time)."""

    engine: TradingEngine
    lock: threading.Lock
    read_models: TrackedReadModels
    logs: Sequence[LogSource]
    venue_environ: Mapping[str, str]
    read_lock: threading.Lock = field(default_factory=threading.Lock)
    _agent_ids: list[UUID] = field(default_factory=list)
    _read_to: int = 0

    def command(self, run: Callable[[TradingEngine], T]) -> T:
        """Run ``run`` on the engine under the intake's lock."""
        with self.lock:
            return run(self.engine)

    def read(self, query: Callable[[TrackedReadModels], T]) -> T:
        """Run a shared query on the read models, one at a time."""
        with self.read_lock:
            return query(self.read_models)

    def agents(self) -> list[Agent]:
        """Every registered agent, in the order registered (the log is read on from where the
        last call stopped)."""
        with self.lock:
            for note in notifications(self.engine.app, self._read_to + 1):
                self._read_to = note.id
                if note.topic == REGISTERED_TOPIC:
                    self._agent_ids.append(UUID(str(note.originator_id)))
            return [self.engine.app.repository.get(agent_id) for agent_id in self._agent_ids]

    def agent(self, agent_id: UUID) -> Agent | None:
        """One agent, or None."""
        with self.lock:
            found: Any = self.engine.app.get_or_none(agent_id)
            return found if isinstance(found, Agent) else None
