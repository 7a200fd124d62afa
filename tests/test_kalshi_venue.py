"""The Kalshi adapter's pieces on the fake exchange: the V2 body on the YES leg, books per
leg, refusals before sending, 409 on a resubmitted client order id, 429 budgets, settlement
results and the fee schedule."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.kalshi.books import leg_book
from adapters.kalshi.client import KalshiHTTPError
from adapters.kalshi.fees import KalshiFee, taker_fee
from adapters.kalshi.orders import kalshi_client_order_id, to_leg_price, v2_body
from adapters.kalshi.venue import KalshiVenue
from adapters.venues import venue_spec
from engine.ports import OrderRequest, VenueRequestDenied, VenueUncertainError
from engine.values import OrderType, Side
from projections.views import LogViews
from tests.conftest import an_agent_config, make_rig
from tests.fake_kalshi import FakeKalshi
from tests.kalshi_rig import live_kalshi, started_fake

D = Decimal
TICKER = "KXFED-26DEC-T4.00"
CENTS = st.integers(1, 99).map(lambda c: D(c) / 100)


def order(  # noqa: PLR0917 - reads like the order it builds
    cid: str, token: str, side: Side, kind: OrderType, price: str, size: str
) -> OrderRequest:
    """An engine order on Kalshi."""
    return OrderRequest(cid, "kalshi", TICKER, token, side, kind, D(price), D(size))


@pytest.fixture
def fake() -> Iterator[FakeKalshi]:
    """One open market: YES bids 0.45 x100; NO bids 0.50 and 0.45 x100 (YES asks 0.50, 0.55)."""
    fake = started_fake()
    fake.add_market(TICKER)
    fake.set_book(TICKER, yes=[("0.45", "100")], no=[("0.50", "100"), ("0.45", "100")])
    yield fake
    fake.stop()


@pytest.fixture
def venue(fake: FakeKalshi, tmp_path: Path) -> KalshiVenue:
    """The real adapter on the fake."""
    return live_kalshi(fake, tmp_path)[0]


@given(leg=st.sampled_from(["yes", "no"]), side=st.sampled_from(list(Side)), price=CENTS)
def test_the_v2_body_is_on_the_yes_leg(leg: str, side: Side, price: D) -> None:
    body = v2_body(order("c", f"{TICKER}:{leg}", side, OrderType.FAK, str(price), "3"))
    buys_yes = (side is Side.BUY) == (leg == "yes")
    assert body["side"] == ("bid" if buys_yes else "ask")
    assert D(body["price"]) == (price if leg == "yes" else 1 - price)
    assert body["price"] == f"{D(body['price']):.4f}"
    assert body["count"] == "3.00"
    assert to_leg_price(f"{TICKER}:{leg}", D(body["price"])) == price
    assert body["time_in_force"] == "immediate_or_cancel"
    assert body["self_trade_prevention_type"] == "taker_at_cross"
    assert body["client_order_id"] == kalshi_client_order_id("c") != "c"


LEVELS = st.dictionaries(CENTS, st.integers(1, 500).map(D), max_size=6)


@given(yes=LEVELS, no=LEVELS)
def test_a_legs_book_is_best_first_with_asks_implied_by_the_other_legs_bids(
    yes: dict[D, D], no: dict[D, D]
) -> None:
    raw = {
        "orderbook_fp": {
            "yes_dollars": [[f"{p:.4f}", f"{c:.2f}"] for p, c in sorted(yes.items())],
            "no_dollars": [[f"{p:.4f}", f"{c:.2f}"] for p, c in sorted(no.items())],
        }
    }
    market = {"ticker": TICKER, "status": "active"}
    for leg, own, other in (("yes", yes, no), ("no", no, yes)):
        book = leg_book(market, raw, f"{TICKER}:{leg}", at="2026-01-30T14:00:00Z")
        assert [(lv.price, lv.size) for lv in book.bids] == sorted(own.items(), reverse=True)
        assert [(lv.price, lv.size) for lv in book.asks] == sorted(
            (1 - p, c) for p, c in other.items()
        )
        assert book.accepting_orders
        assert book.market_id == TICKER


@given(
    count=st.integers(1, 10_000).map(D), price=CENTS, multiplier=st.sampled_from([D(1), D("0.5")])
)
def test_the_taker_fee_is_the_schedule_rounded_up_to_the_cent(
    count: D, price: D, multiplier: D
) -> None:
    fee = taker_fee(count, price, multiplier)
    raw = D("0.07") * count * price * (1 - price)
    assert raw * multiplier <= fee < (raw + D("0.01")) * multiplier
    assert fee / multiplier % D("0.01") == 0
    assert taker_fee(count, price) == taker_fee(count, 1 - price)  # either leg's price
    assert KalshiFee(multiplier).fee(price, count, D("0.5")) == fee  # paper ignores its rate


def test_the_schedules_examples_and_the_paper_venue_charges_them() -> None:
    assert taker_fee(D(1), D("0.50")) == D("0.02")
    assert taker_fee(D(100), D("0.50")) == D("1.75")
    assert venue_spec("kalshi").fee_model.fee(D("0.50"), D(100), D("0.01")) == D("1.75")


def test_a_closed_market_or_an_order_off_the_grid_is_denied_before_sending(
    fake: FakeKalshi, venue: KalshiVenue
) -> None:
    token = f"{TICKER}:yes"
    cases = [
        (order("c-tick", token, Side.BUY, OrderType.FAK, "0.505", "10"), "INVALID_PRICE"),
        (order("c-frac", token, Side.BUY, OrderType.FAK, "0.50", "1.5"), "INVALID_SIZE"),
        (order("c-none", "KXNOPE:yes", Side.BUY, OrderType.FAK, "0.50", "1"), "MARKET_NOT_FOUND"),
    ]
    for request, code in cases:
        with pytest.raises(VenueRequestDenied) as denied:
            venue.submit(request)
        assert denied.value.code == code
    fake.markets[TICKER].status = "closed"
    with pytest.raises(VenueRequestDenied) as closed:
        venue.submit(order("c-closed", token, Side.BUY, OrderType.FAK, "0.50", "10"))
    assert closed.value.code == "MARKET_CLOSED"
    assert "is closed" in closed.value.detail
    assert fake.create_orders() == []
    assert venue.order_status("c-closed") is None  # nothing was sent
    book = venue.market_data.book("kalshi", token)
    assert book is not None
    assert not book.accepting_orders
    assert book.closed_reason == "market closed"


def test_an_engine_denies_a_closed_market_before_any_order(
    fake: FakeKalshi, tmp_path: Path
) -> None:
    venue, market_data = live_kalshi(fake, tmp_path)
    fake.markets[TICKER].status = "inactive"
    rig = make_rig(
        tmp_path / "tape.db",
        agents=[an_agent_config(venues=["kalshi"])],
        venues={"kalshi": venue},
        market_data=market_data,
    )
    try:
        rig.submit(
            intent_id="copy:0x1:k:BUY", venue="kalshi", market_id=TICKER,
            token_id=f"{TICKER}:yes", price="0.50", size="100",
        )  # fmt: skip
        [row] = LogViews.build(rig.app).intents.rows.values()
    finally:
        rig.app.close()
    assert (row["verdict"], row["reason"]) == ("DENIED", "market_open")
    assert fake.create_orders() == []


def test_a_fractional_deci_cent_market_takes_what_a_cent_market_refuses(
    fake: FakeKalshi, venue: KalshiVenue
) -> None:
    fake.add_market("KXFINE-1", structure="deci_cent", fractional=True)
    fake.set_book("KXFINE-1", yes=[], no=[("0.545", "10")])
    report = venue.submit(
        OrderRequest(
            "c-fine",
            "kalshi",
            "KXFINE-1",
            "KXFINE-1:yes",
            Side.BUY,
            OrderType.FAK,
            D("0.455"),
            D("2.5"),
        )
    )
    assert report.accepted
    assert sum(f.size for f in report.fills) == D("2.5")
    assert [f.price for f in report.fills] == [D("0.455")]


def test_a_resubmission_kalshi_already_has_is_a_409_and_answers_the_first_order(
    fake: FakeKalshi, tmp_path: Path
) -> None:
    first, _ = live_kalshi(fake, tmp_path / "a")
    request = order("c-dup", f"{TICKER}:no", Side.BUY, OrderType.FAK, "0.55", "10")
    placed = first.submit(request)
    second, _ = live_kalshi(fake, tmp_path / "b")  # another journal: it does not know the order
    again = second.submit(request)
    assert [code for _, body in fake.create_orders() for code in [body["client_order_id"]]] == [
        kalshi_client_order_id("c-dup")
    ] * 2
    assert len(fake.orders) == 1  # the second POST was a 409: never a second order
    assert again.fills == placed.fills
    assert again.venue_order_id == placed.venue_order_id
    assert [f.price for f in placed.fills] == [D("0.55")]  # NO at 0.55: the YES bid at 0.45


def test_429_is_retried_within_each_familys_budget(fake: FakeKalshi, venue: KalshiVenue) -> None:
    path = f"/markets/{TICKER}/orderbook"
    fake.fault("GET", path, times=4, status=429)
    assert venue.market_data.book("kalshi", f"{TICKER}:yes") is not None  # 4 read retries
    fake.fault("POST", "/portfolio/events/orders", times=2, status=429)
    ok = venue.submit(order("c-429", f"{TICKER}:yes", Side.BUY, OrderType.FAK, "0.50", "1"))
    assert ok.accepted
    fake.fault("POST", "/portfolio/events/orders", times=3, status=429)
    with pytest.raises(VenueUncertainError, match="429"):  # the write budget is 2 retries
        venue.submit(order("c-limited", f"{TICKER}:yes", Side.BUY, OrderType.FAK, "0.50", "1"))
    assert venue.order_status("c-limited") is None  # never reached Kalshi: may be resent
    resent = venue.submit(order("c-limited", f"{TICKER}:yes", Side.BUY, OrderType.FAK, "0.50", "1"))
    assert resent.accepted
    assert len(fake.orders) == 2


def test_refusals_keep_kalshis_code(fake: FakeKalshi, venue: KalshiVenue) -> None:
    poor = venue.submit(order("c-poor", f"{TICKER}:yes", Side.BUY, OrderType.GTC, "0.40", "100000"))
    assert poor.reject_code == "INSUFFICIENT_BALANCE"
    assert venue.order_status("c-poor") == poor  # asked again: the same refusal
    with pytest.raises(KalshiHTTPError) as caught:
        venue.client.post("/portfolio/orders", {"ticker": TICKER})
    assert caught.value.code == "deprecated_v1_order_endpoint"


def test_settlement_results_name_the_winning_token(fake: FakeKalshi, venue: KalshiVenue) -> None:
    assert venue.market_data.resolution(TICKER) is None
    fake.settle(TICKER, "no")
    assert venue.market_data.resolution(TICKER) == f"{TICKER}:no"
    assert venue.market_data.resolution("KXNOPE") is None


def test_no_key_reaches_a_log_line_the_journal_or_a_report(
    fake: FakeKalshi, venue: KalshiVenue, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    report = venue.submit(order("c-log", f"{TICKER}:yes", Side.BUY, OrderType.FAK, "0.50", "5"))
    fake.fault("POST", "/portfolio/events/orders", times=9, status=429)
    with pytest.raises(VenueUncertainError) as caught:
        venue.submit(order("c-log2", f"{TICKER}:yes", Side.BUY, OrderType.FAK, "0.50", "5"))
    journal = "".join(p.read_text() for p in (tmp_path / "kalshi").glob("*.jsonl"))
    text = caplog.text + journal + repr(report) + str(caught.value) + repr(venue.client.http.auth)
    assert "PRIVATE KEY" not in text
    assert "MII" not in text
    assert "c-log" in journal


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.floats(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(
    market=st.dictionaries(
        st.sampled_from(
            ["status", "ticker", "price_level_structure", "fractional_trading_enabled"]
        ),
        JSONISH,
    ),
    book=JSONISH
    | st.fixed_dictionaries(
        {"orderbook_fp": st.dictionaries(st.sampled_from(["yes_dollars", "no_dollars"]), JSONISH)}
    ),
)
def test_hostile_market_answers_are_a_bad_answer_never_a_crash(market: dict, book: object) -> None:
    from adapters.kalshi.books import BadAnswer  # noqa: PLC0415

    try:
        parsed = leg_book(
            market, book if isinstance(book, dict) else {"x": book}, f"{TICKER}:no", at="t"
        )
    except BadAnswer:
        return
    assert all(level.size > 0 for level in parsed.bids + parsed.asks)
    assert all(0 < level.price < 1 for level in parsed.bids + parsed.asks)
    assert list(parsed.bids) == sorted(parsed.bids, key=lambda lv: lv.price, reverse=True)
