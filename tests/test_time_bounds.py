"""Time bounds of a day: a record that goes back in time or jumps further than the allowed gap
after the one before is a bad line (reported, recorded), not a new day clock, on every reader
of the day (the day run and the paper venue process alike)."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.day_order import DEFAULT_MAX_GAP, read_day_in_order
from adapters.dayfile import BadLine, BookRecord
from adapters.sample_day.agents import DEMO_CONFIG_TOML
from adapters.sample_day.day import write_day
from adapters.settings import MAX_TIME_GAP_ENV, Settings, SettingsError
from tests.test_input_order import in_process, run_args, sqlite_digest, with_venue_process
from tests.test_scaleout import env_for, tape

T0 = datetime(2026, 1, 30, 14, 0, tzinfo=UTC)


def book_line(at: datetime | str) -> str:
    text = at if isinstance(at, str) else at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps(
        {
            "type": "book",
            "at": text,
            "venue": "paper",
            "token_id": "tok",
            "bids": [["0.4", "10"]],
            "asks": [["0.6", "10"]],
            "tick_size": "0.01",
            "min_size": "1",
        }
    )


def test_a_record_that_goes_back_in_time_is_a_bad_line() -> None:
    lines = [book_line(T0), book_line(T0 - timedelta(seconds=1)), book_line(T0)]

    records = list(read_day_in_order(lines))

    assert isinstance(records[1], BadLine)
    assert "goes back in time" in records[1].reason
    assert [type(r) for r in (records[0], records[2])] == [BookRecord, BookRecord]


def test_a_record_far_after_the_one_before_is_a_bad_line_and_moves_nothing() -> None:
    lines = [book_line(T0), book_line("9999-12-31T23:59:59Z"), book_line(T0 + timedelta(hours=1))]

    records = list(read_day_in_order(lines))

    assert isinstance(records[1], BadLine)
    assert records[1].reason.startswith("at 9999-12-31T23:59:59Z is more than 7 days after")
    assert isinstance(records[2], BookRecord)  # the day's clock did not move to 9999


def test_a_first_record_far_after_the_next_is_the_bad_line_not_the_rest_of_the_day() -> None:
    lines = [book_line("9999-12-31T23:59:59Z"), "{junk", book_line(T0), book_line(T0)]

    records = list(read_day_in_order(lines))

    assert [r.line_no for r in records] == [1, 2, 3, 4]  # line order kept
    assert isinstance(records[0], BadLine)
    assert "is more than 7 days after the record after it" in records[0].reason
    assert isinstance(records[1], BadLine)
    assert [type(r) for r in records[2:]] == [BookRecord, BookRecord]


def test_a_lone_record_is_taken_in() -> None:
    assert isinstance(next(read_day_in_order([book_line("9999-12-31T23:59:59Z")])), BookRecord)


def test_the_gap_is_configurable() -> None:
    lines = [book_line(T0), book_line(T0 + timedelta(minutes=2))]

    assert isinstance(list(read_day_in_order(lines, max_gap=timedelta(minutes=1)))[1], BadLine)
    assert isinstance(list(read_day_in_order(lines))[1], BookRecord)


def test_settings_read_the_gap_and_refuse_junk_naming_the_variable_only() -> None:
    assert Settings.load({}).max_time_gap == DEFAULT_MAX_GAP
    assert Settings.load({MAX_TIME_GAP_ENV: "60"}).max_time_gap == timedelta(seconds=60)
    with pytest.raises(SettingsError) as refused:
        Settings.load({MAX_TIME_GAP_ENV: "0xdeadbeef-secret"})
    assert MAX_TIME_GAP_ENV in str(refused.value)
    assert "deadbeef" not in str(refused.value)


@given(
    steps=st.lists(st.integers(min_value=-(10**6), max_value=10**7), min_size=1, max_size=40),
    gap_s=st.integers(min_value=1, max_value=10**6),
)
def test_records_taken_in_are_in_time_order_within_the_gap(steps: list[int], gap_s: int) -> None:
    times, at = [], T0
    for step in steps:
        at += timedelta(seconds=step)
        times.append(at)
    lines = [book_line(t) for t in times]

    records = list(read_day_in_order(lines, max_gap=timedelta(seconds=gap_s)))

    kept = [r.at for r in records if isinstance(r, BookRecord)]
    assert [r.line_no for r in records] == list(range(1, len(lines) + 1))
    assert kept
    assert all(
        timedelta(0) <= b - a <= timedelta(seconds=gap_s) for a, b in itertools.pairwise(kept)
    )
    for record in records:  # a line is dropped only for its time
        if isinstance(record, BadLine):
            assert "goes back in time" in record.reason or "after the record" in record.reason


def day_with_a_book_dated_9999(folder: Path, *, first: bool = False) -> tuple[Path, Path]:
    """The sample day, and the same day with a copy of one of its books dated 9999 in the
    middle (or first: before every record) (the day's tape.toml beside both)."""
    plain = folder / "plain" / "day.jsonl"
    plain.parent.mkdir()
    write_day(plain, 7, intents=30)
    lines = plain.read_text(encoding="utf-8").splitlines()
    books = [
        i for i, line in enumerate(lines) if '"type": "book"' in line or '"type":"book"' in line
    ]
    copied = books[0] if first else books[len(books) // 2]
    record = json.loads(lines[copied])
    where = 0 if first else copied + 1
    record["at"] = "9999-12-31T23:59:59Z"
    poisoned = folder / "poisoned" / "day.jsonl"
    poisoned.parent.mkdir()
    poisoned.write_text(
        "\n".join([*lines[:where], json.dumps(record), *lines[where:]]) + "\n",
        encoding="utf-8",
    )
    for day in (plain, poisoned):
        (day.parent / "tape.toml").write_text(DEMO_CONFIG_TOML, encoding="utf-8")
    return plain, poisoned


@pytest.mark.parametrize("first", [False, True], ids=["in-the-middle", "first"])
def test_one_record_dated_9999_no_longer_denies_the_rest_of_the_day_as_stale(
    tmp_path: Path, first: bool
) -> None:
    plain, poisoned = day_with_a_book_dated_9999(tmp_path, first=first)
    home = poisoned.parent / "run"

    result = tape(run_args(poisoned), env_for(home, None))

    assert "at 9999-12-31T23:59:59Z is more than 7 days after the record" in result.stderr
    # The bad line is recorded (feed records are not decisions): every decision is the plain
    # day's, on the engine and with the paper venue as its own process.
    assert sqlite_digest(home) == in_process(plain)
    assert with_venue_process(poisoned) == sqlite_digest(home)
