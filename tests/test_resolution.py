"""Market resolution: a ``resolution`` record settles every position of the market (the winning
token pays 1, the others 0), realises the PnL, and records it as events; the read models follow.
The numbers are worked out by hand in :data:`EXPECTED`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from engine.agents import Agent
from engine.ids import agent_uuid, position_uuid
from engine.positions import Position
from engine.settlement import settle_market
from projections.logs import read_log
from projections.report import day_report
from projections.rows import in_time_order, pair_key
from projections.views import LogViews
from tests.conftest import AGENT, MARKET, TRADER, VENUE, a_source, an_agent_config, an_intent
from tests.projection_rig import (
    DayRun,
    assert_projections_match_aggregates,
    assert_trails_match_the_log,
    run_sqlite_day,
)

D = Decimal
YES, NO = "7132", "7133"
UNFOLLOWED = "0x" + "c" * 40
RESOLVED_AT = datetime(2026, 1, 30, 14, 30, tzinfo=UTC)


def book(token: str, bids: list[list[str]], asks: list[list[str]], at: str) -> str:
    """A book line of the market."""
    record = {
        "type": "book",
        "at": at,
        "venue": VENUE,
        "token_id": token,
        "market_id": MARKET,
        "bids": bids,
        "asks": asks,
        "tick_size": "0.01",
        "min_size": "5",
    }
    return json.dumps(record)


def intent(n: int, token: str, side: str, price: str, size: str, **source: Any) -> str:
    """An intent line, a second after the intent was made."""
    at = f"2026-01-30T14:00:{10 + 2 * n:02d}Z"
    made = f"2026-01-30T14:00:{9 + 2 * n:02d}Z"
    body = an_intent(
        intent_id=f"i{n}",
        token_id=token,
        outcome="Yes" if token == YES else "No",
        side=side,
        price=price,
        size=size,
        created_at=made,
        source=a_source(tx_hash=f"0x{n:04x}", **source),
    )
    return json.dumps({"type": "intent", "at": at, "intent": body})


def resolution(winner: str) -> str:
    """The market resolves."""
    record = {
        "type": "resolution",
        "at": "2026-01-30T14:30:00Z",
        "venue": VENUE,
        "market_id": MARKET,
        "winning_token_id": winner,
    }
    return json.dumps(record)


DAY = [
    book(YES, [["0.51", "400"]], [["0.52", "250"], ["0.53", "900"]], "2026-01-30T14:00:00Z"),
    book(NO, [["0.47", "300"]], [["0.48", "300"]], "2026-01-30T14:00:00Z"),
    intent(1, YES, "BUY", "0.52", "120.5"),  # 10%: 12.05 @ 0.52, cost 6.266 (lot 1)
    intent(2, YES, "BUY", "0.52", "100"),  # 10 @ 0.52, cost 5.2 (lot 2)
    intent(3, NO, "BUY", "0.48", "50"),  # 5 @ 0.48, cost 2.4
    intent(4, YES, "BUY", "0.52", "100", trader=UNFOLLOWED),  # denied: trader_allowlist
    intent(5, NO, "BUY", "0.47", "100"),  # 10 @ 0.48, cost 4.8: slippage paid 0.01 x 10
    # the trader sells 120.5 of 220.5: 10% of our 22.05 = 12.05 @ 0.51 = 6.1455, FIFO: all of
    # lot 1 (cost 6.266), realised -0.1205
    intent(6, YES, "SELL", "0.51", "120.5", trader_position_before="220.5"),
    resolution(YES),  # Yes pays 10 x 1 for lot 2 (cost 5.2): +4.8; No pays 0 for 7.2: -7.2
]

EXPECTED = {
    "yes_realised": D("-0.1205") + D("4.8"),
    "no_realised": D("-7.2"),
    "realised": D("-0.1205") + D("4.8") - D("7.2"),  # -2.5205
    "cash": -(D("6.266") + D("5.2") + D("2.4") + D("4.8")) + D("6.1455") + D(10),  # -2.5205
    "slippage": D("0.1"),
}


@pytest.fixture(scope="module")
def resolved(tmp_path_factory: pytest.TempPathFactory) -> DayRun:
    """The day above, run through the day runner with its projections."""
    config = an_agent_config(max_slippage_pct="5")
    return run_sqlite_day(tmp_path_factory.mktemp("resolved"), DAY, agents=[config])


def test_the_day_traded_as_worked_out(resolved: DayRun) -> None:
    views = LogViews.build(resolved.app)
    denied = [r["reason"] for r in views.intents.rows.values() if r["verdict"] == "DENIED"]
    assert denied == ["trader_allowlist"]
    fills = sorted((r["side"], r["filled"], r["price"]) for r in views.orders.rows.values())
    assert fills == [
        ("BUY", D("5"), D("0.48")),
        ("BUY", D("10"), D("0.48")),
        ("BUY", D("10"), D("0.52")),
        ("BUY", D("12.05"), D("0.52")),
        ("SELL", D("12.05"), D("0.51")),
    ]
    assert resolved.stats.resolutions == 1


def test_resolution_settles_the_positions_and_realises_their_pnl(resolved: DayRun) -> None:
    yes: Position = resolved.app.repository.get(position_uuid(AGENT, VENUE, YES))
    no: Position = resolved.app.repository.get(position_uuid(AGENT, VENUE, NO))
    assert (yes.size, yes.lots, yes.realised_pnl) == (D(0), [], EXPECTED["yes_realised"])
    assert (no.size, no.lots, no.realised_pnl) == (D(0), [], EXPECTED["no_realised"])
    agent: Agent = resolved.app.repository.get(agent_uuid(AGENT))
    assert agent.holdings == {}
    assert agent.realised_pnl == EXPECTED["realised"]
    assert agent.deployed() == 0
    names = LogViews.build(resolved.app).names
    assert (names["PositionSettled"], names["PositionSettledBooked"]) == (2, 2)


def test_the_settlement_events_say_what_was_paid(resolved: DayRun) -> None:
    events = [
        e
        for _, e in read_log(resolved.app)
        if isinstance(e, (Position.PositionSettled, Agent.PositionSettledBooked))
    ]
    by_token = {e.token_id: e for e in events if isinstance(e, Agent.PositionSettledBooked)}
    assert (by_token[YES].price, by_token[YES].size, by_token[YES].payout) == (D(1), D(10), D(10))
    assert (by_token[YES].cost, by_token[YES].realised_pnl) == (D("5.2"), D("4.8"))
    assert (by_token[NO].price, by_token[NO].size, by_token[NO].payout) == (D(0), D(15), D(0))
    assert (by_token[NO].cost, by_token[NO].realised_pnl) == (D("7.2"), D("-7.2"))
    yes_settled = next(
        e for e in events if isinstance(e, Position.PositionSettled) and e.price == 1
    )
    assert [(c["size"], c["cost"]) for c in yes_settled.consumed] == [("10", "5.2")]


def test_the_read_models_show_the_settlement(resolved: DayRun) -> None:
    views = resolved.projector.views()
    positions = {r["token_id"]: r for r in views.positions.rows.values()}
    assert positions[YES]["settled_size"] == 10
    assert positions[YES]["settled_price"] == 1
    assert positions[NO]["settled_size"] == 15
    assert positions[NO]["settled_price"] == 0
    assert sum(r["realised_pnl"] for r in positions.values()) == EXPECTED["realised"]
    (balance,) = views.balances.with_marks(views.positions, views.marks)
    assert balance["cash"] == EXPECTED["cash"] == EXPECTED["realised"]
    assert balance["settled"] == 10
    assert balance["realised_pnl"] == EXPECTED["realised"]
    assert (balance["holdings_cost"], balance["marked_pnl"], balance["committed"]) == (0, 0, 0)
    assert balance["budget_left"] == D(1000)
    lots = in_time_order(views.purchases.rows, "bought_at")
    assert [(lot["status"], lot["realised_pnl"]) for lot in lots] == [
        ("CLOSED", D("-0.1205")),
        ("SETTLED", D("4.8")),
        ("SETTLED", D("-2.4")),
        ("SETTLED", D("-4.8")),
    ]
    assert [c["kind"] for c in lots[1]["consumed"]] == ["settlement"]
    assert_projections_match_aggregates(resolved.app, resolved.projector)
    assert_trails_match_the_log(resolved.app, resolved.projector, limit=10)
    assert pair_key(AGENT, VENUE) in views.balances.rows


def test_the_report_shows_the_days_pnl_and_slippage(resolved: DayRun) -> None:
    report = day_report(resolved.app)
    (agent,) = report.agents
    assert agent["day_pnl"] == agent["realised"] == EXPECTED["realised"]
    assert agent["slippage"] == EXPECTED["slippage"]
    assert agent["fills"] == 5
    assert report.traders == [
        {
            "agent": AGENT,
            "trader": TRADER,
            "realised": EXPECTED["realised"],
            "marked": 0,
            "day_pnl": EXPECTED["realised"],
        }
    ]
    assert report.denials == [{"reason": "trader_allowlist", "count": 1, "agents": {AGENT: 1}}]
    assert report.curve[AGENT][-1][1] == EXPECTED["realised"]


def test_settling_again_records_nothing(resolved: DayRun) -> None:
    last = resolved.app.recorder.max_notification_id()
    again = settle_market(
        resolved.app, venue=VENUE, market_id=MARKET, winning_token_id=YES, at=RESOLVED_AT
    )
    assert again.positions == []
    assert resolved.app.recorder.max_notification_id() == last


def test_a_market_nobody_holds_settles_nothing(resolved: DayRun) -> None:
    last = resolved.app.recorder.max_notification_id()
    result = settle_market(
        resolved.app,
        venue=VENUE,
        market_id="0xother",
        winning_token_id=YES,
        at=RESOLVED_AT,
    )
    assert result.positions == []
    assert result.realised_pnl == 0
    assert resolved.app.recorder.max_notification_id() == last
