"""No input can break the reader: hostile day lines are bad lines (reported, recorded), never an
exception out of the parser, and a day full of them still runs every good record."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.dayfile import BadLine, BookRecord, IntentRecord, parse_day_line, parse_intent_line
from engine.bounded_json import InputBoundsError, loads_bounded
from tests.cli_rig import run_cli
from tests.conftest import an_intent
from tests.test_dayfile import a_book_line, an_intent_line, text

HOSTILE_VALUES: list[Any] = [
    "0." + "0" * 26 + "1",  # a price of 1e-27
    "0." + "0" * 29 + "1",  # a tick of 1e-30
    "9" * 5000,  # a decimal of 5,000 digits
    "1e-27",
    "NaN",
    "Infinity",
    "-0",
    "",
    " 0.5",
    "\ud800",  # a lone UTF-16 surrogate
    "a\udfffb",
    10**40,
    -1,
    0,
    1.5e308,
    True,
    None,
    [],
    {},
    [["0.5"]],
    [["0.5", "1", "2"]],
    "x" * 20_000,
]


def nested(depth: int) -> Any:
    value: Any = "0.5"
    for _ in range(depth):
        value = [value]
    return value


def mutated(record: dict[str, Any], path: list[str], value: Any) -> dict[str, Any]:
    """The record with the value at ``path`` replaced."""
    copy = json.loads(json.dumps(record))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


BOOK_PATHS = [["at"], ["venue"], ["token_id"], ["bids"], ["asks"], ["tick_size"], ["min_size"]]
INTENT_PATHS = [
    ["at"],
    ["intent", "price"],
    ["intent", "size"],
    ["intent", "created_at"],
    ["intent", "agent"],
    ["intent", "token_id"],
    ["intent", "intent_id"],
    ["intent", "source", "trader"],
    ["intent", "source", "trader_position_before"],
]


def assert_read_or_refused(line: str) -> None:
    record = parse_day_line(7, line)
    assert isinstance(record, BadLine | BookRecord | IntentRecord) or hasattr(record, "market_id")
    if isinstance(record, BadLine):
        assert record.line_no == 7
        assert record.reason


@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=lambda v: repr(v)[:20])
@pytest.mark.parametrize("path", BOOK_PATHS + INTENT_PATHS, ids="/".join)
def test_a_hostile_value_anywhere_is_read_or_refused_never_raised(
    path: list[str], value: Any
) -> None:
    base = a_book_line() if path in BOOK_PATHS else an_intent_line()
    assert_read_or_refused(json.dumps(mutated(base, path, value)))


@pytest.mark.parametrize(
    "value",
    ["0." + "0" * 26 + "1", "0." + "0" * 29 + "1", "9" * 5000, "\ud800"],
    ids=["price 1e-27", "tick 1e-30", "5000 digits", "surrogate"],
)
def test_the_values_that_broke_deciding_are_bad_lines(value: str) -> None:
    paths = [["intent", "price"], ["intent", "size"]]
    if not value[0].isdigit():
        paths.append(["intent", "agent"])
    for path in paths:
        record = parse_day_line(1, json.dumps(mutated(an_intent_line(), path, value)))
        assert isinstance(record, BadLine), (path, value)
    record = parse_day_line(1, json.dumps(a_book_line(tick_size=value)))
    assert isinstance(record, BadLine)


def test_deep_nesting_and_huge_integers_are_refused_before_anything_reads_them() -> None:
    deep = "[" * 5000 + "]" * 5000
    assert "nested deeper" in parse_day_line(1, deep).reason  # type: ignore[union-attr]
    huge = '{"type": "book", "n": ' + "7" * 5000 + "}"
    assert "integer" in parse_day_line(1, huge).reason  # type: ignore[union-attr]
    for bad in (deep, huge, '{"a": NaN}', '{"a": 1e999}', '{"a": "\\ud800"}'):
        with pytest.raises(InputBoundsError):
            loads_bounded(bad)


def test_a_lone_surrogate_in_an_intent_file_is_a_bad_line() -> None:
    line = json.dumps(an_intent(agent="\udc00"))
    record = parse_intent_line(3, line)
    assert isinstance(record, BadLine)
    assert "Unicode" in record.reason


hostile_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.sampled_from([v for v in HOSTILE_VALUES if isinstance(v, str)]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children),
    max_leaves=8,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    base=st.sampled_from(["book", "intent"]),
    path_index=st.integers(min_value=0, max_value=100),
    value=hostile_json | st.sampled_from(HOSTILE_VALUES) | st.builds(nested, st.integers(0, 60)),
    cut=st.none() | st.integers(min_value=0, max_value=400),
)
def test_any_mutation_of_a_valid_line_is_read_or_refused(
    base: str, path_index: int, value: Any, cut: int | None
) -> None:
    record = a_book_line() if base == "book" else an_intent_line()
    paths = BOOK_PATHS if base == "book" else INTENT_PATHS
    line = json.dumps(mutated(record, paths[path_index % len(paths)], value))
    if cut is not None:
        line = line[:cut]  # a truncated line
    assert_read_or_refused(line)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_at_all_is_read_or_refused(line: str) -> None:
    assert_read_or_refused(line)


def test_a_run_over_hostile_lines_finishes_the_file_and_decides_every_good_intent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAPE_HOME", str(tmp_path / "home"))
    for name in [k for k in os.environ if k.startswith("POLYMARKET_")]:
        monkeypatch.delenv(name)
    lines = [text(a_book_line(at="2026-01-30T14:03:10Z"))]
    good = 0
    for n, value in enumerate(HOSTILE_VALUES):
        lines.append(json.dumps(mutated(an_intent_line(), ["intent", "price"], value)))
        lines.append(json.dumps(mutated(a_book_line(), ["tick_size"], value)))
        intent = an_intent(intent_id=f"good-{n}", created_at="2026-01-30T14:03:11Z")
        lines.append(text(an_intent_line(intent=intent)))
        good += 1
    lines.append("[" * 5000 + "]" * 5000)
    day = tmp_path / "day.jsonl"
    day.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    code, out, err = run_cli(capsys, "run", "--day", str(day))
    assert code == 0, err
    code, out, err = run_cli(capsys, "intents", "--json")
    assert code == 0, err
    decided = [row for row in json.loads(out) if row["intent_id"].startswith("good-")]
    assert len(decided) == good
    assert all(row["verdict"] != "RECEIVED" for row in decided)
    code, out, err = run_cli(capsys, "run", "--day", str(day))
    assert code == 0, err
    assert "resumed" in out
