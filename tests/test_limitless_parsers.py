"""Hostile answers to the Limitless parsers: anything JSON can hold gives a value or a
``ParseError``, never another exception; and a NO token's book is the YES book's mirror."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.limitless.fills import parse_order
from adapters.limitless.parsers import MarketInfo, ParseError, parse_book, parse_market

D = Decimal
NOW = datetime(2026, 1, 1, tzinfo=UTC)
MARKET = MarketInfo("m", "0x" + "1" * 40, None, "1", "2", D("0.001"), D(0), False, "")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)
keys = st.sampled_from([
    "slug", "venue", "positionIds", "tokens", "settings", "status", "tradeType",
    "expirationTimestamp", "winningOutcomeIndex", "bids", "asks", "minSize", "order",
    "execution", "makerMatches", "id",
    "matchedSize", "price", "settlementStatus", "usdFee", "contractsFee", "exchange", "priceTick",
])  # fmt: skip
shaped = st.dictionaries(keys, json_values, max_size=8)


def survives(parse: Any, raw: Any) -> None:
    """The parser answers or says ParseError."""
    with contextlib.suppress(ParseError):
        parse(raw)


@given(raw=st.one_of(json_values, shaped))
@settings(max_examples=400, deadline=None)
def test_hostile_answers_are_parse_errors(raw: Any) -> None:
    survives(lambda r: parse_market(r, now_ms=0), raw)
    survives(lambda r: parse_book(r, MARKET, "1", at=NOW), raw)
    survives(lambda r: parse_book(r, MARKET, "2", at=NOW), raw)
    survives(lambda r: parse_order(r, price=D("0.5")), raw)


@given(
    bids=st.lists(st.integers(1, 998), max_size=5, unique=True),
    asks=st.lists(st.integers(1, 998), max_size=5, unique=True),
)
def test_the_no_book_mirrors_the_yes_book(bids: list[int], asks: list[int]) -> None:
    raw = {
        "bids": [{"price": p / 1000, "size": 1_000_000} for p in bids],
        "asks": [{"price": p / 1000, "size": 2_000_000} for p in asks],
    }
    yes, no = parse_book(raw, MARKET, "1", at=NOW), parse_book(raw, MARKET, "2", at=NOW)
    assert [1 - level.price for level in no.asks] == [level.price for level in yes.bids]
    assert [1 - level.price for level in no.bids] == [level.price for level in yes.asks]
    assert all(a.price > b.price for a, b in zip(yes.bids, yes.bids[1:], strict=False))
    assert all(a.price < b.price for a, b in zip(no.asks, no.asks[1:], strict=False))


def test_settlement_statuses_decide_what_a_fill_is() -> None:
    statuses = ["MATCHED", "RETRYING", "DELAYED", "MINED", "CONFIRMED", "FAILED", "NEW-ONE"]
    raw = {
        "order": {"id": "o-1", "status": "MATCHED"},
        "makerMatches": [
            {"id": f"t{i}", "matchedSize": "1000000", "settlementStatus": status}
            for i, status in enumerate(statuses)
        ],
    }
    report = parse_order(raw, price=D("0.5")).report("c-1")
    provisional = {f.venue_fill_id: f.provisional for f in report.fills}
    assert provisional == {"t0": True, "t1": True, "t2": True, "t3": False, "t4": False, "t6": True}
    assert report.voided_fills == ("t5",)
    assert report.closed
    assert {f.price for f in report.fills} == {D("0.5")}  # a match without a price: the order's
