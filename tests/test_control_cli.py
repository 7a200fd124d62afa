"""``tape orders cancel``, ``tape agents halt`` / ``reduce`` cancelling what rests, and ``tape
agents flatten``, run as a user runs them, against ``tape paper-venue`` in its own process
(the orders outlive each command, as at a real venue)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from adapters.bootstrap import assemble_engine
from adapters.clock import ManualClock
from adapters.paper.http_venue import HttpPaperVenues
from engine.application import TapeApplication
from engine.config import AgentConfig, Sizing
from engine.ids import intent_uuid
from engine.intent import TradeIntent
from engine.orders import Order
from engine.ports import Books
from engine.values import Book, Level, OrderType
from tests.cli_rig import run_cli
from tests.conftest import sqlite_env
from tests.crash_harness import PaperVenueProcess
from tests.venue_contract.harnesses import T0

D = Decimal
TRADER = "0x" + "cd" * 20
TOKEN = "7"  # noqa: S105 - a token id
BIDS = (("0.45", "100"),)
ASKS = (("0.50", "100"),)


def _book(asks: tuple[tuple[str, str], ...]) -> Book:
    return Book(
        venue="polymarket",
        token_id=TOKEN,
        at="2026-01-30T14:00:00Z",
        bids=tuple(Level(D(p), D(s)) for p, s in BIDS),
        asks=tuple(Level(D(p), D(s)) for p, s in asks),
        tick_size=D("0.01"),
        min_size=D("5"),
    )


@pytest.fixture
def venue(tmp_path: Path) -> Iterator[PaperVenueProcess]:
    """The paper venue process with one book: bids 0.45, asks 0.50."""
    day = tmp_path / "venue" / "day.jsonl"
    day.parent.mkdir()
    record = {"type": "book", **_book(ASKS).to_record(), "at": "2026-01-30T14:00:00Z"}
    day.write_text(json.dumps(record) + "\n")
    process = PaperVenueProcess(day, day.parent / "ledger.db")
    yield process
    process.stop()


@pytest.fixture
def home(tmp_path: Path, venue: PaperVenueProcess, monkeypatch: pytest.MonkeyPatch) -> Path:
    """TAPE_HOME for the commands, trading on the paper venue process."""
    folder = tmp_path / "home"
    folder.mkdir()
    for name in ("TAPE_CONFIG", "TAPE_DATABASE_URL", "TAPE_PAPER_ONLY", "FOLLOW_TRADERS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TAPE_HOME", str(folder))
    monkeypatch.setenv("TAPE_PAPER_URL", venue.url)
    monkeypatch.chdir(tmp_path)
    return folder


def place(home: Path, url: str, n: int, asks: tuple[tuple[str, str], ...]) -> Order:
    """An engine of the test's own places one copy BUY at the venue process (asks shown to
    it: 0.40 rests at the venue, 0.50 fills), then closes."""
    app = TapeApplication(env=sqlite_env(home / "tape.db"))
    clock = ManualClock(T0 + timedelta(seconds=n))
    books = Books()
    books.update(_book(asks))
    venues = HttpPaperVenues(url, clock=clock)
    engine = assemble_engine(app, venues=venues, market_data=books, clock=clock)
    engine.register_agents(
        [
            AgentConfig(
                name="a",
                follow=(TRADER,),
                order_type=OrderType.GTC,
                sizing=Sizing(mode="FIXED", value=D(5)),
                max_slippage_pct=D(50),
            )
        ]
    )
    intent = TradeIntent.model_validate(
        {
            "schema": "tape.intent/1",
            "intent_id": f"buy-{n}",
            "agent": "a",
            "venue": "polymarket",
            "market_id": "m1",
            "token_id": TOKEN,
            "outcome": "Yes",
            "side": "BUY",
            "price": asks[0][0],
            "size": "10",
            "created_at": clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "source": {"kind": "copy", "trader": TRADER},
        }
    )
    engine.submit(intent, feed="test")
    record = app.repository.get(intent_uuid(intent.intent_id))
    order: Order = app.repository.get(UUID(record.order_ids[0]))
    app.close()
    return order


def status(home: Path, order_id: UUID) -> str:
    """The order's status in the store."""
    app = TapeApplication(env=sqlite_env(home / "tape.db"))
    try:
        return str(app.repository.get(order_id).status)
    finally:
        app.close()


def test_orders_cancel_cancels_a_resting_order_at_the_venue(
    capsys: pytest.CaptureFixture[str], home: Path, venue: PaperVenueProcess
) -> None:
    order = place(home, venue.url, 1, (("0.40", "100"),))
    assert order.status == "ACCEPTED"

    code, out, err = run_cli(capsys, "orders", "cancel", str(order.id))

    assert code == 0, err
    assert f"{order.id}: canceled" in out
    assert status(home, order.id) == "CANCELED"
    (entry,) = [e for e in venue.ledger() if e["client_order_id"] == order.client_order_id]
    assert entry["status"] == "CANCELED"
    code, out, _ = run_cli(capsys, "orders", "--status", "CANCELED", "--json")
    assert code == 0
    assert [row["order_id"] for row in json.loads(out)] == [str(order.id)]
    code, _, err = run_cli(capsys, "orders", "cancel", "nonsense")
    assert code == 2
    assert "neither an order id" in err


def test_halt_and_reduce_cancel_what_rests(
    capsys: pytest.CaptureFixture[str], home: Path, venue: PaperVenueProcess
) -> None:
    order = place(home, venue.url, 1, (("0.40", "100"),))

    code, out, err = run_cli(capsys, "agents", "reduce", "a")
    assert code == 0, err
    assert "a: resting orders: canceled 1" in out
    assert status(home, order.id) == "CANCELED"

    run_cli(capsys, "agents", "activate", "a")
    second = place(home, venue.url, 2, (("0.40", "100"),))
    code, out, err = run_cli(capsys, "agents", "halt", "a")
    assert code == 0, err
    assert "a: resting orders: canceled 1" in out
    assert status(home, second.id) == "CANCELED"


def test_agents_flatten_sells_every_position_through_the_firewall(
    capsys: pytest.CaptureFixture[str], home: Path, venue: PaperVenueProcess
) -> None:
    bought = place(home, venue.url, 1, ASKS)
    assert status(home, bought.id) == "FILLED"

    code, out, err = run_cli(capsys, "agents", "flatten", "a")

    assert code == 0, err
    assert "ACCEPTED, order FILLED" in out
    code, out, _ = run_cli(capsys, "positions", "--agent", "a", "--json")
    assert json.loads(out) == []  # open positions only: none left
    code, out, _ = run_cli(capsys, "agents", "flatten", "a")
    assert code == 0
    assert "a: no open position" in out
