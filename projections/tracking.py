"""Tracked projections: the registry's views as consumers of one or several notification logs.

A :class:`Projector` polls ``recorder.select_notifications`` of each log it follows (SQLite has
no subscription): the single application's, or, when the engine runs as several workers, each
worker's. It folds a page of events through the views of the registry
(``projections/views/``, over store-backed tables) and writes the rows it changed together
with each projection's new position in each log it read, in one transaction. A crash between
two events therefore leaves the rows and the positions of the last committed page: restarting
re-reads the logs from there, so no event is applied twice or skipped. The folds do not depend
on how the logs interleave, so the rows are the same whichever log a page came from first.

A projection keeps one tracking row per log: named after the projection for the single
application ``Tape`` (as before there were workers), ``projection@log`` for any other. A store
whose rows were made from other logs than the ones given is refused
(:class:`ForeignUpstreamError`) until it is rebuilt. Each projection carries a ``version``; a
projection whose stored rows were made by another version is rebuilt from the logs on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from eventsourcing.persistence import Notification

from projections.audit import Trail
from projections.logs import LogSource, as_sources
from projections.reading import read_trail, read_views, select_rows
from projections.readstore import ProjectionStore, Query, StoreTransaction, Tracking
from projections.rows import Rows
from projections.status import (
    ForeignUpstreamError,
    ProjectionStatus,
    UnknownProjectionError,
    tracking_key,
    upstream_of,
)
from projections.table_rows import TableRows
from projections.views import REGISTRY, VIEW_NAMES, LogViews
from projections.views.base import TableSpec

DEFAULT_BATCH = 500
PROJECTION_NAMES = VIEW_NAMES

__all__ = [
    "DEFAULT_BATCH",
    "PROJECTION_NAMES",
    "ForeignUpstreamError",
    "ProjectionStatus",
    "Projector",
    "TrackedProjection",
    "UnknownProjectionError",
    "all_projections",
    "tracking_key",
]


class TrackedProjection(Protocol):
    """What the projector needs of a read model: a registry entry
    (:class:`~projections.views.base.ViewSpec`), or a test's wrapper of one."""

    @property
    def name(self) -> str:
        """The projection's name (``tape projections rebuild NAME``)."""

    @property
    def version(self) -> int:
        """The version of its fold."""

    @property
    def tables(self) -> tuple[TableSpec, ...]:
        """Its tables."""

    def apply(self, event: Any, notification: Notification, tables: Mapping[str, Rows]) -> None:
        """Fold one event into its tables."""

    def describe(self) -> str:
        """One line on what it holds."""


def all_projections() -> list[TrackedProjection]:
    """Every read model of the registry, in the order a catch-up applies them."""
    return list(REGISTRY)


class Projector:
    """Keeps tracked projections caught up with one or several logs, and reads them.

    ``upstreams`` is an application (anything with a ``name``, ``recorder`` and ``mapper``, see
    :class:`~projections.logs.LogSource`) or a sequence of them with distinct names: the
    projections hold the union of their logs.
    """

    def __init__(
        self,
        upstreams: LogSource | Sequence[LogSource],
        store: ProjectionStore,
        projections: Sequence[TrackedProjection] | None = None,
        *,
        batch_size: int = DEFAULT_BATCH,
    ) -> None:
        self.upstreams = as_sources(upstreams)
        names = [u.name for u in self.upstreams]
        if not names:
            raise ValueError("a projector follows at least one log")
        if len(set(names)) != len(names):
            raise ValueError(f"the logs followed must have distinct names, not {names}")
        self.store = store
        self.projections = list(projections) if projections is not None else all_projections()
        self.by_name = {p.name: p for p in self.projections}
        self.batch_size = batch_size
        self.keys = {
            p.name: {u.name: tracking_key(p.name, u.name) for u in self.upstreams}
            for p in self.projections
        }
        self.foreign: dict[str, list[str]] = {}
        self._turn = 0
        store.setup(
            [spec.name for p in self.projections for spec in p.tables],
            [key for p in self.projections for key in self.keys[p.name].values()],
        )
        self._reset_stale_versions()

    def _select(self, names: Iterable[str] | None) -> list[TrackedProjection]:
        if names is None:
            return self.projections
        wanted = set(names)
        unknown = wanted - set(self.by_name)
        if unknown:
            raise UnknownProjectionError(
                f"no projection named {sorted(unknown)[0]!r} (known: {', '.join(self.by_name)})"
            )
        return [p for p in self.projections if p.name in wanted]

    def _reset_stale_versions(self) -> None:
        # A projection stored by another version of its fold is emptied (and its rows from
        # other logs forgotten); one whose rows came from other logs is noted as foreign.
        with self.store.write() as txn:
            stored = txn.all_tracking()
            for projection in self.projections:
                mine = {
                    key: tracking
                    for key, tracking in stored.items()
                    if upstream_of(projection.name, key) is not None
                }
                if any(
                    t != Tracking(0, 0) and t.version != projection.version for t in mine.values()
                ):
                    self._clear(txn, projection)
                    continue
                current = set(self.keys[projection.name].values())
                foreign = [
                    str(upstream_of(projection.name, key))
                    for key, tracking in sorted(mine.items())
                    if key not in current and tracking.position > 0
                ]
                if foreign:
                    self.foreign[projection.name] = foreign

    def _clear(self, txn: StoreTransaction, projection: TrackedProjection) -> None:
        for spec in projection.tables:
            txn.clear(spec.name)
        current = self.keys[projection.name]
        for key in txn.all_tracking():
            if upstream_of(projection.name, key) is not None and key not in current.values():
                txn.delete_tracking(key)
        for key in current.values():
            txn.set_tracking(key, Tracking(0, projection.version))
        self.foreign.pop(projection.name, None)

    def _check_foreign(self, selected: Sequence[TrackedProjection]) -> None:
        for projection in selected:
            foreign = self.foreign.get(projection.name)
            if foreign:
                raise ForeignUpstreamError(
                    f"the {projection.name} projection in this store was folded from the logs "
                    f"of {', '.join(foreign)}, not only of "
                    f"{', '.join(u.name for u in self.upstreams)}: read it with the logs it "
                    "follows, or rebuild it to follow these"
                )

    def catch_up(
        self, names: Iterable[str] | None = None, *, stop: Callable[[], bool] | None = None
    ) -> int:
        """Apply every event the named projections (default: all) have not read yet, a page
        per transaction; returns how many notifications were read. ``stop`` is asked before
        each page: when it says so, the catch-up ends there (a page is never cut)."""
        selected = self._select(names)
        self._check_foreign(selected)
        total = 0
        while stop is None or not stop():
            read = self._catch_up_page(selected)
            total += read
            if read < self.batch_size:
                break
        return total

    def _catch_up_page(self, selected: Sequence[TrackedProjection]) -> int:
        # One transaction: up to batch_size notifications, from the logs in turn (each page
        # starts with the next log, so a busy log does not starve the others).
        count = len(self.upstreams)
        first = self._turn % count
        self._turn += 1
        with self.store.write() as txn:
            tracking = txn.tracking([key for p in selected for key in self.keys[p.name].values()])
            tables = {spec.name: TableRows(txn, spec) for p in selected for spec in p.tables}
            rows: dict[str, Rows] = dict(tables)
            read = 0
            for turn in range(count):
                if read >= self.batch_size:
                    break
                upstream = self.upstreams[(first + turn) % count]
                keys = {p.name: self.keys[p.name][upstream.name] for p in selected}
                done = {p.name: tracking[keys[p.name]].position for p in selected}
                page = upstream.recorder.select_notifications(
                    start=min(done.values()) + 1, limit=self.batch_size - read
                )
                if not page:
                    continue
                for notification in page:
                    event: Any = None
                    for projection in selected:
                        if notification.id > done[projection.name]:
                            if event is None:
                                event = upstream.mapper.to_domain_event(notification)
                            projection.apply(event, notification, rows)
                last = page[-1].id
                for projection in selected:
                    position = max(done[projection.name], last)
                    txn.set_tracking(keys[projection.name], Tracking(position, projection.version))
                read += len(page)
            for table in tables.values():
                table.flush()
            return read

    def rebuild(self, names: Iterable[str] | None = None) -> int:
        """Drop the named projections' rows (default: all) and fold the whole logs again;
        returns how many notifications were read. Rows folded from other logs go too."""
        selected = self._select(names)
        with self.store.write() as txn:
            for projection in selected:
                self._clear(txn, projection)
        return self.catch_up([p.name for p in selected])

    def status(self) -> list[ProjectionStatus]:
        """Each projection's positions and row counts, against the logs' last positions."""
        log_positions = {u.name: u.recorder.max_notification_id() or 0 for u in self.upstreams}
        out = []
        with self.store.read() as txn:
            tracking = txn.tracking(
                [key for p in self.projections for key in self.keys[p.name].values()]
            )
            for projection in self.projections:
                keys = self.keys[projection.name]
                out.append(
                    ProjectionStatus(
                        projection.name,
                        {name: tracking[key].position for name, key in keys.items()},
                        log_positions,
                        {spec.name: txn.count(spec.name) for spec in projection.tables},
                        projection.describe(),
                    )
                )
        return out

    def rows(self, table: str, query: Query | None = None) -> dict[str, dict[str, Any]]:
        """The rows of a table that a query wants (all without one), by key, in table order
        (time, then key)."""
        with self.store.read() as txn:
            return select_rows(txn, table, query or Query())

    def dump(self, names: Iterable[str] | None = None) -> dict[str, list[tuple[str, str]]]:
        """Every stored row of the named projections, as stored (for comparisons)."""
        selected = self._select(names)
        with self.store.read() as txn:
            return {
                spec.name: sorted(txn.select(spec.name, Query()))
                for p in selected
                for spec in p.tables
            }

    def views(self, names: Iterable[str] | None = None, query: Query | None = None) -> LogViews:
        """The named read models (default: all) as views over their stored rows, read in one
        transaction, each table narrowed as its spec says (``projections/reading.py``).
        Views not named stay empty."""
        wanted = {p.name for p in self._select(names)}
        return read_views(self.store, [v for v in REGISTRY if v.name in wanted], query or Query())

    def trail(self, ident: str) -> Trail | None:
        """The audit trail of the intent ``ident`` names (intent id, order id, client or venue
        order id), from the audit projection; None when no such id was recorded."""
        return read_trail(self.store, self.upstreams[0].mapper, ident)
