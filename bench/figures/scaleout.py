"""The scale-out figure: the day on N ``tape worker`` processes in a fresh PostgreSQL schema,
as a deployment runs it, with the digest over the workers' logs and where the CPU went."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from adapters.bootstrap import open_named_app
from adapters.storage import postgres_storage
from bench.figures.measure import rate
from bench.figures.processes import run_tape, run_workers, start_venue, tape_env
from bench.figures.stores import Params, event_count
from engine.partition import worker_app_name
from projections.digest import decision_digest


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
        "cpu_ms_per_intent": round(1000 * sum(w["cpu_s"] for w in per_worker) / intents, 3)
        if intents
        else None,
        "read": sum(w.get("read", 0) for w in per_worker),
        "cpu": cpu,
        "per_worker": per_worker,
    }
