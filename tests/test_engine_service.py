"""The TradingEngine on a real SQLite event store: intents in, verdicts, orders, fills, positions,
and the invariants the log must keep."""

from __future__ import annotations

import sqlite3
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.agents import Agent
from engine.aggregate import WallClockForbiddenError
from engine.application import TapeApplication
from engine.ids import agent_uuid, intent_uuid, order_id_of_client_order_id, position_uuid
from engine.intents import Intent
from engine.order_states import OrderStatus
from engine.orders import Order
from engine.ports import Books, OrderRequest, VenueFill, VenueReport
from engine.positions import Position
from engine.service import UnknownOrderError
from engine.values import Side, TradingState
from tests.conftest import (
    AGENT,
    OTHER_TOKEN,
    OTHER_TRADER,
    T0,
    TRADER,
    VENUE,
    EngineRig,
    a_book,
    a_source,
    a_trade_intent,
    an_agent_config,
    make_rig,
    sqlite_env,
    stored_events,
)
from tests.fakes.venues import AcceptingVenue, FakeVenue, UnreachableVenue

D = Decimal
POSITION = position_uuid(AGENT, VENUE, "7132")


def named(events: list[Any], name: str) -> list[Any]:
    return [e for e in events if type(e).__name__ == name]


def order_of(rig: EngineRig, intent_id: str) -> Order:
    return rig.get(Order.create_id(intent_id, 0))


def agent_of(rig: EngineRig) -> Agent:
    return rig.get(agent_uuid(AGENT))


# -- fakes ------------------------------------------------------------------------------------


class RecordingVenue(FakeVenue):
    """A venue that, when called, reads the store through a second application on the same
    file, records what it found, and fills the whole order at its limit price."""

    def __init__(self, path: Path) -> None:
        super().__init__(name=VENUE)
        self.reader = TapeApplication(env=sqlite_env(path))
        self.requests: list[OrderRequest] = []
        self.found: list[tuple[str, list[str]]] = []

    def submit(self, request: OrderRequest, *, at: datetime | None = None) -> VenueReport:
        self.requests.append(request)
        order_id = order_id_of_client_order_id(request.client_order_id)
        assert order_id is not None
        stored = self.reader.get_or_none(order_id)
        assert stored is not None, "the venue was called before OrderPlaced was stored"
        assert stored.status == OrderStatus.PLACED
        names = [
            type(e).__name__ for e in stored_events(self.reader) if e.originator_id == order_id
        ]
        self.found.append((stored.status, names))
        return VenueReport(
            client_order_id=request.client_order_id,
            accepted=True,
            venue_order_id="rec-1",
            fills=(VenueFill("t1", request.price, request.size),),
            closed=True,
        )


@pytest.fixture
def recorded_saves(rig: EngineRig) -> dict[UUID, Aggregate]:
    """The live aggregates the engine saved, last instance of each id."""
    live: dict[UUID, Aggregate] = {}
    record = rig.app._record

    def recording_record(processing_event: Any) -> Any:
        result = record(processing_event)
        live.update(processing_event.aggregates)
        return result

    rig.app._record = recording_record  # type: ignore[method-assign]
    return live


@contextmanager
def temporary_rig(**kwargs: Any) -> Iterator[EngineRig]:
    """A rig in a fresh temporary directory (hypothesis examples cannot share tmp_path)."""
    with tempfile.TemporaryDirectory() as tmp:
        built = make_rig(Path(tmp) / "tape.db", **kwargs)
        try:
            yield built
        finally:
            built.app.close()


# -- the happy path ---------------------------------------------------------------------------


def test_submit_when_buy_accepted_then_order_placed_filled_and_position_opened(
    rig: EngineRig,
) -> None:
    rig.show_book(a_book())

    receipt = rig.submit()

    assert receipt.status == "received"
    assert rig.event_names()[1:] == [
        "IntentReceived",
        "IntentAccepted",
        "TraderFirstSeen",
        "TraderTradeObserved",
        "OrderPlaced",
        "OrderCommitted",
        "OrderAccepted",
        "OrderFilled",
        "FillBooked",
        "CommitmentReleased",
        "PositionOpened",
        "PositionIncreased",
    ]
    order = order_of(rig, receipt.intent_id)
    assert order.status == OrderStatus.FILLED
    assert order.size == D("12.05")  # 10% of 120.5
    assert order.price == D("0.52")
    assert order.filled_size == order.size
    position: Position = rig.get(POSITION)
    assert position.size == D("12.05")
    assert position.cost == D("6.266")
    assert position.held_from(TRADER) == D("12.05")
    intent: Intent = rig.get(intent_uuid(receipt.intent_id))
    assert intent.status == "ACCEPTED"
    assert intent.order_ids == [str(order.id)]
    agent = agent_of(rig)
    assert agent.trades_today("2026-01-30") == 1
    assert agent.commitments == {}
    assert agent.deployed() == D("6.266")


def test_submit_when_copy_sell_follows_a_buy_then_position_reduced_in_proportion(
    rig: EngineRig,
) -> None:
    rig.show_book(a_book())
    rig.submit(intent_id="buy", size="120", source=a_source(trader_position_before="0"))

    rig.submit(
        intent_id="sell",
        side="SELL",
        size="60",
        price="0.51",
        source=a_source(trader_position_before="120"),
    )

    sold = order_of(rig, "sell")
    assert sold.status == OrderStatus.FILLED
    assert sold.size == 6  # half of the 12 bought
    position: Position = rig.get(POSITION)
    assert position.size == 6
    # sold 6 at 0.51 that cost 6 x 0.52
    assert position.realised_pnl == D("6") * D("0.51") - D("6") * D("0.52")


def test_submit_when_venue_rejects_then_order_rejected_and_commitment_released(
    rig: EngineRig,
) -> None:
    # the book is off the venue's coarser tick: the limit price 0.52 is refused
    rig.show_book(a_book(tick_size="0.05"))

    receipt = rig.submit()

    order = order_of(rig, receipt.intent_id)
    assert order.status == OrderStatus.REJECTED
    assert order.reason is not None
    assert order.reason.startswith("INVALID_PRICE")
    assert "OrderRejected" in rig.event_names()
    assert agent_of(rig).commitments == {}
    assert rig.app.get_or_none(POSITION) is None


def rig_with(path: Path, venues: dict[str, Any], **config: Any) -> EngineRig:
    books = Books()
    books.update(a_book())
    return make_rig(path, venues=venues, market_data=books, agents=[an_agent_config(**config)])


def test_execute_when_no_adapter_for_the_venue_then_denied_and_commitment_released(
    tmp_path: Path,
) -> None:
    rig = rig_with(tmp_path / "t.db", venues={})
    try:
        receipt = rig.submit()

        order = order_of(rig, receipt.intent_id)
        assert order.status == OrderStatus.DENIED  # our refusal (issue #14), not the venue's
        assert order.reason is not None
        assert order.reason.startswith("NO_VENUE")
        assert agent_of(rig).commitments == {}
        assert agent_of(rig).deployed() == 0
    finally:
        rig.app.close()


def test_position_limit_when_earlier_buys_are_still_open_then_they_count(
    tmp_path: Path,
) -> None:
    rig = rig_with(tmp_path / "t.db", venues={VENUE: UnreachableVenue()}, max_position_usdc="10")
    try:
        rig.submit(intent_id="first")
        second = rig.submit(intent_id="second")

        assert rig.get(intent_uuid(second.intent_id)).reason == "position_limit"
    finally:
        rig.app.close()


def test_apply_report_when_accepted_without_fills_then_no_position_opened(
    tmp_path: Path,
) -> None:
    rig = rig_with(tmp_path / "t.db", venues={VENUE: AcceptingVenue()})
    try:
        receipt = rig.submit()

        assert order_of(rig, receipt.intent_id).status == OrderStatus.ACCEPTED
        assert "PositionOpened" not in rig.event_names()
    finally:
        rig.app.close()


def test_apply_report_when_order_unknown_then_refused(rig: EngineRig) -> None:
    report = VenueReport(client_order_id="tape-" + "0" * 32, accepted=True)

    with pytest.raises(UnknownOrderError):
        rig.engine.apply_report(report)


# -- redelivery -------------------------------------------------------------------------------


def test_submit_when_intent_id_seen_before_then_redelivered_and_no_second_order(
    rig: EngineRig,
) -> None:
    rig.show_book(a_book())
    first = rig.submit()

    again = rig.submit(delay_s=5)

    assert (first.status, again.status) == ("received", "duplicate")
    events = rig.events()
    assert len(named(events, "IntentRedelivered")) == 1
    assert named(events, "IntentRedelivered")[0].same_payload is True
    assert len(named(events, "OrderPlaced")) == 1
    assert len(named(events, "IntentAccepted")) == 1
    assert len(rig.paper[VENUE].ledger) == 1
    assert rig.get(intent_uuid(first.intent_id)).redeliveries == 1
    assert rig.get(POSITION).size == D("12.05")


def test_submit_when_intent_id_seen_with_other_content_then_still_not_traded_again(
    rig: EngineRig,
) -> None:
    rig.show_book(a_book())
    rig.submit()

    again = rig.submit(size="50")

    assert again.status == "duplicate"
    redelivered = named(rig.events(), "IntentRedelivered")
    assert [e.same_payload for e in redelivered] == [False]
    assert len(named(rig.events(), "OrderPlaced")) == 1


# -- denials ----------------------------------------------------------------------------------


def test_submit_when_denied_then_no_order_and_the_reason_recorded(rig: EngineRig) -> None:
    rig.show_book(a_book())

    receipt = rig.submit(source=a_source(trader=OTHER_TRADER))

    intent: Intent = rig.get(intent_uuid(receipt.intent_id))
    assert intent.status == "DENIED"
    assert intent.reason == "trader_allowlist"
    [denied] = named(rig.events(), "IntentDenied")
    assert denied.reason == "trader_allowlist"
    assert denied.book == a_book().to_record()
    assert [c["name"] for c in denied.checks][:3] == ["agent_state", "venue", "trader_allowlist"]
    assert named(rig.events(), "OrderPlaced") == []
    assert rig.paper[VENUE].ledger == {}


def test_submit_when_agent_unknown_then_denied_by_the_agent_check(rig: EngineRig) -> None:
    rig.show_book(a_book())

    receipt = rig.submit(agent="nobody")

    assert rig.get(intent_uuid(receipt.intent_id)).reason == "agent"
    assert named(rig.events(), "OrderPlaced") == []


@pytest.mark.parametrize("side", ["BUY", "SELL"])
def test_submit_when_agent_halted_then_nothing_is_placed(rig: EngineRig, side: str) -> None:
    rig.show_book(a_book())
    rig.submit(intent_id="bought")
    assert rig.engine.set_trading_state(AGENT, TradingState.HALTED, "by hand")
    placed = len(named(rig.events(), "OrderPlaced"))

    receipt = rig.submit(intent_id="after-halt", side=side, price="0.51")

    assert rig.get(intent_uuid(receipt.intent_id)).reason == "agent_state"
    assert len(named(rig.events(), "OrderPlaced")) == placed
    assert len(rig.paper[VENUE].ledger) == 1


def test_submit_when_agent_reducing_then_buys_denied_and_sells_placed(rig: EngineRig) -> None:
    rig.show_book(a_book())
    rig.submit(intent_id="bought")
    rig.engine.set_trading_state(AGENT, TradingState.REDUCING, "winding down")

    buy = rig.submit(intent_id="buy-again")
    sell = rig.submit(intent_id="sell", side="SELL", price="0.51")

    assert rig.get(intent_uuid(buy.intent_id)).reason == "agent_state"
    assert order_of(rig, sell.intent_id).status == OrderStatus.FILLED
    # the trader was seen to buy 120.5 twice (the denied buy is still observed) and sells
    # 120.5 of its 241: half of our 12.05, rounded down
    assert order_of(rig, sell.intent_id).size == D("6.02")
    assert rig.get(POSITION).size == D("6.03")


def test_set_trading_state_when_unknown_agent_then_lookup_error(rig: EngineRig) -> None:
    with pytest.raises(LookupError):
        rig.engine.set_trading_state("nobody", TradingState.HALTED, "x")


def test_submit_when_daily_trade_limit_reached_then_denied_until_the_next_utc_day(
    tmp_path: Path,
) -> None:
    rig = make_rig(tmp_path / "t.db", agents=[an_agent_config(max_trades_per_day=1)])
    rig.show_book(a_book())

    rig.submit(intent_id="first")
    second = rig.submit(intent_id="second", created_at="2026-01-30T23:59:00Z")
    rig.show_book(a_book(at="2026-01-31T00:00:30Z"))
    third = rig.submit(intent_id="third", created_at="2026-01-31T00:00:30Z")

    assert rig.get(intent_uuid(second.intent_id)).reason == "trades_per_day"
    assert rig.get(intent_uuid(third.intent_id)).status == "ACCEPTED"
    rig.app.close()


def test_submit_when_stop_loss_reached_then_denied_and_the_agent_halted(tmp_path: Path) -> None:
    # the first buy (12.05 at 0.52, cost 6.266) is marked at the book's mid 0.515:
    # marked PnL 12.05 x 0.515 - 6.266 = -0.06025, which reaches a stop of 0.06
    rig = make_rig(tmp_path / "t.db", agents=[an_agent_config(stop_loss_usdc="0.06")])
    rig.show_book(a_book())
    rig.submit(intent_id="first")

    second = rig.submit(intent_id="second")

    assert rig.get(intent_uuid(second.intent_id)).reason == "stop_loss"
    agent = agent_of(rig)
    assert agent.trading_state == TradingState.HALTED
    assert agent.state_reason.startswith("stop loss: loss 0.06025 USDC")
    assert len(named(rig.events(), "OrderPlaced")) == 1
    rig.app.close()


# -- every intent gets exactly one verdict ----------------------------------------------------

deliveries = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=5),  # intent number: repeats are redeliveries
        st.sampled_from(["BUY", "SELL"]),
        st.sampled_from(["10", "60", "120.5", "180"]),
        st.booleans(),  # a followed trader
        st.sampled_from([1, 30, 200]),  # seconds between created_at and the decision
    ),
    min_size=1,
    max_size=10,
)


@settings(max_examples=25, deadline=None)
@given(deliveries=deliveries)
def test_intents_when_any_sequence_then_each_gets_exactly_one_verdict(
    deliveries: list[tuple[int, str, str, bool, int]],
) -> None:
    with temporary_rig() as rig:
        check_one_verdict_each(rig, deliveries)


def check_one_verdict_each(
    rig: EngineRig, deliveries: list[tuple[int, str, str, bool, int]]
) -> None:
    sent: Counter[str] = Counter()
    for n, (number, side, size, followed, delay) in enumerate(deliveries):
        if n % 3 == 0:
            rig.show_book(a_book(at=(T0 + timedelta(minutes=n)).isoformat()))
        intent_id = f"i{number}"
        rig.submit(
            delay_s=delay,
            intent_id=intent_id,
            side=side,
            size=size,
            price="0.52" if side == "BUY" else "0.51",
            created_at=(T0 + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            source=a_source(trader=TRADER if followed else OTHER_TRADER),
        )
        sent[intent_id] += 1

    events = rig.events()
    by_aggregate: dict[UUID, Counter[str]] = defaultdict(Counter)
    for event in events:
        by_aggregate[event.originator_id][type(event).__name__] += 1
    for intent_id, times in sent.items():
        counts = by_aggregate[intent_uuid(intent_id)]
        assert counts["IntentReceived"] == 1
        assert counts["IntentAccepted"] + counts["IntentDenied"] == 1
        assert counts["IntentRedelivered"] == times - 1
        assert rig.get(intent_uuid(intent_id)).status in ("ACCEPTED", "DENIED")
    assert_every_order_has_an_accepted_intent(events)
    position = rig.app.get_or_none(POSITION)
    if position is not None:
        assert position.size >= 0


def assert_every_order_has_an_accepted_intent(events: list[Any]) -> None:
    accepted_orders = {
        order_id for e in named(events, "IntentAccepted") for order_id in e.order_ids
    }
    placed = named(events, "OrderPlaced")
    assert {str(e.originator_id) for e in placed} == accepted_orders
    for event in placed:
        assert event.originator_id == Order.create_id(event.intent_id, event.leg)
    placed_ids = {e.originator_id for e in placed}
    assert {e.originator_id for e in named(events, "OrderFilled")} <= placed_ids
    order_events = [e for e in events if type(e).__qualname__.startswith("Order.")]
    assert {e.originator_id for e in order_events} <= placed_ids


def test_log_when_intents_denied_and_accepted_then_no_order_without_an_accepted_intent(
    rig: EngineRig,
) -> None:
    rig.show_book(a_book())
    rig.submit(intent_id="ok")
    rig.submit(intent_id="not-followed", source=a_source(trader=OTHER_TRADER))
    rig.submit(intent_id="stale", delay_s=500)
    rig.submit(intent_id="nothing-to-sell", side="SELL", token_id=OTHER_TOKEN)

    events = rig.events()

    assert len(named(events, "IntentDenied")) == 3
    assert len(named(events, "OrderPlaced")) == 1
    assert_every_order_has_an_accepted_intent(events)


# -- write-ahead ------------------------------------------------------------------------------


def test_execute_when_venue_called_then_order_placed_is_already_stored(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    venue = RecordingVenue(path)
    books = Books()
    books.update(a_book())
    rig = make_rig(path, venues={VENUE: venue}, market_data=books)

    receipt = rig.submit()

    assert len(venue.requests) == 1
    assert venue.found == [("PLACED", ["OrderPlaced"])]
    assert venue.requests[0].client_order_id == order_of(rig, receipt.intent_id).client_order_id
    assert order_of(rig, receipt.intent_id).status == OrderStatus.FILLED
    venue.reader.close()
    rig.app.close()


# -- uncertain venue calls and the circuit breaker --------------------------------------------


def test_execute_when_venue_uncertain_then_order_uncertain_and_breaker_trips_at_five(
    tmp_path: Path,
) -> None:
    venue = UnreachableVenue()
    books = Books()
    books.update(a_book())
    rig = make_rig(tmp_path / "t.db", venues={VENUE: venue}, market_data=books)

    for n in range(1, 6):
        receipt = rig.submit(intent_id=f"i{n}")
        order = order_of(rig, receipt.intent_id)
        assert order.status == OrderStatus.UNCERTAIN
        assert order.reason == f"timeout #{n}"
        state = agent_of(rig).trading_state
        assert state == (TradingState.HALTED if n == 5 else TradingState.ACTIVE)

    events = rig.events()
    assert named(events, "OrderRejected") == []
    [tripped] = named(events, "CircuitBreakerTripped")
    assert tripped.failures == 5
    assert tripped.last_error == "timeout #5"
    assert rig.engine.tripped == [(AGENT, "timeout #5")]

    after = rig.submit(intent_id="i6")

    assert rig.get(intent_uuid(after.intent_id)).reason == "agent_state"
    assert venue.calls == 5

    assert rig.engine.set_trading_state(AGENT, TradingState.ACTIVE, "venue is back")
    assert agent_of(rig).consecutive_failures == 0
    rig.submit(intent_id="i7")
    assert agent_of(rig).trading_state == TradingState.ACTIVE  # one failure, not a sixth
    rig.app.close()


def test_execute_when_a_fill_arrives_between_failures_then_the_count_starts_again(
    rig: EngineRig,
) -> None:
    agent = agent_of(rig)
    for n in range(4):
        agent.count_venue_failure(error=f"e{n}", threshold=5, at=T0)
    rig.app.save(agent)
    rig.show_book(a_book())

    rig.submit()  # filled by the paper venue

    assert agent_of(rig).consecutive_failures == 0
    assert agent_of(rig).trading_state == TradingState.ACTIVE


# -- rebuilding from the log ------------------------------------------------------------------


def test_store_when_reopened_then_every_aggregate_equals_the_live_one(
    rig: EngineRig, recorded_saves: dict[UUID, Aggregate]
) -> None:
    rig.paper.fee_rate = D("0.01")
    rig.paper[VENUE].fee_rate = D("0.01")
    rig.show_book(a_book(asks=[("0.52", "5"), ("0.53", "900")]))
    rig.submit(intent_id="b1", size="100")  # 10 shares: 5 at 0.52, 5 at 0.53
    rig.submit(intent_id="b2", size="100", price="0.53")  # 10 at 0.53
    rig.submit(
        intent_id="s1",
        side="SELL",
        size="70",
        price="0.51",
        source=a_source(trader_position_before="200"),
    )  # 35% of 20: 7 shares
    rig.submit(
        intent_id="s2",
        side="SELL",
        size="26",
        price="0.51",
        source=a_source(trader_position_before="130"),
    )  # 20% of 13: 2.6 shares, below the minimum of 5: denied
    rig.submit(
        intent_id="s3",
        side="SELL",
        size="65",
        price="0.51",
        source=a_source(trader_position_before="130"),
    )  # 50% of 13: 6.5 shares
    rig.submit(intent_id="denied", source=a_source(trader=OTHER_TRADER))

    fresh = TapeApplication(env=sqlite_env(rig.path))
    try:
        assert POSITION in recorded_saves
        live_position = recorded_saves[POSITION]
        assert isinstance(live_position, Position)
        assert live_position.size == D("6.5")
        assert live_position.realised_pnl != 0
        assert len(live_position.lots) == 1
        for aggregate_id, live in recorded_saves.items():
            assert fresh.repository.get(aggregate_id) == live, type(live).__name__
    finally:
        fresh.close()


def test_agent_when_rebuilt_through_a_snapshot_then_equals_the_live_one(rig: EngineRig) -> None:
    agent = agent_of(rig)
    for n in range(1, 1030):
        agent.commit_order(
            order_id=f"o{n}",
            day="2026-01-30",
            market_id="m",
            token_id=f"t{n % 3}",
            side=Side.BUY,
            size=D(n),
            notional=D(n) / 100,
            mark=D("0.5"),
            at=T0,
        )
    rig.app.save(agent)
    assert agent.version > 1000

    fresh = TapeApplication(env=sqlite_env(rig.path))
    try:
        assert fresh.snapshots is not None
        assert list(fresh.snapshots.get(agent.id))  # a snapshot was taken at version 1000
        assert fresh.repository.get(agent.id) == agent
    finally:
        fresh.close()


# -- determinism ------------------------------------------------------------------------------


def run_scenario(path: Path) -> list[tuple[Any, ...]]:
    rig = make_rig(path, fee_rate=D("0.02"))
    rig.show_book(a_book())
    rig.submit(intent_id="b1")
    rig.submit(intent_id="b1", delay_s=3)
    rig.submit(intent_id="b2", size="60", created_at="2026-01-30T14:04:00Z")
    rig.submit(intent_id="x", source=a_source(trader=OTHER_TRADER))
    rig.show_book(a_book(at="2026-01-30T14:05:00Z", bids=[("0.50", "5"), ("0.49", "100")]))
    rig.submit(
        intent_id="s1",
        side="SELL",
        price="0.50",
        size="60",
        created_at="2026-01-30T14:05:01Z",
        source=a_source(trader_position_before="180.5"),
    )
    rig.engine.reject_input(feed="test", line_no=9, reason="not JSON", digest="abc")
    rig.app.close()
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT originator_id, originator_version, topic, state FROM stored_events "
            "ORDER BY rowid"
        ).fetchall()


def test_store_when_the_same_inputs_run_twice_then_identical_stored_events(
    tmp_path: Path,
) -> None:
    first = run_scenario(tmp_path / "one.db")
    second = run_scenario(tmp_path / "two.db")

    assert len(first) > 20
    assert first == second


def test_stored_events_when_engine_runs_then_every_timestamp_comes_from_the_clock(
    rig: EngineRig,
) -> None:
    rig.show_book(a_book())
    rig.submit(delay_s=7)

    stamps = {e.timestamp for e in rig.events()}

    assert stamps == {T0, T0 + timedelta(seconds=7)}


# -- the wall clock is refused ----------------------------------------------------------------


def test_event_when_triggered_without_a_timestamp_then_wall_clock_refused(rig: EngineRig) -> None:
    agent = agent_of(rig)

    with pytest.raises(WallClockForbiddenError):
        agent.trigger_event(Agent.TradingStateChanged, state="HALTED", reason="x")
    with pytest.raises(WallClockForbiddenError):
        Intent.receive(
            intent_id="i",
            intent={},
            feed="f",
            line_no=0,
            at=None,  # type: ignore[arg-type]
        )
    assert agent.pending_events == []


def test_receive_when_intent_recorded_then_its_wire_form_is_stored(rig: EngineRig) -> None:
    intent = a_trade_intent(price="0.520")

    rig.clock.set(T0 + timedelta(seconds=1))
    rig.engine.receive(intent, feed="test")

    stored: Intent = rig.get(intent_uuid(intent.intent_id))
    assert stored.intent == intent.to_wire()
    assert stored.intent["price"] == "0.52"
    assert not stored.decided
