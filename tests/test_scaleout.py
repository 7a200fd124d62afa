"""Scale-out on the real PostgreSQL: workers, ingest log, lease, and the result equal to the
single-process SQLite run of the same generated day. Every part runs as its own process."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from adapters.bootstrap import open_named_app
from adapters.dayfile import IntentRecord, read_day
from adapters.sample_day.agents import DEMO_CONFIG_TOML
from adapters.sample_day.day import write_day
from adapters.scaleout.lease import PartitionLease
from adapters.storage import postgres_storage
from engine.application import TapeApplication
from engine.partition import partition_of
from projections.digest import decision_digest
from tests.crash_harness import PaperVenueProcess
from tests.postgres import fresh_schema, postgres_url

REPO = Path(__file__).resolve().parent.parent
TAPE = [sys.executable, "-m", "cli.main"]
AGENTS = ("follow-whales", "tiered", "tight-risk")


@pytest.fixture
def schema() -> Iterator[str]:
    """A fresh PostgreSQL schema for the deployment."""
    with fresh_schema() as name:
        yield name


@pytest.fixture
def day(tmp_path: Path) -> Path:
    """A generated day and its configuration (tape.toml beside it)."""
    path = tmp_path / "day.jsonl"
    write_day(path, 11, intents=240)
    (tmp_path / "tape.toml").write_text(DEMO_CONFIG_TOML, encoding="utf-8")
    return path


def env_for(home: Path, schema: str | None) -> dict[str, str]:
    """The environment of a tape process: its home, and the PostgreSQL schema if any."""
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAPE_")}
    env.update({"TAPE_HOME": str(home), "PYTHONPATH": str(REPO)})
    if schema is not None:
        env.update({"TAPE_DATABASE_URL": postgres_url(), "TAPE_DATABASE_SCHEMA": schema})
    return env


def tape(
    args: list[str], env: dict[str, str], *, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run a tape command to completion."""
    result = subprocess.run(
        [*TAPE, *args], capture_output=True, text=True, env=env, check=False, timeout=600
    )
    if check and result.returncode != 0:
        raise AssertionError(f"tape {' '.join(args)} exited {result.returncode}: {result.stderr}")
    return result


def single_process_run(day: Path) -> tuple[str, Any, Any]:
    """The reference: ``tape run`` in one process on SQLite. Returns digest, positions, balances."""
    home = day.parent / "single"
    env = env_for(home, None)
    tape(["run", "--day", str(day), "--config", str(day.parent / "tape.toml")], env)
    app = TapeApplication(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(home / "tape.db")}
    )
    return decision_digest(app).hexdigest, *read_models(env, workers=None)


def read_models(env: dict[str, str], *, workers: int | None) -> tuple[Any, Any]:
    """Positions and balances as the read commands print them (JSON)."""
    extra = ["--workers", str(workers)] if workers else []
    positions = json.loads(tape(["positions", "--all", "--json", *extra], env).stdout)
    balances = json.loads(tape(["balances", "--json", *extra], env).stdout)
    return positions, balances


def workers_digest(schema: str, workers: int) -> str:
    """The decision digest over the union of the workers' logs."""
    storage = postgres_storage(postgres_url(), schema=schema)
    apps = [open_named_app(f"TapeWorker{k}of{workers}", storage) for k in range(1, workers + 1)]
    return decision_digest(*apps).hexdigest


def test_four_workers_and_two_projection_processes_end_as_the_single_sqlite_process(
    day: Path, schema: str
) -> None:
    reference = single_process_run(day)
    env = env_for(day.parent / "scaled", schema)

    result = tape(
        ["run", "--day", str(day), "--config", str(day.parent / "tape.toml"), "--workers", "4"],
        env,
    )

    assert "on 4 workers" in result.stdout
    assert {partition_of(a, 4) for a in AGENTS} != {1}  # the agents really are split
    assert workers_digest(schema, 4) == reference[0]
    assert read_models(env, workers=4) == reference[1:]


def test_worker_killed_mid_day_and_restarted_changes_nothing(day: Path, schema: str) -> None:
    reference_digest = single_process_run(day)[0]
    home = day.parent / "killed"
    env = env_for(home, schema)
    config = str(day.parent / "tape.toml")
    before = tape(["db", "check", "--workers", "2"], env, check=False)
    assert before.returncode == 1
    assert "run `tape db init --workers 2`" in before.stderr
    tape(["db", "init", "--workers", "2"], env)
    tape(["ingest-day", "--day", str(day), "--config", config], env)
    venue = PaperVenueProcess(day, home / "ledger.db")
    try:
        argv = ["--paper-url", venue.url, "--clock", "input", "--until-end", "--config", config]
        victim = subprocess.Popen(
            [*TAPE, "worker", "--partition", "2/2", *argv],
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        storage = postgres_storage(postgres_url(), schema=schema)
        victim_app = open_named_app("TapeWorker2of2", storage)
        deadline = time.monotonic() + 120
        while (victim_app.recorder.max_notification_id() or 0) < 150:
            assert victim.poll() is None, "the worker finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        tape(["worker", "--partition", "2/2", *argv], env)  # restarted: resumes
        tape(["worker", "--partition", "1/2", *argv], env)
        ledger = venue.ledger()
    finally:
        venue.stop()

    assert workers_digest(schema, 2) == reference_digest
    state = tape(["db", "check", "--workers", "2"], env).stdout
    ingest_end = re.search(r"TapeIngest\s+ok: (\d+) events", state)
    assert ingest_end is not None
    assert f"read ingest up to {ingest_end.group(1)} of {ingest_end.group(1)}" in state
    assert "not running" in state
    client_ids = [order["client_order_id"] for order in ledger]
    assert len(client_ids) == len(set(client_ids))  # nothing sent twice


def test_second_worker_on_a_held_partition_does_not_trade(day: Path, schema: str) -> None:
    home = day.parent / "leased"
    env = env_for(home, schema)
    config = str(day.parent / "tape.toml")
    tape(["db", "init", "--workers", "2"], env)
    tape(["ingest-day", "--day", str(day), "--config", config], env)
    storage = postgres_storage(postgres_url(), schema=schema)
    first = PartitionLease(storage.env, "TapeWorker1of2")  # the first worker's lock
    assert first.try_acquire()
    venue = PaperVenueProcess(day, home / "ledger.db")
    try:
        argv = ["--paper-url", venue.url, "--clock", "input", "--until-end", "--config", config]
        refused = tape(["worker", "--partition", "1/2", "--no-wait-lease", *argv], env, check=False)
        assert refused.returncode == 1
        assert "held by another worker" in refused.stderr
        waiting = subprocess.Popen(
            [*TAPE, "worker", "--partition", "1/2", *argv],
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        time.sleep(3)
        worker_app = open_named_app("TapeWorker1of2", storage)
        assert waiting.poll() is None
        assert (worker_app.recorder.max_notification_id() or 0) == 0  # nothing written
        assert venue.ledger() == []  # nothing sent
        first.release()
        _out, err = waiting.communicate(timeout=300)
    finally:
        venue.stop()

    assert waiting.returncode == 0, err
    assert "waiting for it to stop" in err
    assert (worker_app.recorder.max_notification_id() or 0) > 0  # it traded once it held it


def test_ingest_and_serve_with_workers_only_record_and_the_workers_decide(
    day: Path, schema: str
) -> None:
    home = day.parent / "intake"
    env = env_for(home, schema)
    config = str(day.parent / "tape.toml")
    intents = [
        record.intent.to_wire()
        for record in read_day(day.read_text(encoding="utf-8").splitlines())
        if isinstance(record, IntentRecord)
    ]
    by_file, by_http = intents[:20], intents[20:30]
    (home / "intents.jsonl").write_text(
        "".join(json.dumps(i) + "\n" for i in by_file), encoding="utf-8"
    )
    tape(["db", "init", "--workers", "2"], env)

    ingested = tape(
        ["ingest", str(home / "intents.jsonl"), "--config", config, "--workers", "2"], env
    )
    server = subprocess.Popen(
        [*TAPE, "serve", "--insecure-local", "--port", "0", "--config", config, "--workers", "2"],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert server.stderr is not None
        line = ""
        while "listening on" not in line:
            line = server.stderr.readline()
            assert line, "tape serve did not start"
        url = line.split("listening on ")[1].split(" ")[0]
        deadline = time.monotonic() + 30
        while True:  # bound first, then listening once uvicorn has started
            try:
                requests.get(f"{url}/health", timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        answer = requests.post(f"{url}/intents", json=by_http, timeout=30)
        refused = requests.get(f"{url}/api/v1/agents", timeout=30)
        assert refused.status_code == 503
        assert "without --workers" in refused.json()["error"]
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert "into the ingest log: received 20" in ingested.stdout
    assert [r["status"] for r in answer.json()] == ["received"] * 10
    storage = postgres_storage(postgres_url(), schema=schema)
    workers = [open_named_app(f"TapeWorker{k}of2", storage) for k in (1, 2)]
    assert all((w.recorder.max_notification_id() or 0) == 0 for w in workers)  # none decided
    venue = PaperVenueProcess(day, home / "ledger.db")
    try:
        for k in (1, 2):
            tape(
                [
                    "worker",
                    "--partition",
                    f"{k}/2",
                    "--paper-url",
                    venue.url,
                    "--until-end",
                    "--config",
                    config,
                ],
                env,
            )
    finally:
        venue.stop()
    decided = sum(
        1
        for w in workers
        for n in w.recorder.select_notifications(start=1, limit=10_000)
        if n.topic.endswith(("IntentAccepted", "IntentDenied"))
    )
    assert decided == 30


def test_workers_following_a_live_ingest_end_as_the_single_process(day: Path, schema: str) -> None:
    reference_digest = single_process_run(day)[0]
    home = day.parent / "live"
    env = env_for(home, schema)
    config = str(day.parent / "tape.toml")
    tape(["db", "init", "--workers", "2"], env)
    storage = postgres_storage(postgres_url(), schema=schema)
    venue = PaperVenueProcess(day, home / "ledger.db")
    argv = ["--paper-url", venue.url, "--clock", "input", "--config", config, "--poll", "0.05"]
    workers = [
        subprocess.Popen(
            [*TAPE, "worker", "--partition", f"{k}/2", *argv],
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for k in (1, 2)
    ]
    try:
        tape(["ingest-day", "--day", str(day), "--config", config], env)  # while they follow
        ingest = open_named_app("TapeIngest", storage)
        ingest_end = ingest.recorder.max_notification_id()
        apps = [open_named_app(f"TapeWorker{k}of2", storage) for k in (1, 2)]
        deadline = time.monotonic() + 300
        while any((a.recorder.max_tracking_id("TapeIngest") or 0) < ingest_end for a in apps):
            assert all(w.poll() is None for w in workers), "a worker stopped"
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        outputs = [worker.communicate(timeout=60) for worker in workers]
        venue.stop()

    assert [w.returncode for w in workers] == [0, 0], outputs
    assert workers_digest(schema, 2) == reference_digest
