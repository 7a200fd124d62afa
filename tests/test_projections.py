"""The read models as tracked projections: after any generated day they say what the aggregates
say, equal the in-memory folds of the log, and a rebuild gives the very same rows."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.sample_day.day import iter_day
from projections.readstore import Index
from projections.tracking import PROJECTION_NAMES, Projector, UnknownProjectionError
from projections.views import LogViews
from tests.projection_rig import (
    Backend,
    DayRun,
    assert_projections_match_aggregates,
    assert_trails_match_the_log,
    run_backend_day,
)


@pytest.fixture(scope="module")
def day_run(backend: Backend) -> DayRun:
    """One generated day, the projections catching up every few records."""
    return run_backend_day(backend, iter_day(21, intents=60), catch_up_every=5, batch_size=37)


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    seed=st.integers(min_value=0, max_value=2**20),
    intents=st.integers(min_value=26, max_value=50),
    every=st.sampled_from([1, 3, 17, None]),
    batch=st.sampled_from([1, 7, 500]),
    fee_rate=st.sampled_from([Decimal(0), Decimal("0.002")]),
)
def test_after_any_day_every_projection_equals_the_aggregates_and_a_rebuild(
    backend: Backend, *, seed: int, intents: int, every: int | None, batch: int, fee_rate: Decimal
) -> None:
    run = run_backend_day(
        backend,
        iter_day(seed, intents=intents),
        catch_up_every=every,
        batch_size=batch,
        fee_rate=fee_rate,
    )
    assert_projections_match_aggregates(run.app, run.projector)
    incremental = run.projector.dump()
    run.projector.rebuild()
    assert run.projector.dump() == incremental
    assert_trails_match_the_log(run.app, run.projector, limit=8)


def test_projections_equal_the_in_memory_folds_of_the_log(day_run: DayRun) -> None:
    stored = day_run.projector.views()
    folded = LogViews.build(day_run.app)
    for name in ("orders", "intents", "positions", "marks", "purchases"):
        assert getattr(stored, name).rows == dict(getattr(folded, name).rows), name
    assert stored.balances.with_marks(stored.positions, stored.marks) == (
        folded.balances.with_marks(folded.positions, folded.marks)
    )
    assert stored.positions.with_marks(stored.marks) == folded.positions.with_marks(folded.marks)


def test_the_audit_trail_of_intents_equals_a_scan_of_the_log(day_run: DayRun) -> None:
    assert_trails_match_the_log(day_run.app, day_run.projector, limit=40)
    assert day_run.projector.trail("no-such-id") is None


def test_rebuilding_one_projection_gives_its_rows_again_and_leaves_the_others(
    day_run: DayRun,
) -> None:
    before = day_run.projector.dump()
    for name in PROJECTION_NAMES:
        day_run.projector.rebuild([name])
        assert day_run.projector.dump() == before, name
    with pytest.raises(UnknownProjectionError):
        day_run.projector.rebuild(["nope"])


def test_a_second_projector_on_another_file_builds_the_same_rows_in_one_go(
    day_run: DayRun, backend: Backend
) -> None:
    other = Projector(day_run.app, backend.store(), batch_size=10_000)
    assert other.catch_up() == day_run.app.recorder.max_notification_id()
    assert other.dump() == day_run.projector.dump()
    assert other.catch_up() == 0


def test_status_shows_every_projection_caught_up(day_run: DayRun) -> None:
    last = day_run.app.recorder.max_notification_id()
    statuses = day_run.projector.status()
    assert [s.name for s in statuses] == list(PROJECTION_NAMES)
    assert all(s.position == last and s.behind == 0 for s in statuses)
    assert next(s for s in statuses if s.name == "orders").rows["orders"] > 0


def test_a_projection_made_by_another_version_of_its_fold_is_rebuilt(
    day_run: DayRun, backend: Backend
) -> None:
    store = backend.store()
    first = Projector(day_run.app, store)
    first.catch_up()
    with store.write() as txn:
        txn.clear("orders")  # the rows of an older fold...
        txn.upsert("orders", "stale", Index(), "{}")
    stale = first.projections[0]
    newer = replace(stale, version=stale.version + 1)  # ...which the next start notices
    again = Projector(day_run.app, store, [newer, *first.projections[1:]])
    assert again.status()[0].position == 0
    again.catch_up()
    assert again.dump() == day_run.projector.dump()
