"""One order of inputs: a day whose records share timestamps (a book and an intent in the same
second, two books of one token in the same second) is decided the same way in one process, with
the paper venue as its own process, on 1 and on 4 PostgreSQL workers, and twice in a row."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from adapters.dayfile import read_day
from adapters.sample_day.agents import DEMO_CONFIG_TOML
from adapters.sample_day.day import write_day
from engine.application import TapeApplication
from projections.digest import decision_digest
from tests.crash_harness import PaperVenueProcess
from tests.postgres import fresh_schema
from tests.test_scaleout import env_for, tape, workers_digest


def crowded_day(folder: Path, seed: int, bucket_s: int) -> Path:
    """A generated day with every record's time rounded up to ``bucket_s`` seconds: records
    keep their file order and many now share a time (never before an intent's created_at)."""
    source = folder / "source.jsonl"
    write_day(source, seed, intents=40)
    day = folder / "day.jsonl"
    lines = []
    for raw in source.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(raw)
            at = record["at"]
        except (ValueError, KeyError, TypeError):
            lines.append(raw)  # the generated day's deliberately unreadable lines stay
            continue
        at = datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()
        ceiling = -(-int(at) // bucket_s) * bucket_s
        record["at"] = datetime.fromtimestamp(ceiling, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.append(json.dumps(record))
    day.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "tape.toml").write_text(DEMO_CONFIG_TOML, encoding="utf-8")
    return day


def shared_times(day: Path) -> int:
    """How many records share their time with the record before them."""
    times = [record.at for record in read_day(day.open(encoding="utf-8")) if hasattr(record, "at")]
    return sum(1 for before, after in itertools.pairwise(times) if before == after)


def sqlite_digest(home: Path) -> str:
    app = TapeApplication(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(home / "tape.db")}
    )
    return decision_digest(app).hexdigest


def run_args(day: Path) -> list[str]:
    return ["run", "--day", str(day), "--config", str(day.parent / "tape.toml")]


def in_process(day: Path) -> str:
    home = day.parent / "in-process"
    tape(run_args(day), env_for(home, None))
    return sqlite_digest(home)


def with_venue_process(day: Path) -> str:
    home = day.parent / "venue-process"
    venue = PaperVenueProcess(day, day.parent / "ledger.db")
    try:
        tape([*run_args(day), "--paper-url", venue.url], env_for(home, None))
    finally:
        venue.stop()
    return sqlite_digest(home)


def on_workers(day: Path, workers: int, label: str) -> str:
    with fresh_schema() as schema:
        env = env_for(day.parent / label, schema)
        tape([*run_args(day), "--workers", str(workers)], env)
        return workers_digest(schema, workers)


@pytest.mark.postgres
@settings(
    max_examples=2,
    deadline=None,
    phases=(Phase.explicit, Phase.generate),  # a shrink reruns five deployments per step
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(min_value=1, max_value=10_000), bucket_s=st.sampled_from([5, 30, 120]))
def test_a_day_of_shared_timestamps_decides_the_same_on_every_deployment(
    tmp_path_factory: pytest.TempPathFactory, seed: int, bucket_s: int
) -> None:
    day = crowded_day(tmp_path_factory.mktemp("order"), seed, bucket_s)
    assert shared_times(day) > 10

    reference = in_process(day)

    assert with_venue_process(day) == reference
    assert on_workers(day, 1, "one-worker") == reference
    assert on_workers(day, 4, "four-workers") == reference
    assert on_workers(day, 4, "four-workers-again") == reference


@pytest.mark.parametrize("bucket_s", [5, 120])
def test_a_day_of_shared_timestamps_replays_and_exports_in_its_order(
    tmp_path: Path, bucket_s: int
) -> None:
    day = crowded_day(tmp_path, 4242, bucket_s)
    reference = in_process(day)
    home = day.parent / "in-process"
    env = env_for(home, None)

    assert "verified" in tape(["replay", "--verify"], env).stdout
    exported = tmp_path / "exported" / "day.jsonl"
    exported.parent.mkdir()
    exported.write_text(tape(["export-day"], env).stdout, encoding="utf-8")
    (exported.parent / "tape.toml").write_text(DEMO_CONFIG_TOML, encoding="utf-8")
    assert shared_times(exported) > 0
    assert in_process(exported) == reference
