"""A projection that dies between two events (an exception, or SIGKILL of its process) and is
restarted ends with the same rows as a clean run: each event is applied exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from adapters.sample_day.day import iter_day
from projections.tracking import Projector, all_projections
from tests.projection_rig import Backend, CrashAfter, DayRun, run_backend_day

REPO = Path(__file__).resolve().parent.parent


class SimulatedCrash(BaseException):
    """Stands for the process dying at a chosen point."""


@pytest.fixture(scope="module")
def day_run(backend: Backend) -> DayRun:
    """A generated day; its projections, caught up in one go, are the clean run."""
    return run_backend_day(backend, iter_day(8, intents=50))


def crash_at(after: int) -> list[CrashAfter | object]:
    """Every projection, the last one crashing once ``after`` events reached it (the others
    have applied the event by then: the page's transaction holds their writes)."""
    projections = all_projections()

    def crash() -> None:
        raise SimulatedCrash

    return [*projections[:-1], CrashAfter(projections[-1], after, crash)]


@pytest.mark.parametrize("after", [1, 23, 50, 51, 130, 301])
def test_a_crash_between_two_events_then_a_restart_gives_the_clean_rows(
    day_run: DayRun, backend: Backend, after: int
) -> None:
    name = backend.unique_name()
    store = backend.store(name)
    crashing = Projector(day_run.app, store, crash_at(after), batch_size=50)  # type: ignore[arg-type]
    with pytest.raises(SimulatedCrash):
        crashing.catch_up()
    committed = (after - 1) // 50 * 50  # the pages before the crash's own page
    assert [s.position for s in crashing.status()] == [committed] * len(crashing.projections)
    restarted = Projector(day_run.app, backend.store(name))
    restarted.catch_up()
    assert restarted.dump() == day_run.projector.dump()


KILLED_CATCH_UP = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from engine.application import TapeApplication
    from projections.tracking import Projector, all_projections
    from tests.projection_rig import CrashAfter, open_test_store, sqlite_env

    events, kind, where, after = Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    app = TapeApplication(env=sqlite_env(events))
    projections = all_projections()
    kill = lambda: os.kill(os.getpid(), signal.SIGKILL)
    projections[3] = CrashAfter(projections[3], after, kill)  # in the middle of the list
    store = open_test_store(kind, where)
    Projector(app, store, projections, batch_size=40).catch_up()
    """
)


def test_the_projection_process_killed_mid_page_twice_then_restarted_gives_the_clean_rows(
    day_run: DayRun, backend: Backend
) -> None:
    assert day_run.folder is not None
    name = backend.unique_name()
    events, where = day_run.folder / "tape.db", backend.locate(name)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    last = day_run.app.recorder.max_notification_id() or 0
    positions = []
    for after in (57, 90):  # events applied by the killed process before it dies
        process = subprocess.run(
            [sys.executable, "-c", KILLED_CATCH_UP, str(events), backend.kind, where, str(after)],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert process.returncode == -signal.SIGKILL, process.stderr
        seen = Projector(day_run.app, backend.store(name))
        positions.append({s.position for s in seen.status()})
    # The first run died on its 57th event, in its second page of 40; the restart went on from
    # position 40 and died on its 90th event, in its third page (after 80 more).
    assert positions == [{40}, {120}]
    assert last > 120
    restarted = Projector(day_run.app, backend.store(name))
    restarted.catch_up()
    assert restarted.dump() == day_run.projector.dump()
