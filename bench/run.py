"""``make bench`` / ``python -m bench``: Tape's figures against baselines measured in the same run.

For each workload (a seeded sample day of about 10k and 100k stored events; 1M with
``--large``) the run measures, each in a fresh process:

- Tape: intake on SQLite (and on PostgreSQL for ``--postgres-sizes``), ``replay --verify``,
  ``projections rebuild``, recovery (open + ``recover()``);
- baselines on the same events: the library saving them one ``save()`` each (SQLite, and
  PostgreSQL where Tape ran on it), the library saving 1000 per ``save()``, plain ``sqlite3``
  inserts of the stored rows in one transaction, a plain ``sqlite3`` read of the log and the
  library's paged read (with and without decoding).

Then, once: the median single-row SQLite commit, the latency of intents offered at a fixed
rate, scale-out on PostgreSQL (the smallest PostgreSQL workload's day spread over more agents,
run on 1, 2 and 4 ``tape worker`` processes), what-ifs (configuration changes, no engine
change) and pyinstrument profiles of intake and replay on the smallest workload.
``bench/results.json`` holds every figure, ``bench/results.md`` the tables, the targets met or
not, and "Where the time goes".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from adapters.sqlite_sync import FACTORY_TOPIC, SYNCHRONOUS_ENV
from bench.figures import RESULT_MARK
from bench.report import evaluate_targets, render_markdown
from bench.workload import (
    DEFAULT_SIZES,
    LARGE_SIZE,
    PROFILE_SIZE,
    SCALEOUT_WORKERS,
    SIZES,
    SPREAD_COPIES,
    Workload,
    bench_config,
    partition_split,
    spread_agents,
    spread_config_toml,
    write_workload,
)

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
NORMAL_SYNC = {"PERSISTENCE_MODULE": FACTORY_TOPIC, SYNCHRONOUS_ENV: "NORMAL"}


@dataclass(frozen=True)
class Options:
    """What to run, and where to write."""

    sizes: tuple[str, ...]
    postgres_sizes: tuple[str, ...]
    postgres_url: str | None
    naive_budget_s: float
    latency_rate: float
    latency_intents: int
    latency_warmup: int
    what_if: bool
    profile: bool
    profile_size: str
    out: Path
    work: Path
    keep: bool
    render_only: bool = False
    scaleout_workers: tuple[int, ...] = SCALEOUT_WORKERS
    spread_copies: int = SPREAD_COPIES


def parse_args(argv: Sequence[str] | None = None) -> Options:
    """Options from the command line (``make bench BENCH_ARGS="..."``)."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help=f"add the {LARGE_SIZE} workload")
    parser.add_argument(
        "--sizes",
        help=f"comma-separated workloads (of {', '.join(SIZES)}); "
        f"default {','.join(DEFAULT_SIZES)}",
    )
    parser.add_argument(
        "--postgres-sizes",
        help="workloads whose intake also runs on PostgreSQL (default: the smallest one)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TAPE_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="a server where a fresh schema is created and dropped (default %(default)s)",
    )
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    parser.add_argument(
        "--naive-budget",
        type=float,
        default=15.0,
        help="seconds of saving after which the one-save-per-event baseline stops (its rate "
        "is then over the events saved so far; 0: no limit; default %(default)s)",
    )
    parser.add_argument("--latency-rate", type=float, default=10.0, help="intents per second")
    parser.add_argument("--latency-intents", type=int, default=300, help="intents measured")
    parser.add_argument("--latency-warmup", type=int, default=20, help="intents not measured")
    parser.add_argument(
        "--scaleout-workers",
        default=",".join(str(n) for n in SCALEOUT_WORKERS),
        help="numbers of `tape worker` processes the scale-out figure runs on PostgreSQL, on "
        "the smallest PostgreSQL workload (default %(default)s; 0: skip)",
    )
    parser.add_argument(
        "--spread-copies",
        type=int,
        default=SPREAD_COPIES,
        help="copies of each sample-day agent in the scale-out day (default %(default)s)",
    )
    parser.add_argument("--no-what-if", action="store_true", help="skip the what-if figures")
    parser.add_argument("--no-profile", action="store_true", help="skip the profiles")
    parser.add_argument(
        "--profile-size",
        default=PROFILE_SIZE,
        help="the workload profiled (its own run under the profiler; default %(default)s)",
    )
    parser.add_argument("--out", type=Path, default=BENCH, help="where results.* are written")
    parser.add_argument("--work", type=Path, default=BENCH / "work", help="scratch folder")
    parser.add_argument("--keep", action="store_true", help="keep the scratch stores")
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="measure nothing: write results.md again from results.json (and bench/notes.md)",
    )
    args = parser.parse_args(argv)
    sizes = _names(args.sizes) if args.sizes else DEFAULT_SIZES
    if args.large and LARGE_SIZE not in sizes:
        sizes = (*sizes, LARGE_SIZE)
    sizes = tuple(sorted(sizes, key=lambda name: SIZES[name]))
    pg_sizes = _names(args.postgres_sizes) if args.postgres_sizes else sizes[:1]
    Workload.named(args.profile_size)  # raises for an unknown name
    try:
        scaleout = tuple(int(n) for n in args.scaleout_workers.split(",") if n.strip())
    except ValueError:
        parser.error("--scaleout-workers takes numbers separated by commas, such as 1,2,4")
    if any(n < 0 for n in scaleout) or args.spread_copies < 1:
        parser.error("--scaleout-workers takes numbers >= 0, --spread-copies a number >= 1")
    return Options(
        sizes=sizes,
        postgres_sizes=tuple(s for s in pg_sizes if s in sizes),
        postgres_url=None if args.no_postgres else args.postgres_url,
        naive_budget_s=args.naive_budget,
        latency_rate=args.latency_rate,
        latency_intents=args.latency_intents,
        latency_warmup=args.latency_warmup,
        what_if=not args.no_what_if,
        profile=not args.no_profile,
        profile_size=args.profile_size,
        out=args.out,
        work=args.work,
        keep=args.keep,
        render_only=args.render_only,
        scaleout_workers=tuple(n for n in scaleout if n > 0),
        spread_copies=args.spread_copies,
    )


def _names(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    for name in names:
        Workload.named(name)  # raises for an unknown name
    return names


# -- running figures ------------------------------------------------------------------------


class Bench:
    """One benchmark run: figures in subprocesses, progress on stderr, results in a dict."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.started = time.perf_counter()
        self.notes: list[str] = []

    def log(self, message: str) -> None:
        """A progress line on stderr, with the time since the start."""
        elapsed = time.perf_counter() - self.started
        sys.stderr.write(f"[bench {elapsed:6.0f}s] {message}\n")
        sys.stderr.flush()

    def figure(self, name: str, label: str, **params: Any) -> dict[str, Any]:
        """Run one figure in its own process; its result, or ``{"error": ...}``."""
        params = {k: str(v) if isinstance(v, Path) else v for k, v in params.items()}
        params["spawned_at"] = time.time()
        begun = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "bench.figures", name, json.dumps(params, default=str)],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = round(time.perf_counter() - begun, 2)
        for line in reversed(proc.stdout.splitlines()):
            if line.startswith(RESULT_MARK):
                result: dict[str, Any] = json.loads(line[len(RESULT_MARK) :])
                result["wall_s"] = wall
                self.log(f"{label}: {_brief(result)} ({wall:.0f}s)")
                return result
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        error = " | ".join(tail) or f"exit code {proc.returncode}"
        self.log(f"{label}: FAILED: {error}")
        return {"error": error, "wall_s": wall}


def _brief(result: dict[str, Any]) -> str:
    for key in ("intents_per_s", "events_per_s", "rows_per_s"):
        if key in result:
            return f"{result[key]:,.0f} {key.replace('_per_s', '')}/s"
    if "to_venue" in result:
        return f"p50 {result['to_venue'].get('p50_ms')} ms, p99 {result['to_venue'].get('p99_ms')}"
    if "p50_ms" in result:
        return f"median {result['p50_ms']} ms"
    if "seconds" in result:
        return f"{result['seconds']} s"
    return "done"


# -- PostgreSQL -----------------------------------------------------------------------------


def postgres_version(url: str) -> tuple[str | None, str | None]:
    """The server's version, or why it cannot be used."""
    try:
        import psycopg  # noqa: PLC0415 - only when PostgreSQL is asked for

        with psycopg.connect(url, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
    except Exception as error:
        return None, f"{type(error).__name__}: {str(error).strip().splitlines()[0]}"
    return (str(row[0]) if row else "?"), None


@contextmanager
def fresh_schema(url: str) -> Iterator[str]:
    """A new empty schema, dropped afterwards."""
    import psycopg  # noqa: PLC0415

    name = f"tape_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
        try:
            yield name
        finally:
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')


# -- the run --------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """The date, versions and machine the figures were measured on."""
    cpu = platform.processor() or ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "date": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "eventsourcing": metadata.version("eventsourcing"),
        "cores": os.cpu_count(),
        "cpu": cpu,
        "platform": platform.platform(),
        "git": _git_revision(),
    }


def _git_revision() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} (with uncommitted changes)" if dirty else head


def run(options: Options) -> dict[str, Any]:
    """Measure everything the options ask for; returns the results (also written to disk)."""
    bench = Bench(options)
    work = options.work
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    meta = machine()
    meta["options"] = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(options).items()}
    postgres: dict[str, Any] = {"url": options.postgres_url, "version": None, "skipped": None}
    if options.postgres_url is None:
        postgres["skipped"] = "--no-postgres"
    else:
        postgres["version"], postgres["skipped"] = postgres_version(options.postgres_url)
        if postgres["skipped"]:
            bench.log(f"PostgreSQL skipped: {postgres['skipped']}")
    meta["postgres"] = postgres
    results: dict[str, Any] = {
        "schema": "tape.bench/1",
        "meta": meta,
        "workloads": [],
        "runs": {},
        "single": {},
        "scaleout": {},
        "what_if": {},
        "profiles": {},
    }
    days: dict[str, Path] = {}
    for size in options.sizes:
        workload = Workload.named(size)
        day, lines = write_workload(workload, work / "days")
        days[size] = day
        bench.log(f"workload {size}: {workload.intents} intents, {lines} lines")
        runs = _measure_workload(bench, size, day, postgres)
        results["runs"][size] = runs
        events = runs.get("intake_sqlite", {}).get("events")
        results["workloads"].append({**workload.to_json(), "day_lines": lines, "events": events})
    smallest = options.sizes[0]
    home = work / smallest / "tape"
    results["single"] = _measure_single(bench, days[smallest])
    results["scaleout"] = _scaleout_if_possible(bench, days, postgres)
    if options.what_if:
        results["what_if"] = _measure_what_if(bench, smallest, days[smallest], home)
    if options.profile:
        size = options.profile_size
        day = days.get(size) or write_workload(Workload.named(size), work / "days")[0]
        results["profiles"] = _measure_profiles(bench, size, day)
    meta["duration_s"] = round(time.perf_counter() - bench.started, 1)
    if postgres["skipped"]:
        bench.notes.append(f"PostgreSQL figures skipped: {postgres['skipped']}.")
    results["notes"] = bench.notes
    results["targets"] = evaluate_targets(results)
    write_results(results, options.out)
    if not options.keep:
        shutil.rmtree(work, ignore_errors=True)
    bench.log(f"wrote {options.out / 'results.md'} and {options.out / 'results.json'}")
    return results


def _measure_workload(
    bench: Bench, size: str, day: Path, postgres: dict[str, Any]
) -> dict[str, Any]:
    """Every per-workload figure: Tape's, then the baselines on the events Tape stored."""
    options, work = bench.options, bench.options.work / size
    home = work / "tape"
    runs: dict[str, Any] = {}
    smallest = size == options.sizes[0]
    runs["intake_sqlite"] = bench.figure(
        "intake", f"{size} intake SQLite", day=day, home=home, digest=smallest
    )
    if "error" in runs["intake_sqlite"]:
        return runs
    url = options.postgres_url
    if url and not postgres["skipped"] and size in options.postgres_sizes:
        with fresh_schema(url) as schema:
            runs["intake_postgres"] = bench.figure(
                "intake",
                f"{size} intake PostgreSQL",
                day=day,
                home=work / "pg",
                backend="postgres",
                url=url,
                schema=schema,
            )
        with fresh_schema(url) as schema:
            runs["naive_postgres"] = bench.figure(
                "naive",
                f"{size} baseline: library, one save() per event, PostgreSQL",
                home=home,
                target={"backend": "postgres", "url": url, "schema": schema},
                budget_s=options.naive_budget_s,
            )
    runs["naive_sqlite"] = bench.figure(
        "naive",
        f"{size} baseline: library, one save() per event, SQLite",
        home=home,
        target={"home": str(work / "naive")},
        budget_s=options.naive_budget_s,
    )
    runs["batched_sqlite"] = bench.figure(
        "naive",
        f"{size} baseline: library, 1000 events per save(), SQLite",
        home=home,
        target={"home": str(work / "batched")},
        batch=1000,
    )
    runs["raw_insert"] = bench.figure(
        "raw_insert",
        f"{size} baseline: raw sqlite3 insert",
        home=home,
        target={"home": work / "raw"},
    )
    runs["raw_read"] = bench.figure("raw_read", f"{size} baseline: raw sqlite3 read", home=home)
    runs["library_read"] = bench.figure(
        "library_read", f"{size} baseline: library paged read", home=home
    )
    runs["replay"] = bench.figure("replay", f"{size} replay --verify", home=home)
    runs["rebuild"] = bench.figure("rebuild", f"{size} projections rebuild", home=home)
    runs["recovery"] = bench.figure("recovery", f"{size} recovery", home=home)
    for scratch in ("naive", "batched", "raw", "pg"):
        shutil.rmtree(work / scratch, ignore_errors=True)
    return runs


def _measure_single(bench: Bench, day: Path) -> dict[str, Any]:
    """The commit probe, then the latency at a fixed offered rate (on the smallest day)."""
    options, work = bench.options, bench.options.work
    single: dict[str, Any] = {}
    single["commit_probe"] = bench.figure(
        "commit_probe", "single-row SQLite commit", home=work / "probe", commits=300
    )
    single["latency"] = bench.figure(
        "latency",
        f"latency at {options.latency_rate:g} intents/s",
        day=day,
        home=work / "latency",
        rate=options.latency_rate,
        intents=options.latency_intents,
        warmup=options.latency_warmup,
    )
    return single


def _scaleout_if_possible(
    bench: Bench, days: dict[str, Path], postgres: dict[str, Any]
) -> dict[str, Any]:
    options = bench.options
    if not options.scaleout_workers:
        return {"skipped": "--scaleout-workers 0"}
    if options.postgres_url is None or postgres["skipped"]:
        return {"skipped": f"PostgreSQL: {postgres['skipped']}"}
    if not options.postgres_sizes:
        return {"skipped": "no workload runs on PostgreSQL (--postgres-sizes)"}
    size = options.postgres_sizes[0]
    return measure_scaleout(bench, size, days[size], options.postgres_url)


def measure_scaleout(bench: Bench, size: str, day: Path, url: str) -> dict[str, Any]:
    """The scale-out figure for each number of workers, on the day spread over more agents
    (``bench.workload.spread_agents``) so that every partition has agents; each run in a
    fresh schema. Logs and records how the agents and intents split over the partitions."""
    options = bench.options
    work = options.work / "scaleout"
    work.mkdir(parents=True, exist_ok=True)
    copies = options.spread_copies
    spread = work / f"{day.stem}-agents-x{copies}.jsonl"
    per_agent = spread_agents(day, spread, copies)
    config = work / f"tape-agents-x{copies}.toml"
    config.write_text(spread_config_toml(copies), encoding="utf-8")
    agents = [agent.name for agent in bench_config(copies).agents]
    split = partition_split(per_agent, agents, sorted({1, *options.scaleout_workers}))
    for item in split:
        bench.log(
            f"scale-out {size}: {item['workers']} partition(s): agents {item['agents']}, "
            f"intents {item['intents']}"
        )
    runs = []
    for workers in options.scaleout_workers:
        with fresh_schema(url) as schema:
            result = bench.figure(
                "scaleout",
                f"{size} scale-out, {workers} worker(s), PostgreSQL",
                day=spread,
                config=config,
                url=url,
                schema=schema,
                workers=workers,
                home=work / f"workers-{workers}",
            )
        runs.append({"workers": workers, **result})
        shutil.rmtree(work / f"workers-{workers}", ignore_errors=True)
    done = [run for run in runs if "error" not in run]
    for run in done:
        if not run["all_decided"]:
            bench.notes.append(
                f"Scale-out, {run['workers']} worker(s): the workers decided {run['intents']} "
                f"of the {run['ingest']['intents']} intents recorded in the ingest log."
            )
        if run["digest"] != done[0]["digest"]:
            bench.notes.append(
                f"Scale-out, {run['workers']} worker(s): the digest over the workers' logs "
                f"differs from the {done[0]['workers']}-worker run's."
            )
    return {
        "size": size,
        "copies": copies,
        "agents": len(agents),
        "intents": sum(per_agent.values()),
        "split": split,
        "runs": runs,
    }


AS_IS = "as is (measured again, next to its variants)"
WHAT_IFS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (AS_IS, "intake", {}),
    (
        "SQLite `synchronous=NORMAL`: no fsync per commit (adapters/sqlite_sync.py)",
        "intake",
        {"env_overrides": NORMAL_SYNC},
    ),
    (
        "a durable venue: one write-ahead commit before each order (as `tape paper-venue` or a "
        "live venue gets), where the in-process paper venue needs none",
        "intake",
        {"durable_venue": True},
    ),
    (
        "no group commit: every step commits on its own (a durable venue as well)",
        "intake",
        {"durable_venue": True, "no_group_commit": True},
    ),
    (
        "the library's cache as it comes: a deep copy and a fast-forward query per get "
        "(`DEEPCOPY_FROM_AGGREGATE_CACHE=y`, `AGGREGATE_CACHE_FASTFORWARD=y`)",
        "intake",
        {
            "env_overrides": {
                "DEEPCOPY_FROM_AGGREGATE_CACHE": "y",
                "AGGREGATE_CACHE_FASTFORWARD": "y",
            }
        },
    ),
    (
        "in-memory store (`eventsourcing.popo`): the engine's own CPU cost, no disk",
        "intake",
        {"env_overrides": {"PERSISTENCE_MODULE": "eventsourcing.popo"}},
    ),
    (AS_IS, "replay", {}),
    (AS_IS, "rebuild", {}),
    (
        "10x larger pages for the projections (`TAPE_PROJECTION_BATCH=5000`, default 500)",
        "rebuild",
        {"projection_batch": 5000},
    ),
)
"""What-ifs: (the change, the figure it changes, the figure's extra parameters)."""


def _measure_what_if(bench: Bench, size: str, day: Path, home: Path) -> dict[str, Any]:
    """Changes that would remove a measured cost, measured on the smallest workload without
    changing engine code (library settings, or a patch in the figure's process only)."""
    work = bench.options.work / "what-if"
    items = []
    for number, (change, figure, extra) in enumerate(WHAT_IFS):
        label = f"what-if {size}: {figure}, {change}"
        if figure == "intake":
            result = bench.figure(
                "intake", label, day=day, home=work / str(number), digest=True, **extra
            )
        else:
            result = bench.figure(figure, label, home=home, **extra)
        items.append({"change": change, "figure": figure, "result": result})
        shutil.rmtree(work / str(number), ignore_errors=True)
    return {"size": size, "items": items}


def _measure_profiles(bench: Bench, size: str, day: Path) -> dict[str, Any]:
    """pyinstrument profiles of intake, then of replay and rebuild on the store it left."""
    try:
        metadata.version("pyinstrument")
    except metadata.PackageNotFoundError:
        bench.notes.append("pyinstrument is not installed: no profiles")
        return {"skipped": "pyinstrument is not installed (pip install -r bench/requirements.txt)"}
    home = bench.options.work / "profile" / size
    profiles: dict[str, Any] = {"size": size}
    profiles["intake"] = bench.figure(
        "profile", f"profile {size}: intake", figure="intake", day=day, home=home
    )
    if "error" in profiles["intake"]:
        return profiles
    profiles["replay"] = bench.figure(
        "profile", f"profile {size}: replay --verify", figure="replay", home=home
    )
    profiles["rebuild"] = bench.figure(
        "profile", f"profile {size}: projections rebuild", figure="rebuild", home=home
    )
    return profiles


def write_results(results: dict[str, Any], out: Path) -> None:
    """``results.json`` and ``results.md`` in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(
        json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8"
    )
    notes = BENCH / "notes.md"
    analysis = notes.read_text(encoding="utf-8") if notes.is_file() else ""
    (out / "results.md").write_text(render_markdown(results, analysis), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks (or, with ``--render-only``, write the report again)."""
    options = parse_args(argv)
    if options.render_only:
        stored = options.out / "results.json"
        results = json.loads(stored.read_text(encoding="utf-8"))
        results["targets"] = evaluate_targets(results)
        write_results(results, options.out)
        return 0
    run(options)
    return 0
