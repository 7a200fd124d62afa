"""``--as-of T`` is the state of a run stopped right after T: the read models folded from the
log up to T equal the projections of the same day cut after T and run into another store."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.dayfile import BadLine, parse_day_line
from adapters.sample_day.day import iter_day
from cli.main import main
from projections.views import LogViews
from tests.projection_rig import Backend, DayRun, run_backend_day, run_sqlite_day


def record_times(lines: list[str]) -> list[datetime]:
    """The time of every line that reads as a record."""
    times = []
    for line_no, line in enumerate(lines, 1):
        record = parse_day_line(line_no, line)
        if not isinstance(record, BadLine):
            times.append(record.at)
    return times


def cut_after(lines: list[str], moment: datetime) -> list[str]:
    """The day as far as a run stopped right after ``moment`` read it."""
    kept = []
    for line_no, line in enumerate(lines, 1):
        record = parse_day_line(line_no, line)
        if not isinstance(record, BadLine) and record.at > moment:
            break
        kept.append(line)
    return kept


def assert_same_state(folded: LogViews, stored: LogViews) -> None:
    """Two states of the read models are the same, row for row."""
    for name in ("orders", "intents", "positions", "marks", "purchases"):
        assert dict(getattr(folded, name).rows) == dict(getattr(stored, name).rows), name
    assert folded.positions.with_marks(folded.marks) == stored.positions.with_marks(stored.marks)
    assert folded.balances.with_marks(folded.positions, folded.marks) == (
        stored.balances.with_marks(stored.positions, stored.marks)
    )


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=2**20),
    where=st.floats(min_value=0.02, max_value=1.0),
)
def test_the_state_as_of_t_equals_a_run_stopped_right_after_t(
    backend: Backend, *, seed: int, where: float
) -> None:
    lines = list(iter_day(seed, intents=40))
    times = record_times(lines)
    moment = times[min(int(where * len(times)), len(times) - 1)]
    whole = run_backend_day(backend, lines)
    stopped = run_backend_day(backend, cut_after(lines, moment))
    assert_same_state(LogViews.build(whole.app, until=moment), stopped.projector.views())


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[DayRun, DayRun, str]:
    """A whole day, the same day stopped after a time in its middle, and that time."""
    lines = list(iter_day(5, intents=40))
    times = record_times(lines)
    moment = times[len(times) // 2]
    folder = tmp_path_factory.mktemp("asof")
    whole = run_sqlite_day(folder / "whole", lines)
    stopped = run_sqlite_day(folder / "stopped", cut_after(lines, moment))
    return whole, stopped, moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def cli_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], home: Path, *args: str
) -> object:
    """``tape ARGS --json`` in this process, on the store in ``home``."""
    monkeypatch.setenv("TAPE_HOME", str(home))
    monkeypatch.delenv("TAPE_DATABASE_URL", raising=False)
    capsys.readouterr()
    main([*args, "--json"])
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "command",
    [["positions", "--all"], ["balances"], ["orders"], ["intents"], ["purchases"]],
)
def test_the_as_of_option_shows_what_the_stopped_run_shows(
    runs: tuple[DayRun, DayRun, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    whole, stopped, moment = runs
    assert whole.folder is not None
    assert stopped.folder is not None
    as_of = cli_json(monkeypatch, capsys, whole.folder, *command, "--as-of", moment)
    assert as_of == cli_json(monkeypatch, capsys, stopped.folder, *command)
    assert as_of
    assert as_of != cli_json(monkeypatch, capsys, whole.folder, *command)
