"""The per-workload phase (Tape's figures, then the baselines on the events Tape stored) and
the single figures measured once on the smallest day (commit probe, latency)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from adapters.sqlite_sync import FACTORY_TOPIC, SYNCHRONOUS_ENV
from bench.harness import Bench
from bench.postgres import fresh_schema

BACKTEST_ENV = {"PERSISTENCE_MODULE": FACTORY_TOPIC, SYNCHRONOUS_ENV: "OFF"}
"""A backtest: ``tape run`` of the day on the in-process paper venue into a store that is not
fsynced (``SQLITE_SYNCHRONOUS=OFF``): what a strategy's trial run needs, nothing live."""


def measure_workload(
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
    runs["backtest"] = bench.figure(
        "intake",
        f"{size} backtest (tape run, no fsync)",
        day=day,
        home=work / "backtest",
        digest=True,
        env_overrides=BACKTEST_ENV,
    )
    runs["rebuild"] = bench.figure("rebuild", f"{size} projections rebuild", home=home)
    runs["recovery"] = bench.figure("recovery", f"{size} recovery", home=home)
    for scratch in ("naive", "batched", "raw", "pg", "backtest"):
        shutil.rmtree(work / scratch, ignore_errors=True)
    return runs


def measure_single(bench: Bench, day: Path) -> dict[str, Any]:
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
