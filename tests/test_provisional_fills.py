"""Provisional fills (Polymarket MATCHED): booked at once, confirmed when settled, and when the
venue reports the trade failed, voided with the position and the risk book restored."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from engine.ids import agent_uuid, order_uuid, position_uuid
from tests.conftest import AGENT, TOKEN, VENUE, EngineRig, a_book, make_rig
from tests.fakes.venues import ProvisionalVenue


def _rig(tmp_path: Path) -> tuple[EngineRig, ProvisionalVenue]:
    venue = ProvisionalVenue(fee=Decimal(0), fill_id="trade-1", venue_order_id="0xhash")
    rig = make_rig(tmp_path / "t.db", venues={VENUE: venue})
    rig.paper.on_book(a_book())
    rig.engine.market_data = rig.paper
    return rig, venue


def test_a_provisional_fill_is_booked_then_confirmed_once(tmp_path: Path) -> None:
    rig, venue = _rig(tmp_path)
    rig.submit()
    order = rig.app.repository.get(order_uuid("copy:0x5f1ce9:7132:BUY", 0))
    (fill,) = order.fills.values()
    assert fill["provisional"] is True
    rig.engine.apply_report(venue.report(provisional=False))
    rig.engine.apply_report(venue.report(provisional=False))
    names = rig.event_names()
    assert names.count("OrderFilled") == 1
    assert names.count("OrderFillConfirmed") == 1
    position = rig.app.repository.get(position_uuid(AGENT, VENUE, TOKEN))
    assert position.size == order.size


def test_a_failed_trade_voids_the_fill_and_restores_the_position_and_risk_book(
    tmp_path: Path,
) -> None:
    rig, venue = _rig(tmp_path)
    agent_before = rig.app.repository.get(agent_uuid(AGENT))
    rig.submit()
    rig.engine.apply_report(venue.report(provisional=True, voided=True))
    rig.engine.apply_report(venue.report(provisional=True, voided=True))  # reported again
    names = rig.event_names()
    assert names.count("OrderFillVoided") == 1
    assert names.count("PositionFillVoided") == 1
    assert names.count("FillReversed") == 1
    order = rig.app.repository.get(order_uuid("copy:0x5f1ce9:7132:BUY", 0))
    assert order.status == "CANCELED"
    assert order.filled_size == 0
    position = rig.app.repository.get(position_uuid(AGENT, VENUE, TOKEN))
    assert position.size == 0
    assert position.cost == 0
    agent = rig.app.repository.get(agent_uuid(AGENT))
    assert agent.holdings == agent_before.holdings == {}
    assert agent.deployed() == 0
