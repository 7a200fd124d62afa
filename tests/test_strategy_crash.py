"""A strategy day through ``tape run`` against ``tape paper-venue``, the engine SIGKILLed at
random moments and restarted until the day is done, ends as an uninterrupted run: the same
decision digest, each of the strategies' intents taken in once, and the venue's ledger holding
exactly the orders the store placed."""

from __future__ import annotations

import random
from pathlib import Path

from adapters.sample_day.strategy_day import STRATEGY_CONFIG_TOML, write_strategy_day
from engine.application import TapeApplication
from projections.digest import decision_digest
from projections.views import LogViews
from tests.crash_harness import PaperVenueProcess, run_to_completion, run_with_kills


def _open(home: Path) -> TapeApplication:
    return TapeApplication(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(home / "tape.db")}
    )


def test_a_strategy_day_killed_and_restarted_ends_as_one_run(tmp_path: Path) -> None:
    day = tmp_path / "day.jsonl"
    write_strategy_day(day)
    config = tmp_path / "tape.toml"
    config.write_text(STRATEGY_CONFIG_TOML, encoding="utf-8")

    (tmp_path / "once").mkdir()
    venue = PaperVenueProcess(day, tmp_path / "once" / "ledger.db")
    try:
        run_to_completion(day, config, tmp_path / "once", venue.url)
    finally:
        venue.stop()

    (tmp_path / "killed").mkdir()
    venue = PaperVenueProcess(day, tmp_path / "killed" / "ledger.db")
    try:
        kills, _ = run_with_kills(
            day, config, tmp_path / "killed", venue.url, kills=2, rng=random.Random(7), window=4
        )
        ledger = venue.ledger()
    finally:
        venue.stop()

    once, killed = _open(tmp_path / "once"), _open(tmp_path / "killed")
    assert kills >= 1
    assert decision_digest(killed) == decision_digest(once)
    views = LogViews.build(killed)
    intents = list(views.intents.rows.values())
    assert intents
    assert all(row["source_kind"] == "strategy" for row in intents)
    assert all(row["redeliveries"] == 0 for row in intents)
    placed = {str(row["client_order_id"]) for row in views.orders.rows.values()}
    assert {str(entry["client_order_id"]) for entry in ledger} == placed
