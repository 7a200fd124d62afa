"""The ``tape.intent/1`` wire format: what parses, what is refused, and how the refusal reads."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.intent import IntentFormatError, TradeIntent, format_utc, parse_intent
from engine.values import Side, dec_str
from tests.conftest import TRADER, a_source, an_intent

# -- valid intents ----------------------------------------------------------------------------


def test_parse_intent_when_valid_then_fields_are_typed() -> None:
    intent = parse_intent(an_intent(source=a_source(trader_position_before="300")))

    assert isinstance(intent, TradeIntent)
    assert intent.side is Side.BUY
    assert intent.price == Decimal("0.52")
    assert intent.size == Decimal("120.5")
    assert intent.created_at == datetime(2026, 1, 30, 14, 3, 11, tzinfo=UTC)
    assert intent.source.trader == TRADER
    assert intent.source.trader_position_before == Decimal(300)
    assert intent.notional() == Decimal("62.66")


def test_parse_intent_when_trader_has_capitals_then_it_is_lowercased() -> None:
    intent = parse_intent(an_intent(source=a_source(trader=TRADER.upper().replace("0X", "0x"))))

    assert intent.source.trader == TRADER


def test_to_wire_when_valid_intent_then_it_is_the_canonical_json_object() -> None:
    wire = parse_intent(an_intent(price="0.520", size="120.50")).to_wire()

    assert wire == {
        "agent": "follow-whales",
        "created_at": "2026-01-30T14:03:11Z",
        "intent_id": "copy:0x5f1ce9:7132:BUY",
        "market_id": "0x9c1a",
        "outcome": "Yes",
        "price": "0.52",
        "schema": "tape.intent/1",
        "side": "BUY",
        "size": "120.5",
        "source": {"kind": "copy", "trader": TRADER, "tx_hash": "0x5f1ce9"},
        "token_id": "7132",
        "venue": "polymarket",
    }
    assert list(wire) == sorted(wire)


@pytest.mark.parametrize("kind", ["strategy", "manual"])
def test_parse_intent_when_not_a_copy_then_trader_is_optional(kind: str) -> None:
    intent = parse_intent(an_intent(source={"kind": kind}))

    assert intent.source.kind == kind
    assert intent.source.trader is None


# -- round trip property ----------------------------------------------------------------------

names = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=30
)
prices = st.decimals(
    min_value=Decimal("0.000001"),
    max_value=Decimal("0.999999"),
    places=6,
    allow_nan=False,
    allow_infinity=False,
)
sizes = st.decimals(
    min_value=Decimal("0.000001"),
    max_value=Decimal("10000000"),
    places=6,
    allow_nan=False,
    allow_infinity=False,
)
times = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
addresses = st.text(alphabet="0123456789abcdefABCDEF", min_size=40, max_size=40).map(
    lambda h: "0x" + h
)
sources = st.one_of(
    st.fixed_dictionaries(
        {"kind": st.just("copy"), "trader": addresses},
        optional={
            "tx_hash": st.text(alphabet="0123456789abcdef", min_size=1, max_size=64).map(
                lambda h: "0x" + h
            ),
            "trader_position_before": st.decimals(
                min_value=0, max_value=10**6, places=4, allow_nan=False, allow_infinity=False
            ).map(lambda d: format(d, "f")),
        },
    ),
    st.fixed_dictionaries(
        {"kind": st.sampled_from(["strategy", "manual"])}, optional={"strategy": names}
    ),
)


@st.composite
def wire_intents(draw: st.DrawFn) -> dict[str, Any]:
    return an_intent(
        intent_id=draw(names),
        agent=draw(names),
        venue=draw(names),
        market_id=draw(names),
        token_id=draw(names),
        outcome=draw(names),
        side=draw(st.sampled_from(["BUY", "SELL"])),
        price=format(draw(prices), "f"),
        size=format(draw(sizes), "f"),
        created_at=format_utc(draw(times)),
        source=draw(sources),
    )


@settings(max_examples=100, deadline=None)
@given(wire_intents())
def test_to_wire_when_parsed_back_then_the_same_intent(data: dict[str, Any]) -> None:
    intent = parse_intent(data)

    wire = intent.to_wire()
    again = parse_intent(json.loads(json.dumps(wire)))

    assert again == intent
    assert again.to_wire() == wire
    assert Decimal(wire["price"]) == Decimal(data["price"])
    assert Decimal(wire["size"]) == Decimal(data["size"])
    assert wire["price"] == dec_str(intent.price)


@settings(max_examples=50, deadline=None)
@given(times)
def test_created_at_when_formatted_and_parsed_then_the_same_instant(at: datetime) -> None:
    intent = parse_intent(an_intent(created_at=format_utc(at)))

    assert intent.created_at == at
    assert intent.to_wire()["created_at"] == format_utc(at)


def test_created_at_when_plus_zero_offset_or_nanoseconds_then_accepted_as_utc() -> None:
    plus = parse_intent(an_intent(created_at="2026-01-30T14:03:11+00:00"))
    nanos = parse_intent(an_intent(created_at="2026-01-30T14:03:11.123456789Z"))

    assert plus.created_at == datetime(2026, 1, 30, 14, 3, 11, tzinfo=UTC)
    assert nanos.created_at == datetime(2026, 1, 30, 14, 3, 11, 123456, tzinfo=UTC)
    assert nanos.to_wire()["created_at"] == "2026-01-30T14:03:11.123456Z"


# -- refused intents --------------------------------------------------------------------------


def refusal(data: Any) -> str:
    with pytest.raises(IntentFormatError) as raised:
        parse_intent(data)
    text = str(raised.value)
    assert "\n" not in text
    return text


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"price": 0.52}, "price", id="float-price"),
        pytest.param({"price": 1}, "price", id="int-price"),
        pytest.param({"size": "12O"}, "size", id="non-decimal-size"),
        pytest.param({"price": "abc"}, "price", id="non-decimal-price"),
        pytest.param({"price": "NaN"}, "price", id="nan-price"),
        pytest.param({"price": "Infinity"}, "price", id="infinite-price"),
        pytest.param({"price": "0"}, "price", id="price-zero"),
        pytest.param({"price": "1"}, "price", id="price-one"),
        pytest.param({"price": "1.5"}, "price", id="price-above-one"),
        pytest.param({"price": "-0.5"}, "price", id="price-negative"),
        pytest.param({"size": "0"}, "size", id="size-zero"),
        pytest.param({"size": "-3"}, "size", id="size-negative"),
        pytest.param({"created_at": "2026-01-30T14:03:11+01:00"}, "created_at", id="not-utc"),
        pytest.param({"created_at": "2026-01-30T14:03:11"}, "created_at", id="no-offset"),
        pytest.param({"created_at": "2026-01-30 14:03:11Z"}, "created_at", id="space"),
        pytest.param({"created_at": "30/01/2026"}, "created_at", id="not-rfc3339"),
        pytest.param({"created_at": 1769781791}, "created_at", id="epoch-number"),
        pytest.param({"created_at": "2026-02-30T14:03:11Z"}, "created_at", id="no-such-day"),
        pytest.param({"side": "buy"}, "side", id="lowercase-side"),
        pytest.param({"side": "HOLD"}, "side", id="unknown-side"),
        pytest.param({"agent": 3}, "agent", id="int-agent"),
        pytest.param({"intent_id": None}, "intent_id", id="null-intent-id"),
        pytest.param({"intent_id": " "}, "intent_id", id="blank-intent-id"),
        pytest.param({"token_id": ["7132"]}, "token_id", id="list-token-id"),
        pytest.param({"schema": "tape.intent/2"}, "schema", id="other-schema"),
        pytest.param({"source": "copy"}, "source", id="source-not-object"),
        pytest.param({"source": {"kind": "rumour"}}, "source.kind", id="unknown-kind"),
        pytest.param({"source": a_source(trader="0x1234")}, "source.trader", id="short-address"),
        pytest.param(
            {"source": a_source(trader="a66790e2b0075e73c3781ddaf1d0b875a3aaceb3aa")},
            "source.trader",
            id="address-without-0x",
        ),
        pytest.param(
            {"source": a_source(trader="0x" + "g" * 40)}, "source.trader", id="non-hex-address"
        ),
        pytest.param({"source": a_source(tx_hash="5f1c")}, "source.tx_hash", id="bad-tx-hash"),
        pytest.param(
            {"source": a_source(trader_position_before="-1")},
            "source.trader_position_before",
            id="negative-holding",
        ),
        pytest.param(
            {"source": a_source(trader_position_before=300)},
            "source.trader_position_before",
            id="int-holding",
        ),
    ],
)
def test_parse_intent_when_field_is_invalid_then_refused_naming_the_field(
    overrides: dict[str, Any], field: str
) -> None:
    text = refusal(an_intent(**overrides))

    assert text.startswith(f"{field}: ")


def test_parse_intent_when_unknown_field_then_refused_as_unknown() -> None:
    text = refusal(an_intent(leverage="10"))

    assert text == "leverage: unknown field"


def test_parse_intent_when_unknown_source_field_then_refused_as_unknown() -> None:
    text = refusal(an_intent(source=a_source(note="hi")))

    assert text == "source.note: unknown field"


def test_parse_intent_when_copy_without_trader_then_refused() -> None:
    text = refusal(an_intent(source={"kind": "copy", "tx_hash": "0x5f"}))

    assert text == "source: a copy intent needs source.trader"


def test_parse_intent_when_field_missing_then_refused_as_missing() -> None:
    data = an_intent()
    del data["token_id"]

    assert refusal(data) == "token_id: missing"


def test_parse_intent_when_float_price_then_the_reason_asks_for_a_decimal_string() -> None:
    text = refusal(an_intent(price=0.52))

    assert text == 'price: must be a decimal string such as "0.52"'


def test_parse_intent_when_several_fields_are_wrong_then_one_line_names_each() -> None:
    text = refusal(an_intent(price="2", size="0", extra=True))

    assert "price: must be between 0 and 1 (exclusive)" in text
    assert "size: must be greater than 0" in text
    assert "extra: unknown field" in text
    assert text.count("; ") == 2


@pytest.mark.parametrize("data", [[], "intent", 3, None], ids=repr)
def test_parse_intent_when_not_an_object_then_refused(data: Any) -> None:
    assert refusal(data) == "an intent must be a JSON object"


def test_parse_intent_when_created_at_is_a_naive_datetime_then_refused() -> None:
    naive = datetime(2026, 1, 30, 14, 3, 11)  # noqa: DTZ001 - the refused case

    assert refusal(an_intent(created_at=naive)).startswith("created_at: ")


def test_parse_intent_when_created_at_is_an_aware_non_utc_datetime_then_refused() -> None:
    paris = datetime(2026, 1, 30, 15, 3, 11, tzinfo=timezone(timedelta(hours=1)))

    assert refusal(an_intent(created_at=paris)).startswith("created_at: ")


@pytest.mark.parametrize("text", ["1_000", " 5 ", "5e1", "+5", ".5", "5.", "0x10", ""])
def test_parse_intent_when_size_is_not_a_plain_decimal_string_then_refused(text: str) -> None:
    assert refusal(an_intent(size=text)).startswith("size: ")


def test_to_wire_when_price_has_every_digit_allowed_then_it_is_not_rounded() -> None:
    price = "0.123456789012"

    wire = parse_intent(an_intent(price=price)).to_wire()

    assert Decimal(wire["price"]) == Decimal(price)


@pytest.mark.parametrize(
    ("field", "text", "reason"),
    [
        ("price", "0.12345678901234567890123456789", "more than 12 digits after the point"),
        ("price", "0." + "0" * 26 + "1", "more than 12 digits after the point"),
        ("size", "1" + "0" * 12, "more than 12 digits before the point"),
        ("size", "9" * 5000, "more than 12 digits before the point"),
    ],
)
def test_parse_intent_when_a_decimal_is_beyond_the_bounds_then_refused_before_any_arithmetic(
    field: str, text: str, reason: str
) -> None:
    assert refusal(an_intent(**{field: text})) == f"{field}: has {reason}"
