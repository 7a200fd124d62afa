"""``tape report``: the day's PnL per agent and per copied trader, denials by reason, slippage
paid, and the cumulative PnL chart (the known answer is in tests/test_resolution.py)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.sample_day.day import iter_day
from cli.main import main
from cli.report_cmd import render_report, write_chart
from engine.application import TapeApplication
from projections.report import EmptyLogError, agent_totals, day_report
from projections.views import LogViews
from tests.projection_rig import DayRun, run_sqlite_day, sqlite_env

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def day_run(tmp_path_factory: pytest.TempPathFactory) -> DayRun:
    """A generated day."""
    return run_sqlite_day(tmp_path_factory.mktemp("report"), iter_day(12, intents=60))


def test_the_day_pnl_per_agent_is_the_realised_and_marked_pnl_of_the_day(
    day_run: DayRun,
) -> None:
    report = day_report(day_run.app)
    assert report.day == date(2026, 1, 30)
    totals = agent_totals(LogViews.build(day_run.app))
    assert {a["agent"]: a["day_pnl"] for a in report.agents} == {
        agent: t.total for agent, t in totals.items()
    }
    assert report.total_pnl == sum((t.total for t in totals.values()), Decimal(0))


def test_the_pnl_per_trader_adds_up_to_the_pnl_per_agent(day_run: DayRun) -> None:
    report = day_report(day_run.app)
    per_agent: Counter[str] = Counter()
    for line in report.traders:
        per_agent[line["agent"]] += line["day_pnl"]
    for line in report.agents:
        assert per_agent[line["agent"]] == line["day_pnl"]


def test_denials_by_reason_are_the_days_denied_intents(day_run: DayRun) -> None:
    report = day_report(day_run.app)
    denied = Counter(
        r["reason"] for r in LogViews.build(day_run.app).intents.rows.values() if r["reason"]
    )
    assert {d["reason"]: d["count"] for d in report.denials} == dict(denied)
    counts = [d["count"] for d in report.denials]
    assert counts == sorted(counts, reverse=True)


def test_the_curve_ends_at_each_agents_day_pnl(day_run: DayRun) -> None:
    report = day_report(day_run.app)
    for line in report.agents:
        points = report.curve.get(line["agent"])
        if points:
            assert points[-1][1] == line["day_pnl"]
            assert [at for at, _ in points] == sorted(at for at, _ in points)


def test_another_day_has_nothing_but_holdings_carried_into_it(day_run: DayRun) -> None:
    report = day_report(day_run.app, date(2026, 1, 29))
    assert report.events == 0
    assert report.agents == []
    assert report.denials == []


def test_the_chart_is_a_png(day_run: DayRun, tmp_path: Path) -> None:
    chart = tmp_path / "out" / "pnl.png"
    write_chart(day_report(day_run.app), chart)
    assert chart.read_bytes().startswith(PNG_MAGIC)
    assert "PnL per agent" in render_report(day_report(day_run.app))


def test_tape_report_prints_the_tables_and_draws_the_chart(
    day_run: DayRun,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert day_run.folder is not None
    monkeypatch.setenv("TAPE_HOME", str(day_run.folder))
    monkeypatch.delenv("TAPE_DATABASE_URL", raising=False)
    main(["report", "--day", "2026-01-30", "--chart", str(tmp_path / "pnl.png")])
    out = capsys.readouterr().out
    for part in ("Tape report for 2026-01-30", "PnL per agent", "per source trader", "Denials"):
        assert part in out
    assert (tmp_path / "pnl.png").read_bytes().startswith(PNG_MAGIC)


def test_a_report_of_an_empty_store_is_bad_usage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(EmptyLogError):
        day_report(TapeApplication(env=sqlite_env(tmp_path / "empty.db")))
    monkeypatch.setenv("TAPE_HOME", str(tmp_path / "h"))
    monkeypatch.delenv("TAPE_DATABASE_URL", raising=False)
    for args in (["report"], ["report", "--day", "yesterday"]):
        with pytest.raises(SystemExit) as done:
            main(args)
        assert done.value.code == 2
        assert capsys.readouterr().err.count("\n") == 1
