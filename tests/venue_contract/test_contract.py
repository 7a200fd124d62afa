"""The venue contract (``engine.ports.VenuePort``): what every adapter must do, checked on
each venue's real adapter against its fake server (see ``harnesses.py``)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.ports import VenueRequestDenied, VenueUncertainError
from engine.values import OrderType
from tests.venue_contract.harness import (
    FEE_QUANTUM,
    RESTING_PRICE,
    VenueHarness,
    fill_ids,
    filled,
    request,
)

D = Decimal


def test_it_declares_whether_its_orders_outlive_our_process(harness: VenueHarness) -> None:
    assert harness.venue.durable is harness.durable


def test_an_order_that_can_fill_is_filled_and_closed(harness: VenueHarness) -> None:
    report = harness.venue.submit(request(harness, "c-fill", OrderType.FAK, "0.50", "10"))
    assert report.accepted
    assert report.client_order_id == "c-fill"
    assert report.venue_order_id
    assert filled(report) == D(10)
    assert {f.price for f in report.fills} == {D("0.50")}
    assert report.closed


def test_a_fak_takes_what_is_there_and_closes_the_rest(harness: VenueHarness) -> None:
    report = harness.venue.submit(request(harness, "c-part", OrderType.FAK, "0.50", "150"))
    assert report.accepted
    assert filled(report) == D(100)  # all of the 0.50 level, nothing at 0.55
    assert report.closed
    assert report.close_reason


def test_an_order_the_venue_refuses_is_rejected_with_its_code(harness: VenueHarness) -> None:
    if harness.supports.fok:
        report = harness.venue.submit(request(harness, "c-no", OrderType.FOK, "0.50", "1000"))
    else:
        harness.refuse_next_submit()  # type: ignore[attr-defined]
        report = harness.venue.submit(request(harness, "c-no", OrderType.FAK, "0.50", "10"))
    assert not report.accepted
    assert report.reject_code
    assert report.fills == ()
    assert report.closed
    known = harness.venue.order_status("c-no")
    assert known is None or not known.accepted  # asked again, never an acceptance


def test_an_order_type_the_venue_lacks_is_denied_before_sending(harness: VenueHarness) -> None:
    if harness.supports.fok:
        pytest.skip("this venue takes FOK orders")
    with pytest.raises(VenueRequestDenied) as denied:
        harness.venue.submit(request(harness, "c-fok", OrderType.FOK, "0.50", "10"))
    assert denied.value.code
    assert harness.venue.order_status("c-fok") is None


def test_reconciling_by_client_order_id_finds_the_order_and_never_fills_it_twice(
    harness: VenueHarness,
) -> None:
    assert harness.venue.order_status("c-never-sent") is None
    order = request(harness, "c-rec", OrderType.FAK, "0.50", "10")
    placed = harness.venue.submit(order)
    found = harness.venue.order_status("c-rec")
    assert found is not None
    assert found.accepted
    assert fill_ids(found) == fill_ids(placed)
    assert found.closed
    again = harness.venue.submit(order)  # the engine retries with the same client order id
    assert again.accepted
    assert fill_ids(again) == fill_ids(placed)
    assert filled(again) == D(10)


def test_a_timeout_after_the_venue_took_the_order_is_uncertain_then_found(
    harness: VenueHarness,
) -> None:
    if not harness.supports.stalled_answers:
        pytest.skip("an in-process venue cannot time out")
    harness.stall_next_submit()
    with pytest.raises(VenueUncertainError):
        harness.venue.submit(request(harness, "c-late", OrderType.FAK, "0.50", "10"))
    found = harness.venue.order_status("c-late")
    assert found is not None
    assert found.accepted
    assert filled(found) == D(10)


def test_a_resting_order_reports_its_fills_and_can_be_canceled(harness: VenueHarness) -> None:
    resting = harness.venue.submit(request(harness, "c-rest", OrderType.GTC, RESTING_PRICE, "20"))
    assert resting.accepted
    assert not resting.closed
    assert resting.fills == ()
    harness.fill_resting(resting, D(10))
    reports = [r for r in harness.venue.poll_reports() if r.client_order_id == "c-rest"]
    assert reports
    assert filled(reports[-1]) >= D(10)
    canceled = harness.venue.cancel("c-rest")
    assert canceled is not None
    if filled(canceled) < D(20):
        assert canceled.closed
        status = harness.venue.order_status("c-rest")
        assert status is not None
        assert status.closed


def test_a_resting_order_is_canceled_and_an_unknown_one_is_none(harness: VenueHarness) -> None:
    resting = harness.venue.submit(request(harness, "c-cx", OrderType.GTC, RESTING_PRICE, "10"))
    assert not resting.closed
    canceled = harness.venue.cancel("c-cx")
    assert canceled is not None
    assert canceled.closed
    assert canceled.fills == ()
    assert harness.venue.cancel("c-never-sent") is None


def test_every_fill_carries_the_venues_fee(harness: VenueHarness) -> None:
    report = harness.venue.submit(request(harness, "c-fee", OrderType.FAK, "0.55", "150"))
    assert filled(report) == D(150)
    expected_fee = getattr(harness, "expected_fee", None)  # a venue with its own schedule
    for fill in report.fills:
        expected = (fill.price * fill.size * harness.fee_rate).quantize(FEE_QUANTUM)
        assert fill.fee == (
            expected if expected_fee is None else expected_fee(fill.price, fill.size)
        )


def test_provisional_fills_are_confirmed_once(harness: VenueHarness) -> None:
    if not harness.supports.provisional_fills:
        pytest.skip("this venue's fills are final at once")
    placed = harness.venue.submit(request(harness, "c-prov", OrderType.FAK, "0.50", "10"))
    assert placed.fills
    assert all(f.provisional for f in placed.fills)
    harness.settle(placed, failed=False)
    settled = harness.venue.order_status("c-prov")
    assert settled is not None
    assert fill_ids(settled) == fill_ids(placed)
    assert not any(f.provisional for f in settled.fills)
    assert settled.voided_fills == ()


def test_fills_that_fail_to_settle_are_voided(harness: VenueHarness) -> None:
    if not harness.supports.provisional_fills:
        pytest.skip("this venue's fills are final at once")
    placed = harness.venue.submit(request(harness, "c-void", OrderType.FAK, "0.50", "10"))
    harness.settle(placed, failed=True)
    voided = harness.venue.order_status("c-void")
    assert voided is not None
    assert set(voided.voided_fills) == set(fill_ids(placed))
    assert voided.fills == ()
