"""The event-sourced application that stores every Tape aggregate."""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import ProcessRecorder

from engine.agents import Agent
from engine.partition import INGEST_APP_NAME

WRITER_CACHE_ENV: dict[str, str] = {
    "AGGREGATE_CACHE_MAXSIZE": "2000",
    "AGGREGATE_CACHE_FASTFORWARD": "n",
    "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",
}
"""The aggregate cache of the application a :class:`~engine.service.TradingEngine` writes
through: the engine is the only writer of its aggregates, so a cached aggregate is current
without asking the store (no fast-forward query) and is handed out as is (no deep copy). The
engine's unit of work evicts what a failed step touched, and refreshes an agent before each
decision, because ``tape agents`` may change it from another process. A long-lived *reader*
of a store another process writes must not use this: it would not see the new events."""


class TapeApplication(Application[UUID]):
    """Tape's event store and repository. Its ``env`` comes from adapters/bootstrap.py."""

    name = "Tape"
    log_section_size = 1000
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Agent: 1000}

    def get_or_none(self, aggregate_id: UUID) -> Any:
        """The aggregate with that id, or None if it was never created."""
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None


class TapeIngestApplication(TapeApplication):
    """The ingest log of a scale-out deployment: what arrived, recorded and acknowledged;
    engine workers follow it."""

    name = INGEST_APP_NAME


class TapeWorkerApplication(TapeApplication):
    """The store of one scale-out engine worker: named after its partition (its tables are
    ``<name>_events`` and ``<name>_tracking``), with a process recorder, so that the events a
    step stores and the position of the ingest event it answered are written together."""

    recorder: ProcessRecorder

    def __init__(self, name: str, env: dict[str, str] | None = None) -> None:
        self.name = name
        super().__init__(env=env)

    def construct_recorder(self) -> ProcessRecorder:
        """A recorder that also keeps tracking records."""
        return self.factory.process_recorder()
