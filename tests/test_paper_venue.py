"""The paper venue: matching against recorded books, deterministically."""

from __future__ import annotations

from decimal import Decimal

import pytest

from adapters.paper.venue import PaperVenue, PaperVenues
from engine.ports import OrderRequest, VenueFill
from engine.values import Level, OrderType, Side
from tests.conftest import OTHER_TOKEN, TOKEN, VENUE, a_book, an_order_request, levels

D = Decimal


an_order = an_order_request


def a_venue(
    fee_rate: str = "0",
    *,
    asks: tuple[tuple[str, str], ...] = (("0.52", "100"), ("0.53", "200"), ("0.55", "500")),
    tick_size: str = "0.01",
) -> PaperVenue:
    venue = PaperVenue(VENUE, fee_rate=D(fee_rate))
    venue.on_book(a_book(bids=(("0.51", "100"), ("0.50", "200")), asks=asks, tick_size=tick_size))
    return venue


def fills(*triples: tuple[str, str, str]) -> tuple[VenueFill, ...]:
    return tuple(
        VenueFill(f"tape-1:{n}", D(price), D(size), D(fee))
        for n, (price, size, fee) in enumerate(triples, start=1)
    )


# -- walking the book -------------------------------------------------------------------------


def test_buy_when_it_crosses_several_levels_then_fills_each_best_first() -> None:
    venue = a_venue()

    report = venue.submit(an_order("250", "0.53"))

    assert report.accepted
    assert report.venue_order_id == "paper-tape-1"
    assert report.fills == fills(("0.52", "100", "0"), ("0.53", "150", "0"))
    assert report.closed


def test_sell_when_it_crosses_several_levels_then_walks_the_bids() -> None:
    venue = a_venue()

    report = venue.submit(an_order("150", "0.50", side=Side.SELL))

    assert report.fills == fills(("0.51", "100", "0"), ("0.50", "50", "0"))


def test_buy_when_limit_below_the_next_level_then_stops_at_the_limit() -> None:
    venue = a_venue()

    report = venue.submit(an_order("400", "0.53"))

    assert sum(f.size for f in report.fills) == 300
    assert all(f.price <= D("0.53") for f in report.fills)


# -- FAK --------------------------------------------------------------------------------------


def test_fak_when_book_holds_less_than_the_size_then_partial_fill_and_rest_canceled() -> None:
    venue = a_venue()

    report = venue.submit(an_order("350", "0.53"))

    assert report.accepted
    assert sum(f.size for f in report.fills) == 300
    assert report.closed
    assert report.close_reason == "FAK remainder canceled"
    assert venue.ledger["tape-1"].status == "CANCELED"


def test_fak_when_nothing_crosses_then_accepted_and_closed_without_fills() -> None:
    venue = a_venue()

    report = venue.submit(an_order("10", "0.40"))

    assert report.accepted
    assert report.fills == ()
    assert report.closed


# -- FOK --------------------------------------------------------------------------------------


def test_fok_when_book_can_fill_all_then_filled() -> None:
    venue = a_venue()

    report = venue.submit(an_order("300", "0.53", order_type=OrderType.FOK))

    assert report.accepted
    assert sum(f.size for f in report.fills) == 300
    assert venue.ledger["tape-1"].status == "FILLED"


def test_fok_when_book_cannot_fill_all_then_rejected_and_nothing_taken() -> None:
    venue = a_venue()
    before = venue.book(VENUE, TOKEN)

    report = venue.submit(an_order("301", "0.53", order_type=OrderType.FOK))

    assert not report.accepted
    assert report.reject_code == "FOK_NOT_FILLED"
    assert "300 of 301" in report.reject_message
    assert report.fills == ()
    assert report.venue_order_id is None
    assert venue.book(VENUE, TOKEN) == before


# -- GTC --------------------------------------------------------------------------------------


def test_gtc_when_partly_filled_then_rests_open_and_fills_on_a_later_book() -> None:
    venue = a_venue()

    first = venue.submit(an_order("120", "0.52", order_type=OrderType.GTC))

    assert first.accepted
    assert not first.closed
    assert first.fills == fills(("0.52", "100", "0"))
    assert venue.poll_reports() == []

    venue.on_book(a_book(asks=[("0.51", "5"), ("0.52", "50")]))

    [later] = venue.poll_reports()
    assert later.client_order_id == "tape-1"
    assert later.closed
    assert later.fills == fills(("0.52", "100", "0"), ("0.51", "5", "0"), ("0.52", "15", "0"))
    assert venue.poll_reports() == []
    assert venue.book(VENUE, TOKEN).asks == (Level(D("0.52"), D(35)),)  # type: ignore[union-attr]


def test_gtc_when_later_book_does_not_cross_then_no_report() -> None:
    venue = a_venue()
    venue.submit(an_order("120", "0.52", order_type=OrderType.GTC))

    venue.on_book(a_book(asks=[("0.60", "500")]))

    assert venue.poll_reports() == []
    assert venue.ledger["tape-1"].status == "OPEN"


def test_gtc_when_book_of_another_token_arrives_then_it_is_not_matched() -> None:
    venue = a_venue()
    venue.submit(an_order("120", "0.52", order_type=OrderType.GTC))

    venue.on_book(a_book(token_id=OTHER_TOKEN, asks=[("0.01", "500")]))

    assert venue.poll_reports() == []


def test_cancel_when_gtc_resting_then_canceled_and_never_filled_again() -> None:
    venue = a_venue()
    venue.submit(an_order("120", "0.52", order_type=OrderType.GTC))

    report = venue.cancel("tape-1")
    venue.on_book(a_book(asks=[("0.50", "500")]))

    assert report is not None
    assert report.closed
    assert report.close_reason == "canceled on request"
    assert venue.poll_reports() == []
    assert venue.cancel("unknown") is None


# -- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        pytest.param(an_order("10", "0.525"), "INVALID_PRICE", id="off-tick"),
        pytest.param(an_order("10", "1"), "INVALID_PRICE", id="price-one"),
        pytest.param(an_order("10", "0"), "INVALID_PRICE", id="price-zero"),
        pytest.param(an_order("4.99", "0.52"), "ORDER_SIZE_BELOW_MIN", id="below-min"),
        pytest.param(an_order("10.001", "0.52"), "INVALID_SIZE", id="off-size-step"),
        pytest.param(
            an_order("10", "0.52", token_id=OTHER_TOKEN), "MARKET_NOT_FOUND", id="no-book"
        ),
    ],
)
def test_submit_when_order_is_invalid_then_rejected_with_the_code(
    request_: OrderRequest, code: str
) -> None:
    venue = a_venue()
    before = venue.book(VENUE, TOKEN)

    report = venue.submit(request_)

    assert not report.accepted
    assert report.reject_code == code
    assert report.reject_message
    assert report.fills == ()
    assert report.closed
    assert venue.book(VENUE, TOKEN) == before


def test_submit_when_tick_is_coarser_then_prices_off_it_are_rejected() -> None:
    venue = a_venue(tick_size="0.05", asks=(("0.55", "100"),))

    assert venue.submit(an_order("10", "0.53")).reject_code == "INVALID_PRICE"
    assert venue.submit(an_order("10", "0.55", client_order_id="tape-2")).accepted


# -- fees -------------------------------------------------------------------------------------


def test_fee_rate_when_set_then_each_fill_pays_price_times_size_times_rate() -> None:
    venue = a_venue(fee_rate="0.02")

    report = venue.submit(an_order("150", "0.53"))

    # 0.52 x 100 x 0.02 = 1.04 ; 0.53 x 50 x 0.02 = 0.53
    assert [f.fee for f in report.fills] == [D("1.04"), D("0.53")]


def test_paper_venues_when_made_then_they_share_the_fee_rate() -> None:
    venues = PaperVenues(fee_rate=D("0.01"))

    assert venues["kalshi"].fee_rate == D("0.01")
    assert venues.get("kalshi") is venues["kalshi"]


# -- consumed liquidity -----------------------------------------------------------------------


def test_book_when_an_order_took_liquidity_then_it_is_gone_until_the_next_book() -> None:
    venue = a_venue()

    venue.submit(an_order("130", "0.53"))

    assert venue.book(VENUE, TOKEN).asks == levels(  # type: ignore[union-attr]
        ("0.53", "170"), ("0.55", "500")
    )
    second = venue.submit(an_order("200", "0.53", client_order_id="tape-2"))
    assert sum(f.size for f in second.fills) == 170

    venue.on_book(a_book(asks=[("0.52", "100")]))
    assert venue.book(VENUE, TOKEN).asks == levels(("0.52", "100"))  # type: ignore[union-attr]


def test_book_when_asked_for_another_venue_then_none() -> None:
    assert a_venue().book("kalshi", TOKEN) is None


def test_book_when_two_levels_share_a_price_then_only_what_was_taken_is_removed() -> None:
    venue = a_venue(asks=(("0.50", "10"), ("0.50", "10")))

    report = venue.submit(an_order("15", "0.50"))

    assert sum(f.size for f in report.fills) == 15
    assert sum(lv.size for lv in venue.book(VENUE, TOKEN).asks) == 5  # type: ignore[union-attr]


# -- idempotent submission --------------------------------------------------------------------


def test_submit_when_client_order_id_known_then_answered_from_the_ledger() -> None:
    venue = a_venue()
    first = venue.submit(an_order("50", "0.52"))
    after_first = venue.book(VENUE, TOKEN)

    again = venue.submit(an_order("50", "0.52"))

    assert again == first
    assert venue.book(VENUE, TOKEN) == after_first
    assert len(venue.ledger) == 1
    assert venue.order_status("tape-1") == first


def test_submit_when_rejected_order_resubmitted_then_still_rejected_not_retried() -> None:
    venue = a_venue()
    first = venue.submit(an_order("301", "0.53", order_type=OrderType.FOK))
    venue.on_book(a_book(asks=[("0.50", "1000")]))

    again = venue.submit(an_order("301", "0.53", order_type=OrderType.FOK))

    assert again == first
    assert not again.accepted


def test_order_status_when_never_received_then_none() -> None:
    assert a_venue().order_status("tape-unknown") is None


def test_ledger_json_when_orders_placed_then_lists_them_in_arrival_order() -> None:
    venue = a_venue()
    venue.submit(an_order("50", "0.52"))
    venue.submit(an_order("5", "0.50", side=Side.SELL, client_order_id="tape-2"))

    ledger = venue.ledger_json()

    assert [o["client_order_id"] for o in ledger] == ["tape-1", "tape-2"]
    assert ledger[0]["fills"] == [{"id": "tape-1:1", "price": "0.52", "size": "50", "fee": "0"}]
    assert ledger[1]["status"] == "FILLED"
