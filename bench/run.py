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

import json
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import BENCH
from bench.harness import Bench
from bench.machine import machine
from bench.options import Options, parse_args
from bench.phases.profiles import measure_profiles
from bench.phases.scaleout import scaleout_if_possible
from bench.phases.what_if import measure_what_if
from bench.phases.workloads import measure_single, measure_workload
from bench.postgres import postgres_version
from bench.report.render import render_markdown
from bench.report.targets import evaluate_targets
from bench.signal_latency import measure_signal, signal_params
from bench.workload import Workload, write_workload


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
        runs = measure_workload(bench, size, day, postgres)
        results["runs"][size] = runs
        events = runs.get("intake_sqlite", {}).get("events")
        results["workloads"].append({**workload.to_json(), "day_lines": lines, "events": events})
    smallest = options.sizes[0]
    home = work / smallest / "tape"
    results["single"] = measure_single(bench, days[smallest])
    results["scaleout"] = scaleout_if_possible(bench, days, postgres)
    if options.what_if:
        results["what_if"] = measure_what_if(bench, smallest, days[smallest], home)
    if options.signal_trades > 0:
        results["signal"] = measure_signal(bench, **signal_params(options))
    if options.profile:
        size = options.profile_size
        day = days.get(size) or write_workload(Workload.named(size), work / "days")[0]
        results["profiles"] = measure_profiles(bench, size, day)
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
