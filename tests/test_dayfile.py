"""Reading ``tape.day/1`` and ``tape.intent/1`` files: good lines read, bad lines reported."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from adapters.dayfile import (
    BadLine,
    BookRecord,
    IntentRecord,
    ResolutionRecord,
    line_digest,
    parse_day_line,
    read_day,
    read_intents,
)
from engine.values import Level
from tests.conftest import MARKET, TOKEN, VENUE, an_intent

D = Decimal


def a_book_line(**overrides: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "type": "book",
        "at": "2026-01-30T14:03:10Z",
        "venue": VENUE,
        "token_id": TOKEN,
        "bids": [["0.51", "400"], ["0.50", "100"]],
        "asks": [["0.53", "250"], ["0.54", "900"]],
        "tick_size": "0.01",
        "min_size": "5",
    }
    line.update(overrides)
    return line


def an_intent_line(**overrides: Any) -> dict[str, Any]:
    line: dict[str, Any] = {"type": "intent", "at": "2026-01-30T14:03:12Z", "intent": an_intent()}
    line.update(overrides)
    return line


def a_resolution_line() -> dict[str, Any]:
    return {
        "type": "resolution",
        "at": "2026-01-31T00:00:00Z",
        "venue": VENUE,
        "market_id": MARKET,
        "winning_token_id": TOKEN,
    }


def text(record: dict[str, Any]) -> str:
    return json.dumps(record)


def bad(line: str, line_no: int = 1) -> BadLine:
    parsed = parse_day_line(line_no, line)
    assert isinstance(parsed, BadLine), parsed
    assert parsed.line_no == line_no
    assert parsed.digest == line_digest(line)
    assert "\n" not in parsed.reason
    return parsed


# -- good lines -------------------------------------------------------------------------------


def test_book_line_when_valid_then_a_book_best_first() -> None:
    record = parse_day_line(3, text(a_book_line(size_step="1", market_id=MARKET)))

    assert isinstance(record, BookRecord)
    assert record.line_no == 3
    assert record.at == datetime(2026, 1, 30, 14, 3, 10, tzinfo=UTC)
    book = record.book
    assert book.at == "2026-01-30T14:03:10Z"
    assert book.bids == (Level(D("0.51"), D(400)), Level(D("0.50"), D(100)))
    assert book.asks == (Level(D("0.53"), D(250)), Level(D("0.54"), D(900)))
    assert (book.tick_size, book.min_size, book.size_step) == (D("0.01"), D(5), D(1))
    assert book.market_id == MARKET


def test_book_line_when_a_side_is_empty_then_still_a_book() -> None:
    record = parse_day_line(1, text(a_book_line(bids=[])))

    assert isinstance(record, BookRecord)
    assert record.book.bids == ()


def test_intent_line_when_valid_then_the_parsed_intent_at_its_time() -> None:
    record = parse_day_line(2, text(an_intent_line()))

    assert isinstance(record, IntentRecord)
    assert record.at == datetime(2026, 1, 30, 14, 3, 12, tzinfo=UTC)
    assert record.intent.intent_id == "copy:0x5f1ce9:7132:BUY"


def test_resolution_line_when_valid_then_the_winning_token() -> None:
    record = parse_day_line(9, text(a_resolution_line()))

    assert record == ResolutionRecord(9, datetime(2026, 1, 31, tzinfo=UTC), VENUE, MARKET, TOKEN)


# -- bad lines, one kind each -----------------------------------------------------------------


def test_day_line_when_not_json_then_reported_as_not_json() -> None:
    line = bad('{"type": "book",', line_no=7)

    assert line.reason.startswith("not JSON (")
    assert line.message("day.jsonl") == f"day.jsonl:7: skipped: {line.reason}"


@pytest.mark.parametrize("value", ["[1, 2]", '"book"', "42", "null"])
def test_day_line_when_not_an_object_then_reported(value: str) -> None:
    assert bad(value).reason == "a record must be a JSON object"


@pytest.mark.parametrize("kind", ["candle", None, 3])
def test_day_line_when_type_unknown_then_reported(kind: Any) -> None:
    line = bad(text({**a_book_line(), "type": kind}))

    assert line.reason == f"unknown record type {kind!r} (book, trade, intent or resolution)"


def test_day_line_when_intent_has_an_unknown_field_then_reported_naming_it() -> None:
    line = bad(text(an_intent_line(intent={**an_intent(), "leverage": "10"})))

    assert line.reason == "intent record: leverage: unknown field"


def test_day_line_when_intent_record_has_an_unknown_field_then_reported_naming_it() -> None:
    line = bad(text({**an_intent_line(), "note": "x"}))

    assert line.reason == "intent record: note: unknown field"


def test_day_line_when_intent_record_lacks_its_intent_then_reported() -> None:
    record = an_intent_line()
    del record["intent"]

    assert bad(text(record)).reason == "intent record: an intent record needs at and intent"


def test_day_line_when_intent_at_is_not_utc_then_reported() -> None:
    line = bad(text(an_intent_line(at="2026-01-30T15:03:12+01:00")))

    assert line.reason.startswith("intent record: at: ")


def test_day_line_when_intent_field_has_a_wrong_type_then_reported_naming_it() -> None:
    line = bad(text(an_intent_line(intent=an_intent(price=0.52))))

    assert line.reason == 'intent record: price: must be a decimal string such as "0.52"'


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"tick_size": 0.01}, "tick_size", id="float-tick"),
        pytest.param({"min_size": "five"}, "min_size", id="word-min-size"),
        pytest.param({"venue": 3}, "venue", id="int-venue"),
        pytest.param({"bids": "0.51"}, "bids", id="bids-not-a-list"),
        pytest.param({"asks": [["0.53"]]}, "asks.0.1", id="level-without-size"),
        pytest.param({"asks": [[0.53, "250"]]}, "asks.0.0", id="float-level-price"),
        pytest.param({"at": "yesterday"}, "at", id="bad-time"),
        pytest.param({"depth": 3}, "depth", id="unknown-field"),
    ],
)
def test_book_line_when_a_field_is_wrong_then_reported_naming_it(
    overrides: dict[str, Any], field: str
) -> None:
    line = bad(text(a_book_line(**overrides)))

    assert line.reason.startswith(f"book record: {field}: ")


def test_book_line_when_field_missing_then_reported_as_missing() -> None:
    record = a_book_line()
    del record["tick_size"]

    assert bad(text(record)).reason == "book record: tick_size: missing"


def test_book_line_when_bids_not_best_first_then_reported() -> None:
    line = bad(text(a_book_line(bids=[["0.50", "100"], ["0.51", "400"]])))

    assert line.reason == "book record: bids: bids must be best (highest) first"


def test_book_line_when_asks_not_best_first_then_reported() -> None:
    line = bad(text(a_book_line(asks=[["0.54", "900"], ["0.53", "250"]])))

    assert line.reason == "book record: asks: asks must be best (lowest) first"


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"tick_size": "0"}, id="tick-zero"),
        pytest.param({"size_step": "0"}, id="step-zero"),
        pytest.param({"asks": [["0.52", "-100"], ["0.53", "900"]]}, id="negative-level"),
    ],
)
def test_book_line_when_grid_or_level_size_not_positive_then_reported(
    overrides: dict[str, Any],
) -> None:
    assert isinstance(parse_day_line(1, text(a_book_line(**overrides))), BadLine)


def test_resolution_line_when_field_missing_then_reported() -> None:
    record = a_resolution_line()
    del record["winning_token_id"]

    assert bad(text(record)).reason == "resolution record: winning_token_id: missing"


# -- whole files ------------------------------------------------------------------------------


def test_read_day_when_blank_lines_then_skipped_but_counted_in_line_numbers() -> None:
    lines = [text(a_book_line()), "", "   ", text(an_intent_line()), "\n"]

    records = list(read_day(lines))

    assert [type(r).__name__ for r in records] == ["BookRecord", "IntentRecord"]
    assert [r.line_no for r in records] == [1, 4]


def test_read_day_when_a_line_is_bad_then_the_good_lines_after_it_are_still_read() -> None:
    lines = [
        text(a_book_line()),
        "not json at all",
        text({"type": "weather"}),
        text(an_intent_line()),
        "[]",
        text(a_resolution_line()),
    ]

    records = list(read_day(lines))

    assert [(type(r).__name__, r.line_no) for r in records] == [
        ("BookRecord", 1),
        ("BadLine", 2),
        ("BadLine", 3),
        ("IntentRecord", 4),
        ("BadLine", 5),
        ("ResolutionRecord", 6),
    ]


def test_read_day_when_lines_end_with_newlines_then_they_are_stripped() -> None:
    records = list(read_day([text(a_book_line()) + "\n", text(an_intent_line()) + "\r\n"]))

    assert all(not isinstance(r, BadLine) for r in records)


def test_read_intents_when_file_of_intents_then_each_at_its_created_at() -> None:
    lines = [
        json.dumps(an_intent()),
        "",
        json.dumps(an_intent(intent_id="i2", size="-1")),
        json.dumps(an_intent(intent_id="i3", created_at="2026-01-30T15:00:00Z")),
    ]

    records = list(read_intents(lines))

    assert isinstance(records[0], IntentRecord)
    assert records[0].at == records[0].intent.created_at
    assert isinstance(records[1], BadLine)
    assert records[1].line_no == 3
    assert records[1].reason == "size: must be greater than 0"
    assert isinstance(records[2], IntentRecord)
    assert records[2].line_no == 4


def test_line_digest_when_same_text_then_same_digest_and_no_text_kept() -> None:
    line = '{"secret": "do not store me"}'

    assert line_digest(line) == line_digest(line)
    assert line_digest(line) != line_digest(line + " ")
    assert len(line_digest(line)) == 16
    assert "secret" not in bad(line).reason
