"""``tape project NAME``: one projection (or all) as a process of its own, catching up with the
single application's log on SQLite, or with the logs of named worker applications on
PostgreSQL, and following them until SIGTERM or SIGINT."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from adapters.bootstrap import open_named_app
from adapters.readstore import open_store
from adapters.sample_day.agents import DEMO_CONFIG_TOML
from adapters.sample_day.day import write_day
from adapters.storage import postgres_storage
from cli.main import main
from cli.render import to_json
from engine.application import TapeApplication
from engine.partition import partition_of, worker_app_names
from projections.digest import decision_digest
from projections.report import day_report
from projections.rows import in_time_order, plain
from projections.tracking import PROJECTION_NAMES, Projector
from projections.views import LogViews
from tests.cli_rig import cli_json, run_cli
from tests.postgres import fresh_schema, postgres_url
from tests.projection_rig import split_by_agent, sqlite_env

REPO = Path(__file__).resolve().parent.parent


class Tape:
    """``tape`` in this process, with an environment of its own."""

    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], **env: str
    ) -> None:
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        for name in ("TAPE_DATABASE_URL", "TAPE_DATABASE_SCHEMA", "TAPE_WORKERS"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)

    def __call__(self, *args: str) -> tuple[int, str, str]:
        """Run a command; returns (exit code, stdout, stderr)."""
        return run_cli(self.capsys, *args)

    def json(self, *args: str) -> Any:
        """A command's ``--json`` output."""
        return cli_json(self, *args)


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A generated day file and its config."""
    folder = tmp_path_factory.mktemp("project")
    day, config = folder / "day.jsonl", folder / "tape.toml"
    write_day(day, 23, intents=50)
    config.write_text(DEMO_CONFIG_TOML, encoding="utf-8")
    return day, config


@pytest.fixture(scope="module")
def home(day: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store after ``tape run`` of the day (no projection built yet)."""
    folder = tmp_path_factory.mktemp("home") / "h"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TAPE_HOME", str(folder))
        patch.delenv("TAPE_DATABASE_URL", raising=False)
        main(["run", "--day", str(day[0]), "--config", str(day[1])])
    return folder


def test_project_catches_one_projection_up_then_the_others(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tape = Tape(monkeypatch, capsys, TAPE_HOME=str(home))
    app = TapeApplication(env=sqlite_env(home / "tape.db"))
    last = app.recorder.max_notification_id()
    assert tape("project", "orders") == (
        0,
        f"orders: applied {last} events; log Tape {last}/{last}\n",
        "",
    )
    assert tape("project", "orders")[1] == f"orders: applied 0 events; log Tape {last}/{last}\n"
    status = {s["name"]: s for s in tape.json("projections", "status")}
    assert status["orders"]["behind"] == 0
    assert status["positions"]["behind"] == last
    assert status["orders"]["positions"] == {"Tape": last}
    code, out, _ = tape("project", "marks, positions")
    assert (code, out) == (0, f"marks,positions: applied {last} events; log Tape {last}/{last}\n")
    code, out, _ = tape("project", "all")
    assert (code, out) == (0, f"all projections: applied {last} events; log Tape {last}/{last}\n")
    assert all(s["behind"] == 0 for s in tape.json("projections", "status"))
    views = LogViews.build(app)
    assert tape.json("orders") == plain(in_time_order(views.orders.rows, "placed_at"))


def test_project_refuses_what_it_cannot_do(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tape = Tape(monkeypatch, capsys, TAPE_HOME=str(home))
    for name in ("nope", "orders,nope", ","):
        code, _, err = tape("project", name)
        assert code == 2
        assert "NAME is all, one of orders, intents" in err
    code, _, err = tape("project", "all", "--workers", "2")
    assert code == 2
    assert "TAPE_DATABASE_URL" in err
    monkeypatch.setenv("TAPE_WORKERS", "0")
    assert tape("project", "all")[0] == 2


def _start_follower(home: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "TAPE_HOME": str(home), "PYTHONPATH": str(REPO)}
    for name in ("TAPE_DATABASE_URL", "TAPE_WORKERS"):
        env.pop(name, None)
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", "project", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_project_follow_keeps_up_with_a_running_day_until_stopped(
    day: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    stop: signal.Signals,
) -> None:
    home = tmp_path / "h"
    follower = _start_follower(home, "all", "--follow", "--poll", "0.05")
    try:
        assert follower.stdout is not None
        first = follower.stdout.readline()
        assert first.startswith("all projections: following Tape every 0.05s"), first
        tape = Tape(monkeypatch, capsys, TAPE_HOME=str(home))
        code, _, err = tape("run", "--day", str(day[0]), "--config", str(day[1]))
        assert code == 0, err
        app = TapeApplication(env=sqlite_env(home / "tape.db"))
        last = app.recorder.max_notification_id()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if all(s["behind"] == 0 for s in tape.json("projections", "status")):
                break
            time.sleep(0.1)
        follower.send_signal(stop)
        out, err = follower.communicate(timeout=60)
    finally:
        if follower.poll() is None:
            follower.kill()
    assert follower.returncode == 0, err
    applied = [int(n) for n in re.findall(r"applied (\d+) events; log", out)]
    assert sum(applied) == last  # every event applied once, as it came
    assert out.splitlines()[-1] == (
        f"all projections: stopped after applying {last} events; log Tape {last}/{last}"
    )
    rebuilt = Tape(monkeypatch, capsys, TAPE_HOME=str(home))
    followed = rebuilt.json("positions", "--all")
    rebuilt("projections", "rebuild")
    assert rebuilt.json("positions", "--all") == followed


@pytest.mark.postgres
def test_project_on_postgres_follows_two_named_worker_logs(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    single = TapeApplication(env=sqlite_env(home / "tape.db"))
    sqlite_tape = Tape(monkeypatch, capsys, TAPE_HOME=str(home))
    expected = {
        "positions": sqlite_tape.json("positions", "--all"),
        "balances": sqlite_tape.json("balances"),
        "orders": sqlite_tape.json("orders"),
    }
    names = worker_app_names(2)
    with fresh_schema() as schema:
        storage = postgres_storage(postgres_url(), schema=schema)
        workers = [open_named_app(name, storage, create=True) for name in names]
        split = split_by_agent(single, lambda agent: partition_of(agent or "", 2) - 1)
        for index, app in enumerate(workers):
            assert app.name == names[index]
            app.recorder.insert_events(split.get(index, []))
        try:
            with psycopg.connect(postgres_url(), autocommit=True) as conn:
                tables = {
                    row[0]
                    for row in conn.execute(
                        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                        (schema,),
                    )
                }
            assert {"tapeworker1of2_events", "tapeworker2of2_events"} <= tables
            tape = Tape(
                monkeypatch,
                capsys,
                TAPE_HOME=str(tmp_path / "pg-home"),
                TAPE_DATABASE_URL=postgres_url(),
                TAPE_DATABASE_SCHEMA=schema,
            )
            last = [app.recorder.max_notification_id() for app in workers]
            code, out, err = tape("project", "positions", "--workers", "2")
            assert code == 0, err
            assert out == (
                f"positions: applied {sum(last)} events; logs "
                f"{names[0]} {last[0]}/{last[0]}, {names[1]} {last[1]}/{last[1]}\n"
            )
            monkeypatch.setenv("TAPE_WORKERS", "2")
            assert tape("project", "all")[0] == 0
            status = tape.json("projections", "status")
            assert {s["name"] for s in status} == set(PROJECTION_NAMES)
            assert all(s["behind"] == 0 for s in status)
            assert status[0]["positions"] == dict(zip(names, last, strict=True))
            for command, rows in expected.items():
                assert tape.json(command, *(["--all"] if command == "positions" else [])) == rows
            assert tape.json("report") == sqlite_tape_report(single)
            assert decision_digest(*workers) == decision_digest(single)
            store = open_store(storage.kind, storage.location, storage.env)
            try:
                on_sqlite = Projector(single, open_store("sqlite", str(home / "tape.db"), {}))
                assert Projector(workers, store).dump() == on_sqlite.dump()
            finally:
                store.close()
            monkeypatch.delenv("TAPE_WORKERS")
            code, _, err = tape("positions")  # the single application's log is not these
            assert code == 2
            assert "--workers 2" not in err
            assert "TapeWorker1of2" in err
        finally:
            for app in workers:
                app.close()


def sqlite_tape_report(app: TapeApplication) -> Any:
    """The report of the single log, as ``tape report --json`` prints it."""
    return json.loads(to_json(day_report(app).to_json()))
