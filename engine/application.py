"""The event-sourced application that stores every Tape aggregate."""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application

from engine.agents import Agent


class TapeApplication(Application[UUID]):
    """Tape's event store and repository. Infrastructure comes from ``env`` (see cli/wiring.py)."""

    name = "Tape"
    log_section_size = 1000
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Agent: 200}

    def get_or_none(self, aggregate_id: UUID) -> Any:
        """The aggregate with that id, or None if it was never created."""
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
