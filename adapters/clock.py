"""Clocks: the wall clock for live intake, and one the day runner sets to each record's time
and line (the input's position in the order of inputs: see ARCHITECTURE.md)."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """The wall clock, UTC. Only adapters read it; the engine is handed its time."""

    def now(self) -> datetime:
        """Now, UTC."""
        return datetime.now(tz=UTC)


def line_of(clock: object) -> int | None:
    """The line of the input at hand on a clock that follows a day's records (None: a clock
    that does not, such as the wall clock)."""
    line = getattr(clock, "line", None)
    return line if isinstance(line, int) else None


class ManualClock:
    """A clock that shows whatever time it was last set to (the time of the record at hand),
    and the line of that record (``line``: venue calls carry it, see ``line_of``)."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self.line: int | None = None

    @classmethod
    def epoch(cls) -> ManualClock:
        """A clock at 1970-01-01T00:00:00Z, for a run that has no record yet."""
        return cls(datetime(1970, 1, 1, tzinfo=UTC))

    def set(self, at: datetime, line: int | None = None) -> None:
        """Move the clock to a record (never backwards: records of a day are ordered by
        time); ``line``: the record's line (None: the position is not a line of the day)."""
        self._now = max(self._now, at)
        self.line = line

    def now(self) -> datetime:
        """The time last set."""
        return self._now
