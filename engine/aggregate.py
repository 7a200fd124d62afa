"""The base of every Tape aggregate: library aggregates with the wall clock taken away."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Self

from eventsourcing.domain import Aggregate
from eventsourcing.domain import Snapshot as LibrarySnapshot
from eventsourcing.utils import get_topic

from engine.values import dec_str


class WallClockForbiddenError(RuntimeError):
    """Raised when an event would be stamped by the wall clock instead of the injected one."""


def _refuse_wall_clock() -> datetime:
    raise WallClockForbiddenError(
        "Tape events take their timestamp from the engine's clock: pass timestamp=..."
    )


def canonical(value: Any) -> Any:
    """Decimals in their one canonical form (``0.530`` and ``0.53`` are stored alike)."""
    if isinstance(value, Decimal):
        return Decimal(dec_str(value))
    return value


class TapeAggregate(Aggregate):
    """An aggregate whose events must be stamped explicitly (``timestamp=clock.now()``).

    The library would stamp events with ``datetime.now()``; replay would then differ from the
    recorded day. Every event class here refuses to create its own timestamp, so a forgotten
    timestamp fails loudly in tests instead of breaking determinism quietly. Decimal fields are
    stored in canonical form, so the same value gives the same bytes whichever path made it.
    """

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        """Trigger an event with its Decimal fields in canonical form."""
        super().trigger_event(event_class, **{k: canonical(v) for k, v in kwargs.items()})

    @classmethod
    def _create(cls, event_class: Any, *, id: Any = None, **kwargs: Any) -> Self:  # noqa: A002
        return super()._create(event_class, id=id, **{k: canonical(v) for k, v in kwargs.items()})

    class Event(Aggregate.Event):
        """Base of every Tape event."""

        create_timestamp = staticmethod(_refuse_wall_clock)

    class Created(Event, Aggregate.Created):
        """Base of every Tape creation event."""

    class Snapshot(LibrarySnapshot):
        """Snapshots are stamped with the aggregate's own last modification time."""

        create_timestamp = staticmethod(_refuse_wall_clock)

        @classmethod
        def take(cls, aggregate: Any) -> Any:
            """Snapshot an aggregate, stamped with its own ``modified_on``, never the wall clock."""
            state = dict(vars(aggregate))
            class_version = getattr(type(aggregate), "class_version", 1)
            if class_version > 1:
                state["class_version"] = class_version
            for private in ("_id", "_version", "_pending_events"):
                state.pop(private)
            return cls(
                originator_id=aggregate.id,
                originator_version=aggregate.version,
                timestamp=aggregate.modified_on,
                topic=get_topic(type(aggregate)),
                state=state,
            )
