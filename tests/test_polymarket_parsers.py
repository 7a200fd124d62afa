"""Polymarket parsers on real responses (tests/fixtures/real/), the amount grid, the
error-string mapping and the rate limiter."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapters.polymarket.amounts import GridError, order_amounts
from adapters.polymarket.errors import classify, rejection_code, rejection_of
from adapters.polymarket.parsers import (
    ParseError,
    fills_of_trade,
    parse_book,
    parse_gamma_market,
    parse_open_order,
)
from adapters.polymarket.ratelimit import Backoff, RateLimiter
from engine.values import Book, OrderType, Side

REAL = Path(__file__).resolve().parent / "fixtures" / "real"
D = Decimal


def load(name: str) -> Any:
    """A real response from the fixtures folder."""
    return json.loads((REAL / name).read_text(encoding="utf-8"))


def best_first(book: Book) -> None:
    """Bids strictly descending, asks strictly ascending, no empty level."""
    bids = [lv.price for lv in book.bids]
    asks = [lv.price for lv in book.asks]
    assert bids == sorted(bids, reverse=True)
    assert len(set(bids)) == len(bids)
    assert asks == sorted(asks)
    assert len(set(asks)) == len(asks)
    assert all(lv.size > 0 for lv in (*book.bids, *book.asks))


# -- books -----------------------------------------------------------------------------------


def test_the_polywatch_book_comes_best_last_and_parses_best_first() -> None:
    raw = load("pm_book_polywatch.json")
    assert raw["bids"][-1]["price"] == "0.3"
    assert raw["asks"][-1]["price"] == "0.43"
    book = parse_book(raw)
    best_first(book)
    assert (book.best_bid(), book.best_ask()) == (D("0.3"), D("0.43"))
    assert (len(book.bids), len(book.asks)) == (11, 19)
    assert book.bids[0].size == D("60.25")
    assert book.asks[0].size == D("8.37")
    assert (book.tick_size, book.min_size, book.neg_risk) == (D("0.01"), D("5"), True)
    assert book.market_id.startswith("0x2583be71")
    assert book.accepting_orders
    assert book.at == "2026-09-05T19:34:10.933Z"  # timestamp 1788636850933 ms


def test_the_btc_5m_book_with_no_bids_and_104_asks() -> None:
    book = parse_book(load("pm_ra1nty_btc5m_1774165800_book.json"))
    best_first(book)
    assert book.bids == ()
    assert len(book.asks) == 104
    assert book.best_ask() == D("0.001")
    assert book.asks[-1].price == D("0.999")
    assert book.tick_size == D("0.001")
    assert not book.neg_risk
    assert book.mid() == D("0.001")


def test_the_websocket_book_message_parses_with_the_market_tick() -> None:
    raw = load("pm_ws_book_msg_nautilus.json")
    assert raw["event_type"] == "book"
    assert "tick_size" not in raw
    with pytest.raises(ParseError, match="no tick_size"):
        parse_book(raw)
    book = parse_book(raw, tick_size=D("0.001"), min_size=D("5"))
    best_first(book)
    assert (len(book.bids), len(book.asks)) == (76, 86)
    assert (book.best_bid(), book.best_ask()) == (D("0.511"), D("0.514"))
    assert book.at == "2024-10-13T06:03:38.260Z"
    assert book.min_size == D("5")


def test_a_closed_market_book_says_why() -> None:
    book = parse_book(
        load("pm_book_polywatch.json"), accepting_orders=False, closed_reason="market closed"
    )
    assert not book.accepting_orders
    assert book.closed_reason == "market closed"
    assert Book.from_record(book.to_record()) == replace(book, market_id="")


@pytest.mark.parametrize(
    "raw",
    [
        {"asset_id": "1", "bids": "nope", "asks": [], "tick_size": "0.01"},
        {"bids": [], "asks": [], "tick_size": "0.01"},
        {"asset_id": "1", "bids": [{"price": "x", "size": "1"}], "asks": [], "tick_size": "0.01"},
    ],
)
def test_a_malformed_book_is_a_parse_error(raw: dict[str, Any]) -> None:
    with pytest.raises(ParseError):
        parse_book(raw)


# -- Gamma markets ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "tick", "outcomes"),
    [
        ("pm_gamma_market_540816.json", "0.01", ("Yes", "No")),
        ("pm_gamma_market_btc5m_1773307200_nautilus.json", "0.01", ("Up", "Down")),
        ("pm_ra1nty_btc5m_1774165800_market_detail.json", "0.001", ("Up", "Down")),
    ],
)
def test_gamma_market_objects(name: str, tick: str, outcomes: tuple[str, ...]) -> None:
    raw = load(name)
    market = parse_gamma_market(raw)
    assert market.condition_id == raw["conditionId"]
    assert market.token_ids == tuple(json.loads(raw["clobTokenIds"]))
    assert market.outcomes == outcomes
    assert market.outcome_of(market.token_ids[1]) == outcomes[1]
    assert (market.tick_size, market.min_size, market.neg_risk) == (D(tick), D("5"), False)
    assert market.tradable
    assert market.closed_reason() == ""
    assert market.end_date == raw["endDate"]


def test_the_btc_5m_token_of_the_book_is_in_its_gamma_market() -> None:
    market = parse_gamma_market(load("pm_ra1nty_btc5m_1774165800_market_detail.json"))
    book = parse_book(load("pm_ra1nty_btc5m_1774165800_book.json"))
    assert book.token_id == market.token_ids[0]
    assert book.market_id == market.condition_id
    assert book.tick_size == market.tick_size


def test_a_day_of_gamma_btc_5m_markets_all_resolved_and_closed() -> None:
    with gzip.open(REAL / "pm_gamma_btc5m_markets_2026-07-24.jsonl.gz", "rt") as handle:
        lines = [json.loads(line) for line in handle]
    assert len(lines) == 292
    ticks = set()
    for line in lines:
        market = parse_gamma_market(line["raw"])
        assert market.condition_id == line["condition_id"]
        assert list(market.token_ids) == line["token_ids"]
        assert market.outcomes == ("Up", "Down")
        assert not market.tradable
        assert market.closed_reason().startswith("market closed")
        assert not market.accepting_orders
        assert not market.neg_risk
        ticks.add(market.tick_size)
    assert ticks == {D("0.01"), D("0.001")}


def test_markets_nested_in_a_gamma_event() -> None:
    event = load("pm_gamma_event_16167.json")
    markets = [parse_gamma_market(m) for m in event["markets"]]
    assert len(markets) == 4
    assert all(len(m.token_ids) == 2 for m in markets)
    first = markets[0]
    assert first.closed
    assert first.closed_reason().startswith("market closed")


def test_gamma_lists_that_are_not_lists_are_refused() -> None:
    raw = load("pm_gamma_market_540816.json") | {"clobTokenIds": "not json"}
    with pytest.raises(ParseError, match="clobTokenIds"):
        parse_gamma_market(raw)
    raw = load("pm_gamma_market_540816.json") | {"outcomes": '["Yes"]'}
    with pytest.raises(ParseError, match="2 tokens, 1 outcomes"):
        parse_gamma_market(raw)


# -- trades and orders -----------------------------------------------------------------------

OURS = "0x" + "aa" * 32


def a_trade(**overrides: Any) -> dict[str, Any]:
    """A /data/trades row in the documented shape."""
    trade: dict[str, Any] = {
        "id": "28c4d2eb-bbea-40e7-a9f0-b2fdb56b2c2e",
        "taker_order_id": OURS,
        "market": "0x9c1a",
        "asset_id": "7132",
        "side": "BUY",
        "size": "10",
        "fee_rate_bps": "0",
        "price": "0.52",
        "status": "TRADE_STATUS_MATCHED",
        "match_time": "1718000000",
        "maker_orders": [
            {"order_id": "0x" + "bb" * 32, "matched_amount": "10", "price": "0.52"},
        ],
    }
    trade.update(overrides)
    return trade


def test_a_taker_trade_is_one_provisional_fill() -> None:
    [fill] = fills_of_trade(a_trade(), OURS.upper().replace("0X", "0x"))
    assert (fill.fill_id, fill.price, fill.size, fill.status) == (
        "28c4d2eb-bbea-40e7-a9f0-b2fdb56b2c2e",
        D("0.52"),
        D("10"),
        "MATCHED",
    )
    assert fill.provisional
    assert not fill.failed
    assert fill.fee == 0
    [confirmed] = fills_of_trade(a_trade(status="CONFIRMED"), OURS)
    assert not confirmed.provisional
    [failed] = fills_of_trade(a_trade(status="FAILED"), OURS)
    assert failed.failed


def test_a_maker_trade_fills_our_resting_order_and_sizes_can_be_micro_units() -> None:
    trade = a_trade(
        taker_order_id="0x" + "cc" * 32,
        maker_orders=[
            {"order_id": "0x" + "dd" * 32, "matched_amount": "5000000", "price": "0.5"},
            {"order_id": OURS, "matched_amount": "2500000", "price": "0.51"},
        ],
        status="MINED",
    )
    [fill] = fills_of_trade(trade, OURS, units="micro")
    assert (fill.fill_id, fill.price, fill.size) == (f"{trade['id']}:m1", D("0.51"), D("2.5"))
    assert fill.provisional
    assert fills_of_trade(trade, "0x" + "ee" * 32) == []


def test_a_taker_fee_follows_the_rate_and_the_price() -> None:
    [fill] = fills_of_trade(a_trade(fee_rate_bps="100", price="0.8"), OURS)
    assert fill.fee == D("0.02")  # 1% x min(0.8, 0.2) x 10


def test_open_order_statuses_with_and_without_prefix() -> None:
    raw = {"id": OURS, "status": "ORDER_STATUS_LIVE", "original_size": "10", "size_matched": "4"}
    state = parse_open_order(raw)
    assert state.status == "LIVE"
    assert state.open
    assert state.size_matched == D("4")
    assert not parse_open_order(raw | {"status": "MATCHED"}).open
    with pytest.raises(ParseError):
        parse_open_order({"status": "LIVE"})


# -- amounts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "kind", "price", "size", "tick", "maker", "taker"),
    [
        (Side.BUY, OrderType.GTC, "0.45", "10", "0.01", 4_500_000, 10_000_000),
        (Side.BUY, OrderType.GTC, "0.57", "7.77", "0.01", 4_428_900, 7_770_000),
        (Side.SELL, OrderType.GTC, "0.57", "7.77", "0.01", 7_770_000, 4_428_900),
        (Side.BUY, OrderType.GTC, "0.0001", "5", "0.0001", 500, 5_000_000),
        (Side.BUY, OrderType.FOK, "0.58", "3.5", "0.01", 2_030_000, 3_500_000),
        (Side.BUY, OrderType.FAK, "0.57", "7.77", "0.01", 4_420_000, 7_754_300),
        (Side.BUY, OrderType.FAK, "0.985", "10.13", "0.001", 9_970_000, 10_121_800),
        (Side.SELL, OrderType.FAK, "0.985", "10.13", "0.001", 10_130_000, 9_978_000),
        (Side.SELL, OrderType.FOK, "0.57", "7.77", "0.01", 7_770_000, 4_428_900),
    ],
)
def test_amounts_are_exact_integer_micro_units(
    *, side: Side, kind: OrderType, price: str, size: str, tick: str, maker: int, taker: int
) -> None:
    amounts = order_amounts(side, kind, D(price), D(size), tick=D(tick))
    assert (amounts.maker_amount, amounts.taker_amount) == (maker, taker)
    if kind is not OrderType.GTC:  # the server's marketable rule: USDC 2 dp, shares 4 dp
        assert amounts.usdc == amounts.usdc.quantize(D("0.01")) or side is Side.SELL
        assert amounts.shares == amounts.shares.quantize(D("0.0001"))
        assert amounts.shares <= D(size)
        if side is Side.BUY:
            assert amounts.usdc <= D(price) * D(size)
            assert D(price) <= amounts.implied_price < D(price) + D("0.0001")
    else:
        assert amounts.implied_price == D(price)


@pytest.mark.parametrize(
    ("price", "size", "code"),
    [
        ("0.555", "10", "INVALID_PRICE"),
        ("0", "10", "INVALID_PRICE"),
        ("0.995", "10", "INVALID_PRICE"),
        ("0.5", "7.777", "INVALID_SIZE"),
        ("0.5", "0", "INVALID_SIZE"),
        ("0.01", "0.5", "INVALID_SIZE"),  # a marketable buy of half a cent
    ],
)
def test_off_grid_orders_are_grid_errors(price: str, size: str, code: str) -> None:
    with pytest.raises(GridError) as caught:
        order_amounts(Side.BUY, OrderType.FAK, D(price), D(size), tick=D("0.01"))
    assert caught.value.code == code


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("not enough balance / allowance", "INSUFFICIENT_BALANCE_OR_ALLOWANCE"),
        ("order 0xab is invalid. Size (1.08) lower than the minimum: 5", "ORDER_SIZE_BELOW_MIN"),
        ("invalid amount for a marketable BUY order ($0.5), min size: $1", "ORDER_SIZE_BELOW_MIN"),
        (
            "invalid amounts, the buy orders maker amount supports a max accuracy of 4 decimals, "
            "taker amount a max of 2 decimals",
            "INVALID_PRECISION",
        ),
        (
            "invalid amounts, the market buy orders maker amount supports a max accuracy of 2 "
            "decimals, taker amount a max of 4 decimals",
            "INVALID_PRECISION",
        ),
        (
            "order 0xab is invalid. Price (0.555) breaks minimum tick size rule: 0.01",
            "INVALID_PRICE",
        ),
        (
            "order couldn't be fully filled. FOK orders are fully filled or killed.",
            "FOK_NOT_FILLED",
        ),
        (
            "no orders found to match with FAK order. FAK orders are partially filled or killed "
            "if no match is found.",
            "FAK_NOT_FILLED",
        ),
        ("invalid post-only order: order crosses book", "POST_ONLY_CROSSES"),
        ("the market is not yet ready to process new orders", "MARKET_NOT_READY"),
        ("invalid expiration", "INVALID_EXPIRATION"),
        ("Invalid order payload", "INVALID_ORDER_PAYLOAD"),
        ("Unauthorized/Invalid api key", "UNAUTHORIZED"),
        ("INVALID_ORDER_DUPLICATED", "DUPLICATE_ORDER"),
        ("INVALID_ORDER_MIN_TICK_SIZE", "INVALID_PRICE"),
        ("MARKET_NOT_READY", "MARKET_NOT_READY"),
        ("No orderbook exists for the requested token id", "MARKET_NOT_FOUND"),
        ("something new", "VENUE_REJECTED"),
    ],
)
def test_error_strings_seen_in_the_wild_map_to_codes(message: str, code: str) -> None:
    assert rejection_code(message) == code


def test_statuses_and_bodies() -> None:
    assert [classify(s) for s in (400, 401, 404, 408, 429, 500, 503)] == [
        "reject",
        "reject",
        "reject",
        "uncertain",
        "rate_limited",
        "uncertain",
        "uncertain",
    ]
    assert rejection_of(400, {"error": "not enough balance / allowance"}).message == (
        "not enough balance / allowance"
    )
    assert rejection_of(403, "Trading restricted in your region").code == "REGION_RESTRICTED"
    assert rejection_of(403, {}).code == "FORBIDDEN"
    assert rejection_of(400, {"errorMsg": "invalid expiration"}).code == "INVALID_EXPIRATION"


# -- rate limits -----------------------------------------------------------------------------


def test_token_buckets_wait_on_an_injected_clock() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(
        {"order": (2, 1.0), "other": (100, 1.0)}, clock=lambda: now[0], sleep=sleep
    )
    for _ in range(3):
        limiter.acquire("order")
    assert slept == [pytest.approx(0.5)]
    limiter.acquire("book")  # no own bucket: shares "other"
    assert len(slept) == 1
    now[0] += 10
    limiter.acquire("order")
    limiter.acquire("order")
    assert len(slept) == 1  # refilled
    assert Backoff(attempts=4, first_delay=1, max_delay=3).delays() == [1, 2, 3, 3]
