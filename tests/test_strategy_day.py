"""Strategies in a day run: books and trades reach the strategies of the agents they concern,
their intents go through the same firewall as copies (sized by the strategy's size within the
agent's limits), a halted agent's strategy places nothing, and the day replays byte for byte,
exports, and answers a what-if under other thresholds."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.bootstrap import build, day_clock
from adapters.config_file import TapeConfig
from adapters.replay.counterfactual import counterfactual
from adapters.replay.export import export_day
from adapters.replay.log import stored_events
from adapters.replay.verify import verify
from adapters.settings import Settings
from cli.run_cmd import run_day
from engine.application import TapeApplication
from engine.config import AgentConfig
from engine.ids import strategy_run_uuid
from engine.intents import Intent
from engine.orders import Order
from engine.strategies import registry
from engine.strategies.base import BookSeen, Step, Strategy
from engine.strategies.mean_reversion import MeanReversion
from engine.strategies.run import StrategyRun
from engine.values import TradingState
from projections.digest import decision_digest
from projections.views import LogViews
from tests.strategy_rig import (
    OTHER,
    TOKEN,
    book_line,
    book_seen,
    reverting_agent,
    run_strategy_day,
    spiky_mids,
    trending_agent,
)

D = Decimal


def spiky_day(steps: int = 80, spikes: tuple[int, ...] = (30, 60)) -> list[str]:
    return [book_line(i, m) for i, m in enumerate(spiky_mids(steps, spikes))]


def intents_of(app: TapeApplication) -> list[dict[str, Any]]:
    return sorted(LogViews.build(app).intents.rows.values(), key=lambda r: r["intent_id"])


def orders_of(app: TapeApplication) -> list[dict[str, Any]]:
    return list(LogViews.build(app).orders.rows.values())


def run_file(
    day: Path, home: Path, agents: list[AgentConfig], fee: Decimal = Decimal(0)
) -> TapeApplication:
    """As `tape run --day` does, into a SQLite store under ``home``."""
    config = TapeConfig(tuple(agents), fee, "test")
    tape = build(Settings.load({"TAPE_HOME": str(home)}), config, clock=day_clock())
    run_day(tape, config, day)
    return tape.app


def test_a_book_reaches_the_strategy_and_its_intents_go_through_the_firewall() -> None:
    day = run_strategy_day(spiky_day(), [reverting_agent(cooldown_s=0)])
    intents = intents_of(day.app)
    assert [(r["side"], r["verdict"]) for r in intents] == [
        ("BUY", "ACCEPTED"),
        ("BUY", "ACCEPTED"),
        ("SELL", "ACCEPTED"),
        ("SELL", "ACCEPTED"),
    ]
    assert all(r["source_kind"] == "strategy" for r in intents)
    orders = orders_of(day.app)
    assert sorted(o["size"] for o in orders) == [D(10)] * 4  # the strategy's size
    assert all(o["status"] == "FILLED" for o in orders)
    run: StrategyRun = day.app.repository.get(strategy_run_uuid("revert"))
    assert run.observed == 80
    assert run.emitted == 4
    assert day.stats.strategy_intents == 4


def test_only_the_agents_a_market_event_concerns_see_it() -> None:
    elsewhere = reverting_agent("elsewhere").model_copy(update={"markets": (OTHER,)})
    kalshi = reverting_agent("on-kalshi").model_copy(update={"venues": ("kalshi",)})
    copier = AgentConfig(name="copier", markets=(TOKEN,))
    day = run_strategy_day(spiky_day(), [reverting_agent(), elsewhere, kalshi, copier])
    observed = {s.originator_id for s in stored_events(day.app) if s.name == "MarketObserved"}
    assert observed == {strategy_run_uuid("revert")}


@pytest.mark.parametrize(
    ("limits", "reason"),
    [
        ({"max_position_usdc": D(3)}, "position_limit"),
        ({"budget_usdc": D(3)}, "budget"),
        ({"max_intent_usdc": D(3)}, "size_cap"),
        ({"max_trades_per_day": 0}, "trades_per_day"),
        ({"stop_loss_usdc": D(0)}, "stop_loss"),
    ],
)
def test_the_agents_limits_deny_a_strategys_buy(limits: dict[str, Any], reason: str) -> None:
    agent = reverting_agent(cooldown_s=0).model_copy(update=limits)
    day = run_strategy_day(spiky_day(steps=40, spikes=(30,)), [agent])
    buys = [r for r in intents_of(day.app) if r["side"] == "BUY"]
    assert buys
    assert buys[0]["verdict"] == "DENIED"
    assert buys[0]["reason"] == reason
    assert not [o for o in orders_of(day.app) if o["side"] == "BUY"]


def test_a_strategy_sell_is_capped_at_what_is_held() -> None:
    # The buy fills 6 of its 10 (a thin ask); the exit sells those 6, not 10.
    lines = spiky_day(steps=40, spikes=(30,))
    spike = json.loads(lines[30])
    spike["asks"] = [[spike["asks"][0][0], "6"]]
    lines[30] = json.dumps(spike)
    day = run_strategy_day(lines, [reverting_agent(cooldown_s=0)])
    sizes = {o["side"]: o["size"] for o in orders_of(day.app)}
    filled = {o["side"]: o["filled"] for o in orders_of(day.app)}
    assert filled["BUY"] == D(6)
    assert sizes["SELL"] == D(6)


@st.composite
def halted_days(draw: st.DrawFn) -> tuple[int, list[int], TradingState]:
    """When the operator switches the agent, the spikes (one at least after the switch, so
    the strategy does give an intent then), and to what."""
    halt_at = draw(st.integers(1, 60))
    after = draw(st.integers(max(halt_at + 1, 12), 75))
    spikes = draw(st.lists(st.integers(12, 75), max_size=3))
    # A spike in the window before ``after`` widens the band so that ``after`` stays inside it:
    # the others come a whole window (10 books) before it, or after it.
    spikes = [s for s in spikes if s < after - 10 or s > after]
    state = draw(st.sampled_from([TradingState.HALTED, TradingState.REDUCING]))
    return halt_at, sorted({*spikes, after}), state


@settings(max_examples=25, deadline=None)
@given(halted_days())
def test_a_halted_agents_strategy_places_nothing(
    day: tuple[int, list[int], TradingState],
) -> None:
    halt_at, spikes, state = day
    mids = spiky_mids(80, spikes)
    first = run_strategy_day([book_line(0, mids[0])], [reverting_agent(cooldown_s=0)])
    engine, clock = first.engine, first.clock
    for index, mid in enumerate(mids[1:], start=1):
        event = book_seen(index, mid)
        clock.set(event.at, index)
        if index == halt_at:
            engine.set_trading_state("revert", state, "operator")
        first.paper.on_book(event.book)
        engine.feed_market(event, feed="day", line_no=index + 1)
    switched = book_seen(halt_at, 50).book.at
    after = [r for r in intents_of(first.app) if r["created_at"] >= switched]
    assert after  # the strategy still gives intents: the firewall refuses them
    for row in after:
        if state is TradingState.HALTED or row["side"] == "BUY":
            assert (row["verdict"], row["reason"]) == ("DENIED", "agent_state")
            assert row["order_ids"] == []
    at_switch = book_seen(halt_at, 50).at
    placed = [o for o in orders_of(first.app) if o["placed_at"] >= at_switch and o["side"] == "BUY"]
    assert placed == []
    run: StrategyRun = first.app.repository.get(strategy_run_uuid("revert"))
    assert run.observed == 80  # it kept watching: its state is current when it is let go


def _recorded(tmp_path: Path, agents: list[AgentConfig]) -> tuple[Path, TapeApplication]:
    day = tmp_path / "day.jsonl"
    lines = spiky_day()
    lines += [book_line(i, 50 + i % 7 * 2, token=OTHER) for i in range(40)]
    lines.sort(key=lambda text: json.loads(text)["at"])
    day.write_text("\n".join(lines) + "\n")
    return day, run_file(day, tmp_path / "home", agents)


def _agents() -> list[AgentConfig]:
    both = reverting_agent(cooldown_s=0).model_copy(update={"markets": (TOKEN, OTHER)})
    return [both, trending_agent(), AgentConfig(name="copier")]


def test_a_strategy_day_replays_byte_for_byte(tmp_path: Path) -> None:
    _, app = _recorded(tmp_path, _agents())
    result = verify(app)
    assert result.ok, result.divergence
    assert result.inputs["MarketObserved"] > 100
    assert result.recorded_digest == result.replayed_digest
    one = verify(app, agent="revert")
    assert one.ok, one.divergence


def test_an_altered_market_event_is_found_where_the_strategy_saw_it(tmp_path: Path) -> None:
    _recorded(tmp_path, _agents())
    db = tmp_path / "home" / "tape.db"
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT rowid, state FROM stored_events WHERE topic LIKE '%MarketObserved' "
            "ORDER BY rowid"
        ).fetchall()
        rowid, state = rows[40]
        data = json.loads(state)
        data["market"]["bids"][0][0] = "0.2"
        conn.execute(
            "UPDATE stored_events SET state = ? WHERE rowid = ?",
            (json.dumps(data, separators=(",", ":")).encode(), rowid),
        )
    reopened = TapeApplication(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(db)}
    )
    divergence = verify(reopened).divergence
    assert divergence is not None
    assert divergence.position == rowid
    assert "MarketObserved differs" in divergence.note


def test_export_day_writes_the_market_events_and_running_it_gives_the_same_digest(
    tmp_path: Path,
) -> None:
    _, app = _recorded(tmp_path, _agents())
    lines = list(export_day(app))
    kinds = [json.loads(line)["type"] for line in lines]
    assert set(kinds) == {"book"}  # the strategies' intents are not written: the books give them
    exported = tmp_path / "exported.jsonl"
    exported.write_text("\n".join(lines) + "\n")
    again = run_file(exported, tmp_path / "again", _agents())
    assert decision_digest(again) == decision_digest(app)


def test_other_thresholds_give_other_orders_and_pnl(tmp_path: Path) -> None:
    _, app = _recorded(tmp_path, _agents())
    before = {o["intent_id"] for o in orders_of(app) if o["agent"] == "revert"}
    assert before
    never = [
        _agents()[0].model_copy(
            update={"params": {**_agents()[0].params, "z_entry": "50", "z_exit": "0.5"}}
        ),
        *_agents()[1:],
    ]
    diff = counterfactual(app, TapeConfig(tuple(never), Decimal(0), "what-if"))
    assert {o["intent_id"] for o in diff.orders_removed} == before
    assert diff.orders_added == []
    revert = next(p for p in diff.pnl if p["agent"] == "revert")
    assert revert["realised_after"] == 0
    assert revert["realised_before"] != 0


def test_intents_a_lost_step_left_behind_are_submitted_by_recovery() -> None:
    day = run_strategy_day(spiky_day(steps=30, spikes=()), [reverting_agent(cooldown_s=0)])
    engine, clock = day.engine, day.clock
    spike = book_seen(30, 45)
    clock.set(spike.at, 31)
    day.paper.on_book(spike.book)
    # The market event's step committed, the intents' did not (a crash between the two).
    given = engine.observe_market(spike, feed="day", line_no=31)
    assert len(given) == 1
    assert day.app.get_or_none(Intent.create_id(given[0].intent_id)) is None
    recovery = engine.recover()
    assert recovery.decided == 1
    assert recovery.feed_positions["day"] == 31
    (row,) = [r for r in intents_of(day.app) if r["intent_id"] == given[0].intent_id]
    assert row["verdict"] == "ACCEPTED"


def test_a_resumed_day_does_not_show_the_strategies_a_book_twice(tmp_path: Path) -> None:
    day = tmp_path / "day.jsonl"
    day.write_text("\n".join(spiky_day()) + "\n")
    app = run_file(day, tmp_path / "home", [reverting_agent(cooldown_s=0)])
    again = run_file(day, tmp_path / "home", [reverting_agent(cooldown_s=0)])
    run: StrategyRun = again.repository.get(strategy_run_uuid("revert"))
    assert run.observed == 80
    assert decision_digest(again) == decision_digest(app)


class _Broken(Strategy[Any, Any]):
    name = "broken"
    params_model = MeanReversion.params_model
    state_model = MeanReversion.state_model

    def on_book(self, params: Any, state: Any, seen: BookSeen) -> Step[Any]:
        if seen.book.best_bid() == D("0.55"):
            raise ArithmeticError("a strategy bug")
        return MeanReversion().on_book(params, state, seen)


def test_a_strategy_that_raises_is_recorded_and_the_day_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(registry.REGISTRY, "broken", _Broken())
    agent = reverting_agent(cooldown_s=0).model_copy(update={"strategy": "broken"})
    day = run_strategy_day(spiky_day(), [agent])
    events = [s.event for s in stored_events(day.app) if s.name == "MarketObserved"]
    assert len(events) == 80
    errors = [e for e in events if e.error]
    assert errors
    assert {e.error for e in errors} == {"ArithmeticError"}
    assert all(e.intents == [] for e in errors)


def test_a_bad_trade_record_is_a_bad_line_and_a_good_one_reaches_the_strategy() -> None:
    good = {
        "type": "trade",
        "at": "2026-03-02T14:00:10Z",
        "venue": "polymarket",
        "token_id": TOKEN,
        "price": "0.55",
        "size": "10",
        "side": "BUY",
    }
    lines = [book_line(0, 55), json.dumps(good), json.dumps({**good, "price": "1.5"})]
    day = run_strategy_day(lines, [reverting_agent(price="last_trade")])
    assert day.stats.trades == 1
    assert day.stats.bad_lines == 1
    assert "trade record: price: must be between 0 and 1" in day.stats.messages[0]
    markets = [s.event.market["type"] for s in stored_events(day.app) if s.name == "MarketObserved"]
    assert markets == ["book", "trade"]


def test_orders_of_strategy_intents_name_their_agent() -> None:
    day = run_strategy_day(spiky_day(steps=40, spikes=(30,)), [reverting_agent()])
    placed = [s.event for s in stored_events(day.app) if isinstance(s.event, Order.OrderPlaced)]
    assert placed
    assert all(e.agent == "revert" for e in placed)


@pytest.mark.parametrize("cut", [1, 25, 31, 47, 79])
def test_a_strategy_day_stopped_and_resumed_ends_as_one_run(tmp_path: Path, cut: int) -> None:
    # The same file, grown: the second run resumes after the last line taken in, its
    # strategies starting from the state the first run stored.
    lines = spiky_day()
    whole = tmp_path / "whole" / "day.jsonl"
    whole.parent.mkdir()
    whole.write_text("\n".join(lines) + "\n")
    once = run_file(whole, tmp_path / "once", [reverting_agent(cooldown_s=0)])
    grown = tmp_path / "grown" / "day.jsonl"
    grown.parent.mkdir()
    grown.write_text("\n".join(lines[:cut]) + "\n")
    run_file(grown, tmp_path / "twice", [reverting_agent(cooldown_s=0)])
    grown.write_text("\n".join(lines) + "\n")
    twice = run_file(grown, tmp_path / "twice", [reverting_agent(cooldown_s=0)])
    run: StrategyRun = twice.repository.get(strategy_run_uuid("revert"))
    assert run.observed == 80
    assert decision_digest(twice) == decision_digest(once)
