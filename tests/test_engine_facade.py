"""What runners use of the engine instead of its internals: group commit as a context, one
step with a tracking record, open orders, and circuit breakers taken once each."""

from __future__ import annotations

from pathlib import Path

import pytest
from eventsourcing.persistence import Tracking

from adapters.bootstrap import assemble_engine
from adapters.clock import ManualClock
from adapters.paper.venue import PaperVenues
from engine.application import WRITER_CACHE_ENV, TapeWorkerApplication
from engine.ids import intent_uuid
from engine.ports import Books
from tests.conftest import (
    AGENT,
    T0,
    VENUE,
    EngineRig,
    a_book,
    a_trade_intent,
    an_agent_config,
    make_rig,
    sqlite_env,
)
from tests.test_engine_service import UnreachableVenue
from tests.test_unit_of_work import count_inserts


def test_take_breaker_trips_when_a_breaker_trips_then_it_is_taken_once(tmp_path: Path) -> None:
    books = Books()
    books.update(a_book())
    rig = make_rig(tmp_path / "t.db", venues={VENUE: UnreachableVenue()}, market_data=books)
    try:
        for n in range(5):
            rig.submit(intent_id=f"i{n}")

        assert rig.engine.has_open_orders
        assert rig.engine.tripped == [(AGENT, "timeout #5")]
        assert rig.engine.take_breaker_trips() == [(AGENT, "timeout #5")]
        assert rig.engine.take_breaker_trips() == []
        assert rig.engine.tripped == []
    finally:
        rig.app.close()


def test_group_commit_when_the_block_raises_then_steps_commit_alone_again(rig: EngineRig) -> None:
    rig.show_book(a_book(asks=[("0.52", "5000")]))
    inserts = count_inserts(rig.app)

    def run_then_stop() -> None:
        with rig.engine.group_commit():
            rig.submit(intent_id="b1")
            assert inserts == []  # deferred
            raise RuntimeError("the runner stops")

    with pytest.raises(RuntimeError):
        run_then_stop()
    rig.engine.commit()
    assert len(inserts) == 1

    rig.submit(intent_id="b2")

    assert len(inserts) == 3  # not deferring any more: the write-ahead, then the answer
    assert not rig.engine.has_open_orders
    assert rig.engine.open_orders == frozenset()


def test_step_with_tracking_when_commands_are_sent_inside_then_one_commit_holds_all(
    tmp_path: Path,
) -> None:
    app = TapeWorkerApplication(
        "TapeWorker1of1", env={**sqlite_env(tmp_path / "w.db"), **WRITER_CACHE_ENV}
    )
    paper = PaperVenues()
    engine = assemble_engine(app, venues=paper, market_data=paper, clock=ManualClock(T0))
    inserts = count_inserts(app)

    with engine.step(Tracking("TapeIngest", 3)):
        engine.register_agents([an_agent_config()])
        engine.receive(a_trade_intent(), feed="TapeIngest")

    assert len(inserts) == 1
    assert app.recorder.max_tracking_id("TapeIngest") == 3
    assert app.get_or_none(intent_uuid(a_trade_intent().intent_id)) is not None
    app.close()
