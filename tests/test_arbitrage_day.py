"""Arbitrage days: the sample strategy day (a Polymarket market and its Kalshi twin) with its
arbitrage agent replays byte for byte, and its counterfactual with a higher min_profit_usdc
takes fewer arbitrages; a day where one leg fills alone replays its retry and unwind, and
``tape why`` shows the two books, the fees, the edge and each leg."""

from __future__ import annotations

import json
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapters.config_file import TapeConfig, config_from_toml
from adapters.replay.counterfactual import rerun
from adapters.replay.verify import verify
from adapters.sample_day.strategy_day import STRATEGY_CONFIG_TOML, write_strategy_day
from engine.application import TapeApplication
from engine.arbitrage.pair import Pair
from projections.audit import find_trail
from projections.report import day_report
from tests.arb_rig import POLY_MARKET, POLY_NO, POLY_YES, TICKER, arb_agent_config
from tests.cli_rig import run_cli
from tests.conftest import stored_events
from tests.test_replay import run

D = Decimal


def _pairs(app: TapeApplication) -> list[Pair.PairOpened]:
    return [e for e in stored_events(app) if isinstance(e, Pair.PairOpened)]


@pytest.fixture(scope="module")
def strategy_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the sample strategy day was run (its store, ``tape.db``)."""
    return tmp_path_factory.mktemp("strategy-day")


@pytest.fixture(scope="module")
def strategy_day(strategy_home: Path) -> tuple[TapeApplication, TapeConfig]:
    day = strategy_home / "day.jsonl"
    write_strategy_day(day)
    config = config_from_toml(tomllib.loads(STRATEGY_CONFIG_TOML), source="sample")
    return run(day, strategy_home, list(config.agents)), config


def test_the_sample_strategy_day_takes_true_arbitrages_and_replays_byte_for_byte(
    strategy_day: tuple[TapeApplication, TapeConfig],
) -> None:
    app, _ = strategy_day
    opened = _pairs(app)
    assert len(opened) >= 3
    assert all(p.edge > D("0.5") for p in opened)
    closed = [e for e in stored_events(app) if isinstance(e, Pair.PairClosed)]
    assert {c.outcome for c in closed} == {"hedged"}
    result = verify(app)
    assert result.ok, result.divergence
    assert result.compared == len(stored_events(app))


def test_the_report_books_the_arbitrages_pnl_and_each_leg_against_its_own_limit(
    strategy_day: tuple[TapeApplication, TapeConfig],
) -> None:
    app, _ = strategy_day
    report = day_report(app)
    (arb,) = [a for a in report.agents if a["agent"] == "arb"]
    assert arb["realised"] > 0  # the pairs paid 1 each at resolution
    assert arb["slippage"] == 0  # every leg filled at its own limit, the walked book's level
    (strategy,) = [s for s in report.strategies if s["strategy"] == "arbitrage"]
    assert strategy["fills"] == 2 * len(_pairs(app))


def test_a_higher_min_profit_takes_fewer_arbitrages(
    strategy_day: tuple[TapeApplication, TapeConfig],
) -> None:
    app, config = strategy_day
    higher = tuple(
        a.model_copy(update={"params": {**a.params, "min_profit_usdc": "2"}})
        if a.name == "arb"
        else a
        for a in config.agents
    )
    again = rerun(app, TapeConfig(higher, config.paper_fee_rate, "higher"))
    before, after = _pairs(app), _pairs(again)
    assert 0 < len(after) < len(before)
    assert all(p.edge > 2 for p in after)


def test_tape_replay_config_with_a_higher_min_profit_drops_arbitrages(
    strategy_day: tuple[TapeApplication, TapeConfig],
    strategy_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    higher = strategy_home / "higher.toml"
    higher.write_text(
        STRATEGY_CONFIG_TOML.replace('min_profit_usdc = "0.50"', 'min_profit_usdc = "2"')
    )
    monkeypatch.setenv("TAPE_HOME", str(strategy_home))
    code, out, err = run_cli(capsys, "replay", "--config", str(higher), "--json")
    assert code == 0, err
    diff = json.loads(out)
    arb = [v for v in diff["verdicts"] if v["intent_id"].startswith("strategy:arb:")]
    assert arb, "some arbitrages are no longer taken"
    assert all(v["before"] == "ACCEPTED" or v["before"] == "-" for v in arb)
    dropped = [v for v in arb if v["after"] == "-"]
    added = [v for v in arb if v["before"] == "-"]
    assert len(dropped) > len(added)


def _book(at: str, venue: str, token: str, bids: list, asks: list) -> str:
    step = {"size_step": "1", "min_size": "1"} if venue == "kalshi" else {"min_size": "5"}
    market = TICKER if venue == "kalshi" else POLY_MARKET
    return json.dumps(
        {
            "type": "book",
            "at": at,
            "venue": venue,
            "token_id": token,
            "market_id": market,
            "bids": bids,
            "asks": asks,
            "tick_size": "0.01",
            **step,
        }
    )


def _lone_leg_day(path: Path) -> None:
    # At 14:00:00 a true arbitrage (Polymarket YES 0.40 + Kalshi NO 0.52) fills 20 pairs and
    # leaves 10 Kalshi NO contracts in the agent's view of the book; at 14:00:10 Polymarket's
    # book comes again, the strategy (which saw 30 on Kalshi) trades 20 more: Kalshi fills 10,
    # the retry finds nothing, and 10 Polymarket YES are sold back at the 0.39 bid.
    t0, t1 = "2026-01-30T14:00:00Z", "2026-01-30T14:00:10Z"
    lines = [
        _book(t0, "polymarket", POLY_YES, [["0.39", "100"]], [["0.40", "100"]]),
        _book(t0, "polymarket", POLY_NO, [["0.58", "100"]], [["0.62", "100"]]),
        _book(t0, "kalshi", f"{TICKER}:yes", [["0.47", "30"]], [["0.58", "100"]]),
        _book(t0, "kalshi", f"{TICKER}:no", [["0.41", "100"]], [["0.52", "30"]]),
        _book(t1, "polymarket", POLY_YES, [["0.39", "100"]], [["0.40", "100"]]),
    ]
    path.write_text("\n".join(lines) + "\n")


def test_a_leg_that_fills_alone_is_retried_then_unwound_and_replays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    day = tmp_path / "day.jsonl"
    _lone_leg_day(day)
    app = run(day, tmp_path, [arb_agent_config(window_s=5)])
    events = stored_events(app)
    names = [type(e).__name__ for e in events]
    assert names.count("PairOpened") == 2
    assert names.count("LegRetried") == 1
    assert names.count("LegUnwinding") == 1
    closed = [e for e in events if isinstance(e, Pair.PairClosed)]
    assert [c.outcome for c in closed] == ["hedged", "unwound"]
    assert closed[1].hedged == D(10)
    assert closed[1].unwind_loss == D("0.1")  # 10 bought at 0.40, sold at 0.39
    result = verify(app)
    assert result.ok, result.divergence
    second = _pairs(app)[1].intent_id
    app.close()
    monkeypatch.setenv("TAPE_HOME", str(tmp_path))
    code, out, err = run_cli(capsys, "why", second)
    assert code == 0, err
    for shown in (
        f"leg 0 polymarket {POLY_YES}: book at 2026-01-30T14:00:10Z: bids 0.39x100 | asks 0.4x100",
        f"leg 1 kalshi {TICKER}:no: book at 2026-01-30T14:00:00Z: bids 0.41x100 | asks 0.52x30",
        "fee 0.35",
        "edge: 20 pairs pay 20, cost 18.75 (fees 0.35) -> 1.25 vs min_profit_usdc 0.5",
        "LegRetried",
        "retry BUY 10 @ 0.52 on kalshi",
        "LegUnwinding",
        "unwind SELL 10 @ 0.01 on polymarket",
        "PairClosed",
        "unwound: both legs hold 10 shares",
    ):
        assert shown in out, (shown, out)
    code, out, err = run_cli(capsys, "why", second, "--json")
    assert code == 0, err
    steps = [e["event"] for e in json.loads(out)["events"]]
    assert steps[-4:] == ["PairOpened", "LegRetried", "LegUnwinding", "PairClosed"]


def test_the_trail_of_a_pair_is_the_same_from_the_log_and_from_the_projection(
    tmp_path: Path,
) -> None:
    day = tmp_path / "day.jsonl"
    _lone_leg_day(day)
    app = run(day, tmp_path, [arb_agent_config(window_s=5)])
    second = _pairs(app)[1].intent_id
    trail: Any = find_trail(app, second)
    assert [type(e).__name__ for _, e in trail.events][-4:] == [
        "PairOpened",
        "LegRetried",
        "LegUnwinding",
        "PairClosed",
    ]
