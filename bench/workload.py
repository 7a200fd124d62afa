"""Benchmark workloads: seeded sample days sized by the number of events they leave in the log.

A workload is named by the events a full run stores (``10k``, ``100k``, ``1M``); the number of
intents that gives about that many comes from :data:`EVENTS_PER_INTENT`, measured on the sample
day of :data:`SEED` (each intent stores its receipt and verdict, most an order with its
acceptance, fills and cancel, a position and the agent's risk book; books store nothing). The
run reports the events it really stored, so the name is only a label.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from adapters.config_file import TapeConfig, config_from_toml
from adapters.sample_day import DEMO_CONFIG_TOML, write_day

SEED = 7
"""The sample day's seed (the demo's)."""

EVENTS_PER_INTENT = 8.75
"""Stored events per intent of the seed-7 sample day (9,886 events for 1,130 intents)."""

SIZES: dict[str, int] = {
    "tiny": 300,
    "3k": 3_000,
    "10k": 10_000,
    "100k": 100_000,
    "1M": 1_000_000,
}
"""Workload names and the stored events they aim at."""

DEFAULT_SIZES = ("10k", "100k")
LARGE_SIZE = "1M"
PROFILE_SIZE = "10k"
"""The workload profiled by default: big enough for stable shares, small enough to be quick."""


@dataclass(frozen=True)
class Workload:
    """A sample day to run: its name, the events it aims at and the intents that give them."""

    name: str
    target_events: int
    intents: int

    @classmethod
    def named(cls, name: str) -> Workload:
        """The workload of a size name (one of :data:`SIZES`)."""
        if name not in SIZES:
            raise ValueError(f"unknown workload {name!r} (known: {', '.join(SIZES)})")
        target = SIZES[name]
        return cls(name, target, max(round(target / EVENTS_PER_INTENT), 1))

    def to_json(self) -> dict[str, Any]:
        """The workload as JSON."""
        return asdict(self)


def write_workload(workload: Workload, directory: Path) -> tuple[Path, int]:
    """Write the workload's day file into ``directory``; returns its path and line count."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"day-{workload.name}.jsonl"
    lines = write_day(path, SEED, intents=workload.intents)
    return path, lines


def bench_config() -> TapeConfig:
    """The agents every workload addresses (the sample day's, :data:`DEMO_CONFIG_TOML`)."""
    return config_from_toml(tomllib.loads(DEMO_CONFIG_TOML), source="bench (sample day agents)")
