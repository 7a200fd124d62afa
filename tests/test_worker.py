"""A worker follows the ingest log: it decides only its partition's intents, stores its position
with each step, resumes after it, and processes configuration and resolutions too."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from adapters.bootstrap import assemble_engine, ingest_log
from adapters.clock import ManualClock
from adapters.paper.venue import PaperVenues
from adapters.scaleout.worker import InputClock, LeaseLostError, Worker
from adapters.stopping import StopSignal
from engine.application import WRITER_CACHE_ENV, TapeIngestApplication, TapeWorkerApplication
from engine.ids import client_order_id, intent_uuid, order_uuid
from engine.partition import INGEST_APP_NAME, Partition, PartitionFormatError, partition_of
from engine.ports import Books, VenueReport
from engine.service import UnknownOrderError
from tests.conftest import (
    OTHER_TRADER,
    T0,
    a_book,
    a_source,
    a_trade_intent,
    an_agent_config,
    at_offset,
    sqlite_env,
)
from tests.fakes.venues import FakeVenue

MINE, THEIRS = "follow-whales", "tiered"  # partitions 1 and 2 of 2


def ingest_app(path: Path) -> TapeIngestApplication:
    return TapeIngestApplication(env=sqlite_env(path / "ingest.db"))


def make_worker(path: Path, ingest: TapeIngestApplication, **kw: object) -> Worker:
    app = TapeWorkerApplication(
        "TapeWorker1of2", env={**sqlite_env(path / "w1.db"), **WRITER_CACHE_ENV}
    )
    paper = PaperVenues()
    paper.on_book(a_book(asks=[("0.52", "5000")]))
    clock = InputClock()
    engine = assemble_engine(app, venues=paper, market_data=paper, clock=clock)
    return Worker(partition=Partition(1, 2), ingest=ingest, engine=engine, clock=clock, **kw)  # type: ignore[arg-type]


def fill_ingest(ingest: TapeIngestApplication) -> None:
    clock = ManualClock(T0)
    log = ingest_log(ingest, clock)
    log.configure([an_agent_config(name=MINE), an_agent_config(name=THEIRS)])
    for n, agent in enumerate([MINE, THEIRS, MINE, THEIRS]):
        intent = a_trade_intent(intent_id=f"i{n}", agent=agent)
        clock.set(at_offset(n + 1))
        log.receive(intent, feed="day.jsonl", line_no=n + 1)


def test_partition_parse_and_ownership_are_stable() -> None:
    assert Partition.parse("2/4") == Partition(2, 4)
    assert (partition_of(MINE, 2), partition_of(THEIRS, 2)) == (1, 2)
    assert Partition(1, 2).owns(MINE)
    assert not Partition(1, 2).owns(THEIRS)
    for bad in ("0/4", "5/4", "2", "a/b", "2/0"):
        with pytest.raises(PartitionFormatError):
            Partition.parse(bad)


def test_worker_decides_only_its_partition_and_tracks_its_position(tmp_path: Path) -> None:
    ingest = ingest_app(tmp_path)
    fill_ingest(ingest)
    worker = make_worker(tmp_path, ingest)

    stats = worker.run(threading.Event(), until=worker.ingest_end())

    assert stats.processed == 3  # the configuration and its own two intents
    assert stats.skipped == 2
    assert worker.app.get_or_none(intent_uuid("i0")).decided
    assert worker.app.get_or_none(intent_uuid("i1")) is None  # the other partition's
    assert worker.app.recorder.has_tracking_id(INGEST_APP_NAME, 4)  # i2's, with its decision
    assert worker.app.recorder.max_tracking_id(INGEST_APP_NAME) == 5  # read to the end


def test_worker_restarted_resumes_after_its_tracked_position(tmp_path: Path) -> None:
    ingest = ingest_app(tmp_path)
    fill_ingest(ingest)
    first = make_worker(tmp_path, ingest)
    first.run(threading.Event(), until=first.ingest_end())
    events_before = first.app.recorder.max_notification_id()

    again = make_worker(tmp_path, ingest)
    stats = again.run(threading.Event(), until=again.ingest_end())

    assert again.cursor == 5
    assert stats.processed == 0  # nothing decided twice
    assert again.app.recorder.max_notification_id() == events_before


def test_worker_without_its_lease_stops_before_the_next_step(tmp_path: Path) -> None:
    ingest = ingest_app(tmp_path)
    fill_ingest(ingest)
    worker = make_worker(tmp_path, ingest, still_leased=lambda: False)

    with pytest.raises(LeaseLostError):
        worker.run(threading.Event(), until=worker.ingest_end())

    assert (worker.app.recorder.max_notification_id() or 0) == 0


def test_worker_polling_a_venue_keeps_only_its_own_orders_reports(tmp_path: Path) -> None:
    another_workers_order = client_order_id(order_uuid("someone-elses-intent", 0))
    venue = FakeVenue(reports=[VenueReport(client_order_id=another_workers_order, accepted=True)])
    app = TapeWorkerApplication("TapeWorker1of2", env=sqlite_env(tmp_path / "w.db"))
    engine = assemble_engine(
        app, venues={"polymarket": venue}, market_data=Books(), clock=InputClock()
    )

    assert engine.poll_venue("polymarket", accounts=frozenset({MINE})) == 0
    with pytest.raises(UnknownOrderError):  # a single process has every order: unknown is a bug
        engine.poll_venue("polymarket")


def test_worker_records_a_redelivery_of_an_intent_whose_verdict_is_not_yet_committed(
    tmp_path: Path,
) -> None:
    ingest = ingest_app(tmp_path)
    clock = ManualClock(T0)
    log = ingest_log(ingest, clock)
    log.configure([an_agent_config(name=MINE)])
    denied = a_trade_intent(intent_id="i0", agent=MINE, source=a_source(trader=OTHER_TRADER))
    clock.set(at_offset(1))
    log.receive(denied, feed="day.jsonl", line_no=1)
    clock.set(at_offset(2))
    assert log.receive(denied, feed="day.jsonl", line_no=2).status == "duplicate"
    worker = make_worker(tmp_path, ingest)

    stats = worker.run(threading.Event(), until=worker.ingest_end())

    assert stats.processed == 3  # configuration, the intent (denied, deferred), its redelivery
    record = worker.app.get_or_none(intent_uuid("i0"))
    assert record.status == "DENIED"
    assert record.redeliveries == 1


def stop_set_while_its_wait_holds_the_lock(stop: threading.Event) -> bool:
    """Whether ``set`` returns when called, as a signal handler is, by the thread that is
    inside ``wait`` holding the event's lock (checked on another thread, with a timeout)."""

    def handler_inside_wait() -> None:
        with stop._cond:  # what Event.wait holds around its wakeups
            stop.set()

    thread = threading.Thread(target=handler_inside_wait, daemon=True)
    thread.start()
    thread.join(timeout=2)
    return not thread.is_alive()


def test_stop_signal_set_from_a_signal_handler_inside_wait_never_deadlocks() -> None:
    assert not stop_set_while_its_wait_holds_the_lock(threading.Event())  # the hang, shown
    stop = StopSignal()
    assert stop_set_while_its_wait_holds_the_lock(stop)
    assert stop.wait(1)
