"""Denied is ours, Rejected is the venue's: an order we refuse to send (no adapter for its
venue, or the adapter's own check before sending) is ``Order.OrderDenied``; an unreadable
input is ``Feed.InputDenied``, and records stored under its old name still load."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.utils import get_topic

from adapters.replay.log import stored_events as replay_events
from adapters.replay.verify import verify
from engine import commands
from engine.application import WRITER_CACHE_ENV, TapeApplication
from engine.commands import Command, SubmitIntent
from engine.feeds import LEGACY_INPUT_REJECTED_TOPIC, Feed
from engine.handlers import ROUTES
from engine.ids import agent_uuid
from engine.order_states import IllegalOrderTransitionError, OrderStatus
from engine.orders import Order
from engine.ports import Books, OrderRequest, VenueReport, VenueRequestDenied
from engine.recovery import find_pending_work
from projections.digest import decision_digest
from tests.conftest import (
    AGENT,
    T0,
    TOKEN,
    VENUE,
    EngineRig,
    a_book,
    a_trade_intent,
    an_agent_config,
    make_rig,
    sqlite_env,
)
from tests.fakes.venues import FakeVenue


class OffTickVenue(FakeVenue):
    """An adapter that refuses every order itself, before sending it (a preflight check)."""

    def submit(self, request: OrderRequest, *, at: datetime | None = None) -> VenueReport:
        raise VenueRequestDenied("INVALID_TICK", f"price {request.price} is off the tick")


def rig_with(path: Path, venues: dict[str, Any]) -> EngineRig:
    books = Books()
    books.update(a_book())
    return make_rig(path, venues=venues, market_data=books, agents=[an_agent_config()])


def order_of(rig: EngineRig, intent_id: str) -> Order:
    return rig.get(Order.create_id(intent_id, 0))


def test_execute_when_the_adapter_denies_the_request_then_order_denied_not_rejected(
    tmp_path: Path,
) -> None:
    rig = rig_with(tmp_path / "t.db", venues={VENUE: OffTickVenue()})
    try:
        receipt = rig.submit()

        order = order_of(rig, receipt.intent_id)
        assert order.status == OrderStatus.DENIED
        assert order.reason == "INVALID_TICK: price 0.52 is off the tick"
        names = rig.event_names()
        assert "OrderDenied" in names
        assert "OrderRejected" not in names
        assert order.is_terminal
        assert rig.get(agent_uuid(AGENT)).commitments == {}  # released, as for a rejection
        assert rig.engine.open_orders == frozenset()
        assert find_pending_work(rig.app).open_orders == {}
    finally:
        rig.app.close()


def test_execute_when_no_adapter_for_the_venue_then_order_denied_with_no_venue(
    tmp_path: Path,
) -> None:
    rig = rig_with(tmp_path / "t.db", venues={})
    try:
        receipt = rig.submit()

        [denied] = [e for e in rig.events() if isinstance(e, Order.OrderDenied)]
        assert (denied.reason, denied.detail) == ("NO_VENUE", f"no adapter for venue {VENUE}")
        names = rig.event_names()
        assert names[names.index("OrderDenied") + 1] == "CommitmentReleased"
        assert rig.engine.recover().reconciled == {}
        assert order_of(rig, receipt.intent_id).status == OrderStatus.DENIED
        assert verify(rig.app).ok  # replay reproduces the denial
    finally:
        rig.app.close()


def test_order_denied_when_the_venue_already_answered_then_illegal() -> None:
    order = Order.place(
        intent_id="i1",
        leg=0,
        agent=AGENT,
        venue=VENUE,
        market_id="m",
        token_id=TOKEN,
        outcome="Yes",
        side="BUY",
        order_type="FAK",
        price=Decimal("0.5"),
        size=Decimal("10"),
        source_trader=None,
        at=T0,
    )
    order.accept(venue_order_id="v1", at=T0)
    with pytest.raises(IllegalOrderTransitionError, match="is ACCEPTED: OrderDenied"):
        order.deny(reason="NO_VENUE", detail="late", at=T0)


def test_a_store_with_the_old_input_rejected_topic_reads_back_as_input_denied(
    tmp_path: Path,
) -> None:
    path = tmp_path / "t.db"
    rig = make_rig(path)
    rig.engine.reject_input(feed="day.jsonl", line_no=7, reason="not JSON", digest="abc")
    rig.submit()
    digest_before = decision_digest(rig.app)
    rig.app.close()
    new_topic = get_topic(Feed.InputDenied)
    with sqlite3.connect(path) as db:  # as an older Tape stored it
        changed = db.execute(
            "UPDATE stored_events SET topic = ? WHERE topic = ?",
            (LEGACY_INPUT_REJECTED_TOPIC, new_topic),
        ).rowcount
    assert changed == 1

    app = TapeApplication(env={**sqlite_env(path), **WRITER_CACHE_ENV})
    try:
        [denied] = [e for e in replay_events(app) if isinstance(e.event, Feed.InputDenied)]
        assert (denied.event.line_no, denied.event.reason) == (7, "not JSON")
        assert denied.topic == new_topic  # as stored today, so replay compares alike
        assert find_pending_work(app).feed_positions["day.jsonl"] == 7
        assert decision_digest(app) == digest_before
        assert verify(app).ok
    finally:
        app.close()


def test_every_command_has_one_route_and_handle_is_what_the_methods_send(rig: EngineRig) -> None:
    command_classes = {
        c
        for c in vars(commands).values()
        if isinstance(c, type) and issubclass(c, Command) and c is not Command
    }
    assert command_classes == set(ROUTES)
    rig.show_book(a_book())
    intent = a_trade_intent()
    rig.clock.set(intent.created_at)

    receipt = rig.engine.handle(SubmitIntent(intent, feed="test"))

    assert receipt.status == "received"
    assert order_of(rig, intent.intent_id).status == OrderStatus.FILLED
