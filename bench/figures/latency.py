"""The latency figure: intents offered at a fixed rate, timed from their slot to the venue
call (through a venue wrapper that notes the call) and to the end of their handling."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from adapters.clock import ManualClock
from adapters.day_runner import DayRunner
from adapters.dayfile import BadLine, read_day
from bench.figures.commits import CommitProbe
from bench.figures.measure import latency_stats
from bench.figures.stores import Params, wire
from bench.workload import bench_config
from engine.ports import OrderRequest, VenueReport

INTENT_LINE = '{"type": "intent"'


@dataclass
class Probe:
    """Timestamps of the latency figure: an intent's arrival and its order's venue call."""

    arrival: float | None = None
    measuring: bool = False
    to_venue: list[float] = field(default_factory=list)
    handled: list[float] = field(default_factory=list)
    commits: list[float] = field(default_factory=list)

    def venue_called(self) -> None:
        """The engine calls the venue: the first call after an arrival is that intent's."""
        if self.arrival is not None:
            if self.measuring:
                self.to_venue.append(time.perf_counter() - self.arrival)
            self.arrival = None


class TimedVenue:
    """A venue port that notes the moment the engine calls ``submit``, then delegates."""

    def __init__(self, venue: Any, probe: Probe) -> None:
        self.venue = venue
        self.probe = probe

    @property
    def durable(self) -> bool:
        """As durable as the wrapped venue."""
        return bool(self.venue.durable)

    def cancel(self, client_order_id: str, *, at: datetime | None = None) -> Any:
        """The wrapped venue's cancel."""
        return self.venue.cancel(client_order_id, at=at)

    def submit(self, request: OrderRequest, *, at: datetime | None = None) -> VenueReport:
        """Note the call, then submit to the wrapped venue."""
        self.probe.venue_called()
        report: VenueReport = self.venue.submit(request, at=at)
        return report

    def order_status(self, client_order_id: str, *, at: datetime | None = None) -> Any:
        """The wrapped venue's answer."""
        return self.venue.order_status(client_order_id, at=at)

    def poll_reports(
        self, *, at: datetime | None = None, accounts: frozenset[str] | None = None
    ) -> list[VenueReport]:
        """The wrapped venue's reports."""
        reports: list[VenueReport] = self.venue.poll_reports(at=at, accounts=accounts)
        return reports


class TimedVenues(Mapping[str, TimedVenue]):
    """The engine's venues (whatever mapping ``adapters.bootstrap`` gave it), each wrapped in a
    :class:`TimedVenue`."""

    def __init__(self, venues: Mapping[str, Any], probe: Probe) -> None:
        self.venues = venues
        self.probe = probe
        self._wrapped: dict[str, TimedVenue] = {}

    def _wrap(self, name: str, venue: Any) -> TimedVenue:
        if name not in self._wrapped:
            self._wrapped[name] = TimedVenue(venue, self.probe)
        return self._wrapped[name]

    def __getitem__(self, name: str) -> TimedVenue:
        return self._wrap(name, self.venues[name])

    def get(self, name: str, default: Any = None) -> Any:
        """The wrapped venue, or ``default`` when the engine's mapping has none."""
        venue = self.venues.get(name)
        return default if venue is None else self._wrap(name, venue)

    def __iter__(self) -> Iterator[str]:
        return iter(self.venues)

    def __len__(self) -> int:
        return len(self.venues)


def paced_lines(
    path: Path,
    probe: Probe,
    *,
    rate_per_s: float,
    intents: int,
    warmup: int,
    commits: CommitProbe | None = None,
) -> Iterator[str]:
    """The day's lines, each intent line held back to its slot of a fixed offered rate.

    Intent ``k`` arrives at ``start + k / rate``: the line is handed on then (or at once if
    the engine is behind: the wait counts in its latency, so falling behind cannot hide).
    Books and other lines pass at once. Once a line's record has been handled, the next
    line is asked for; that moment ends the intent's "handled" time. With ``commits``, one
    single-row commit is timed in each idle gap of more than 20 ms, so the unit of the
    latency target is measured under the same disk conditions, minutes apart at most.
    """
    start = time.perf_counter()
    offered = 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.startswith(INTENT_LINE):
                yield line
                continue
            if offered >= intents + warmup:
                return
            due = start + offered / rate_per_s
            if commits is not None and due - time.perf_counter() > 0.02 and probe.measuring:
                probe.commits.append(commits.commit())
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            probe.measuring = offered >= warmup
            probe.arrival = due
            offered += 1
            yield line
            if probe.measuring:
                probe.handled.append(time.perf_counter() - due)
            probe.arrival = None


def latency(params: Params) -> dict[str, Any]:
    """Intents at a fixed offered rate: from arrival (the intent's slot) to the venue call."""
    probe = Probe()
    commits = CommitProbe(Path(params["home"]) / "commits.db")
    for _ in range(10):  # the first commits create the WAL
        commits.commit()
    tape = wire(params)
    assert tape.paper is not None
    tape.engine.venues = TimedVenues(tape.engine.venues, probe)  # type: ignore[assignment]
    config = bench_config()
    clock = tape.engine.clock
    assert isinstance(clock, ManualClock)
    records = read_day(
        paced_lines(
            Path(params["day"]),
            probe,
            rate_per_s=float(params["rate"]),
            intents=int(params["intents"]),
            warmup=int(params["warmup"]),
            commits=commits,
        )
    )
    first = next(records)
    if not isinstance(first, BadLine):
        clock.set(first.at)
    tape.engine.register_agents(config.agents)
    tape.engine.recover()
    runner = DayRunner(tape.engine, clock=clock, source="latency", books=tape.paper.on_book)
    started = time.perf_counter()
    stats = runner.run(_chain(first, records))
    seconds = time.perf_counter() - started
    tape.app.close()
    return {
        "rate_per_s": float(params["rate"]),
        "offered": int(params["intents"]),
        "warmup": int(params["warmup"]),
        "intents": stats.intents,
        "seconds": round(seconds, 3),
        "to_venue": latency_stats(probe.to_venue),
        "handled": latency_stats(probe.handled),
        "commit": {"synchronous": commits.synchronous, **latency_stats(probe.commits)},
    }


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest
