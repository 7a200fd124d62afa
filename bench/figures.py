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
import resource
import sqlite3
import statistics
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
from adapters.replay.verify import verify
from adapters.storage import Storage, postgres_storage, sqlite_storage
from bench.workload import bench_config
from cli import wiring
from cli.projections_cmd import open_projector
from cli.run_cmd import run_day
from cli.wiring import Tape, build, day_clock, open_app
from engine.application import TapeApplication
from engine.ports import OrderRequest, VenueReport
from projections.digest import decision_digest

RESULT_MARK = "BENCH-RESULT "
PAGE = 1000
INTENT_LINE = '{"type": "intent"'

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
