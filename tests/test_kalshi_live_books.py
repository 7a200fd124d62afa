"""Without a key, paper orders on Kalshi fill against Kalshi's live public books, read at the
decision and recorded in the verdict; and ``tape health`` for Kalshi."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.bootstrap import build, day_clock, live_clock
from adapters.config_file import load_config
from adapters.kalshi.fees import taker_fee
from adapters.kalshi.health import kalshi_health
from adapters.paper.live_books import PaperOnLiveBooks
from adapters.paper.venue import PaperVenues
from adapters.settings import Settings
from adapters.venues import wire_venues
from adapters.venues.spec import Check
from cli.health_cmd import run_health
from engine.ports import OrderRequest
from engine.values import OrderType, Side
from projections.views import LogViews
from tests.conftest import a_trade_intent, an_agent_config, make_rig
from tests.fake_kalshi import FakeKalshi
from tests.fake_kalshi.keys import KEY_ID, pem, rsa_key
from tests.kalshi_rig import kalshi_environ, started_fake

D = Decimal
TICKER = "KXRAIN-26JAN30-PARIS"
TOKEN = f"{TICKER}:yes"


@pytest.fixture
def fake() -> Iterator[FakeKalshi]:
    """One open market with YES asks 0.50 and 0.55 (NO bids 0.50, 0.45)."""
    fake = started_fake()
    fake.add_market(TICKER)
    fake.set_book(TICKER, yes=[("0.45", "100")], no=[("0.50", "20"), ("0.45", "100")])
    yield fake
    fake.stop()


def test_paper_without_a_key_fills_against_the_live_book_and_records_it(
    fake: FakeKalshi, tmp_path: Path
) -> None:
    env = {"KALSHI_API_URL": fake.url}
    wired = wire_venues(env, paper=PaperVenues(), paper_only=False, live_books=True)
    assert wired.live_names == frozenset()
    assert "kalshi: no key: trading on paper against its live public books" in wired.mode_lines
    assert isinstance(wired.routed.paper, PaperOnLiveBooks)
    rig = make_rig(
        tmp_path / "tape.db",
        agents=[an_agent_config(venues=["kalshi"])],
        venues=wired.routed,  # type: ignore[arg-type]
        market_data=wired.routed,
    )
    try:
        rig.submit(
            intent_id="copy:0x1:k:BUY", venue="kalshi", market_id=TICKER, token_id=TOKEN,
            price="0.50", size="150",
        )  # fmt: skip
        views = LogViews.build(rig.app)
        [intent] = views.intents.rows.values()
        [placed] = views.orders.rows.values()
        verdict = next(e for e in rig.events() if type(e).__name__ == "IntentAccepted")
    finally:
        rig.app.close()
    assert intent["verdict"] == "ACCEPTED"
    assert verdict.book["asks"][0] == ["0.5", "20"]  # the live book, recorded in the verdict
    assert (placed["status"], placed["filled"]) == ("FILLED", D(15))
    assert fake.create_orders() == []  # paper: nothing sent to Kalshi
    assert not any(path.endswith("/portfolio/events/orders") for _, path, _ in fake.requests)


def test_a_resting_paper_order_fills_when_the_live_book_crosses_it(fake: FakeKalshi) -> None:
    wired = wire_venues(
        {"KALSHI_API_URL": fake.url}, paper=PaperVenues(), paper_only=False, live_books=True
    )
    book = wired.routed.book("kalshi", TOKEN)
    assert book is not None
    assert book.best_ask() == D("0.50")
    venue = wired.routed["kalshi"]
    rest = OrderRequest(
        "c-rest", "kalshi", TICKER, TOKEN, Side.BUY, OrderType.GTC, D("0.40"), D(10)
    )
    assert not venue.submit(rest).closed
    assert venue.poll_reports() == []  # the live book has not moved
    fake.set_book(TICKER, yes=[], no=[("0.60", "50")])  # someone now asks 0.40 for YES
    [report] = venue.poll_reports()
    assert sum(f.size for f in report.fills) == D(10)
    assert report.closed
    assert wired.routed.book("kalshi", "KXNOPE:yes") is None  # unknown market: no book


@pytest.mark.parametrize("multiplier", [D(1), D("0.5"), D(2)])
def test_a_paper_fill_on_live_books_pays_the_fee_of_the_markets_series(
    fake: FakeKalshi, multiplier: D
) -> None:
    fake.markets[TICKER].fee_multiplier = multiplier  # its series, KXRAIN, says so
    wired = wire_venues(
        {"KALSHI_API_URL": fake.url}, paper=PaperVenues(), paper_only=False, live_books=True
    )
    assert wired.routed.book("kalshi", TOKEN) is not None
    take = OrderRequest("c-take", "kalshi", TICKER, TOKEN, Side.BUY, OrderType.FAK, D("0.55"), D(7))
    report = wired.routed["kalshi"].submit(take)
    assert [(f.price, f.size, f.fee) for f in report.fills] == [
        (D("0.50"), D(7), taker_fee(D(7), D("0.50"), multiplier))
    ]
    asked = [path for method, path, _ in fake.requests if method == "GET"]
    assert asked.count("/trade-api/v2/series/KXRAIN") == 1  # read once, then kept


def test_a_day_run_keeps_the_recorded_books() -> None:
    wired = wire_venues({}, paper=PaperVenues(), paper_only=False)
    assert isinstance(wired.routed.paper, PaperVenues)


def test_health_says_key_accepted_balance_exchange_status_and_clock_skew(
    fake: FakeKalshi, tmp_path: Path
) -> None:
    lines = run_health({**kalshi_environ(fake, tmp_path), "TAPE_HOME": str(tmp_path)}).lines
    text = "\n".join(lines)
    assert "  kalshi: live (Trade API V2)" in lines
    assert f"[ok  ] kalshi key {KEY_ID} accepted (signed GET /portfolio/balance)" in text
    assert "    balance 10000.0000 USD" in lines
    assert "trading active" in text
    assert "[ok  ] clock skew with kalshi" in text
    assert "PRIVATE KEY" not in text
    fake.keys.clear()
    refused = run_health({**kalshi_environ(fake, tmp_path), "TAPE_HOME": str(tmp_path)})
    assert any(c.name == "kalshi auth" and not c.ok for c in refused.checks)
    skewed = list(kalshi_health(kalshi_environ(fake, tmp_path), wall=lambda: 0.0))
    assert any(isinstance(c, Check) and c.name == "kalshi clock" and not c.ok for c in skewed)


def test_health_without_a_key_or_with_a_broken_one(tmp_path: Path) -> None:
    lines = run_health({"TAPE_HOME": str(tmp_path)}).lines
    assert (
        "  kalshi: no key (KALSHI_PRIVATE_KEY or KALSHI_PRIVATE_KEY_PATH): trading on paper"
        in lines
    )
    broken = run_health({"TAPE_HOME": str(tmp_path), "KALSHI_PRIVATE_KEY": pem(rsa_key())})
    [check] = [c for c in broken.checks if c.name == "kalshi config"]
    assert not check.ok
    assert "KALSHI_API_KEY_ID is not set" in check.message


def test_a_live_run_without_keys_is_wired_to_kalshis_live_books(
    fake: FakeKalshi, tmp_path: Path
) -> None:
    config_path = tmp_path / "tape.toml"
    config_path.write_text(CONFIG, encoding="utf-8")
    config = load_config(config_path, environ={})
    env = {"KALSHI_API_URL": fake.url, "TAPE_HOME": str(tmp_path)}
    tape = build(Settings.load(env), config, clock=live_clock())
    day = build(Settings.load(env), config, clock=day_clock())
    try:
        assert "kalshi: no key: trading on paper against its live public books" in tape.venue_note
        assert "against its live public books" not in day.venue_note  # a day keeps its books
        tape.engine.register_agents(config.agents)
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        intent = a_trade_intent(
            intent_id="copy:0x2:k:BUY", venue="kalshi", market_id=TICKER, token_id=TOKEN,
            price="0.50", size="100", created_at=now,
        )  # fmt: skip
        tape.engine.submit(intent, feed="test")
        [row] = LogViews.build(tape.app).orders.rows.values()
    finally:
        tape.app.close()
        day.app.close()
    assert (row["status"], row["filled"]) == ("FILLED", D(10))
    assert fake.create_orders() == []


CONFIG = """\
[agents.follow-whales]
strategy = "copy"
venues = ["kalshi"]
follow = ["0xa66790e2b0075e73c3781ddaf1d0b875a3aaceb3"]
markets = []
sizing = { mode = "PERCENTAGE", value = "10" }
max_intent_usdc = "100"
max_intent_age_s = 120
max_slippage_pct = "2"
max_position_usdc = "500"
max_trades_per_day = 50
stop_loss_usdc = "200"
budget_usdc = "1000"
"""
