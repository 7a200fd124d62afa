"""The figures, each measured in its own process so peak memory figures do not mix.

``python -m bench.figures NAME PARAMS_JSON`` runs one figure and prints its result as one JSON
line after :data:`RESULT_MARK`. Every result carries ``peak_rss_mb`` (the process's peak
resident set, ``getrusage``) and ``start_rss_mb`` (the peak before the measured work began:
the interpreter and the imports). Timings use ``time.perf_counter`` around the measured call
only; reading inputs for a baseline is left outside its timer.

Tape figures go through the same code as the commands: ``cli.wiring.build`` and
``cli.run_cmd.run_day`` (``tape run``), ``adapters.replay.verify.verify`` (``tape replay
--verify``), ``cli.projections_cmd.open_projector(...).rebuild()`` (``tape projections
rebuild``) and ``TradingEngine.recover()`` (every start).
"""

from __future__ import annotations

import json
import math
import os
import re
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from adapters.clock import ManualClock
from adapters.day_runner import DayRunner
from adapters.dayfile import BadLine, read_day
from adapters.paper.venue import PaperVenue
from adapters.replay.verify import verify
from adapters.storage import Storage, postgres_storage, sqlite_storage
from bench.workload import bench_config
from cli import wiring
from cli.projections_cmd import open_projector
from cli.run_cmd import run_day
from cli.wiring import Tape, build, day_clock, open_app, open_named_app
from engine.application import TapeApplication
from engine.partition import worker_app_name
from engine.ports import OrderRequest, VenueReport
from engine.unit_of_work import UnitOfWork
from projections.digest import decision_digest

RESULT_MARK = "BENCH-RESULT "
PAGE = 1000
INTENT_LINE = '{"type": "intent"'
REPO = Path(__file__).resolve().parent.parent
TAPE = [sys.executable, "-m", "cli.main"]
Params = Mapping[str, Any]


# -- helpers --------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """The peak resident set of this process so far, in MB."""
    kilobytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(kilobytes / 1024, 1)


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile ``p`` (0-100] of ``values``."""
    ordered = sorted(values)
    rank = max(math.ceil(p / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def latency_stats(seconds: list[float]) -> dict[str, float | int]:
    """p50, p90, p99, max and mean of latencies, in milliseconds."""
    if not seconds:
        return {"samples": 0}
    ms = [s * 1000 for s in seconds]
    return {
        "samples": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p90_ms": round(percentile(ms, 90), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "max_ms": round(max(ms), 3),
        "mean_ms": round(statistics.fmean(ms), 3),
    }


def store_storage(params: Params) -> Storage:
    """The store a figure writes to: a SQLite file under ``home``, or a PostgreSQL schema."""
    if params.get("backend", "sqlite") == "postgres":
        return postgres_storage(params["url"], schema=params["schema"])
    home = Path(params["home"])
    home.mkdir(parents=True, exist_ok=True)
    return sqlite_storage(home / "tape.db")


def environ_of(params: Params) -> dict[str, str]:
    """The environment ``cli.wiring`` reads for the figure's store."""
    environ = {"TAPE_HOME": str(params["home"])}
    if params.get("backend", "sqlite") == "postgres":
        environ["TAPE_DATABASE_URL"] = params["url"]
        environ["TAPE_DATABASE_SCHEMA"] = params["schema"]
    return environ


def wire(params: Params) -> Tape:
    """Tape wired as ``tape run`` wires it (``cli.wiring.build``, paper venues in process).

    ``env_overrides`` (a what-if) adds library settings to the store's environment: the
    application class ``cli.wiring`` constructs is wrapped, in this process only.
    """
    overrides = params.get("env_overrides") or {}
    if overrides:
        stock = wiring.TapeApplication

        def variant(env: Mapping[str, str] | None = None) -> TapeApplication:
            return stock(env={**(env or {}), **overrides})

        wiring.TapeApplication = variant  # type: ignore[misc,assignment]
    return build(bench_config(), clock=day_clock(), environ=environ_of(params))


def source_app(params: Params) -> TapeApplication:
    """The recorded store under ``home``, opened as the commands open it."""
    app, _ = open_app({"TAPE_HOME": str(params["home"])})
    return app


def event_count(app: TapeApplication) -> int:
    """The events in an application's log (its last notification id)."""
    return int(app.recorder.max_notification_id() or 0)


def pages(app: TapeApplication, start: int = 1) -> Iterator[list[Any]]:
    """The log's notifications, a page at a time."""
    while True:
        page = app.recorder.select_notifications(start=start, limit=PAGE)
        if not page:
            return
        yield list(page)
        start = page[-1].id + 1


def rate(count: float, seconds: float) -> float:
    """``count`` per second, rounded for the report."""
    return round(count / seconds, 1) if seconds > 0 else 0.0


# -- Tape figures ---------------------------------------------------------------------------


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
    start = time.perf_counter()
    run = run_day(tape, config, Path(params["day"]))
    seconds = time.perf_counter() - start
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
        "intents_per_s": rate(stats.intents, seconds),
        "events_per_s": rate(events, seconds),
    }


@dataclass
class Probe:
    """Timestamps of the latency figure: an intent's arrival and its order's venue call."""

    arrival: float | None = None
    measuring: bool = False
    to_venue: list[float] = field(default_factory=list)
    handled: list[float] = field(default_factory=list)
    commits: list[float] = field(default_factory=list)

    def venue_called(self) -> None:
        """The engine calls the venue: the first call after an arrival is that intent's."""
        if self.arrival is not None:
            if self.measuring:
                self.to_venue.append(time.perf_counter() - self.arrival)
            self.arrival = None


class TimedVenue:
    """A venue port that notes the moment the engine calls ``submit``, then delegates."""

    def __init__(self, venue: Any, probe: Probe) -> None:
        self.venue = venue
        self.probe = probe

    def submit(self, request: OrderRequest, *, at: datetime | None = None) -> VenueReport:
        """Note the call, then submit to the wrapped venue."""
        self.probe.venue_called()
        report: VenueReport = self.venue.submit(request, at=at)
        return report

    def order_status(self, client_order_id: str, *, at: datetime | None = None) -> Any:
        """The wrapped venue's answer."""
        return self.venue.order_status(client_order_id, at=at)

    def poll_reports(
        self, *, at: datetime | None = None, accounts: frozenset[str] | None = None
    ) -> list[VenueReport]:
        """The wrapped venue's reports."""
        reports: list[VenueReport] = self.venue.poll_reports(at=at, accounts=accounts)
        return reports


class TimedVenues(Mapping[str, TimedVenue]):
    """The engine's venues (whatever mapping ``cli.wiring`` gave it), each wrapped in a
    :class:`TimedVenue`."""

    def __init__(self, venues: Mapping[str, Any], probe: Probe) -> None:
        self.venues = venues
        self.probe = probe
        self._wrapped: dict[str, TimedVenue] = {}

    def _wrap(self, name: str, venue: Any) -> TimedVenue:
        if name not in self._wrapped:
            self._wrapped[name] = TimedVenue(venue, self.probe)
        return self._wrapped[name]

    def __getitem__(self, name: str) -> TimedVenue:
        return self._wrap(name, self.venues[name])

    def get(self, name: str, default: Any = None) -> Any:
        """The wrapped venue, or ``default`` when the engine's mapping has none."""
        venue = self.venues.get(name)
        return default if venue is None else self._wrap(name, venue)

    def __iter__(self) -> Iterator[str]:
        return iter(self.venues)

    def __len__(self) -> int:
        return len(self.venues)


class CommitProbe:
    """Single-row commits on a SQLite file of its own (WAL, default synchronous, a 300-byte
    row each): the unit the latency target is stated in."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, state BLOB)")
        self.synchronous = int(self.conn.execute("PRAGMA synchronous").fetchone()[0])

    def commit(self) -> float:
        """One row in its own transaction; returns the seconds it took."""
        begun = time.perf_counter()
        self.conn.execute("BEGIN")
        self.conn.execute("INSERT INTO t (state) VALUES (?)", (b"x" * 300,))
        self.conn.execute("COMMIT")
        return time.perf_counter() - begun


def paced_lines(
    path: Path,
    probe: Probe,
    *,
    rate_per_s: float,
    intents: int,
    warmup: int,
    commits: CommitProbe | None = None,
) -> Iterator[str]:
    """The day's lines, each intent line held back to its slot of a fixed offered rate.

    Intent ``k`` arrives at ``start + k / rate``: the line is handed on then (or at once if
    the engine is behind: the wait counts in its latency, so falling behind cannot hide).
    Books and other lines pass at once. Once a line's record has been handled, the next
    line is asked for; that moment ends the intent's "handled" time. With ``commits``, one
    single-row commit is timed in each idle gap of more than 20 ms, so the unit of the
    latency target is measured under the same disk conditions, minutes apart at most.
    """
    start = time.perf_counter()
    offered = 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.startswith(INTENT_LINE):
                yield line
                continue
            if offered >= intents + warmup:
                return
            due = start + offered / rate_per_s
            if commits is not None and due - time.perf_counter() > 0.02 and probe.measuring:
                probe.commits.append(commits.commit())
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            probe.measuring = offered >= warmup
            probe.arrival = due
            offered += 1
            yield line
            if probe.measuring:
                probe.handled.append(time.perf_counter() - due)
            probe.arrival = None


def latency(params: Params) -> dict[str, Any]:
    """Intents at a fixed offered rate: from arrival (the intent's slot) to the venue call."""
    probe = Probe()
    commits = CommitProbe(Path(params["home"]) / "commits.db")
    for _ in range(10):  # the first commits create the WAL
        commits.commit()
    tape = wire(params)
    assert tape.paper is not None
    tape.engine.venues = TimedVenues(tape.engine.venues, probe)  # type: ignore[assignment]
    config = bench_config()
    clock = tape.engine.clock
    assert isinstance(clock, ManualClock)
    records = read_day(
        paced_lines(
            Path(params["day"]),
            probe,
            rate_per_s=float(params["rate"]),
            intents=int(params["intents"]),
            warmup=int(params["warmup"]),
            commits=commits,
        )
    )
    first = next(records)
    if not isinstance(first, BadLine):
        clock.set(first.at)
    tape.engine.register_agents(config.agents)
    tape.engine.recover()
    runner = DayRunner(tape.engine, clock=clock, source="latency", books=tape.paper.on_book)
    started = time.perf_counter()
    stats = runner.run(_chain(first, records))
    seconds = time.perf_counter() - started
    tape.app.close()
    return {
        "rate_per_s": float(params["rate"]),
        "offered": int(params["intents"]),
        "warmup": int(params["warmup"]),
        "intents": stats.intents,
        "seconds": round(seconds, 3),
        "to_venue": latency_stats(probe.to_venue),
        "handled": latency_stats(probe.handled),
        "commit": {"synchronous": commits.synchronous, **latency_stats(probe.commits)},
    }


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def replay(params: Params) -> dict[str, Any]:
    """``tape replay --verify`` on a recorded store: events per second."""
    # A what-if: library settings the replay's own application does not set itself (it
    # reads the rest of its environment from os.environ).
    os.environ.update(params.get("replay_env") or {})
    app = source_app(params)
    events = event_count(app)
    start = time.perf_counter()
    result = verify(app)
    seconds = time.perf_counter() - start
    return {
        "events": events,
        "compared": result.compared,
        "ok": result.ok,
        "seconds": round(seconds, 3),
        "events_per_s": rate(events, seconds),
    }


def rebuild(params: Params) -> dict[str, Any]:
    """``tape projections rebuild`` of every projection from an empty projection store;
    ``projection_batch`` (a what-if) sets ``TAPE_PROJECTION_BATCH``, events per transaction."""
    if params.get("projection_batch"):
        os.environ["TAPE_PROJECTION_BATCH"] = str(params["projection_batch"])
    home = Path(params["home"])
    for suffix in ("", "-wal", "-shm"):
        (home / f"projections.db{suffix}").unlink(missing_ok=True)
    app, storage = open_app({"TAPE_HOME": str(home)})
    events = event_count(app)
    start = time.perf_counter()
    projector = open_projector(app, storage)
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
    tape = build(bench_config(), clock=day_clock(), environ=environ_of(params))
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


# -- baselines ------------------------------------------------------------------------------


def naive(params: Params) -> dict[str, Any]:
    """The library used naively: the recorded events saved again one ``save()`` each (or
    ``batch`` per save) into a fresh application, until done or ``budget_s`` of saving."""
    source = source_app(params)
    total = event_count(source)
    target = TapeApplication(env=store_storage(params["target"]).env)
    batch = int(params.get("batch", 1))
    budget = float(params.get("budget_s", 0)) or math.inf
    saved, seconds, per_save = 0, 0.0, []
    for page in pages(source):
        events = [source.mapper.to_domain_event(n) for n in page]
        for i in range(0, len(events), batch):
            chunk = events[i : i + batch]
            begun = time.perf_counter()
            target.save(*chunk)
            took = time.perf_counter() - begun
            seconds += took
            per_save.append(took)
        saved += len(events)
        if seconds >= budget:
            break
    identical = _same_rows(source, target, min(saved, PAGE))
    target.close()
    return {
        "backend": store_storage(params["target"]).kind,
        "batch": batch,
        "events": total,
        "saved": saved,
        "complete": saved == total,
        "identical_rows": identical,
        "seconds": round(seconds, 3),
        "events_per_s": rate(saved, seconds),
        "median_save_ms": round(statistics.median(per_save) * 1000, 3) if per_save else None,
    }


def _same_rows(a: TapeApplication, b: TapeApplication, limit: int) -> bool:
    """Whether the first ``limit`` stored rows of two logs are the same to the byte."""
    if limit == 0:
        return True

    def rows(app: TapeApplication) -> list[tuple[str, int, str, bytes]]:
        page = app.recorder.select_notifications(start=1, limit=limit)
        return [(str(n.originator_id), n.originator_version, n.topic, bytes(n.state)) for n in page]

    return rows(a) == rows(b)


def _sqlite_rows(path: Path) -> sqlite3.Cursor:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    return conn.execute(
        "SELECT originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid"
    )


def raw_insert(params: Params) -> dict[str, Any]:
    """The ceiling for writes: the recorded rows, as stored, inserted with plain ``sqlite3``
    into the library's table in a fresh file (WAL, default synchronous), one transaction."""
    storage = store_storage(params["target"])
    target_path = Path(storage.location)
    TapeApplication(env=storage.env).close()  # the library's own table
    conn = sqlite3.connect(target_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    rows = _sqlite_rows(Path(params["home"]) / "tape.db")
    insert = (
        "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
        "VALUES (?, ?, ?, ?)"
    )
    count, seconds = 0, 0.0
    begun = time.perf_counter()
    conn.execute("BEGIN")
    seconds += time.perf_counter() - begun
    while chunk := rows.fetchmany(10_000):
        begun = time.perf_counter()
        conn.executemany(insert, chunk)
        seconds += time.perf_counter() - begun
        count += len(chunk)
    begun = time.perf_counter()
    conn.execute("COMMIT")
    seconds += time.perf_counter() - begun
    conn.close()
    return {"rows": count, "seconds": round(seconds, 4), "rows_per_s": rate(count, seconds)}


def raw_read(params: Params) -> dict[str, Any]:
    """The ceiling for replay: every stored row read with a plain ``sqlite3`` SELECT."""
    path = Path(params["home"]) / "tape.db"
    start = time.perf_counter()
    cursor = sqlite3.connect(f"file:{path}?mode=ro", uri=True).execute(
        "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
        "ORDER BY rowid"
    )
    count = 0
    while chunk := cursor.fetchmany(PAGE):
        count += len(chunk)
    seconds = time.perf_counter() - start
    return {"rows": count, "seconds": round(seconds, 4), "rows_per_s": rate(count, seconds)}


def library_read(params: Params) -> dict[str, Any]:
    """The library's own read of the log: ``select_notifications`` pages of 1000, then the
    same with every row decoded to its domain event (what any consumer needs)."""
    app = source_app(params)
    start = time.perf_counter()
    count = sum(len(page) for page in pages(app))
    paged = time.perf_counter() - start
    start = time.perf_counter()
    decoded = 0
    for page in pages(app):
        for notification in page:
            app.mapper.to_domain_event(notification)
            decoded += 1
    decoding = time.perf_counter() - start
    return {
        "rows": count,
        "pages_s": round(paged, 4),
        "rows_per_s": rate(count, paged),
        "decode_s": round(decoding, 4),
        "decoded_per_s": rate(decoded, decoding),
    }


def commit_probe(params: Params) -> dict[str, Any]:
    """Single-row SQLite commits back to back (see :class:`CommitProbe`)."""
    probe = CommitProbe(Path(params["home"]) / "commits.db")
    for _ in range(10):  # the first commits create the WAL
        probe.commit()
    times = [probe.commit() for _ in range(int(params.get("commits", 200)))]
    return {"synchronous": probe.synchronous, **latency_stats(times)}


def profile(params: Params) -> dict[str, Any]:
    """A figure run under pyinstrument; returns the profile's summary (see bench/profiling)."""
    from pyinstrument import Profiler  # noqa: PLC0415 - optional: bench/requirements.txt

    from bench.profiling import summarize, view  # noqa: PLC0415

    target = FIGURES[params["figure"]]
    profiler = Profiler(interval=0.001)
    profiler.start()
    result = target(params)
    session = profiler.stop()
    root = session.root_frame()
    summary = summarize(view(root)) if root is not None else {}
    if params.get("html"):
        Path(params["html"]).write_text(profiler.output_html(), encoding="utf-8")
    return {"profiled": params["figure"], "result": result, **summary}


# -- scale-out: N worker processes on PostgreSQL --------------------------------------------


def tape_env(params: Params) -> dict[str, str]:
    """The environment of a ``tape`` child process: its home and PostgreSQL schema (as
    tests/test_scaleout.py runs them), no other ``TAPE_`` setting of this process."""
    home = Path(params["home"])
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAPE_")}
    env.update(
        {
            "TAPE_HOME": str(home),
            "TAPE_DATABASE_URL": params["url"],
            "TAPE_DATABASE_SCHEMA": params["schema"],
            "PYTHONPATH": str(REPO),
        }
    )
    return env


def run_tape(args: list[str], env: dict[str, str]) -> tuple[str, float]:
    """Run a tape command to completion; its output and wall seconds (interpreter start
    included). Raises with its last error line when it fails."""
    begun = time.perf_counter()
    proc = subprocess.run(
        [*TAPE, *args], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - begun
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise RuntimeError(f"tape {args[0]} exited {proc.returncode}: {last}")
    return proc.stdout + proc.stderr, seconds


def _proc_ticks(pid: int | str, *, children: bool = False) -> int:
    """CPU clock ticks of a process (user + system; with ``children``, also of its children
    it has waited for), from /proc; 0 when it cannot be read."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return 0
    fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks


def _comm(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return ""


@dataclass(frozen=True)
class CpuSnapshot:
    """Where CPU time had gone at one moment (Linux /proc; zeros elsewhere)."""

    busy: int
    total: int
    postgres: int
    venue: int

    @classmethod
    def take(cls, venue_pid: int) -> CpuSnapshot:
        """The machine's busy and total ticks, the local PostgreSQL server's processes' ticks
        (its exited backends count in the postmaster's children time) and the venue's."""
        busy = total = 0
        try:
            first = Path("/proc/stat").read_text(encoding="ascii").splitlines()[0]
            ticks = [int(v) for v in first.split()[1:9]]  # user .. steal
            total, busy = sum(ticks), sum(ticks) - ticks[3] - ticks[4]  # - idle, iowait
        except (OSError, ValueError, IndexError):
            pass
        postgres = 0
        proc = Path("/proc")
        if proc.is_dir():
            for entry in proc.iterdir():
                if entry.name.isdigit() and _comm(entry.name) == "postgres":
                    postgres += _proc_ticks(entry.name, children=True)
        return cls(busy, total, postgres, _proc_ticks(venue_pid))


def _cpu_split(before: CpuSnapshot, after: CpuSnapshot, seconds: float) -> dict[str, Any]:
    hertz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    cores = os.cpu_count() or 1
    total = after.total - before.total
    return {
        "cores": cores,
        "machine_busy_share": round((after.busy - before.busy) / total, 3) if total else None,
        "machine_busy_s": round((after.busy - before.busy) / hertz, 2),
        "postgres_s": round((after.postgres - before.postgres) / hertz, 2)
        if after.postgres
        else None,
        "venue_s": round((after.venue - before.venue) / hertz, 2),
        "wall_x_cores_s": round(seconds * cores, 2),
    }


WORKER_LINE = re.compile(
    r"read (\d+) ingest events, processed (\d+) \((.*?)\), skipped (\d+)", re.DOTALL
)


def worker_summary(output: str) -> dict[str, Any]:
    """What a worker says it did (its last line): events read, processed by kind, skipped."""
    match = WORKER_LINE.search(output)
    if match is None:
        return {"line": output.strip().splitlines()[-1] if output.strip() else ""}
    kinds = {}
    for part in match.group(3).split(", "):
        name, _, count = part.rpartition(" ")
        if name and count.isdigit():
            kinds[name] = int(count)
    return {
        "read": int(match.group(1)),
        "processed": int(match.group(2)),
        "skipped": int(match.group(4)),
        "by_kind": kinds,
        "intents": kinds.get("IntentReceived", 0) + kinds.get("IntentRedelivered", 0),
    }


def start_venue(day: Path, home: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    """A ``tape paper-venue`` process serving the day's books; the process and its URL. Its
    first line is read from a pipe (the URL), anything it says on stderr goes to a file."""
    argv = [*TAPE, "paper-venue", "--port", "0", "--day", str(day)]
    argv += ["--ledger", str(home / "ledger.db")]
    errors = home / "venue.err"
    with errors.open("wb") as stderr:
        process = subprocess.Popen(
            argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True
        )
    line = process.stdout.readline() if process.stdout is not None else ""
    match = re.search(r"http://127\.0\.0\.1:\d+", line)
    if match is None:
        process.kill()
        process.wait()
        said = errors.read_text(encoding="utf-8", errors="replace").strip()
        raise RuntimeError(f"tape paper-venue did not start: {line.strip()} {said}")
    return process, match.group(0)


def run_workers(
    workers: int, options: list[str], env: dict[str, str], home: Path, venue_pid: int
) -> tuple[float, list[dict[str, Any]], dict[str, Any]]:
    """Start ``tape worker`` for each partition at once; wait until all have exited. Returns
    the seconds from the first start to the last exit, each worker's own figures (its exit
    time, CPU and peak RSS from ``wait4``, what it says it did) and where the CPU went."""
    procs: list[subprocess.Popen[bytes]] = []
    per_worker: list[dict[str, Any]] = [{} for _ in range(workers)]
    try:
        before = CpuSnapshot.take(venue_pid)
        started = time.perf_counter()
        for k in range(1, workers + 1):
            with (
                (home / f"worker-{k}.out").open("wb") as stdout,
                (home / f"worker-{k}.err").open("wb") as stderr,
            ):
                argv = [*TAPE, "worker", "--partition", f"{k}/{workers}", *options]
                procs.append(
                    subprocess.Popen(argv, cwd=REPO, env=env, stdout=stdout, stderr=stderr)
                )
        waiting = set(range(workers))
        while waiting:
            for i in sorted(waiting):
                pid, status, usage = os.wait4(procs[i].pid, os.WNOHANG)
                if pid == 0:
                    continue
                procs[i].returncode = os.waitstatus_to_exitcode(status)
                per_worker[i] = {
                    "partition": f"{i + 1}/{workers}",
                    "seconds": round(time.perf_counter() - started, 3),
                    "exit": procs[i].returncode,
                    "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
                    "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
                }
                waiting.discard(i)
            time.sleep(0.005)
        seconds = time.perf_counter() - started
        after = CpuSnapshot.take(venue_pid)
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                proc.wait()
    for i, worker in enumerate(per_worker):
        if worker["exit"] != 0:
            err = (home / f"worker-{i + 1}.err").read_text(encoding="utf-8", errors="replace")
            last = (err.strip().splitlines() or ["no message"])[-1]
            raise RuntimeError(f"worker {worker['partition']} exited {worker['exit']}: {last}")
        output = (home / f"worker-{i + 1}.out").read_text(encoding="utf-8", errors="replace")
        worker.update(worker_summary(output))
    return seconds, per_worker, _cpu_split(before, after, seconds)


def scaleout(params: Params) -> dict[str, Any]:
    """The day on N ``tape worker`` processes in a fresh PostgreSQL schema, as a deployment
    runs it: ``tape db init --workers N``, ``tape ingest-day`` (timed: ingest rate), one
    ``tape paper-venue``, then the N workers started at once with ``--clock input
    --until-end``, timed from their start until the last has exited (each one's interpreter
    start included). Then the digest over the workers' logs and where the CPU went."""
    workers = int(params["workers"])
    home = Path(params["home"])
    env = tape_env(params)
    day, config = str(params["day"]), str(params["config"])
    _out, startup = run_tape(["--help"], env)  # an interpreter start with the CLI's imports
    run_tape(["db", "init", "--workers", str(workers)], env)
    ingest_out, ingest_s = run_tape(["ingest-day", "--day", day, "--config", config], env)
    found = re.search(r"recorded (\d+) intents", ingest_out)
    ingested = int(found.group(1)) if found else None
    venue, url = start_venue(Path(day), home, env)
    options = ["--paper-url", url, "--clock", "input", "--until-end", "--config", config]
    try:
        seconds, per_worker, cpu = run_workers(workers, options, env, home, venue.pid)
    finally:
        venue.terminate()
        venue.communicate(timeout=30)
    decided = [w.get("intents") for w in per_worker]
    intents = sum(d or 0 for d in decided) if None not in decided else ingested
    storage = postgres_storage(params["url"], schema=params["schema"])
    apps = [open_named_app(worker_app_name(k, workers), storage) for k in range(1, workers + 1)]
    events = sum(event_count(app) for app in apps)
    digest = decision_digest(*apps)
    for app in apps:
        app.close()
    return {
        "backend": "postgres",
        "workers": workers,
        "startup_s": round(startup, 3),
        "ingest": {
            "intents": ingested,
            "seconds": round(ingest_s, 3),
            "intents_per_s": rate(ingested or 0, ingest_s),
        },
        "intents": intents,
        "all_decided": ingested is not None and intents == ingested,
        "events": events,
        "digest": digest.hexdigest,
        "digest_events": digest.events,
        "seconds": round(seconds, 3),
        "intents_per_s": rate(intents or 0, seconds),
        "events_per_s": rate(events, seconds),
        "workers_cpu_s": round(sum(w["cpu_s"] for w in per_worker), 2),
        "cpu": cpu,
        "per_worker": per_worker,
    }


FIGURES: dict[str, Callable[[Params], dict[str, Any]]] = {
    "intake": intake,
    "latency": latency,
    "replay": replay,
    "rebuild": rebuild,
    "recovery": recovery,
    "naive": naive,
    "raw_insert": raw_insert,
    "raw_read": raw_read,
    "library_read": library_read,
    "commit_probe": commit_probe,
    "profile": profile,
    "scaleout": scaleout,
}


def main(argv: list[str]) -> int:
    """Run the figure ``argv[0]`` with the JSON parameters ``argv[1]``; print its result."""
    name, params = argv[0], json.loads(argv[1])
    start_rss = peak_rss_mb()
    result = FIGURES[name](params)
    result.update(start_rss_mb=start_rss, peak_rss_mb=peak_rss_mb())
    sys.stdout.write(RESULT_MARK + json.dumps(result, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
