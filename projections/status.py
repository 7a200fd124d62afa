"""Where tracked projections stand: their tracking rows' names (one per projection and log),
each projection's status against the logs, and the errors of naming or following logs."""

from __future__ import annotations

from dataclasses import dataclass

from engine.application import TapeApplication

SINGLE_APP = TapeApplication.name
"""The application of a single-process Tape: its tracking rows are named after the projection."""


def tracking_key(projection: str, upstream: str) -> str:
    """The tracking row of a projection's position in one log: the projection's own name for
    the single application (so stores made before there were workers keep working),
    ``projection@log`` for any other."""
    return projection if upstream == SINGLE_APP else f"{projection}@{upstream}"


def upstream_of(projection: str, key: str) -> str | None:
    """The log a tracking row of this projection is about (None: another projection's row)."""
    if key == projection:
        return SINGLE_APP
    prefix = f"{projection}@"
    return key[len(prefix) :] if key.startswith(prefix) else None


@dataclass(frozen=True)
class ProjectionStatus:
    """Where a projection is in each log it follows, where the logs are, and its rows per
    table. ``position``, ``log_position`` and ``behind`` add up over the logs."""

    name: str
    positions: dict[str, int]
    log_positions: dict[str, int]
    rows: dict[str, int]
    description: str

    @property
    def position(self) -> int:
        """Notifications applied, over every log (with one log: its position)."""
        return sum(self.positions.values())

    @property
    def log_position(self) -> int:
        """The logs' last positions, added up."""
        return sum(self.log_positions.values())

    @property
    def behind(self) -> int:
        """Notifications not yet applied, over every log (an upper bound: ids may have gaps)."""
        return sum(
            max(last - self.positions.get(name, 0), 0) for name, last in self.log_positions.items()
        )


class UnknownProjectionError(LookupError):
    """Raised for a projection name that is not in the registry."""


class ForeignUpstreamError(LookupError):
    """Raised when a projection's stored rows were folded from other logs than the ones given
    (another deployment's: the single application's, or another number of workers)."""
