"""The scale-out phase: the smallest PostgreSQL workload's day spread over more agents, run on
1, 2 and 4 ``tape worker`` processes, each in a fresh schema."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from bench.harness import Bench
from bench.postgres import fresh_schema
from bench.workload import bench_config, partition_split, spread_agents, spread_config_toml


def scaleout_if_possible(
    bench: Bench, days: dict[str, Path], postgres: dict[str, Any]
) -> dict[str, Any]:
    """The scale-out figure on the first PostgreSQL workload, or why it is skipped."""
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
