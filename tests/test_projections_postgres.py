"""The projections on PostgreSQL (the event store's database, their own tables, its schema):
the same rows as on SQLite, equal to the aggregates, and exactly once across a crash.
With ``CI`` set the server must answer (see tests/postgres.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.readstore import PostgresProjectionStore, open_store
from adapters.sample_day.day import iter_day
from adapters.storage import postgres_storage
from cli.main import main
from projections.tracking import Projector, all_projections
from tests.postgres import fresh_schema, postgres_url
from tests.projection_rig import (
    CrashAfter,
    assert_projections_match_aggregates,
    assert_trails_match_the_log,
    run_day,
    run_sqlite_day,
)

pytestmark = pytest.mark.postgres


class SimulatedCrash(BaseException):
    """Stands for the process dying at a chosen point."""


def test_projections_on_postgres_equal_sqlites_and_survive_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = list(iter_day(17, intents=30))
    on_sqlite = run_sqlite_day(tmp_path / "sqlite", lines)
    with fresh_schema() as schema:
        storage = postgres_storage(postgres_url(), schema=schema)
        store = open_store(storage.kind, storage.location, storage.env)
        assert isinstance(store, PostgresProjectionStore)
        run = run_day(lines, app_env=storage.env, store=store, catch_up_every=4, batch_size=25)
        try:
            assert_projections_match_aggregates(run.app, run.projector)
            assert_trails_match_the_log(run.app, run.projector, limit=5)
            rows = run.projector.dump()
            assert rows == on_sqlite.projector.dump()

            projections = all_projections()

            def crash() -> None:
                raise SimulatedCrash

            projections[2] = CrashAfter(projections[2], 160, crash)
            with pytest.raises(SimulatedCrash):
                Projector(run.app, store, projections, batch_size=50).rebuild()
            assert {s.position for s in run.projector.status()} == {150}
            run.projector.catch_up()
            assert run.projector.dump() == rows

            monkeypatch.setenv("TAPE_DATABASE_URL", postgres_url())
            monkeypatch.setenv("TAPE_DATABASE_SCHEMA", schema)
            monkeypatch.setenv("TAPE_HOME", str(tmp_path / "home"))
            capsys.readouterr()
            main(["positions", "--all", "--json"])
            on_postgres = json.loads(capsys.readouterr().out)
            monkeypatch.delenv("TAPE_DATABASE_URL")
            monkeypatch.setenv("TAPE_HOME", str(tmp_path / "sqlite"))
            main(["positions", "--all", "--json"])
            assert json.loads(capsys.readouterr().out) == on_postgres != []
        finally:
            store.close()
            run.app.close()
