"""An intent received before a crash and decided at the restart is decided at its own place in
the day: the venue is asked for its book at the intent's time and line, as it would have been
without the crash (the paper venue as its own process shows the books of that line, not every
book of the second)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from adapters.bootstrap import assemble_engine
from adapters.clock import ManualClock, line_of
from adapters.paper.venue import PaperVenues
from engine.application import WRITER_CACHE_ENV, TapeApplication
from engine.intents import Intent
from engine.ports import Book
from engine.service import TradingEngine
from tests.conftest import T0, a_book, a_trade_intent, an_agent_config, sqlite_env, stored_events

LINE = 37


@dataclass
class WatchedBooks:
    """The paper venue's books, noting the clock's time and line at each question."""

    paper: PaperVenues
    clock: ManualClock
    asked: list[tuple[datetime, int | None]] = field(default_factory=list)

    def book(
        self, venue: str, token_id: str, *, at: datetime | None = None, account: str = ""
    ) -> Book | None:
        self.asked.append((self.clock.now(), line_of(self.clock)))
        return self.paper.book(venue, token_id, at=at, account=account)


def engine_on(
    path: Path, clock: ManualClock
) -> tuple[TapeApplication, WatchedBooks, TradingEngine]:
    app = TapeApplication(env={**sqlite_env(path), **WRITER_CACHE_ENV})
    paper = PaperVenues()
    paper.on_book(a_book())
    books = WatchedBooks(paper, clock)
    engine = assemble_engine(app, venues=paper, market_data=books, clock=clock)
    engine.register_agents([an_agent_config()])
    return app, books, engine


def test_an_intent_left_undecided_by_a_crash_is_decided_at_its_own_time_and_line(
    tmp_path: Path,
) -> None:
    store = tmp_path / "tape.db"
    intent = a_trade_intent()
    received_at = intent.created_at + timedelta(seconds=1)
    clock = ManualClock(T0)
    app, _, engine = engine_on(store, clock)
    clock.set(received_at, LINE)
    engine.receive(intent, feed="day", line_no=LINE)
    app.close()  # the crash: received, no verdict

    # The restarted run's clock is at the day's first record, on no line yet.
    restarted = ManualClock(received_at - timedelta(minutes=5))
    app, books, engine = engine_on(store, restarted)
    recovery = engine.recover()

    assert recovery.decided == 1
    assert books.asked[:1] == [(received_at, LINE)]
    verdicts = [e for e in stored_events(app) if isinstance(e, Intent.IntentAccepted)]
    assert [v.timestamp for v in verdicts] == [received_at]
    app.close()
