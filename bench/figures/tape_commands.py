"""Tape's own figures, through the same code as the commands: intake (``tape run``), ``tape
replay --verify``, ``tape projections rebuild`` and recovery (open + ``recover()``)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from adapters.bootstrap import build, day_clock, open_app
from adapters.paper.venue import PaperVenue
from adapters.replay.verify import verify
from adapters.settings import Settings
from bench.figures.measure import rate
from bench.figures.stores import Params, environ_of, event_count, source_app, wire
from bench.workload import bench_config
from cli.projections_cmd import open_projector
from cli.run_cmd import run_day
from engine.unit_of_work import UnitOfWork
from projections.digest import decision_digest


def intake(params: Params) -> dict[str, Any]:
    """A whole sample day through ``tape run``'s code: intents per second end to end.
    ``digest``: also the decision digest of the log it left (outside the timer), so what-ifs
    can show they leave the same log."""
    if params.get("durable_venue"):  # a what-if, in this process only
        PaperVenue.durable = True
    if params.get("no_group_commit"):
        UnitOfWork.MAX_DEFERRED_EVENTS = 0
    tape = wire(params)
    config = bench_config()
    start, cpu = time.perf_counter(), time.process_time()
    run = run_day(tape, config, Path(params["day"]))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    events = event_count(tape.app)
    digest = decision_digest(tape.app).hexdigest if params.get("digest") else None
    tape.app.close()
    stats = run.stats
    return {
        "digest": digest,
        "backend": tape.storage.kind,
        "intents": stats.intents,
        "duplicates": stats.duplicates,
        "books": stats.books,
        "bad_lines": stats.bad_lines,
        "events": events,
        "seconds": round(seconds, 3),
        "cpu_s": round(cpu, 3),
        "intents_per_s": rate(stats.intents, seconds),
        "events_per_s": rate(events, seconds),
        "events_per_cpu_s": rate(events, cpu),
    }


def replay(params: Params) -> dict[str, Any]:
    """``tape replay --verify`` on a recorded store: events per second."""
    # A what-if: library settings the replay's own application does not set itself (it
    # reads the rest of its environment from os.environ).
    os.environ.update(params.get("replay_env") or {})
    app = source_app(params)
    events = event_count(app)
    start, cpu = time.perf_counter(), time.process_time()
    result = verify(app)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "events": events,
        "compared": result.compared,
        "ok": result.ok,
        "digest": result.recorded_digest,
        "seconds": round(seconds, 3),
        "cpu_s": round(cpu, 3),
        "events_per_s": rate(events, seconds),
        "events_per_cpu_s": rate(events, cpu),
    }


def rebuild(params: Params) -> dict[str, Any]:
    """``tape projections rebuild`` of every projection from an empty projection store;
    ``projection_batch`` (a what-if) sets ``TAPE_PROJECTION_BATCH``, events per transaction."""
    home = Path(params["home"])
    environ = {"TAPE_HOME": str(home)}
    if params.get("projection_batch"):
        environ["TAPE_PROJECTION_BATCH"] = str(params["projection_batch"])
    settings = Settings.load(environ)
    for suffix in ("", "-wal", "-shm"):
        (home / f"projections.db{suffix}").unlink(missing_ok=True)
    app, storage = open_app(settings)
    events = event_count(app)
    start = time.perf_counter()
    projector = open_projector(app, storage, settings=settings)
    read = projector.rebuild()
    seconds = time.perf_counter() - start
    rows = {f"{s.name}.{table}": n for s in projector.status() for table, n in s.rows.items()}
    return {
        "events": events,
        "read": read,
        "rows": rows,
        "seconds": round(seconds, 3),
        "events_per_s": rate(read, seconds),
    }


def recovery(params: Params) -> dict[str, Any]:
    """Start to ready on a recorded store: open the application, then ``recover()``."""
    start = time.perf_counter()
    tape = build(Settings.load(environ_of(params)), bench_config(), clock=day_clock())
    opened = time.perf_counter()
    result = tape.engine.recover()
    ready = time.perf_counter()
    ready_wall = time.time()
    events = event_count(tape.app)
    return {
        "events": events,
        "open_s": round(opened - start, 4),
        "recover_s": round(ready - opened, 4),
        "seconds": round(ready - start, 4),
        "from_process_start_s": round(ready_wall - float(params["spawned_at"]), 3),
        "reconciled": result.reconciled,
        "decided": result.decided,
    }
