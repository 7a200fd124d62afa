"""Tracked projections: the read models as consumers of one or several notification logs.

A :class:`Projector` polls ``recorder.select_notifications`` of each log it follows (SQLite has
no subscription): the single application's, or, when the engine runs as several workers, each
worker's. It folds a page of events through the projections (the pure folds of
``projections/views.py`` and ``projections/audit.py``, over store-backed tables) and writes the
rows it changed together with each projection's new position in each log it read, in one
transaction. A crash between two events therefore leaves the rows and the positions of the last
committed page: restarting re-reads the logs from there, so no event is applied twice or
skipped. The folds do not depend on how the logs interleave, so the rows are the same whichever
log a page came from first.

A projection keeps one tracking row per log: named after the projection for the single
application ``Tape`` (as before there were workers), ``projection@log`` for any other. A store
whose rows were made from other logs than the ones given is refused
(:class:`ForeignUpstreamError`) until it is rebuilt. Each projection carries a ``version``; a
projection whose stored rows were made by another version is rebuilt from the logs on first use.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from eventsourcing.persistence import Notification

from engine.application import TapeApplication
from engine.values import dec_str
from projections.audit import AuditView, Trail, trail_from_rows
from projections.logs import LogSource, as_sources
from projections.store import Index, ProjectionStore, Query, StoreTransaction, Tracking
from projections.views import (
    BalancesView,
    IntentsView,
    LogViews,
    MarksView,
    OrdersView,
    PositionsView,
    PurchasesView,
    Rows,
    time_key,
    time_seq,
)

DEFAULT_BATCH = 500
SINGLE_APP = TapeApplication.name
"""The application of a single-process Tape: its tracking rows are named after the projection."""


# -- rows as JSON ---------------------------------------------------------------------------


def _encode_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"$dec": dec_str(value)}
    if isinstance(value, datetime):
        return {"$time": value.isoformat()}
    raise TypeError(f"a read-model row cannot hold {type(value).__name__}")


def _decode_object(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "$dec" in obj:
            return Decimal(obj["$dec"])
        if "$time" in obj:
            return datetime.fromisoformat(obj["$time"])
    return obj


def encode_row(row: dict[str, Any]) -> str:
    """A row as canonical JSON (sorted keys; Decimals and times tagged, so they come back)."""
    return json.dumps(row, default=_encode_value, sort_keys=True, separators=(",", ":"))


def decode_row(data: str) -> dict[str, Any]:
    """Inverse of :func:`encode_row`."""
    row: dict[str, Any] = json.loads(data, object_hook=_decode_object)
    return row


# -- tables ---------------------------------------------------------------------------------


IndexOf = Callable[[dict[str, Any]], Index]


@dataclass(frozen=True)
class TableSpec:
    """A read-model table and how its rows are indexed."""

    name: str
    index: IndexOf


class TableRows(MutableMapping[str, dict[str, Any]]):
    """The rows of one table inside one transaction, as the mapping a fold writes into.

    Rows are read on first use and cached; :meth:`flush` writes back the ones whose JSON
    changed (a fold mutates the dicts it was given). It cannot be iterated: a fold looks rows
    up by key.
    """

    def __init__(self, txn: StoreTransaction, spec: TableSpec) -> None:
        self.txn = txn
        self.spec = spec
        self._rows: dict[str, dict[str, Any] | None] = {}
        self._stored: dict[str, str | None] = {}

    def _load(self, key: str) -> dict[str, Any] | None:
        if key not in self._rows:
            data = self.txn.get(self.spec.name, key)
            self._stored[key] = data
            self._rows[key] = decode_row(data) if data is not None else None
        return self._rows[key]

    def __getitem__(self, key: str) -> dict[str, Any]:
        row = self._load(key)
        if row is None:
            raise KeyError(key)
        return row

    def __setitem__(self, key: str, row: dict[str, Any]) -> None:
        self._load(key)
        self._rows[key] = row

    def __delitem__(self, key: str) -> None:
        if self._load(key) is None:
            raise KeyError(key)
        self._rows[key] = None

    def __iter__(self) -> Iterator[str]:
        raise TypeError(f"the rows of {self.spec.name} are looked up by key, not iterated")

    def __len__(self) -> int:
        raise TypeError(f"the rows of {self.spec.name} are looked up by key, not counted")

    def flush(self) -> int:
        """Write the rows that changed; returns how many."""
        written = 0
        for key, row in self._rows.items():
            stored = self._stored.get(key)
            if row is None:
                if stored is not None:
                    self.txn.delete(self.spec.name, key)
                    written += 1
                continue
            data = encode_row(row)
            if data != stored:
                self.txn.upsert(self.spec.name, key, self.spec.index(row), data)
                self._stored[key] = data
                written += 1
        return written


# -- the projections ------------------------------------------------------------------------


def _at(value: Any) -> str | None:
    return time_key(value) if isinstance(value, datetime) else None


def position_status(row: dict[str, Any]) -> str:
    """OPEN while shares are held, SETTLED after a resolution took them, else CLOSED."""
    if row["size"] != 0:
        return "OPEN"
    return "SETTLED" if row.get("settled_size") else "CLOSED"


def _seq(value: Any) -> int | None:
    return time_seq(value) if isinstance(value, datetime) else None


def order_index(row: dict[str, Any]) -> Index:
    """Orders: by intent, agent, venue, status, time placed (listed by that time)."""
    return Index(
        row["intent_id"],
        row["agent"],
        row["venue"],
        row["status"],
        _at(row["placed_at"]),
        _seq(row["placed_at"]),
    )


def intent_index(row: dict[str, Any]) -> Index:
    """Intents: by denial reason, agent, venue, verdict, time received (listed by that time)."""
    return Index(
        row["reason"],
        row["agent"],
        row["venue"],
        row["verdict"],
        _at(row["received_at"]),
        _seq(row["received_at"]),
    )


def mark_index(row: dict[str, Any]) -> Index:
    """Marks: by token and venue."""
    return Index(row["token_id"], None, row["venue"])


def position_index(row: dict[str, Any]) -> Index:
    """Positions: by token, agent, venue, status, time opened."""
    return Index(
        row["token_id"],
        row["agent"],
        row["venue"],
        position_status(row),
        _at(row["opened_at"]),
    )


def balance_index(row: dict[str, Any]) -> Index:
    """Balances: by agent and venue."""
    return Index(None, row["agent"], row["venue"])


def purchase_index(row: dict[str, Any]) -> Index:
    """Purchase lots: by token, agent, venue, status, time bought (listed by that time)."""
    return Index(
        row["token_id"],
        row["agent"],
        row["venue"],
        row["status"],
        _at(row["bought_at"]),
        _seq(row["bought_at"]),
    )


def _plain_index(row: dict[str, Any]) -> Index:
    return Index(agent=row.get("agent"), venue=row.get("venue"))


def _audit_event_index(row: dict[str, Any]) -> Index:
    return Index(grp=row["intent_id"], seq=row["step"])


def _audit_id_index(row: dict[str, Any]) -> Index:
    return Index(grp=row["intent_id"])


class TrackedProjection(ABC):
    """A read model kept as a tracked consumer of the log."""

    name: ClassVar[str]
    version: ClassVar[int] = 1
    tables: ClassVar[tuple[TableSpec, ...]]

    @abstractmethod
    def apply(self, event: Any, notification: Notification, tables: dict[str, Rows]) -> None:
        """Fold one event into the projection's tables (``notification``: how its log holds
        it; where it sits in that log must not matter)."""

    def describe(self) -> str:
        """One line on what the projection holds."""
        return (self.__doc__ or "").strip().splitlines()[0]


class OrdersProjection(TrackedProjection):
    """Orders with their status, fills and venue ids."""

    name = "orders"
    version = 2  # 2: no log positions in the rows (several logs interleave)
    tables = (TableSpec("orders", order_index),)

    def apply(self, event: Any, notification: Notification, tables: dict[str, Rows]) -> None:
        """Fold one event in."""
        OrdersView(tables["orders"]).apply(event)


class IntentsProjection(TrackedProjection):
    """Intents with their verdicts and denial reasons."""

    name = "intents"
    version = 2  # 2: no log positions in the rows (several logs interleave)
    tables = (TableSpec("intents", intent_index),)

    def apply(self, event: Any, notification: Notification, tables: dict[str, Rows]) -> None:
        """Fold one event in."""
        IntentsView(tables["intents"]).apply(event)


class MarksProjection(TrackedProjection):
    """The latest recorded book's mid of every token (what PnL is marked at)."""

    name = "marks"
    version = 2  # 2: no log positions in the rows (several logs interleave)
    tables = (TableSpec("marks", mark_index),)

    def apply(self, event: Any, notification: Notification, tables: dict[str, Rows]) -> None:
        """Fold one event in."""
        MarksView(tables["marks"]).apply(event)


class PositionsProjection(TrackedProjection):
    """Positions: size, cost, realised PnL and settlement per agent, venue and token."""

    name = "positions"
    tables = (TableSpec("positions", position_index),)

    def apply(self, event: Any, notification: Notification, tables: dict[str, Rows]) -> None:
        """Fold one event in."""
        PositionsView(tables["positions"]).apply(event)


class BalancesProjection(TrackedProjection):
    """Balances per agent and venue: cash, committed, fees, realised PnL, holdings cost."""

    name = "balances"
    tables = (
        TableSpec("balances", balance_index),
        TableSpec("balance_orders", _plain_index),
        TableSpec("balance_agents", lambda row: Index(agent=row["name"])),
    )

    def apply(self, event: Any, notification: Notification, tables: dict[str, Rows]) -> None:
        """Fold one event in."""
        BalancesView(tables["balances"], tables["balance_orders"], tables["balance_agents"]).apply(
            event
        )


class PurchasesProjection(TrackedProjection):
    """Purchase history: every buy lot and how sells and settlements consumed it (FIFO)."""

    name = "purchases"
    version = 2  # 2: no log positions in the rows (several logs interleave)
    tables = (
        TableSpec("purchases", purchase_index),
        TableSpec("purchase_positions", _plain_index),
        TableSpec("purchase_sells", _plain_index),
    )

    def apply(self, event: Any, notification: Notification, tables: dict[str, Rows]) -> None:
        """Fold one event in."""
        PurchasesView(
            tables["purchases"], tables["purchase_positions"], tables["purchase_sells"]
        ).apply(event)


class AuditProjection(TrackedProjection):
    """The causal trail of every intent and order, which tape why reads."""

    name = "audit"
    version = 2  # 2: no log positions in the rows (several logs interleave)
    tables = (
        TableSpec("audit_events", _audit_event_index),
        TableSpec("audit_ids", _audit_id_index),
        TableSpec("audit_links", _audit_id_index),
    )

    def apply(self, event: Any, notification: Notification, tables: dict[str, Rows]) -> None:
        """Fold one event in."""
        AuditView(tables["audit_events"], tables["audit_ids"], tables["audit_links"]).apply(
            event, notification
        )


def all_projections() -> list[TrackedProjection]:
    """Every read model, in the order a catch-up applies them."""
    return [
        OrdersProjection(),
        IntentsProjection(),
        MarksProjection(),
        PositionsProjection(),
        BalancesProjection(),
        PurchasesProjection(),
        AuditProjection(),
    ]


PROJECTION_NAMES = tuple(p.name for p in all_projections())


# -- the projector --------------------------------------------------------------------------


def tracking_key(projection: str, upstream: str) -> str:
    """The tracking row of a projection's position in one log: the projection's own name for
    the single application (so stores made before there were workers keep working),
    ``projection@log`` for any other."""
    return projection if upstream == SINGLE_APP else f"{projection}@{upstream}"


def _upstream_of(projection: str, key: str) -> str | None:
    # The log a tracking row of this projection is about (None: another projection's row).
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
    """Raised for a projection name that is not one of :data:`PROJECTION_NAMES`."""


class ForeignUpstreamError(LookupError):
    """Raised when a projection's stored rows were folded from other logs than the ones given
    (another deployment's: the single application's, or another number of workers)."""


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
                    if _upstream_of(projection.name, key) is not None
                }
                if any(
                    t != Tracking(0, 0) and t.version != projection.version for t in mine.values()
                ):
                    self._clear(txn, projection)
                    continue
                current = set(self.keys[projection.name].values())
                foreign = [
                    str(_upstream_of(projection.name, key))
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
            if _upstream_of(projection.name, key) is not None and key not in current.values():
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
            return {key: decode_row(data) for key, data in txn.select(table, query or Query())}

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
        transaction: orders, intents and purchases narrowed by ``query``, positions by its
        agent and venue, the others whole. Views not named stay empty."""
        selected = {p.name for p in self._select(names)}
        query = query or Query()
        narrow = Query(agent=query.agent, venue=query.venue)
        views = LogViews()
        with self.store.read() as txn:

            def load(table: str, wanted: Query | None = None) -> dict[str, dict[str, Any]]:
                return {k: decode_row(d) for k, d in txn.select(table, wanted or Query())}

            if "orders" in selected:
                views.orders = OrdersView(load("orders", query))
            if "intents" in selected:
                views.intents = IntentsView(load("intents", query))
            if "positions" in selected:
                views.positions = PositionsView(load("positions", narrow))
            if "marks" in selected:
                views.marks = MarksView(load("marks"))
            if "balances" in selected:
                views.balances = BalancesView(load("balances"), {}, load("balance_agents"))
            if "purchases" in selected:
                views.purchases = PurchasesView(load("purchases", query))
        return views

    def trail(self, ident: str) -> Trail | None:
        """The audit trail of the intent ``ident`` names (intent id, order id, client or venue
        order id), from the audit projection; None when no such id was recorded."""
        with self.store.read() as txn:
            found = txn.get("audit_ids", ident.strip())
            if found is None:
                return None
            intent_id = str(decode_row(found)["intent_id"])
            rows = [decode_row(d) for _, d in txn.select("audit_events", Query(grp=intent_id))]
        return trail_from_rows(self.upstreams[0].mapper, intent_id, rows)
