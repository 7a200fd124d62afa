"""Clocks: the wall clock for live intake, and one the day runner sets to each record's time."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """The wall clock, UTC. Only adapters read it; the engine is handed its time."""

    def now(self) -> datetime:
        """Now, UTC."""
        return datetime.now(tz=UTC)


class ManualClock:
    """A clock that shows whatever time it was last set to (the time of the record at hand)."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    @classmethod
    def epoch(cls) -> ManualClock:
        """A clock at 1970-01-01T00:00:00Z, for a run that has no record yet."""
        return cls(datetime(1970, 1, 1, tzinfo=UTC))

    def set(self, at: datetime) -> None:
        """Move the clock (never backwards: records of a day are ordered by time)."""
        self._now = max(self._now, at)

    def now(self) -> datetime:
        """The time last set."""
        return self._now
