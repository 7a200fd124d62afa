"""Following a wallet on paper without a key: Polymarket decisions read the venue's live public
``/book`` (a fake CLOB on loopback), the paper venue fills against it (walking its levels, the
liquidity an account took remembered until the venue's book changes), the verdict records the
book; through ``tape ingest`` of the monitor's file and through ``tape serve``'s intake fed by
the monitor; and the session, exported with ``export-day``, replays byte for byte."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from adapters.bootstrap import build, live_clock
from adapters.config_file import load_config
from adapters.http_ingest import create_app
from adapters.paper.live_books import PaperOnLiveBooks
from adapters.paper.venue import PaperVenues
from adapters.polymarket_data import (
    Backoff,
    DataApiClient,
    FileSink,
    Monitor,
    MonitorSettings,
    StateStore,
)
from adapters.polymarket_data.sinks import HttpSink
from adapters.replay.export import export_day
from adapters.replay.verify import verify
from adapters.settings import Settings
from adapters.venues import wire_venues
from cli.main import cli
from engine.application import TapeApplication
from engine.ports import OrderRequest
from engine.values import OrderType, Side
from projections.views import LogViews
from tests.conftest import sqlite_env, stored_events
from tests.fake_clob import FakeClob
from tests.fake_data_api import FakeDataApi, serve_fake, trade_row
from tests.test_http_ingest import AUTH, TOKEN, serving, wait_until

D = Decimal
WALLET = "0x" + "7e" * 20
YES = "5" * 70
NO = "6" * 70
ASKS = [("0.52", "40"), ("0.53", "900")]
CONFIG = f"""
[agents.tenth]
strategy = "copy"
venues = ["polymarket"]
follow = ["{WALLET}"]
sizing = {{ mode = "PERCENTAGE", value = "10" }}
max_intent_usdc = "1000"
max_intent_age_s = 600
max_slippage_pct = "3"
max_position_usdc = "1000"
budget_usdc = "5000"

[agents.fixed]
strategy = "copy"
venues = ["polymarket"]
follow = ["{WALLET}"]
sizing = {{ mode = "FIXED", value = "30" }}
max_intent_usdc = "1000"
max_intent_age_s = 600
max_slippage_pct = "3"
max_position_usdc = "1000"
budget_usdc = "5000"
"""


@pytest.fixture
def clob() -> Iterator[tuple[FakeClob, str]]:
    """The fake CLOB and Gamma: one market, YES asked at 0.52 (40) and 0.53 (900)."""
    fake = FakeClob().start()
    market = fake.add_market("Will it rain in Paris?", [(YES, "Yes"), (NO, "No")])
    fake.set_book(YES, bids=[("0.50", "100")], asks=ASKS)
    yield fake, market.condition_id
    fake.stop()


def clob_env(fake: FakeClob, home: Path) -> dict[str, str]:
    """No key: the venue's public hosts only."""
    return {
        "TAPE_HOME": str(home),
        "POLYMARKET_CLOB_URL": fake.url,
        "POLYMARKET_GAMMA_URL": fake.gamma_url,
        "POLYMARKET_PRIVATE_KEY": "",
    }


def test_paper_fills_walk_the_live_book_and_remember_what_they_took(
    clob: tuple[FakeClob, str],
) -> None:
    fake, condition = clob
    wired = wire_venues(
        clob_env(fake, Path("unused")), paper=PaperVenues(), paper_only=False, live_books=True
    )
    assert "polymarket: no key: trading on paper against its live public books" in (
        wired.mode_lines
    )
    assert isinstance(wired.routed.paper, PaperOnLiveBooks)
    book = wired.routed.book("polymarket", YES, account="a")
    assert book is not None
    assert [(lv.price, lv.size) for lv in book.asks] == [(D("0.52"), D(40)), (D("0.53"), D(900))]
    venue = wired.routed["polymarket"]

    def buy(client_id: str, size: str, account: str = "a") -> list[tuple[D, D]]:
        request = OrderRequest(client_id, "polymarket", condition, YES, Side.BUY, OrderType.FAK,
                               D("0.53"), D(size), account=account)  # fmt: skip
        wired.routed.book("polymarket", YES, account=account)  # the decision reads the book
        return [(f.price, f.size) for f in venue.submit(request).fills]

    assert buy("c1", "50") == [(D("0.52"), D(40)), (D("0.53"), D(10))]  # walks two levels
    assert buy("c2", "10") == [(D("0.53"), D(10))]  # the 0.52 level is still taken
    assert buy("c3", "10", account="b") == [(D("0.52"), D(10))]  # another account's own view
    fake.set_book(YES, bids=[("0.50", "100")], asks=[("0.52", "40"), ("0.53", "901")])
    assert buy("c4", "10") == [(D("0.52"), D(10))]  # the venue's book moved: a fresh book
    assert fake.count("POST", "/order") == 0  # paper: nothing sent


def monitored_file(data_url: str, tmp_path: Path, now: int) -> Path:
    """The monitor's output for WALLET: signals, no agent."""
    out = tmp_path / "signals.jsonl"
    monitor = Monitor(
        DataApiClient(data_url, backoff=Backoff(base=0.01, attempts=3)),
        StateStore(tmp_path / "monitor"),
        FileSink(out),
        MonitorSettings(traders=(WALLET,), since=now - 60),
        report=lambda _m: None,
    )
    monitor.poll_once()
    return out


def trades(condition: str, now: int) -> list[dict[str, Any]]:
    """Two trades of WALLET on YES, seconds ago."""
    return [
        trade_row(WALLET, tx_hash="0x" + "a1" * 32, asset=YES, side="BUY", size=200, price=0.52,
                  timestamp=now - 20, condition_id=condition),
        trade_row(WALLET, tx_hash="0x" + "a2" * 32, asset=YES, side="BUY", size=300, price=0.52,
                  timestamp=now - 10, condition_id=condition),
    ]  # fmt: skip


def open_store(home: Path) -> TapeApplication:
    """The SQLite store a tape command wrote under ``home``."""
    return TapeApplication(env=sqlite_env(home / "tape.db"))


def test_tape_ingest_of_the_monitors_signals_fills_on_paper_against_the_live_book_and_replays(
    clob: tuple[FakeClob, str], tmp_path: Path
) -> None:
    fake, condition = clob
    now = int(time.time())
    api = FakeDataApi()
    api.add_rows(WALLET, trades(condition, now))
    with serve_fake(api) as data:
        signals = monitored_file(data.url, tmp_path, now)
    assert [json.loads(x).get("agent") for x in signals.read_text().splitlines()] == [None, None]
    config = tmp_path / "tape.toml"
    config.write_text(CONFIG, encoding="utf-8")
    home = tmp_path / "home"
    result = CliRunner().invoke(
        cli, ["ingest", str(signals), "--config", str(config)], env=clob_env(fake, home)
    )
    assert result.exit_code == 0, result.output

    app = open_store(home)
    try:
        views = LogViews.build(app)
        verdicts = {r["intent_id"]: r["verdict"] for r in views.intents.rows.values()}
        assert len(verdicts) == 4  # two trades, two followers each
        assert set(verdicts.values()) == {"ACCEPTED"}
        books = [e.book for e in stored_events(app) if type(e).__name__ == "IntentAccepted"]
        assert books[0]["asks"][0] == ["0.52", "40"]  # the live book, in the verdict
        fills = [(e.price, e.size) for e in stored_events(app) if type(e).__name__ == "OrderFilled"]
        assert fills == [
            (D("0.52"), D(40)), (D("0.53"), D("17.69")),  # fixed: 30 USDC walks two levels
            (D("0.52"), D(20)),  # tenth: 10% of 200, its own account
            (D("0.53"), D("57.69")),  # fixed: the 0.52 level is what it took before
            (D("0.52"), D(20)), (D("0.53"), D(10)),  # tenth: 20 of 0.52's 40 were its own
        ]  # followers in name order, each its own paper account  # fmt: skip
        assert fake.count("POST", "/order") == 0
        result = verify(app)
        assert result.divergence is None, result.divergence.describe()
        exported = tmp_path / "exported.jsonl"
        exported.write_text("\n".join(export_day(app)) + "\n", encoding="utf-8")
        again = run_day_file_with(exported, tmp_path / "again", config)
        try:  # the same decisions (a live run's times are the wall clock's, a day's its lines')
            assert decisions(again) == decisions(app)
        finally:
            again.close()
    finally:
        app.close()


def decisions(app: TapeApplication) -> dict[str, Any]:
    """intent id -> its verdict, the book it used, its orders and their fills."""
    views = LogViews.build(app)
    fills: dict[str, list[tuple[D, D]]] = {}
    for event in stored_events(app):
        if type(event).__name__ == "OrderFilled":
            fills.setdefault(str(event.originator_id), []).append((event.price, event.size))
    books = {}
    for event in stored_events(app):
        if type(event).__name__ in ("IntentAccepted", "IntentDenied"):
            books[str(event.originator_id)] = (event.book["bids"], event.book["asks"])
    found: dict[str, Any] = {}
    for key, row in views.intents.rows.items():
        orders = [views.orders.rows[o] for o in row["order_ids"]]
        found[row["intent_id"]] = (
            row["verdict"],
            row["reason"],
            books.get(key),
            [(o["side"], o["price"], o["size"], fills.get(o["order_id"])) for o in orders],
        )
    return found


def run_day_file_with(day: Path, home: Path, config: Path) -> TapeApplication:
    """`tape run --day` of a file under the configuration given."""
    home.mkdir(parents=True, exist_ok=True)
    result = CliRunner().invoke(
        cli, ["run", "--day", str(day), "--config", str(config)], env={"TAPE_HOME": str(home)}
    )
    assert result.exit_code == 0, result.output
    return open_store(home)


def test_the_monitor_posting_to_the_intake_trades_on_paper_against_the_live_book(
    clob: tuple[FakeClob, str], tmp_path: Path
) -> None:
    fake, condition = clob
    now = int(time.time())
    config_path = tmp_path / "tape.toml"
    config_path.write_text(CONFIG, encoding="utf-8")
    config = load_config(config_path, environ={})
    env = clob_env(fake, tmp_path / "home")
    tape = build(Settings.load(env), config, clock=live_clock())
    assert "polymarket: no key: trading on paper against its live public books" in (tape.venue_note)
    tape.engine.register_agents(config.agents)
    api = FakeDataApi()
    api.add_rows(WALLET, trades(condition, now))
    try:
        with (
            serving(create_app(tape.engine, TOKEN, max_body=1 << 20)) as url,
            serve_fake(api) as data,
        ):
            stop = threading.Event()
            monitor = Monitor(
                DataApiClient(data.url, backoff=Backoff(base=0.01, attempts=3)),
                StateStore(tmp_path / "monitor"),
                HttpSink(f"{url}/intents", token=AUTH["Authorization"].split()[1], stop=stop),
                MonitorSettings(traders=(WALLET,), since=now - 60),
                report=lambda _m: None,
                stop=stop,
            )
            assert monitor.poll_once().emitted == 2
            wait_until(lambda: len(LogViews.build(tape.app).orders.rows) == 4)
        orders = LogViews.build(tape.app).orders.rows.values()
        assert {r["status"] for r in orders} == {"FILLED"}
        assert fake.count("POST", "/order") == 0
        result = verify(tape.app)
        assert result.divergence is None, result.divergence.describe()
    finally:
        tape.app.close()
