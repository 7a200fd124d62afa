"""Provisional fills in the read models: a confirmed fill stays, a voided buy takes its lot out, a
voided sell gives back the lots it consumed; every projection still says what the aggregates say."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from engine.ids import order_uuid
from projections.report import day_report
from projections.tracking import Projector
from projections.views import LogViews
from tests.conftest import VENUE, a_book, a_source, make_rig
from tests.fakes.venues import ProvisionalVenue
from tests.projection_rig import (
    Backend,
    assert_projections_match_aggregates,
    assert_trails_match_the_log,
)

D = Decimal


def test_confirmed_and_voided_fills_in_every_read_model(tmp_path: Path, backend: Backend) -> None:
    venue = ProvisionalVenue()
    rig = make_rig(tmp_path / "tape.db", venues={VENUE: venue})
    rig.paper.on_book(a_book())
    projector = Projector(rig.app, backend.store())

    def client_id(intent_id: str) -> str:
        return rig.app.repository.get(order_uuid(intent_id, 0)).client_order_id

    rig.submit(intent_id="b1", source=a_source(tx_hash="0x1"))  # 12.05 @ 0.52
    projector.catch_up()
    rig.engine.apply_report(venue.report(client_id("b1"), provisional=False))  # confirmed
    rig.submit(intent_id="b2", size="100", source=a_source(tx_hash="0x2"), delay_s=2)  # 10
    rig.submit(
        intent_id="s1",
        side="SELL",
        price="0.51",
        size="120.5",
        source=a_source(tx_hash="0x3", trader_position_before="220.5"),
        delay_s=3,
    )  # 12.05 @ 0.51: all of lot b1
    projector.catch_up()
    rig.engine.apply_report(venue.report(client_id("s1"), provisional=True, voided=True))
    rig.engine.apply_report(venue.report(client_id("b2"), provisional=True, voided=True))
    projector.catch_up()

    assert_projections_match_aggregates(rig.app, projector)
    assert_trails_match_the_log(rig.app, projector, limit=10)
    views = projector.views()
    folded = LogViews.build(rig.app)
    for name in ("orders", "positions", "purchases"):
        assert getattr(views, name).rows == dict(getattr(folded, name).rows)
    orders = {o["intent_id"]: o for o in views.orders.rows.values()}
    assert orders["b1"]["status"] == "FILLED"
    assert orders["b1"]["fills"][0]["provisional"] is False
    for voided in ("b2", "s1"):
        assert orders[voided]["status"] == "CANCELED"
        assert orders[voided]["filled"] == 0
        assert (len(orders[voided]["voided"]), orders[voided]["fills"]) == (1, [])
        assert orders[voided]["reason"].startswith("a fill was voided after the order closed")
    lots = {lot["order_id"]: lot for lot in views.purchases.rows.values()}
    b1 = lots[str(order_uuid("b1", 0))]
    b2 = lots[str(order_uuid("b2", 0))]
    assert (b1["status"], b1["remaining"], b1["consumed"], b1["realised_pnl"]) == (
        "OPEN",
        D("12.05"),
        [],
        0,
    )
    assert (b2["status"], b2["remaining"]) == ("VOIDED", 0)
    (position,) = views.positions.rows.values()
    assert (position["size"], position["realised_pnl"], position["fees"]) == (
        D("12.05"),
        0,
        D("0.01"),
    )
    (balance,) = views.balances.with_marks(views.positions, views.marks)
    assert balance["fills"] == 1
    assert balance["fees"] == D("0.01")
    assert balance["cash"] == -(D("12.05") * D("0.52") + D("0.01"))
    (agent,) = day_report(rig.app).agents
    assert agent["fills"] == 1
    assert agent["fees"] == D("0.01")
