"""The ingest log's partition key on the real PostgreSQL: the key PostgreSQL computes puts an
intent in the partition ``engine.partition.partition_of`` names, and each worker's reader gets
its own partition's intents and the shared rows, never another partition's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from adapters.bootstrap import ingest_log, open_ingest_app
from adapters.clock import ManualClock
from adapters.dayfile import read_day
from adapters.sample_day.day import write_day
from adapters.scaleout.ingest import DayIngest
from adapters.scaleout.partitions import (
    KEY_FUNCTION,
    RECEIVED_TOPIC,
    index_partitions,
    partition_reader,
)
from adapters.scaleout.worker import FOLLOWED_TOPICS
from adapters.storage import Storage, postgres_storage
from bench.workload import bench_config
from engine.intents import Intent
from engine.partition import Partition, partition_of
from tests.postgres import fresh_schema, postgres_url

WORKERS = 3


@pytest.fixture(scope="module")
def storage() -> Iterator[Storage]:
    """A fresh schema with the ingest log's tables and the partition key for 3 workers."""
    with fresh_schema() as schema:
        storage = postgres_storage(postgres_url(), schema=schema)
        open_ingest_app(storage, create=True).close()
        index_partitions(storage.env, WORKERS)
        index_partitions(storage.env, WORKERS)  # a second `tape db init` changes nothing
        yield storage


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    agent=st.text(
        st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
        min_size=1,
        max_size=40,
    ),
    count=st.integers(1, 9),
)
def test_postgres_key_names_the_partition_partition_of_names(
    storage: Storage, agent: str, count: int
) -> None:
    state = json.dumps({"intent": {"agent": agent}}, separators=(",", ":"), ensure_ascii=False)
    query = sql.SQL("SELECT mod({f}(%s, %s), %s)").format(
        f=sql.Identifier(storage.env["POSTGRES_SCHEMA"], KEY_FUNCTION)
    )
    with psycopg.connect(postgres_url()) as conn:
        row = conn.execute(query, (RECEIVED_TOPIC, state.encode(), count)).fetchone()
        redelivered = ("engine.intents:Intent.IntentRedelivered", state.encode(), count)
        other = conn.execute(query, redelivered).fetchone()
    assert row is not None
    assert int(row[0]) + 1 == partition_of(agent, count)
    assert other is not None
    assert other[0] is None


def test_each_worker_reads_its_own_intents_and_the_shared_rows_only(
    storage: Storage, tmp_path: Path
) -> None:
    day = tmp_path / "day.jsonl"
    write_day(day, 5, intents=150)
    app = open_ingest_app(storage)
    clock = ManualClock(read_first_time(day))
    with day.open(encoding="utf-8") as lines:
        DayIngest(ingest_log(app, clock), clock=clock, source="day.jsonl").run(
            read_day(lines), agents=list(bench_config().agents)
        )
    end = app.recorder.max_notification_id() or 0
    everything = app.recorder.select_notifications(start=1, limit=end, topics=FOLLOWED_TOPICS)
    received = {
        n.id: app.mapper.to_domain_event(n) for n in everything if n.topic == RECEIVED_TOPIC
    }
    shared = {n.id for n in everything if n.topic != RECEIVED_TOPIC}
    assert received
    assert shared
    seen: dict[int, int] = {}
    for index in range(1, WORKERS + 1):
        reader = partition_reader(app.recorder, Partition(index, WORKERS))
        assert reader is not None
        ids, after = [], 0
        while page := reader.page(after, end, FOLLOWED_TOPICS, 7):  # small pages: paging too
            ids += [n.id for n in page]
            after = page[-1].id
        assert ids == sorted(ids)
        mine = {i for i in ids if i in received}
        assert set(ids) - mine == shared
        for i in mine:
            event: Intent.IntentReceived = received[i]
            assert partition_of(str(event.intent["agent"]), WORKERS) == index
            seen[i] = seen.get(i, 0) + 1
    assert seen == dict.fromkeys(received, 1)  # every intent read by exactly one worker
    app.close()


def read_first_time(day: Path) -> datetime:
    """The time of the day's first record."""
    with day.open(encoding="utf-8") as lines:
        at: datetime = next(r.at for r in read_day(lines) if hasattr(r, "at"))
    return at
