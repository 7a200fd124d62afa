"""The read models, the report and the decision digest over the logs of several engine workers:
whatever agents each log holds and however the logs interleave as they grow, they equal what
the single log of the same day gives."""

from __future__ import annotations

import dataclasses
import random

import pytest
from eventsourcing.persistence import Notification, StoredEvent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.sample_day.day import iter_day
from projections.audit import find_trail
from projections.digest import EXCLUDED_TOPICS, DigestOrderError, decision_digest
from projections.logs import Upstream, notifications, read_log
from projections.report import day_report
from projections.rows import in_time_order
from projections.tracking import (
    PROJECTION_NAMES,
    ForeignUpstreamError,
    Projector,
    tracking_key,
)
from projections.views import LogViews
from projections.views.marks import MarksView
from tests.projection_rig import Backend, DayRun, memory_log, run_backend_day, split_by_agent

VIEWS = ("orders", "intents", "positions", "marks", "purchases")


@pytest.fixture(scope="module")
def day_run(backend: Backend) -> DayRun:
    """One generated day in a single log, with its projections: what the workers must equal."""
    return run_backend_day(backend, iter_day(31, intents=60))


def worker_logs(
    day_run: DayRun, count: int, rng: random.Random
) -> tuple[list[Upstream], list[list[StoredEvent]]]:
    """Empty worker logs and the day's events split over them by agent (agents dealt out at
    random; what belongs to no agent goes to the first)."""
    agents: dict[str | None, int] = {None: 0}

    def log_of(agent: str | None) -> int:
        if agent not in agents:
            agents[agent] = rng.randrange(count)
        return agents[agent]

    split = split_by_agent(day_run.app, log_of)
    logs = [memory_log(f"TapeWorker{i + 1}of{count}") for i in range(count)]
    return logs, [list(split.get(i, [])) for i in range(count)]


def stored(notification: Notification) -> StoredEvent:
    """A notification as the event to store again (in another log)."""
    return StoredEvent(
        originator_id=notification.originator_id,
        originator_version=notification.originator_version,
        topic=notification.topic,
        state=notification.state,
    )


def fill(logs: list[Upstream], pending: list[list[StoredEvent]]) -> None:
    """Append every pending event to its log at once."""
    for log, events in zip(logs, pending, strict=True):
        if events:
            log.recorder.insert_events(events)
        events.clear()


def test_the_day_splits_into_several_agents_logs(day_run: DayRun) -> None:
    _, pending = worker_logs(day_run, 3, random.Random(1))
    assert sum(len(events) for events in pending) == day_run.app.recorder.max_notification_id()
    assert sum(1 for events in pending if events) >= 2


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    count=st.integers(min_value=2, max_value=4),
    seed=st.integers(min_value=0, max_value=2**32),
    batch=st.sampled_from([1, 7, 60, 500]),
    catch_up_chance=st.sampled_from([0.0, 0.05, 0.5]),
)
def test_projections_and_digest_over_interleaved_worker_logs_equal_the_single_logs(
    day_run: DayRun, backend: Backend, *, count: int, seed: int, batch: int, catch_up_chance: float
) -> None:
    rng = random.Random(seed)
    logs, pending = worker_logs(day_run, count, rng)
    followed = list(logs)
    rng.shuffle(followed)
    projector = Projector(followed, backend.store(), batch_size=batch)
    # The workers append in bursts, in a random order; the projector catches up now and
    # then, so pages end anywhere in each log.
    while any(pending):
        index = rng.choice([i for i, events in enumerate(pending) if events])
        burst = rng.randint(1, 40)
        logs[index].recorder.insert_events(pending[index][:burst])
        del pending[index][:burst]
        if rng.random() < catch_up_chance:
            projector.catch_up()
    projector.catch_up()
    assert projector.dump() == day_run.projector.dump()
    statuses = projector.status()
    assert all(s.behind == 0 for s in statuses)
    assert statuses[0].position == day_run.app.recorder.max_notification_id()
    for intent in list(LogViews.build(day_run.app).intents.rows.values())[:6]:
        found = projector.trail(intent["intent_id"])
        assert found is not None
        expected = find_trail(day_run.app, intent["intent_id"])
        assert expected is not None
        assert found.to_json() == expected.to_json()

    assert decision_digest(*followed) == decision_digest(day_run.app)
    assert day_report(followed).to_json() == day_report(day_run.app).to_json()

    # The in-memory folds too: over a random interleaving of the logs, event by event.
    heads = [list(read_log(log)) for log in logs]
    merged = LogViews()
    while any(heads):
        merged.apply(rng.choice([h for h in heads if h]).pop(0)[1])
    single = LogViews.build(day_run.app)
    for name in VIEWS:
        assert dict(getattr(merged, name).rows) == dict(getattr(single, name).rows), name
    assert merged.balances.with_marks(merged.positions, merged.marks) == (
        single.balances.with_marks(single.positions, single.marks)
    )
    assert LogViews.build(followed).positions.with_marks(merged.marks) == (
        single.positions.with_marks(single.marks)
    )


def test_a_token_has_one_mark_whatever_order_the_verdicts_come_in(day_run: DayRun) -> None:
    events = [event for _, event in read_log(day_run.app)]
    forward, backward, shuffled = MarksView(), MarksView(), MarksView()
    for event in events:
        forward.apply(event)
    for event in reversed(events):
        backward.apply(event)
    random.Random(5).shuffle(events)
    for event in events:
        shuffled.apply(event)
    assert dict(forward.rows) == dict(backward.rows) == dict(shuffled.rows)
    assert forward.rows == LogViews.build(day_run.app).marks.rows != {}


def test_rows_are_listed_by_time_then_key(day_run: DayRun) -> None:
    stored = day_run.projector.rows("orders")
    assert list(stored.values()) == in_time_order(stored, "placed_at")
    assert [r["placed_at"] for r in stored.values()] == sorted(
        r["placed_at"] for r in stored.values()
    )


def test_one_log_named_tape_keeps_the_tracking_rows_named_after_the_projections(
    day_run: DayRun,
) -> None:
    with day_run.projector.store.read() as txn:
        assert set(txn.all_tracking()) == set(PROJECTION_NAMES)
    (status, *_) = day_run.projector.status()
    assert status.positions == {"Tape": day_run.app.recorder.max_notification_id()}
    assert tracking_key("orders", "Tape") == "orders"
    assert tracking_key("orders", "TapeWorker2of4") == "orders@TapeWorker2of4"


def test_a_store_folded_from_other_logs_is_refused_until_rebuilt(
    day_run: DayRun, backend: Backend
) -> None:
    store = backend.store()
    Projector(day_run.app, store).catch_up()
    logs, pending = worker_logs(day_run, 2, random.Random(3))
    fill(logs, pending)
    workers = Projector(logs, store)
    with pytest.raises(ForeignUpstreamError, match="Tape"):
        workers.catch_up()
    assert workers.rebuild() == day_run.app.recorder.max_notification_id()
    assert workers.dump() == day_run.projector.dump()
    with store.read() as txn:
        assert set(txn.all_tracking()) == {
            tracking_key(p, log.name) for p in PROJECTION_NAMES for log in logs
        }
    with pytest.raises(ForeignUpstreamError, match="TapeWorker1of2"):
        Projector(day_run.app, store).catch_up(["positions"])


def test_a_projector_wants_distinct_log_names(day_run: DayRun, backend: Backend) -> None:
    store = backend.store()
    with pytest.raises(ValueError, match="distinct"):
        Projector([memory_log("A"), memory_log("A")], store)
    with pytest.raises(ValueError, match="at least one"):
        Projector([], store)


def test_the_digest_is_per_aggregate_and_ignores_the_order_of_the_logs(day_run: DayRun) -> None:
    logs, pending = worker_logs(day_run, 3, random.Random(8))
    fill(logs, pending)
    digest = decision_digest(day_run.app)
    assert digest.events < day_run.app.recorder.max_notification_id()  # feeds, reconciliations
    assert decision_digest(*logs) == decision_digest(*reversed(logs)) == digest
    # The same events one aggregate after the other (each in version order) give the same
    # digest; changing what an event says does not.
    events = [stored(n) for n in notifications(day_run.app)]
    regrouped = memory_log("regrouped")
    regrouped.recorder.insert_events(
        sorted(events, key=lambda e: (str(e.originator_id), e.originator_version))
    )
    assert decision_digest(regrouped) == digest
    first = next(i for i, e in enumerate(events) if e.topic not in EXCLUDED_TOPICS)
    tampered = memory_log("tampered")
    state = bytearray(events[first].state)
    digit = next(i for i, b in enumerate(state) if chr(b).isdigit())
    state[digit] = ord("1") if state[digit] != ord("1") else ord("2")
    events[first] = dataclasses.replace(events[first], state=bytes(state))
    tampered.recorder.insert_events(events)
    assert decision_digest(tampered) != digest


def test_one_aggregates_events_out_of_version_order_are_an_error(day_run: DayRun) -> None:
    events = [stored(n) for n in notifications(day_run.app)]
    later = next(e for e in events if e.originator_version == 2 and e.topic not in EXCLUDED_TOPICS)
    first, second = memory_log("first"), memory_log("second")
    first.recorder.insert_events([later])
    second.recorder.insert_events([e for e in events if e is not later])
    with pytest.raises(DigestOrderError, match="in two logs"):
        decision_digest(first, second)
