"""Markets that end while trading live: the resolution poller reads Gamma's closed market (a
real resolved market object, on a fake Gamma on loopback) and Kalshi's settlement result (the
fake Kalshi), records the resolution once and settles the positions as a day file's
``resolution`` record does; the log replays byte for byte."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.control.holdings import open_orders
from adapters.kalshi.factory import public_market_data
from adapters.polymarket.market_data import GammaClient
from adapters.polymarket.ratelimit import Backoff
from adapters.replay.verify import verify
from adapters.resolutions.gamma import GammaResolutions, gamma_winner
from adapters.resolutions.kalshi import KalshiResolutions
from adapters.resolutions.poller import ResolutionPoller
from engine.ingest_records import MarketResolution
from engine.ports import Books
from engine.positions import Position
from projections.digest import decision_digest
from tests.cli_rig import run_cli
from tests.conftest import EngineRig, a_book, an_agent_config, make_rig
from tests.fake_gamma import FakeGamma, resolved_btc_market, still_open
from tests.fake_kalshi import FakeKalshi

D = Decimal
MARKET = resolved_btc_market()
UP, DOWN = json.loads(MARKET["clobTokenIds"])
CONDITION = MARKET["conditionId"]
TICKER = "KXRAIN-26JAN30-PARIS"


@pytest.fixture
def gamma() -> Iterator[FakeGamma]:
    """The fake Gamma, the market still open."""
    fake = FakeGamma().start()
    fake.put(still_open(MARKET))
    yield fake
    fake.stop()


def holding(path: Path) -> EngineRig:
    """Two agents: one holds Up, the other Down, of the real BTC market; a third holds YES of
    a Kalshi market."""
    agents = [
        an_agent_config(name="up", venues=["polymarket", "kalshi"]),
        an_agent_config(name="down"),
    ]
    rig = make_rig(path, agents=agents)
    for n, (agent, token, venue, market) in enumerate(
        [
            ("up", UP, "polymarket", CONDITION),
            ("down", DOWN, "polymarket", CONDITION),
            ("up", f"{TICKER}:yes", "kalshi", TICKER),
        ]
    ):
        rig.show_book(a_book(venue=venue, token_id=token, market_id=market))
        receipt = rig.submit(
            intent_id=f"buy-{n}",
            agent=agent,
            venue=venue,
            market_id=market,
            token_id=token,
            created_at=f"2026-01-30T14:04:0{n}Z",
        )
        assert receipt.status == "received"
    return rig


def poller(rig: EngineRig, gamma_url: str, kalshi_url: str | None = None) -> ResolutionPoller:
    """The poller with Gamma (and Kalshi) sources."""
    sources: dict[str, Any] = {
        "polymarket": GammaResolutions(GammaClient(gamma_url, backoff=Backoff(attempts=1)))
    }
    if kalshi_url is not None:
        sources["kalshi"] = KalshiResolutions(public_market_data({"KALSHI_API_URL": kalshi_url}))
    return ResolutionPoller(rig.engine, sources)


def settled(rig: EngineRig) -> dict[str, tuple[Decimal, Decimal]]:
    """Agent and token -> (size settled, price) of every PositionSettled."""
    found = {}
    for event in rig.events():
        if isinstance(event, Position.PositionSettled):
            position: Position = rig.get(event.originator_id)
            found[f"{position.agent} {position.token_id[:6]}"] = (event.size, event.price)
    return found


def test_a_closed_gamma_market_settles_its_positions_once(tmp_path: Path, gamma: FakeGamma) -> None:
    rig = holding(tmp_path / "tape.db")
    polls = poller(rig, gamma.url)
    assert polls.poll_once().resolved == []  # open: nothing
    gamma.put(MARKET)  # the real closed market: Up won
    rig.clock.set(rig.clock.now() + timedelta(minutes=5))

    result = polls.poll_once()

    assert len(result.resolved) == 1
    assert f"resolved to {UP}" in result.resolved[0]
    assert settled(rig) == {
        f"up {UP[:6]}": (D("12.05"), D(1)),
        f"down {DOWN[:6]}": (D("12.05"), D(0)),
    }
    resolutions = [e for e in rig.events() if isinstance(e, MarketResolution.MarketResolved)]
    assert [(r.venue, r.market_id, r.winning_token_id) for r in resolutions] == [
        ("polymarket", CONDITION, UP)
    ]
    count = len(rig.events())
    assert polls.poll_once().resolved == []  # held no more: not asked, nothing recorded
    assert len(rig.events()) == count


def test_live_settlement_equals_a_day_files_resolution_and_replays(
    tmp_path: Path, gamma: FakeGamma
) -> None:
    live = holding(tmp_path / "live.db")
    day = holding(tmp_path / "day.db")
    gamma.put(MARKET)
    for rig in (live, day):
        rig.clock.set(rig.clock.now() + timedelta(minutes=5))
    poller(live, gamma.url).poll_once()
    day.engine.settle(venue="polymarket", market_id=CONDITION, winning_token_id=UP)

    assert settled(live) == settled(day)
    assert decision_digest(live.app).hexdigest == decision_digest(day.app).hexdigest
    result = verify(live.app)
    assert result.divergence is None, result.divergence
    assert result.inputs.get("MarketResolved") == 1


def test_kalshi_settlement_result_settles_and_a_venue_that_fails_is_one_line(
    tmp_path: Path, gamma: FakeGamma
) -> None:
    kalshi = FakeKalshi().start()
    try:
        kalshi.add_market(TICKER)
        rig = holding(tmp_path / "tape.db")
        lines: list[str] = []
        polls = poller(rig, gamma.url, kalshi.url)
        polls.report = lines.append
        gamma.failing = 5  # Gamma answers 500: one line, Kalshi still asked
        assert polls.poll_once().resolved == []
        assert any("polymarket" in line and "not read" in line for line in lines)

        kalshi.settle(TICKER, "no")
        result = polls.poll_once()

        assert [line.split(" resolved")[0] for line in result.resolved] == [f"kalshi {TICKER}"]
        assert settled(rig)[f"up {TICKER[:6]}"] == (D("12.05"), D(0))
        assert verify(rig.app).divergence is None
    finally:
        kalshi.stop()


prices = st.sampled_from(["0", "1", "0.5", "0.999", "1.0", "x"])


@given(closed=st.booleans(), values=st.lists(prices, min_size=0, max_size=4))
def test_gamma_winner_only_for_a_closed_market_priced_one_and_zeros(
    closed: bool, values: list[str]
) -> None:
    tokens = [str(n) for n in range(len(values))]
    market = {
        "closed": closed,
        "clobTokenIds": json.dumps(tokens),
        "outcomePrices": json.dumps(values),
    }
    winner = gamma_winner(market)
    numeric = [D(v) if v != "x" else None for v in values]
    expected_ok = (
        closed
        and len(values) >= 2
        and None not in numeric
        and numeric.count(D(1)) == 1
        and numeric.count(D(0)) == len(values) - 1
    )
    assert (winner is not None) == expected_ok
    if winner is not None:
        assert numeric[int(winner)] == 1


def test_tape_resolutions_poll_once_settles_and_lists(
    tmp_path: Path,
    gamma: FakeGamma,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kalshi = FakeKalshi().start()
    try:
        kalshi.add_market(TICKER)
        home = tmp_path / "home"
        home.mkdir()
        rig = holding(home / "tape.db")
        rig.app.close()
        for name in ("TAPE_CONFIG", "TAPE_DATABASE_URL", "TAPE_PAPER_URL"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("TAPE_HOME", str(home))
        monkeypatch.setenv("POLYMARKET_GAMMA_URL", gamma.url)
        monkeypatch.setenv("KALSHI_API_URL", kalshi.url)
        monkeypatch.chdir(tmp_path)
        gamma.put(MARKET)

        code, out, err = run_cli(capsys, "resolutions", "--poll", "--once")

        assert code == 0, err
        assert "3 market(s) asked" not in out  # two markets: the BTC one and the Kalshi one
        assert "2 market(s) asked, 1 settled" in out
        assert f"polymarket {CONDITION} resolved to {UP}" in err
        code, out, _ = run_cli(capsys, "resolutions", "--json")
        assert [(r["venue"], r["winning_token_id"]) for r in json.loads(out)] == [
            ("polymarket", UP)
        ]
    finally:
        kalshi.stop()


def test_an_order_resting_in_a_market_that_ended_is_canceled(
    tmp_path: Path, gamma: FakeGamma
) -> None:
    rig = holding(tmp_path / "tape.db")
    rig.engine.register_agents([an_agent_config(name="resting", order_type="GTC")])
    # the engine sees an ask at 0.40 the paper venue's own book does not have: the order rests
    rig.paper["polymarket"].on_book(a_book(token_id=UP, market_id=CONDITION, asks=[("0.60", "9")]))
    engine_book = a_book(token_id=UP, market_id=CONDITION, asks=[("0.40", "900")])
    market_data = rig.engine.market_data
    rig.engine.market_data = Books({("polymarket", UP): engine_book})
    rig.submit(
        intent_id="rest-1",
        agent="resting",
        market_id=CONDITION,
        token_id=UP,
        price="0.40",
        created_at="2026-01-30T14:05:00Z",
    )
    rig.engine.market_data = market_data
    (order,) = open_orders(rig.app, agent="resting")
    assert order.status == "ACCEPTED"
    rig.engine.recover()
    gamma.put(MARKET)

    poller(rig, gamma.url).poll_once()

    assert rig.get(order.id).status == "CANCELED"
