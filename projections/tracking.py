"""Tracked projections: the read models as consumers of the application's notification log.

A :class:`Projector` polls ``app.recorder.select_notifications`` (SQLite has no subscription),
folds each page of events through the projections (the pure folds of ``projections/views.py``
and ``projections/audit.py``, over store-backed tables) and writes the rows it changed together
with each projection's new position, in one transaction. A crash between two events therefore
leaves the rows and the position of the last committed page: restarting re-reads the log from
there, so no event is applied twice or skipped.

Each projection carries a ``version``; a projection whose stored rows were made by another
version is rebuilt from the log on first use.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar

from eventsourcing.persistence import Notification

from engine.application import TapeApplication
from engine.values import dec_str
from projections.audit import AuditView, Trail, trail_from_rows
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
)

DEFAULT_BATCH = 500


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


def time_key(value: datetime) -> str:
    """A time as sortable text (UTC, always with microseconds), the form the ``at`` column
    and the ``--since``/``--until`` filters compare."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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


def order_index(row: dict[str, Any]) -> Index:
    """Orders: by intent, agent, venue, status, time placed."""
    return Index(
        row["intent_id"],
        row["agent"],
        row["venue"],
        row["status"],
        _at(row["placed_at"]),
        row["log_position"],
    )


def intent_index(row: dict[str, Any]) -> Index:
    """Intents: by denial reason, agent, venue, verdict, time received."""
    return Index(
        row["reason"],
        row["agent"],
        row["venue"],
        row["verdict"],
        _at(row["received_at"]),
        row["log_position"],
    )


def mark_index(row: dict[str, Any]) -> Index:
    """Marks: by token and venue."""
    return Index(row["token_id"], None, row["venue"], None, None, row["log_position"])


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
    """Purchase lots: by token, agent, venue, status, time bought."""
    return Index(
        row["token_id"],
        row["agent"],
        row["venue"],
        row["status"],
        _at(row["bought_at"]),
        row["log_position"],
    )


def _plain_index(row: dict[str, Any]) -> Index:
    return Index(agent=row.get("agent"), venue=row.get("venue"))


def _audit_event_index(row: dict[str, Any]) -> Index:
    return Index(grp=row["intent_id"], seq=row["log_position"])


def _audit_id_index(row: dict[str, Any]) -> Index:
    return Index(grp=row["intent_id"])


class TrackedProjection(ABC):
    """A read model kept as a tracked consumer of the log."""

    name: ClassVar[str]
    version: ClassVar[int] = 1
    tables: ClassVar[tuple[TableSpec, ...]]

    @abstractmethod
    def apply(
        self, position: int, event: Any, notification: Notification, tables: dict[str, Rows]
    ) -> None:
        """Fold one event into the projection's tables."""

    def describe(self) -> str:
        """One line on what the projection holds."""
        return (self.__doc__ or "").strip().splitlines()[0]


class OrdersProjection(TrackedProjection):
    """Orders with their status, fills and venue ids."""

    name = "orders"
    tables = (TableSpec("orders", order_index),)

    def apply(
        self, position: int, event: Any, notification: Notification, tables: dict[str, Rows]
    ) -> None:
        """Fold one event in."""
        OrdersView(tables["orders"]).apply(position, event)


class IntentsProjection(TrackedProjection):
    """Intents with their verdicts and denial reasons."""

    name = "intents"
    tables = (TableSpec("intents", intent_index),)

    def apply(
        self, position: int, event: Any, notification: Notification, tables: dict[str, Rows]
    ) -> None:
        """Fold one event in."""
        IntentsView(tables["intents"]).apply(position, event)


class MarksProjection(TrackedProjection):
    """The latest recorded book's mid of every token (what PnL is marked at)."""

    name = "marks"
    tables = (TableSpec("marks", mark_index),)

    def apply(
        self, position: int, event: Any, notification: Notification, tables: dict[str, Rows]
    ) -> None:
        """Fold one event in."""
        MarksView(tables["marks"]).apply(position, event)


class PositionsProjection(TrackedProjection):
    """Positions: size, cost, realised PnL and settlement per agent, venue and token."""

    name = "positions"
    tables = (TableSpec("positions", position_index),)

    def apply(
        self, position: int, event: Any, notification: Notification, tables: dict[str, Rows]
    ) -> None:
        """Fold one event in."""
        PositionsView(tables["positions"]).apply(position, event)


class BalancesProjection(TrackedProjection):
    """Balances per agent and venue: cash, committed, fees, realised PnL, holdings cost."""

    name = "balances"
    tables = (
        TableSpec("balances", balance_index),
        TableSpec("balance_orders", _plain_index),
        TableSpec("balance_agents", lambda row: Index(agent=row["name"])),
    )

    def apply(
        self, position: int, event: Any, notification: Notification, tables: dict[str, Rows]
    ) -> None:
        """Fold one event in."""
        BalancesView(tables["balances"], tables["balance_orders"], tables["balance_agents"]).apply(
            position, event
        )


class PurchasesProjection(TrackedProjection):
    """Purchase history: every buy lot and how sells and settlements consumed it (FIFO)."""

    name = "purchases"
    tables = (
        TableSpec("purchases", purchase_index),
        TableSpec("purchase_positions", _plain_index),
        TableSpec("purchase_sells", _plain_index),
    )

    def apply(
        self, position: int, event: Any, notification: Notification, tables: dict[str, Rows]
    ) -> None:
        """Fold one event in."""
        PurchasesView(
            tables["purchases"], tables["purchase_positions"], tables["purchase_sells"]
        ).apply(position, event)


class AuditProjection(TrackedProjection):
    """The causal trail of every intent and order, which tape why reads."""

    name = "audit"
    tables = (
        TableSpec("audit_events", _audit_event_index),
        TableSpec("audit_ids", _audit_id_index),
        TableSpec("audit_links", _audit_id_index),
    )

    def apply(
        self, position: int, event: Any, notification: Notification, tables: dict[str, Rows]
    ) -> None:
        """Fold one event in."""
        AuditView(tables["audit_events"], tables["audit_ids"], tables["audit_links"]).apply(
            position, event, notification
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


@dataclass(frozen=True)
class ProjectionStatus:
    """Where a projection is: its position, the log's, and its rows per table."""

    name: str
    position: int
    log_position: int
    rows: dict[str, int]
    description: str

    @property
    def behind(self) -> int:
        """Notifications not yet applied (an upper bound: ids may have gaps)."""
        return max(self.log_position - self.position, 0)


class UnknownProjectionError(LookupError):
    """Raised for a projection name that is not one of :data:`PROJECTION_NAMES`."""


class Projector:
    """Keeps tracked projections caught up with an application's log, and reads them."""

    def __init__(
        self,
        app: TapeApplication,
        store: ProjectionStore,
        projections: Sequence[TrackedProjection] | None = None,
        *,
        batch_size: int = DEFAULT_BATCH,
    ) -> None:
        self.app = app
        self.store = store
        self.projections = list(projections) if projections is not None else all_projections()
        self.by_name = {p.name: p for p in self.projections}
        self.batch_size = batch_size
        store.setup(
            [spec.name for p in self.projections for spec in p.tables],
            [p.name for p in self.projections],
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
        with self.store.write() as txn:
            tracking = txn.tracking([p.name for p in self.projections])
            for projection in self.projections:
                if tracking[projection.name] != Tracking(0, 0) and (
                    tracking[projection.name].version != projection.version
                ):
                    self._clear(txn, projection)

    @staticmethod
    def _clear(txn: StoreTransaction, projection: TrackedProjection) -> None:
        for spec in projection.tables:
            txn.clear(spec.name)
        txn.set_tracking(projection.name, Tracking(0, projection.version))

    def catch_up(self, names: Iterable[str] | None = None) -> int:
        """Apply every event the named projections (default: all) have not read yet, a page
        per transaction; returns how many notifications were read."""
        selected = self._select(names)
        total = 0
        while True:
            read = self._catch_up_page(selected)
            total += read
            if read < self.batch_size:
                return total

    def _catch_up_page(self, selected: Sequence[TrackedProjection]) -> int:
        with self.store.write() as txn:
            tracking = txn.tracking([p.name for p in selected])
            start = min(t.position for t in tracking.values()) + 1
            page = self.app.recorder.select_notifications(start=start, limit=self.batch_size)
            if not page:
                return 0
            tables = {spec.name: TableRows(txn, spec) for p in selected for spec in p.tables}
            rows: dict[str, Rows] = dict(tables)
            for notification in page:
                event: Any = None
                for projection in selected:
                    if notification.id > tracking[projection.name].position:
                        if event is None:
                            event = self.app.mapper.to_domain_event(notification)
                        projection.apply(notification.id, event, notification, rows)
            for table in tables.values():
                table.flush()
            last = page[-1].id
            for projection in selected:
                position = max(tracking[projection.name].position, last)
                txn.set_tracking(projection.name, Tracking(position, projection.version))
            return len(page)

    def rebuild(self, names: Iterable[str] | None = None) -> int:
        """Drop the named projections' rows (default: all) and fold the whole log again;
        returns how many notifications were read."""
        selected = self._select(names)
        with self.store.write() as txn:
            for projection in selected:
                self._clear(txn, projection)
        return self.catch_up([p.name for p in selected])

    def status(self) -> list[ProjectionStatus]:
        """Each projection's position and row counts, against the log's last position."""
        log_position = self.app.recorder.max_notification_id() or 0
        out = []
        with self.store.read() as txn:
            tracking = txn.tracking([p.name for p in self.projections])
            for projection in self.projections:
                out.append(
                    ProjectionStatus(
                        projection.name,
                        tracking[projection.name].position,
                        log_position,
                        {spec.name: txn.count(spec.name) for spec in projection.tables},
                        projection.describe(),
                    )
                )
        return out

    def rows(self, table: str, query: Query | None = None) -> dict[str, dict[str, Any]]:
        """The rows of a table that a query wants (all without one), by key, in log order."""
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
        return trail_from_rows(self.app.mapper, intent_id, rows)
