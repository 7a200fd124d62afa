"""The ingest log's partition key: each worker reads only its own partition's intents.

Before, every worker read and decoded the whole ingest log and skipped the other partitions'
intents, so N workers did the reading N times over. ``tape db init`` now gives the ingest
log's events table a stored generated column, ``agent_key``: for an ``IntentReceived``, the
first 8 bytes of the SHA-256 of its agent's name as an unsigned number, which is what
``engine.partition.partition_of`` takes modulo the worker count (NULL for every other event:
the desk's configuration, resolutions and redeliveries, which every worker reads), and an index
on the key modulo the deployment's worker count. PostgreSQL computes the key as a row is
inserted, so the ingest side and the library's insert are unchanged; a worker asks for its
partition's rows (and the shared ones) and never receives the others'.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic
from psycopg import sql

from adapters.scaleout.lease import connection_kwargs
from engine.intents import Intent
from engine.partition import INGEST_APP_NAME, Partition

KEY_COLUMN = "agent_key"
KEY_FUNCTION = "tape_agent_key"
TWO_64 = 2**64
RECEIVED_TOPIC = get_topic(Intent.IntentReceived)


def _table(env: Mapping[str, str]) -> tuple[str, str]:
    return env.get("POSTGRES_SCHEMA") or "public", f"{INGEST_APP_NAME.lower()}_events"


def index_partitions(env: Mapping[str, str], count: int) -> None:
    """Add the partition key to the ingest log's table (once) and index it for ``count``
    workers (an index per worker count the deployment was initialised with)."""
    schema, table = _table(env)
    function = sql.Identifier(schema, KEY_FUNCTION)
    # IMMUTABLE: the key depends on the row's own topic and state only.
    create_function = sql.SQL(
        "CREATE OR REPLACE FUNCTION {function}(topic text, state bytea) RETURNS numeric "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT CASE WHEN topic = {received} THEN "
        "mod(('x' || left(encode(sha256(convert_to("
        "convert_from(state, 'UTF8')::jsonb -> 'intent' ->> 'agent', 'UTF8')), 'hex'), 16)"
        ")::bit(64)::bigint::numeric + {two64}, {two64}) END $$"
    ).format(function=function, received=sql.Literal(RECEIVED_TOPIC), two64=sql.Literal(TWO_64))
    add_column = sql.SQL(
        "ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} numeric "
        "GENERATED ALWAYS AS ({function}(topic, state)) STORED"
    ).format(
        table=sql.Identifier(schema, table), column=sql.Identifier(KEY_COLUMN), function=function
    )
    add_index = sql.SQL(
        "CREATE INDEX IF NOT EXISTS {name} ON {table} (mod({column}, {count}), notification_id)"
    ).format(
        name=sql.Identifier(f"{table}_partition_of_{count}_idx"),
        table=sql.Identifier(schema, table),
        column=sql.Identifier(KEY_COLUMN),
        count=sql.Literal(count),
    )
    shared_index = sql.SQL(
        "CREATE INDEX IF NOT EXISTS {name} ON {table} (notification_id) WHERE {column} IS NULL"
    ).format(
        name=sql.Identifier(f"{table}_shared_idx"),
        table=sql.Identifier(schema, table),
        column=sql.Identifier(KEY_COLUMN),
    )
    with psycopg.connect(**connection_kwargs(env)) as conn:
        conn.execute(create_function)
        conn.execute(add_column)
        conn.execute(add_index)
        conn.execute(shared_index)  # the rows every worker reads


def partition_reader(recorder: Any, partition: Partition) -> PartitionReader | None:
    """A reader of the partition's rows when the ingest log has the partition key; None when
    it is not on PostgreSQL or was initialised before the key existed (read it all, as before)."""
    datastore = getattr(recorder, "datastore", None)
    if datastore is None or not hasattr(datastore, "schema"):
        return None
    with datastore.get_connection() as conn, conn.cursor() as curs:
        curs.execute(
            "SELECT 1 FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s AND column_name = %s",
            (datastore.schema or "public", recorder.events_table_name, KEY_COLUMN),
        )
        found = curs.fetchone()
    return PartitionReader(recorder, partition) if found is not None else None


class PartitionReader:
    """Pages of the ingest log for one partition: its intents and the rows every worker reads,
    through the ingest application's own connection pool."""

    def __init__(self, recorder: Any, partition: Partition) -> None:
        self.recorder = recorder
        self.partition = partition
        schema = recorder.datastore.schema
        self.statement = sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {table} WHERE notification_id > %s AND notification_id <= %s "
            "AND topic = ANY(%s) AND ({column} IS NULL OR mod({column}, {count}) = %s) "
            "ORDER BY notification_id LIMIT %s"
        ).format(
            table=sql.Identifier(schema, recorder.events_table_name),
            column=sql.Identifier(KEY_COLUMN),
            # a literal, so the index on mod(agent_key, N) matches the expression
            count=sql.Literal(partition.count),
        )

    def page(self, after: int, stop: int, topics: Sequence[str], limit: int) -> list[Notification]:
        """The partition's rows after ``after`` up to ``stop``, at most ``limit``."""
        params = (after, stop, list(topics), self.partition.index - 1, limit)
        with self.recorder.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.statement, params, prepare=True)
            return [
                Notification(
                    id=row["notification_id"],
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in curs.fetchall()
            ]
