"""The what-if phase: configuration changes (no engine change) measured next to the figure as
is, on the smallest workload."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from adapters.sqlite_sync import FACTORY_TOPIC, SYNCHRONOUS_ENV
from bench.harness import Bench

NORMAL_SYNC = {"PERSISTENCE_MODULE": FACTORY_TOPIC, SYNCHRONOUS_ENV: "NORMAL"}


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


def measure_what_if(bench: Bench, size: str, day: Path, home: Path) -> dict[str, Any]:
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
