"""The logs the read models are folded from: one application's, or the union of several.

A scale-out deployment keeps one log per engine worker (``TapeWorker1of4``...), each holding
the events of the agents it owns; the read models, the report and the digest read the union of
those logs. Events of one aggregate are always in one log, in version order; how the logs
interleave is arbitrary, so nothing folded from their union may depend on it.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification

PAGE = 1000


@runtime_checkable
class LogSource(Protocol):
    """A log to read: an application's name, its recorder and its mapper (a
    ``TapeApplication`` is one)."""

    @property
    def name(self) -> str:
        """The application's name (its tables are named after it)."""

    @property
    def recorder(self) -> ApplicationRecorder:
        """Where its notifications are read."""

    @property
    def mapper(self) -> Mapper[UUID]:
        """How its stored events become domain events."""


@dataclass(frozen=True)
class Upstream:
    """A log given as a recorder and a mapper under a name (for a log not opened as an
    application of that name)."""

    name: str
    recorder: ApplicationRecorder
    mapper: Mapper[UUID]


def as_sources(logs: LogSource | Iterable[LogSource]) -> list[LogSource]:
    """One log or several, as a list."""
    if isinstance(logs, LogSource):
        return [logs]
    return list(logs)


def notifications(log: LogSource, start: int = 1) -> Iterator[Notification]:
    """Every notification of a log from ``start``, a page at a time."""
    next_id = start
    while True:
        page = log.recorder.select_notifications(start=next_id, limit=PAGE)
        if not page:
            return
        yield from page
        next_id = page[-1].id + 1


def read_log(log: LogSource, start: int = 1) -> Iterator[tuple[int, Any]]:
    """Every event of a log from ``start``, with its position (notification id) in that log."""
    for notification in notifications(log, start):
        yield notification.id, log.mapper.to_domain_event(notification)


def read_logs(logs: LogSource | Sequence[LogSource]) -> Iterator[Any]:
    """Every event of every log, one log after the other (for folds that do not depend on how
    the logs interleave)."""
    for log in as_sources(logs):
        for _, event in read_log(log):
            yield event


def event_order(event: Any) -> tuple[Any, str, int]:
    """Where an event sorts among events of any log: its time, then its aggregate and version
    (unique, so the order is total and the same however the logs interleave)."""
    return (event.timestamp, str(event.originator_id), int(event.originator_version))


def read_merged(logs: LogSource | Sequence[LogSource]) -> Iterator[Any]:
    """The events of several logs merged by time (:func:`event_order`), each log's own order
    kept: the same sequence whatever order the logs are given in. Over one log it is that log."""
    sources = as_sources(logs)
    if len(sources) == 1:
        yield from read_logs(sources)
        return
    yield from heapq.merge(
        *((event for _, event in read_log(log)) for log in sources), key=event_order
    )
