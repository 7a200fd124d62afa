"""A live strategy day: the market-data runner polls Kalshi's public books (a fake Kalshi on
loopback, no key) for the markets the strategy agents name, the strategies trade on paper
against them, and the day replays byte for byte, exports, and runs again from the export to
the same digest; ``tape market-data`` runs it from the command line."""

from __future__ import annotations

import itertools
import json
import threading
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from adapters.bootstrap import assemble_engine, build, live_clock
from adapters.clock import ManualClock
from adapters.config_file import config_from_toml
from adapters.market_data_runner import MarketDataRunner, strategy_instruments
from adapters.paper.venue import PaperVenues
from adapters.replay.export import export_day
from adapters.replay.verify import verify
from adapters.settings import Settings
from adapters.venues import wire_venues
from cli.serve_apps import service_app
from engine.application import WRITER_CACHE_ENV, TapeApplication
from engine.config import AgentConfig
from engine.ids import strategy_run_uuid
from projections.digest import decision_digest
from projections.views import LogViews
from tests.api_rig import serving
from tests.cli_rig import run_cli
from tests.fake_kalshi import FakeKalshi
from tests.kalshi_rig import started_fake
from tests.test_strategy_day import run_file
from tests.waiting import wait_until

D = Decimal
TICKER = "KXRAIN-26MAR02-PARIS"
YES = f"{TICKER}:yes"
T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeKalshi]:
    fake = started_fake()
    fake.add_market(TICKER)
    yield fake
    fake.stop()


def set_mid(fake: FakeKalshi, cents: int) -> None:
    """YES bid a cent under ``cents``, YES ask (1 - NO bid) a cent over."""
    fake.set_book(
        TICKER,
        yes=[(str(D(cents - 1) / 100), "300")],
        no=[(str(D(100 - cents - 1) / 100), "300")],
    )


def agent() -> AgentConfig:
    return AgentConfig(
        name="revert",
        strategy="mean_reversion",
        venues=("kalshi",),
        markets=(YES,),
        max_slippage_pct=D(3),
        params={"window": 4, "z_entry": "2", "z_exit": "0.5", "size": "10", "cooldown_s": 0},
    )


MIDS = [55, 56, 55, 55, 56, 55, 56, 55, 55, 44, 47, 52, 55, 55, 56, 55]


def test_a_live_strategy_day_trades_on_live_books_replays_and_exports(
    fake: FakeKalshi, tmp_path: Path
) -> None:
    wired = wire_venues(
        {"KALSHI_API_URL": fake.url}, paper=PaperVenues(), paper_only=False, live_books=True
    )
    app = TapeApplication(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(tmp_path / "tape.db"),
            **WRITER_CACHE_ENV,
        }
    )
    clock = ManualClock(T0)
    engine = assemble_engine(app, venues=wired.routed, market_data=wired.routed, clock=clock)
    engine.register_agents([agent()])
    runner = MarketDataRunner(engine, strategy_instruments([agent()]))
    assert runner.instruments == [("kalshi", YES)]
    changed = 0
    for step, mid in enumerate(MIDS):
        clock.set(T0 + timedelta(seconds=30 * step))
        set_mid(fake, mid)
        changed += runner.poll_once().changed
        clock.set(T0 + timedelta(seconds=30 * step + 10))
        assert runner.poll_once().changed == 0  # an unchanged book is not recorded again
    intents = sorted(LogViews.build(app).intents.rows.values(), key=lambda r: r["created_at"])
    assert [(r["side"], r["verdict"]) for r in intents] == [
        ("BUY", "ACCEPTED"),
        ("SELL", "ACCEPTED"),
    ]
    assert intents[0]["created_at"] == "2026-03-02T14:04:30Z"
    orders = LogViews.build(app).orders.rows.values()
    assert {o["status"] for o in orders} == {"FILLED"}
    assert fake.create_orders() == []  # paper: nothing sent to Kalshi
    assert changed == len(MIDS) - sum(1 for a, b in itertools.pairwise(MIDS) if a == b)

    result = verify(app)
    assert result.ok, result.divergence
    assert result.inputs["Started"] + result.inputs["MarketObserved"] == changed

    exported = list(export_day(app))
    assert [json.loads(line)["type"] for line in exported] == ["book"] * changed
    day = tmp_path / "exported.jsonl"
    day.write_text("\n".join(exported) + "\n")
    again = run_file(day, tmp_path / "again", [agent()])
    assert decision_digest(again) == decision_digest(app)


def test_a_book_the_venue_does_not_have_is_reported_once_and_skipped(
    fake: FakeKalshi, tmp_path: Path
) -> None:
    wired = wire_venues(
        {"KALSHI_API_URL": fake.url}, paper=PaperVenues(), paper_only=False, live_books=True
    )
    app = TapeApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    engine = assemble_engine(
        app, venues=wired.routed, market_data=wired.routed, clock=ManualClock(T0)
    )
    lost = agent().model_copy(update={"markets": ("KXNOPE:yes",)})
    engine.register_agents([lost])
    said: list[str] = []
    runner = MarketDataRunner(engine, strategy_instruments([lost]), report=said.append)
    assert runner.poll_once().missing == [("kalshi", "KXNOPE:yes")]
    runner.poll_once()
    assert said == ["no book for kalshi KXNOPE:yes: skipped until it has one"]


def test_tape_market_data_polls_and_records(
    fake: FakeKalshi,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_mid(fake, 55)
    config = tmp_path / "tape.toml"
    config.write_text(
        '[agents.revert]\nstrategy = "mean_reversion"\nvenues = ["kalshi"]\n'
        f'markets = ["{YES}"]\nparams = {{ size = "10", window = 5 }}\n'
    )
    monkeypatch.setenv("TAPE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KALSHI_API_URL", fake.url)
    code, out, err = run_cli(
        capsys, "market-data", "--config", str(config), "--every", "0.1", "--polls", "2"
    )
    assert code == 0, err
    assert "2 polls of 1 books" in out
    assert "polling 1 books every 0.1s" in err
    code, out, err = run_cli(capsys, "replay", "--verify")
    assert code == 0, out + err
    assert "Started 1)" in out  # the one book (unchanged at the second poll) replayed


def test_tape_market_data_without_strategy_markets_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "tape.toml"
    config.write_text('[agents.copier]\nstrategy = "copy"\n')
    monkeypatch.setenv("TAPE_HOME", str(tmp_path / "home"))
    code, _, err = run_cli(capsys, "market-data", "--config", str(config), "--polls", "1")
    assert code == 2
    assert "no strategy agent names a market" in err


def test_tape_serve_with_strategies_trades_live_under_the_services_lock(
    fake: FakeKalshi, tmp_path: Path
) -> None:
    set_mid(fake, 55)
    settings = Settings.load({"TAPE_HOME": str(tmp_path / "home"), "KALSHI_API_URL": fake.url})
    toml = (
        '[agents.revert]\nstrategy = "mean_reversion"\nvenues = ["kalshi"]\n'
        f'markets = ["{YES}"]\nmax_slippage_pct = "3"\n'
        'params = { size = "10", window = 3, cooldown_s = 0 }\n'
    )
    config = config_from_toml(tomllib.loads(toml), source="test.toml")
    tape = build(settings, config, clock=live_clock())
    tape.engine.register_agents(config.agents)
    app = service_app(settings, tape, "t0ken", 1 << 20, strategies=(config.agents, 0.1))

    def observed() -> int:
        run = tape.app.get_or_none(strategy_run_uuid("revert"))
        return 0 if run is None else int(run.observed)

    with serving(app) as url:
        for mid in (56, 55, 56, 55):
            seen = observed()
            set_mid(fake, mid)
            wait_until(lambda seen=seen: observed() > seen, timeout=30)
        set_mid(fake, 40)  # a spike down: the strategy buys on paper
        wait_until(lambda: len(LogViews.build(tape.app).orders.rows) == 1, timeout=30)
        health = httpx.get(f"{url}/health", timeout=5)
        assert health.status_code == 200
    # The poller stops with the service (joined at its shutdown), before the store closes.
    assert not [t for t in threading.enumerate() if t.name == "tape-market-data"]
    [order] = LogViews.build(tape.app).orders.rows.values()
    assert (order["side"], order["status"]) == ("BUY", "FILLED")
    assert fake.create_orders() == []
    assert verify(tape.app).ok
