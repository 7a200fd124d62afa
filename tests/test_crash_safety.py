"""Crash safety, case by case: timeouts, crashes between the write-ahead and the venue call and
between the venue's answer and its recording, restarts, the circuit breaker, SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from adapters.bootstrap import assemble_engine
from adapters.clock import ManualClock
from adapters.paper.http_venue import HttpPaperVenues
from adapters.paper.venue import PaperVenues
from adapters.sample_day.agents import DEMO_CONFIG_TOML
from adapters.sample_day.day import write_day
from engine.application import TapeApplication
from engine.config import AgentConfig
from engine.intent import parse_intent
from engine.orders import Order
from engine.ports import OrderRequest, VenueReport
from engine.service import TradingEngine
from engine.values import Book, Level, TradingState
from projections.digest import decision_digest
from projections.views import LogViews
from tests.crash_harness import PaperVenueProcess
from tests.fakes.venues import UnreachableVenue
from tests.waiting import wait_until

TRADER = "0xa66790e2b0075e73c3781ddaf1d0b875a3aaceb3"
T0 = datetime(2026, 1, 30, 14, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parent.parent


class SimulatedCrash(BaseException):
    """Stands for the process dying at a chosen point."""


def a_day(path: Path, intents: int = 3) -> Path:
    """A tiny day: one book, then buys of a followed trader a second apart."""
    lines = [
        json.dumps(
            {
                "type": "book",
                "at": "2026-01-30T14:00:00Z",
                "venue": "polymarket",
                "token_id": "7",
                "bids": [["0.50", "500"]],
                "asks": [["0.52", "500"]],
                "tick_size": "0.01",
                "min_size": "5",
            }
        )
    ]
    for n in range(intents):
        at = (T0 + timedelta(seconds=n + 1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.append(json.dumps({"type": "intent", "at": at, "intent": an_intent(f"i{n}", at)}))
    path.write_text("\n".join(lines) + "\n")
    return path


def an_intent(intent_id: str, at: str) -> dict[str, Any]:
    return {
        "schema": "tape.intent/1",
        "intent_id": intent_id,
        "agent": "a",
        "venue": "polymarket",
        "market_id": "m",
        "token_id": "7",
        "outcome": "Yes",
        "side": "BUY",
        "price": "0.52",
        "size": "100",
        "created_at": at,
        "source": {"kind": "copy", "trader": TRADER},
    }


AGENT = AgentConfig(name="a", follow=(TRADER,), max_intent_age_s=30)


def open_engine(db: Path, venues: Any, clock: ManualClock) -> TradingEngine:
    app = TapeApplication(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(db)}
    )
    engine = assemble_engine(app, venues=venues, market_data=venues, clock=clock)
    engine.register_agents([AGENT])
    return engine


@pytest.fixture
def venue(tmp_path: Path) -> Iterator[PaperVenueProcess]:
    process = PaperVenueProcess(a_day(tmp_path / "day.jsonl"), tmp_path / "ledger.db")
    yield process
    process.stop()


def http_venues(
    venue: PaperVenueProcess, clock: ManualClock, timeout_s: float = 2.0
) -> HttpPaperVenues:
    return HttpPaperVenues(venue.url, clock=clock, timeout_s=timeout_s)


def orders_of(engine: TradingEngine) -> list[dict[str, Any]]:
    return list(LogViews.build(engine.app).orders.rows.values())


def test_timeout_after_the_venue_accepted_is_uncertain_and_found_by_reconciliation(
    tmp_path: Path, venue: PaperVenueProcess
) -> None:
    clock = ManualClock(T0)
    engine = open_engine(tmp_path / "t.db", http_venues(venue, clock, timeout_s=0.5), clock)
    requests.post(
        f"{venue.url}/_faults", json={"timeout_after_accept": 1, "delay_s": 1.5}, timeout=5
    )
    clock.set(T0 + timedelta(seconds=1))
    engine.submit(parse_intent(an_intent("i0", "2026-01-30T14:00:01Z")), feed="test")
    (order,) = orders_of(engine)
    assert order["status"] == "UNCERTAIN"
    # the stalled answer is still on its way: the venue's ledger already has the order
    assert engine.reconcile_open_orders() == {"applied": 1}
    (order,) = orders_of(engine)
    assert order["status"] == "FILLED"
    assert len(venue.ledger()) == 1  # found, never sent again


def test_timeout_where_the_venue_never_received_the_order_resubmits_once_with_the_same_id(
    tmp_path: Path, venue: PaperVenueProcess
) -> None:
    clock = ManualClock(T0)
    engine = open_engine(tmp_path / "t.db", http_venues(venue, clock), clock)
    requests.post(f"{venue.url}/_faults", json={"drop_before_accept": 1}, timeout=5)
    clock.set(T0 + timedelta(seconds=1))
    engine.submit(parse_intent(an_intent("i0", "2026-01-30T14:00:01Z")), feed="test")
    assert orders_of(engine)[0]["status"] == "UNCERTAIN"
    assert venue.ledger() == []
    assert engine.reconcile_open_orders() == {"resubmitted": 1}
    (order,) = orders_of(engine)
    assert order["status"] == "FILLED"
    (entry,) = venue.ledger()
    assert entry["client_order_id"] == order["client_order_id"]
    assert engine.reconcile_open_orders() == {}  # nothing left open, nothing sent again


def test_crash_between_order_placed_and_the_venue_call_is_finished_at_restart(
    tmp_path: Path, venue: PaperVenueProcess
) -> None:
    clock = ManualClock(T0 + timedelta(seconds=1))
    engine = open_engine(tmp_path / "t.db", http_venues(venue, clock), clock)
    intent = parse_intent(an_intent("i0", "2026-01-30T14:00:01Z"))
    engine.receive(intent, feed="test")
    (order_id,) = engine.decide(intent)  # OrderPlaced is stored; the process dies here
    restarted = open_engine(tmp_path / "t.db", http_venues(venue, ManualClock(T0)), ManualClock(T0))
    recovery = restarted.recover()
    assert recovery.reconciled == {"resubmitted": 1}
    (order,) = orders_of(restarted)
    assert order["order_id"] == str(order_id)
    assert order["status"] == "FILLED"
    assert len(venue.ledger()) == 1


def test_order_too_old_to_resubmit_at_restart_expires_with_its_reason(tmp_path: Path) -> None:
    paper = PaperVenues()
    clock = ManualClock(T0)
    engine = open_engine(tmp_path / "t.db", paper, clock)
    paper.on_book(
        Book(
            "polymarket",
            "7",
            "2026-01-30T14:00:00Z",
            (Level(Decimal("0.5"), Decimal(500)),),
            (Level(Decimal("0.52"), Decimal(500)),),
            Decimal("0.01"),
            Decimal(5),
        )
    )
    intent = parse_intent(an_intent("i0", "2026-01-30T14:00:00Z"))
    engine.receive(intent, feed="test")
    engine.decide(intent)  # crash: the venue never hears of it
    later = ManualClock(T0 + timedelta(minutes=5))
    restarted = open_engine(tmp_path / "t.db", PaperVenues(), later)
    assert restarted.recover().reconciled == {"expired": 1}
    (order,) = orders_of(restarted)
    assert order["status"] == "EXPIRED"
    assert "staleness limit" in order["reason"]


class CrashAfterVenueAnswer:
    """A venue that takes the order and then 'kills' the engine before it records the answer."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = "polymarket"

    def submit(self, request: OrderRequest, *, at: datetime | None = None) -> VenueReport:
        self.inner.submit(request, at=at)
        raise SimulatedCrash

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_crash_between_the_venue_answer_and_its_recording_is_applied_at_restart(
    tmp_path: Path, venue: PaperVenueProcess
) -> None:
    clock = ManualClock(T0 + timedelta(seconds=1))
    real = http_venues(venue, clock)
    engine = open_engine(
        tmp_path / "t.db", {"polymarket": CrashAfterVenueAnswer(real["polymarket"])}, clock
    )
    engine.market_data = real
    with pytest.raises(SimulatedCrash):
        engine.submit(parse_intent(an_intent("i0", "2026-01-30T14:00:01Z")), feed="test")
    assert orders_of(engine)[0]["status"] == "PLACED"
    restarted = open_engine(tmp_path / "t.db", http_venues(venue, ManualClock(T0)), ManualClock(T0))
    assert restarted.recover().reconciled == {"applied": 1}
    (order,) = orders_of(restarted)
    assert order["status"] == "FILLED"
    assert order["filled"] == Decimal(100) * Decimal(10) / Decimal(100)
    (entry,) = venue.ledger()
    assert [f["id"] for f in entry["fills"]] == [f"{entry['client_order_id']}:1"]
    assert restarted.recover().reconciled == {}  # reconciling again changes nothing


def test_crash_between_receipt_and_decision_is_decided_at_restart(tmp_path: Path) -> None:
    paper = PaperVenues()
    clock = ManualClock(T0)
    engine = open_engine(tmp_path / "t.db", paper, clock)
    engine.receive(parse_intent(an_intent("i0", "2026-01-30T14:00:00Z")), feed="test")
    restarted = open_engine(tmp_path / "t.db", paper, ManualClock(T0))
    assert restarted.recover().decided == 1
    (row,) = LogViews.build(restarted.app).intents.rows.values()
    assert row["verdict"] == "DENIED"  # no book on the fresh venue: decided, with that reason
    assert row["reason"] == "book"


def test_five_venue_failures_in_a_row_trip_the_breaker_and_activate_resumes(tmp_path: Path) -> None:
    paper = PaperVenues()
    paper.on_book(
        Book(
            "polymarket",
            "7",
            "2026-01-30T14:00:00Z",
            (Level(Decimal("0.5"), Decimal(500)),),
            (Level(Decimal("0.52"), Decimal(5000)),),
            Decimal("0.01"),
            Decimal(5),
        )
    )
    clock = ManualClock(T0)
    app = TapeApplication(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "t.db")}
    )
    engine = assemble_engine(
        app,
        venues={"polymarket": UnreachableVenue("timed out", numbered=False)},
        market_data=paper,
        clock=clock,
    )
    engine.register_agents([AGENT])
    for n in range(6):
        engine.submit(parse_intent(an_intent(f"i{n}", "2026-01-30T14:00:00Z")), feed="test")
    names = LogViews.build(app).names
    assert names["CircuitBreakerTripped"] == 1
    assert names["OrderSubmissionUncertain"] == 5  # the sixth intent was denied: agent halted
    assert engine.tripped == [("a", "timed out")]
    denied = [r for r in LogViews.build(app).intents.rows.values() if r["verdict"] == "DENIED"]
    assert [r["reason"] for r in denied] == ["agent_state"]
    assert engine.set_trading_state("a", TradingState.ACTIVE, "operator")
    first_order = app.repository.get(Order.create_id("i0", 0))
    assert first_order.status == "UNCERTAIN"  # never rejected: reconciliation decides


def test_sigterm_during_a_run_exits_0_with_nothing_half_done_and_the_rerun_finishes(
    tmp_path: Path,
) -> None:
    day = tmp_path / "day.jsonl"
    write_day(day, 4, intents=500)
    config = tmp_path / "tape.toml"
    config.write_text(DEMO_CONFIG_TOML)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAPE_")}
    env.update({"TAPE_HOME": str(tmp_path / "h"), "PYTHONPATH": str(REPO)})
    venue = PaperVenueProcess(day, tmp_path / "ledger.db")
    command = [sys.executable, "-m", "cli.main", "run", "--day", str(day), "--config", str(config)]
    try:
        process = subprocess.Popen(
            [*command, "--paper-url", venue.url],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_until(venue.ledger, timeout=120)  # the run is under way
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert "SIGTERM: finishing the current record" in err
        assert "stopped    after line" in out
        app = sqlite_app(tmp_path / "h")
        views = LogViews.build(app)
        assert all(r["verdict"] != "RECEIVED" for r in views.intents.rows.values())
        assert all(r["status"] not in ("PLACED", "UNCERTAIN") for r in views.orders.rows.values())
        stopped_with = len(views.intents.rows)
        rerun = subprocess.run(
            [*command, "--paper-url", venue.url],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert rerun.returncode == 0, rerun.stderr
        assert "resumed" in rerun.stdout
    finally:
        venue.stop()
    whole_venue = PaperVenueProcess(day, tmp_path / "whole-ledger.db")
    env["TAPE_HOME"] = str(tmp_path / "whole")
    try:
        whole = subprocess.run(
            [*command, "--paper-url", whole_venue.url],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        whole_venue.stop()
    assert whole.returncode == 0
    whole_app = sqlite_app(tmp_path / "whole")
    assert 0 < stopped_with < len(LogViews.build(whole_app).intents.rows)
    assert decision_digest(app) == decision_digest(whole_app)


def sqlite_app(home: Path) -> TapeApplication:
    return TapeApplication(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(home / "tape.db")}
    )
