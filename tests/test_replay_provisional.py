"""``tape replay --verify`` reproduces a live Polymarket run whose fills were provisional, then
confirmed or voided (the fake CLOB's trades MATCHED, then CONFIRMED or FAILED), byte for byte."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from adapters.bootstrap import Tape, build, day_clock
from adapters.clock import ManualClock
from adapters.config_file import TapeConfig
from adapters.day_runner import DayRunner
from adapters.dayfile import BadLine, DayRecord, read_day
from adapters.replay.verify import verify
from adapters.settings import Settings
from engine.values import Book
from tests.conftest import stored_events
from tests.fake_clob import FakeClob
from tests.test_polymarket_generated_day import clob, config, day  # noqa: F401 - fixtures
from tests.test_polymarket_venue import environ


def run_live_settling(tape: Tape, config: TapeConfig, day: Path, clob: FakeClob) -> None:  # noqa: F811
    """The day on the fake CLOB; at each book, the chain settles the trades matched so far:
    one in three fails, the others are confirmed (some only after a second look: MINED)."""
    with day.open(encoding="utf-8") as lines:
        records: Iterator[DayRecord | BadLine] = read_day(lines)
        first = next(records)
        clock = tape.engine.clock
        assert isinstance(clock, ManualClock)
        assert not isinstance(first, BadLine)
        clock.set(first.at)
        tape.engine.register_agents(config.agents)
        tape.engine.recover()
        settled = itertools.count()

        def books(book: Book) -> None:
            for trade in clob.trades:
                if trade["status"] == "MINED":
                    clob.set_trade_status(trade["id"], "CONFIRMED")
                elif trade["status"] == "MATCHED":
                    n = next(settled)
                    clob.set_trade_status(trade["id"], ("FAILED", "CONFIRMED", "MINED")[n % 3])
            clob.set_book(
                book.token_id,
                bids=[(str(level.price), str(level.size)) for level in book.bids],
                asks=[(str(level.price), str(level.size)) for level in book.asks],
            )

        runner = DayRunner(
            tape.engine, clock=clock, source=day.name, books=books, live=frozenset(tape.live)
        )
        runner.run(itertools.chain([first], records))


def test_a_live_run_with_provisional_fills_confirmed_and_voided_verifies_byte_for_byte(
    day: Path,  # noqa: F811
    config: TapeConfig,  # noqa: F811
    clob: FakeClob,  # noqa: F811
    tmp_path: Path,
) -> None:
    live = build(Settings.load(environ(clob, tmp_path / "live")), config, clock=day_clock())
    try:
        assert live.live == {"polymarket"}
        run_live_settling(live, config, day, clob)
        names = Counter(type(e).__name__ for e in stored_events(live.app))
        result = verify(live.app)
    finally:
        live.app.close()
    assert result.ok, result.divergence.describe() if result.divergence else ""
    assert names["OrderFillConfirmed"] > 0, names
    assert names["OrderFillVoided"] > 0, names
    assert result.compared == sum(names.values())
