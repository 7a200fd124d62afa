"""Shared helpers of the read-model tests: run a day through the engine with the projections
following it, and compare the projections with what the aggregates say.

:func:`backend` is the backend contract fixture: every projection test that takes it runs once
on SQLite (a real file) and once on PostgreSQL (the real server, a fresh schema per store). The
event log stays a SQLite file on both: the read-model store is the backend under test.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent

from adapters.bootstrap import assemble_engine
from adapters.clock import ManualClock
from adapters.day_runner import DayRunner, RunStats
from adapters.dayfile import BadLine, DayRecord, read_day
from adapters.paper.venue import PaperVenues
from adapters.readstore import SqliteProjectionStore, open_store
from adapters.sample_day.agents import demo_agent_configs
from adapters.storage import postgres_storage
from engine.agents import Agent
from engine.application import TapeApplication
from engine.config import AgentConfig
from engine.feeds import Feed
from engine.intents import Intent
from engine.orders import Order
from engine.positions import Position
from engine.reconciliations import Reconciliation
from engine.traders import TraderHolding
from projections.audit import find_trail
from projections.logs import Upstream, notifications, read_log
from projections.readstore import ProjectionStore
from projections.rows import pair_key
from projections.tracking import Projector, TrackedProjection
from projections.views import LogViews
from tests.postgres import postgres_url


def sqlite_env(path: Path) -> dict[str, str]:
    """The library environment of a SQLite event store."""
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}


@dataclass
class DayRun:
    """A day run: the store, its projections, the run's stats."""

    app: TapeApplication
    projector: Projector
    stats: RunStats
    folder: Path | None = None  # where its SQLite files are


def run_day(
    lines: Iterable[str],
    *,
    app_env: Mapping[str, str],
    store: ProjectionStore,
    catch_up_every: int | None = None,
    batch_size: int = 100,
    agents: Sequence[AgentConfig] | None = None,
    fee_rate: Decimal = Decimal(0),
) -> DayRun:
    """Run ``tape.day/1`` lines as ``tape run`` does (agents registered at the first record's
    time), the projections catching up every ``catch_up_every`` records (never: None) and at
    the end."""
    records = list(read_day(lines))
    app = TapeApplication(env=dict(app_env))
    first = next(r for r in records if not isinstance(r, BadLine))
    clock = ManualClock(first.at)
    paper = PaperVenues(fee_rate=fee_rate)
    engine = assemble_engine(app, venues=paper, market_data=paper, clock=clock)
    engine.register_agents(list(agents) if agents is not None else demo_agent_configs())
    projector = Projector(app, store, batch_size=batch_size)

    def feed() -> Iterator[DayRecord | BadLine]:
        for count, record in enumerate(records, 1):
            yield record
            if catch_up_every is not None and count % catch_up_every == 0:
                projector.catch_up()

    runner = DayRunner(engine, clock=clock, source="day.jsonl", books=paper.on_book)
    stats = runner.run(feed())
    projector.catch_up()
    return DayRun(app, projector, stats)


def run_sqlite_day(folder: Path, lines: Iterable[str], **kw: Any) -> DayRun:
    """:func:`run_day` on SQLite files in ``folder`` (tape.db, projections.db)."""
    folder.mkdir(parents=True, exist_ok=True)
    run = run_day(
        lines,
        app_env=sqlite_env(folder / "tape.db"),
        store=SqliteProjectionStore(folder / "projections.db"),
        **kw,
    )
    run.folder = folder
    return run


class Backend:
    """A read-model store backend under test: :meth:`store` opens a store by name (the same
    name, the same store: a SQLite file in ``folder``, or a fresh PostgreSQL schema). A store
    a test opens is closed when the test ends, one a module fixture opens when the module ends;
    the schemas are dropped then. A schema is made on a connection of its own, closed at once,
    so a module holds no more connections than stores it has open."""

    def __init__(self, kind: str, folder: Path) -> None:
        self.kind = kind
        self.folder = folder
        self._schemas: dict[str, str] = {}
        self._names = itertools.count(1)
        self._opened: list[ProjectionStore] = []

    def unique_name(self) -> str:
        """A store name no other store of this fixture has."""
        return f"store{next(self._names)}"

    def locate(self, name: str) -> str:
        """Where the store of this name lives: a file path, or a schema (made on first use)."""
        if self.kind == "sqlite":
            return str(self.folder / f"{name}.db")
        if name not in self._schemas:
            schema = f"tape_test_{uuid.uuid4().hex[:12]}"
            with _admin_connection() as conn:
                conn.execute(f'CREATE SCHEMA "{schema}"')
            self._schemas[name] = schema
        return self._schemas[name]

    def store(self, name: str | None = None) -> ProjectionStore:
        """The store of this name (a new one without a name)."""
        opened = open_test_store(self.kind, self.locate(name or self.unique_name()))
        self._opened.append(opened)
        OPEN_STORES.append(opened)
        return opened

    def close(self) -> None:
        """Close every store still open and drop the schemas."""
        for opened in self._opened:
            opened.close()  # (again, for those a test closed: closing twice is harmless)
        OPEN_STORES[:] = [s for s in OPEN_STORES if all(s is not o for o in self._opened)]
        if self._schemas:
            with _admin_connection() as conn:
                for schema in self._schemas.values():
                    conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


OPEN_STORES: list[ProjectionStore] = []
"""The stores the backend fixture opened and nobody has closed yet, in the order opened."""


def _admin_connection() -> psycopg.Connection[Any]:
    # A short connection to the test server (required in CI, else its absence skips).
    url = postgres_url()
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {url} is required in CI: {error}")
        pytest.skip(f"no PostgreSQL at {url}")


def open_test_store(kind: str, where: str) -> ProjectionStore:
    """A store of a test backend: a SQLite file at ``where``, or the PostgreSQL schema
    ``where`` (also from a child process the test starts)."""
    if kind == "sqlite":
        return SqliteProjectionStore(Path(where))
    storage = postgres_storage(postgres_url(), schema=where)
    return open_store(storage.kind, storage.location, storage.env)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    """The backend contract fixture: the tests that take it run on SQLite and on PostgreSQL."""
    made = Backend(request.param, tmp_path_factory.mktemp(request.param))
    try:
        yield made
    finally:
        made.close()


@pytest.fixture(autouse=True)
def close_the_stores_a_test_opened() -> Iterator[None]:
    """Close the backend stores a test opened when it ends (module fixtures, set up before it,
    keep theirs)."""
    before = len(OPEN_STORES)
    yield
    while len(OPEN_STORES) > before:
        OPEN_STORES.pop().close()


def run_backend_day(backend: Backend, lines: Iterable[str], **kw: Any) -> DayRun:
    """:func:`run_day` with its events in a SQLite file of its own and its projections in a
    new store of the backend."""
    name = backend.unique_name()
    folder = backend.folder / name
    folder.mkdir(parents=True)
    run = run_day(lines, app_env=sqlite_env(folder / "tape.db"), store=backend.store(name), **kw)
    run.folder = folder
    return run


def created_ids(app: TapeApplication) -> dict[str, list[UUID]]:
    """The ids of every intent, order, position and agent, from their creation events."""
    kinds = {
        Intent.IntentReceived: "intents",
        Order.OrderPlaced: "orders",
        Position.PositionOpened: "positions",
        Agent.AgentRegistered: "agents",
    }
    found: dict[str, list[UUID]] = {kind: [] for kind in kinds.values()}
    for _, event in read_log(app):
        kind = kinds.get(type(event))
        if kind is not None:
            found[kind].append(event.originator_id)
    return found


def _cost(lots: list[dict[str, Any]]) -> Decimal:
    return sum((lot["cost"] for lot in lots), Decimal(0))


def assert_projections_match_aggregates(app: TapeApplication, projector: Projector) -> None:
    """Every projection says what the aggregates loaded from the repository say."""
    views = projector.views()
    ids = created_ids(app)
    get = app.repository.get

    assert len(views.orders.rows) == len(ids["orders"])
    for order_id in ids["orders"]:
        order: Order = get(order_id)
        row = views.orders.rows[str(order_id)]
        assert row["status"] == order.status
        assert row["filled"] == order.filled_size
        assert {f["fill_id"] for f in row["fills"]} == set(order.fills)
        assert (row["venue_order_id"], row["client_order_id"]) == (
            order.venue_order_id,
            order.client_order_id,
        )
        assert (row["size"], row["price"], row["agent"]) == (order.size, order.price, order.agent)

    assert len(views.intents.rows) == len(ids["intents"])
    for intent_key in ids["intents"]:
        intent: Intent = get(intent_key)
        row = views.intents.rows[str(intent_key)]
        assert row["verdict"] == intent.status
        assert row["reason"] == intent.reason
        assert row["redeliveries"] == intent.redeliveries
        assert row["order_ids"] == intent.order_ids

    assert len(views.positions.rows) == len(ids["positions"])
    held: dict[str, dict[str, Decimal]] = {}
    for position_id in ids["positions"]:
        position: Position = get(position_id)
        row = views.positions.rows[str(position_id)]
        assert row["size"] == position.size
        assert row["cost"] == position.cost
        assert row["realised_pnl"] == position.realised_pnl
        assert row["fees"] == position.fees
        lots = {lot["lot"]: lot for lot in position.lots}
        open_lots = {
            r["lot"]: r
            for r in views.purchases.rows.values()
            if (r["agent"], r["venue"], r["token_id"])
            == (position.agent, position.venue, position.token_id)
            and r["remaining"] != 0
        }
        assert set(open_lots) == set(lots)
        for lot_id, lot in lots.items():
            row = open_lots[lot_id]
            assert (row["remaining"], row["remaining_cost"]) == (lot["size"], lot["cost"])
            if lot["order_id"]:  # (a lot a voided sell gave back is re-made without them)
                assert (row["trader"], row["order_id"], row["price"]) == (
                    lot["trader"],
                    lot["order_id"],
                    lot["price"],
                )
        lot_realised = sum(
            (
                r["realised_pnl"]
                for r in views.purchases.rows.values()
                if (r["agent"], r["venue"], r["token_id"])
                == (position.agent, position.venue, position.token_id)
            ),
            Decimal(0),
        )
        assert lot_realised == position.realised_pnl
        pair = held.setdefault(pair_key(position.agent, position.venue), {})
        pair["cost"] = pair.get("cost", Decimal(0)) + position.cost
        pair["realised"] = pair.get("realised", Decimal(0)) + position.realised_pnl
        pair["fees"] = pair.get("fees", Decimal(0)) + position.fees

    balances = {
        pair_key(r["agent"], r["venue"]): r
        for r in views.balances.with_marks(views.positions, views.marks)
    }
    for key, sums in held.items():
        assert balances[key]["holdings_cost"] == sums["cost"]
        assert balances[key]["realised_pnl"] == sums["realised"]
        assert balances[key]["fees"] == sums["fees"]
    marked = {pair_key(p["agent"], p["venue"]): Decimal(0) for p in views.positions.rows.values()}
    for p in views.positions.with_marks(views.marks):
        marked[pair_key(p["agent"], p["venue"])] += p["marked_pnl"]
    for key, row in balances.items():
        assert row["marked_pnl"] == marked.get(key, Decimal(0))
    for agent_id in ids["agents"]:
        agent: Agent = get(agent_id)
        rows = [r for r in balances.values() if r["agent"] == agent.name]
        if not rows:
            assert not agent.holdings
            assert not agent.commitments
            continue
        assert sum((r["committed"] for r in rows), Decimal(0)) == sum(
            agent.commitments.values(), Decimal(0)
        )
        assert sum((r["realised_pnl"] for r in rows), Decimal(0)) == agent.realised_pnl
        assert sum((r["holdings_cost"] for r in rows), Decimal(0)) == _cost(
            list(agent.holdings.values())
        )
        for row in rows:
            assert row["budget_left"] == agent.config.budget_usdc - agent.deployed()


def assert_trails_match_the_log(app: TapeApplication, projector: Projector, limit: int) -> None:
    """``tape why``'s trail from the audit projection equals a scan of the whole log, for up to
    ``limit`` intents (and every id each intent is known by)."""
    views = LogViews.build(app)
    for row in list(views.intents.rows.values())[:limit]:
        expected = find_trail(app, row["intent_id"])
        assert expected is not None
        found = projector.trail(row["intent_id"])
        assert found is not None
        assert found.to_json() == expected.to_json()
        for order_id in row["order_ids"]:
            order = views.orders.rows[order_id]
            for ident in (order_id, order["client_order_id"], order["venue_order_id"]):
                if ident is not None:
                    again = projector.trail(ident)
                    assert again is not None
                    assert again.to_json() == expected.to_json()


class CrashAfter:
    """A projection that does what another does, then raises (or acts) at its n-th event:
    the process dying between two events of a page."""

    def __init__(self, inner: TrackedProjection, after: int, crash: Any) -> None:
        self.inner = inner
        self.after = after
        self.crash = crash
        self.seen = 0
        self.name = inner.name
        self.version = inner.version
        self.tables = inner.tables

    def describe(self) -> str:
        """What the wrapped projection holds."""
        return self.inner.describe()

    def apply(self, event: Any, notification: Any, tables: Any) -> None:
        """Apply, then crash once ``after`` events went through."""
        self.inner.apply(event, notification, tables)
        self.seen += 1
        if self.seen == self.after:
            self.crash()


def _owner(event: Any, owners: dict[str, str | None]) -> str | None:
    # The agent whose log an aggregate's first event goes to (None: no agent's, a feed's).
    if isinstance(event, Agent.AgentRegistered):
        return str(event.name)
    if isinstance(event, Intent.IntentReceived):
        return str(event.intent["agent"])
    if isinstance(
        event, (Order.OrderPlaced, Position.PositionOpened, TraderHolding.TraderFirstSeen)
    ):
        return str(event.agent)
    if isinstance(event, Reconciliation.ReconciliationOpened):
        return owners[event.order_id]
    if isinstance(event, Feed.FeedOpened):
        return None
    raise AssertionError(f"no owner known for an aggregate that starts with {event!r}")


def split_by_agent(
    app: TapeApplication, log_of: Callable[[str | None], int]
) -> dict[int, list[StoredEvent]]:
    """The application's events split into the logs that ``log_of`` gives each agent (as the
    engine's workers would hold them: every aggregate of an agent in its log, the log's order
    kept), as stored events by log."""
    owners: dict[str, str | None] = {}
    logs: dict[int, list[StoredEvent]] = {}
    for notification in notifications(app):
        originator = str(notification.originator_id)
        if originator not in owners:
            owners[originator] = _owner(app.mapper.to_domain_event(notification), owners)
        logs.setdefault(log_of(owners[originator]), []).append(
            StoredEvent(
                originator_id=notification.originator_id,
                originator_version=notification.originator_version,
                topic=notification.topic,
                state=notification.state,
            )
        )
    return logs


def memory_log(name: str) -> Upstream:
    """An empty in-memory Tape log under a name (a worker's, for the tests)."""
    app = TapeApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    return Upstream(name, app.recorder, app.mapper)
