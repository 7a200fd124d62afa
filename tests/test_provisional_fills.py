"""Provisional fills (Polymarket MATCHED): booked at once, confirmed when settled, and when the
venue reports the trade failed, voided with the position and the risk book restored."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

from engine.ids import agent_uuid, order_uuid, position_uuid
from engine.ports import OrderRequest, VenueFill, VenueReport
from tests.conftest import AGENT, TOKEN, VENUE, EngineRig, a_book, make_rig


class ScriptedVenue:
    """A venue that answers the first order with a provisional fill of all of it."""

    name = VENUE

    def __init__(self) -> None:
        self.request: OrderRequest | None = None

    def submit(self, request: OrderRequest, *, at: datetime | None = None) -> VenueReport:
        self.request = request
        return self.report(provisional=True)

    def report(self, *, provisional: bool, voided: bool = False) -> VenueReport:
        assert self.request is not None
        fill = VenueFill("trade-1", self.request.price, self.request.size, Decimal(0), provisional)
        return VenueReport(
            client_order_id=self.request.client_order_id,
            accepted=True,
            venue_order_id="0xhash",
            fills=(fill,),
            closed=True,
            close_reason="FAK remainder",
            voided_fills=("trade-1",) if voided else (),
        )

    def order_status(
        self, client_order_id: str, *, at: datetime | None = None
    ) -> VenueReport | None:
        return None

    def poll_reports(
        self, *, at: datetime | None = None, accounts: frozenset[str] | None = None
    ) -> list[VenueReport]:
        return []


def _rig(tmp_path: Path) -> tuple[EngineRig, ScriptedVenue]:
    venue = ScriptedVenue()
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
