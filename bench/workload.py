"""Benchmark workloads: seeded sample days sized by the number of events they leave in the log.

A workload is named by the events a full run stores (``10k``, ``100k``, ``1M``); the number of
intents that gives about that many comes from :data:`EVENTS_PER_INTENT`, measured on the sample
day of :data:`SEED` (each intent stores its receipt and verdict, most an order with its
acceptance, fills and cancel, a position and the agent's risk book; books store nothing). The
run reports the events it really stored, so the name is only a label.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from adapters.config_file import TapeConfig, config_from_toml
from adapters.dayfile import IntentRecord, parse_day_line
from adapters.sample_day.agents import DEMO_CONFIG_TOML
from adapters.sample_day.day import write_day
from engine.partition import partition_of

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


def bench_config(copies: int | None = None) -> TapeConfig:
    """The agents every workload addresses (the sample day's, :data:`DEMO_CONFIG_TOML`); with
    ``copies``, those of a day spread by :func:`spread_agents` (:func:`spread_config_toml`)."""
    if copies is None:
        return config_from_toml(tomllib.loads(DEMO_CONFIG_TOML), source="bench (sample day agents)")
    return config_from_toml(
        tomllib.loads(spread_config_toml(copies)), source=f"bench (agents x {copies})"
    )


# -- a day spread over more agents (the scale-out figure) -----------------------------------

SPREAD_COPIES = 5
"""Copies of each sample-day agent in the scale-out figure's day: 3 agents become 15. Of 2 to 10
copies, 5 balances the sample day's intents best over 2 and 4 partitions with the stable hash
(the busiest of 2 gets 53% of the intents, of 4 36%; with 4 copies 59% and 38%). The busiest
partition bounds what N workers can gain: the report shows its share."""

SCALEOUT_WORKERS = (1, 2, 4)
"""The numbers of engine workers the scale-out figure runs."""

_AGENT_TABLE = re.compile(r"^\[agents\.([A-Za-z0-9_-]+)\]\s*$", re.MULTILINE)


def copy_of(intent_id: str, copies: int) -> int:
    """Which copy (0-based) of its agent an intent goes to: a stable hash of its id, so a
    redelivery (same id) goes to the same copy as the first delivery."""
    digest = hashlib.sha256(intent_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % copies


def spread_agents(day_path: Path, out_path: Path, copies: int = SPREAD_COPIES) -> dict[str, int]:
    """Write ``day_path`` to ``out_path`` with each intent's ``agent`` renamed
    ``f"{agent}-{k}"``, ``k`` = :func:`copy_of` its ``intent_id``. Every other line (books,
    resolutions, lines that do not parse as an intent record) is copied unchanged. Returns the
    intent lines written per agent (redeliveries included)."""
    per_agent: Counter[str] = Counter()
    with (
        day_path.open(encoding="utf-8") as source,
        out_path.open("w", encoding="utf-8") as out,
    ):
        for number, line in enumerate(source, start=1):
            text = line.strip()
            record = parse_day_line(number, text) if text else None
            if isinstance(record, IntentRecord):
                data = json.loads(text)
                intent = data["intent"]
                agent = f"{intent['agent']}-{copy_of(intent['intent_id'], copies)}"
                intent["agent"] = agent
                per_agent[agent] += 1
                line = json.dumps(data) + "\n"  # noqa: PLW2901 - the rewritten line
            out.write(line)
    return dict(per_agent)


def spread_config_toml(copies: int, toml_text: str = DEMO_CONFIG_TOML) -> str:
    """The configuration matching :func:`spread_agents`: each ``[agents.NAME]`` table repeated
    as ``[agents.NAME-k]`` for k in 0..copies-1, with the same rules."""
    heads = list(_AGENT_TABLE.finditer(toml_text))
    if not heads:
        raise ValueError("no [agents.NAME] table to spread")
    parts = [toml_text[: heads[0].start()]]
    for head, after in zip(heads, [*heads[1:], None], strict=True):
        body = toml_text[head.end() : after.start() if after else len(toml_text)]
        parts += [f"[agents.{head.group(1)}-{k}]{body}" for k in range(copies)]
    text = "".join(parts)
    agents = tomllib.loads(text)["agents"]
    assert len(agents) == len(heads) * copies, "an agent table was not repeated"
    return text


def partition_split(
    per_agent: Mapping[str, int], agents: Iterable[str], counts: Iterable[int]
) -> list[dict[str, Any]]:
    """For each number of workers: how many of ``agents`` land in each partition
    (``engine.partition.partition_of``) and how many intents (``per_agent``) each receives."""
    names = sorted(set(agents))
    split = []
    for count in counts:
        agent_counts, intents = [0] * count, [0] * count
        for name in names:
            index = partition_of(name, count) - 1
            agent_counts[index] += 1
            intents[index] += per_agent.get(name, 0)
        split.append({"workers": count, "agents": agent_counts, "intents": intents})
    return split
