"""The seeded sample day: deterministic, well formed, streaming, and run end to end it makes the
engine deny intents for every reason, redeliver duplicates, fill orders and reduce positions."""

from __future__ import annotations

import inspect
import json
import re
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.bootstrap import assemble_engine
from adapters.clock import ManualClock
from adapters.day_runner import DayRunner, RunStats
from adapters.dayfile import (
    BadLine,
    BookRecord,
    IntentRecord,
    ResolutionRecord,
    parse_day_line,
    read_day,
)
from adapters.paper.venue import PaperVenues
from adapters.sample_day.agents import DEMO_CONFIG_TOML, DEMO_TRADERS, demo_agent_configs
from adapters.sample_day.day import iter_day, write_day
from adapters.sample_day.ids import market_id
from engine.application import TapeApplication

REQUIRED_REASONS = {
    "trader_allowlist",
    "market_allowlist",
    "size_cap",
    "staleness",
    "slippage",
    "sizing",
    "trades_per_day",
    "position_limit",
    "budget",
    "stop_loss",
}
ADDRESS = re.compile(r"^0x[0-9a-f]{40}$")
HASH = re.compile(r"^0x[0-9a-f]{64}$")
TOKEN = re.compile(r"^[1-9][0-9]{60,77}$")
PRICE = re.compile(r"^0\.[0-9]{2}$")
SIZE = re.compile(r"^[0-9]+\.[0-9]{2}$")


def parsed(lines: list[str]) -> list[Any]:
    return [parse_day_line(n, line) for n, line in enumerate(lines, start=1)]


def records(seed: int = 0, **kw: Any) -> list[Any]:
    return [r for r in parsed(list(iter_day(seed, **kw))) if not isinstance(r, BadLine)]


# -- the generator --------------------------------------------------------------------------


def test_same_seed_gives_identical_day() -> None:
    assert list(iter_day(42, intents=300)) == list(iter_day(42, intents=300))


def test_different_seeds_give_different_days() -> None:
    assert list(iter_day(1, intents=100)) != list(iter_day(2, intents=100))


def test_every_line_but_the_two_deliberate_bad_ones_parses() -> None:
    results = parsed(list(iter_day(0)))
    bad = [r for r in results if isinstance(r, BadLine)]
    assert len(bad) == 2
    assert bad[0].reason.startswith("not JSON")
    assert "unknown field" in bad[1].reason


def test_without_bad_lines_the_day_is_the_same_less_the_two_bad_ones() -> None:
    with_bad = list(iter_day(6, intents=150))
    clean = list(iter_day(6, intents=150, bad_lines=False))
    bad = [line for line in with_bad if isinstance(parse_day_line(1, line), BadLine)]
    assert len(bad) == 2
    assert clean == [line for line in with_bad if line not in bad]


def test_records_are_ordered_by_time() -> None:
    times = [r.at for r in records(3, intents=500)]
    assert times == sorted(times)


def test_a_day_has_books_intents_duplicates_and_resolutions_at_the_end() -> None:
    day = records(0)
    kinds = Counter(type(r).__name__ for r in day)
    assert kinds["BookRecord"] > kinds["IntentRecord"] >= 200
    ids = Counter(r.intent.intent_id for r in day if isinstance(r, IntentRecord))
    assert len(ids) == 200
    assert any(count > 1 for count in ids.values())
    resolutions = [r for r in day if isinstance(r, ResolutionRecord)]
    assert len(resolutions) == 3
    assert all(isinstance(r, ResolutionRecord) for r in day[-3:])


def test_intents_follow_the_wire_conventions() -> None:
    intents = [r for r in records(5) if isinstance(r, IntentRecord)]
    sources: Counter[tuple[str, bool]] = Counter()
    for record in intents:
        intent = record.intent
        tx = intent.source.tx_hash or ""
        assert HASH.match(tx)
        assert intent.intent_id == f"copy:{tx}:{intent.token_id}:{intent.side.value}"
        assert TOKEN.match(intent.token_id)
        assert HASH.match(intent.market_id)
        assert ADDRESS.match(intent.source.trader or "")
        assert intent.outcome in ("Yes", "No")
        assert intent.price % Decimal("0.01") == 0
        assert record.at - intent.created_at >= timedelta(seconds=1)
        sources[intent.side.value, intent.source.trader_position_before is not None] += 1
    assert len({r.intent.market_id for r in intents}) >= 12
    assert set(DEMO_TRADERS.values()) == {r.intent.source.trader for r in intents}
    # Most sells report the trader's holding before them; some leave it to the engine.
    assert sources["SELL", True] > sources["SELL", False] > 0
    ages = [(r.at - r.intent.created_at).total_seconds() for r in intents]
    assert sorted(ages)[len(ages) // 2] <= 5


def test_sells_follow_buys_and_report_the_traders_running_holding() -> None:
    holdings: defaultdict[tuple[str | None, str], Decimal] = defaultdict(Decimal)
    seen: set[str] = set()
    sells = 0
    for record in records(2, intents=600):
        if not isinstance(record, IntentRecord) or record.intent.intent_id in seen:
            continue  # a redelivery is the same trade again
        intent = record.intent
        seen.add(intent.intent_id)
        key = (intent.source.trader, intent.token_id)
        if intent.side.value == "BUY":
            holdings[key] += intent.size
            continue
        sells += 1
        assert 0 < intent.size <= holdings[key]
        if intent.source.trader_position_before is not None:
            assert intent.source.trader_position_before == holdings[key]
        holdings[key] -= intent.size
    assert sells > 100


def test_books_are_best_first_on_the_tick_and_the_two_outcomes_mirror() -> None:
    lines = [json.loads(line) for line in iter_day(9, bad_lines=False)]
    books = [r for r in lines if r["type"] == "book"]
    for book in books:
        assert book["tick_size"] == "0.01"
        assert book["min_size"] == "5"
        for price, size in book["bids"] + book["asks"]:
            assert PRICE.match(price)
            assert SIZE.match(size)
    # A market's two books come together and mirror each other: yes_mid + no_mid = 1.
    for yes, no in zip(books[::2], books[1::2], strict=True):
        assert yes["market_id"] == no["market_id"]
        assert yes["at"] == no["at"]
        yes_mid = (Decimal(yes["bids"][0][0]) + Decimal(yes["asks"][0][0])) / 2
        no_mid = (Decimal(no["bids"][0][0]) + Decimal(no["asks"][0][0])) / 2
        assert yes_mid + no_mid == 1


def test_a_fresh_book_of_its_token_comes_just_before_each_intent() -> None:
    last_book: dict[str, datetime] = {}
    for record in records(4):
        if isinstance(record, BookRecord):
            last_book[record.book.token_id] = record.at
        elif isinstance(record, IntentRecord):
            assert last_book[record.intent.token_id] <= record.at


def test_the_day_starts_when_asked() -> None:
    start = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    first = records(0, intents=50, start=start)[0]
    assert start < first.at < start + timedelta(minutes=1)


def test_a_day_needs_a_few_markets() -> None:
    with pytest.raises(ValueError, match="markets"):
        next(iter_day(0, markets=3))


def test_a_large_day_streams_in_reasonable_time() -> None:
    assert inspect.isgenerator(iter_day(0, intents=1_000_000))
    began = time.monotonic()
    count = sum(1 for _ in iter_day(0, intents=20_000))
    assert count > 60_000
    assert time.monotonic() - began < 60


def test_write_day_writes_one_line_per_record_and_returns_the_count(tmp_path: Path) -> None:
    path = tmp_path / "day.jsonl"
    count = write_day(path, 8, intents=120)
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    assert text.splitlines() == list(iter_day(8, intents=120))
    assert count == len(text.splitlines())


def test_demo_config_parses_into_three_copy_agents_on_polymarket() -> None:
    configs = {c.name: c for c in demo_agent_configs()}
    assert set(configs) == {"follow-whales", "tight-risk", "tiered"}
    assert {c.sizing.mode for c in configs.values()} == {"PERCENTAGE", "FIXED", "TIERED"}
    assert all(c.strategy == "copy" and c.venues == ("polymarket",) for c in configs.values())
    assert len(configs["follow-whales"].follow) == 3
    assert len(configs["tight-risk"].follow) == 1
    assert set(configs["tight-risk"].markets) <= {market_id(i) for i in range(24)}
    assert all(ADDRESS.match(a) for a in DEMO_TRADERS.values())
    assert "[agents.tight-risk]" in DEMO_CONFIG_TOML


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), intents=st.integers(50, 300))
def test_any_small_day_parses_and_is_ordered_by_time(seed: int, intents: int) -> None:
    results = parsed(list(iter_day(seed, intents=intents)))
    assert sum(isinstance(r, BadLine) for r in results) == 2
    results = [r for r in results if not isinstance(r, BadLine)]
    times = [r.at for r in results]
    assert times == sorted(times)
    assert sum(isinstance(r, IntentRecord) for r in results) >= intents


# -- end to end through the engine ----------------------------------------------------------


Run = tuple[RunStats, Counter[str], list[Any]]
"""What an engine run of a sample day gives: its stats, its event kinds, its IntentDenied."""


def run_through_engine(db: Path, seed: int, intents: int) -> Run:
    """Run a sample day on SQLite and the paper venue, then read the whole notification log."""
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(db)}
    app = TapeApplication(env=env)
    clock = ManualClock(datetime(2026, 1, 30, tzinfo=UTC))
    paper = PaperVenues()
    engine = assemble_engine(app, venues=paper, market_data=paper, clock=clock)
    engine.register_agents(demo_agent_configs())
    runner = DayRunner(engine, clock=clock, source="sample", books=paper.on_book)
    stats = runner.run(read_day(iter_day(seed, intents=intents)))
    kinds: Counter[str] = Counter()
    denials: list[Any] = []
    start = 1
    while batch := app.notification_log.select(start=start, limit=1000):
        for notification in batch:
            event = app.mapper.to_domain_event(notification)
            kinds[type(event).__name__] += 1
            if type(event).__name__ == "IntentDenied":
                denials.append(event)
        start = batch[-1].id + 1
    return stats, kinds, denials


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return run_through_engine(tmp_path_factory.mktemp("demo") / "tape.db", 0, 200)


def test_the_engine_denies_the_demo_day_for_every_reason(
    demo_run: Run,
) -> None:
    _, _, denials = demo_run
    reasons = Counter(event.reason for event in denials)
    assert set(reasons) >= REQUIRED_REASONS, REQUIRED_REASONS - set(reasons)


def test_the_demo_day_mostly_trades(demo_run: Run) -> None:
    stats, kinds, _ = demo_run
    assert kinds["IntentReceived"] == 200
    assert kinds["IntentAccepted"] + kinds["IntentDenied"] == 200
    assert kinds["IntentAccepted"] > kinds["IntentDenied"]
    assert kinds["OrderFilled"] > 0
    assert kinds["PositionReduced"] > 0
    assert kinds["IntentRedelivered"] == stats.duplicates > 0


def test_the_demo_days_bad_lines_are_reported_and_the_rest_runs(
    demo_run: Run,
) -> None:
    stats, kinds, _ = demo_run
    assert stats.bad_lines == 2
    assert kinds["InputDenied"] == 2
    assert stats.resolutions == 3


def test_a_short_day_still_exercises_every_reason(tmp_path: Path) -> None:
    _, _, denials = run_through_engine(tmp_path / "tape.db", 7, 100)
    assert {event.reason for event in denials} >= REQUIRED_REASONS
