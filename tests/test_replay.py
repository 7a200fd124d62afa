"""Replay: a recorded day re-run byte for byte, tampering found where it happened, the digest,
counterfactuals with a known answer, export-day, and an upcast old event."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.bootstrap import build, day_clock
from adapters.config_file import TapeConfig
from adapters.replay.counterfactual import counterfactual
from adapters.replay.export import export_day
from adapters.replay.verify import verify
from adapters.sample_day.agents import demo_agent_configs
from adapters.sample_day.day import write_day
from adapters.settings import Settings
from cli.run_cmd import run_day
from engine.application import TapeApplication
from engine.config import AgentConfig
from projections.digest import decision_digest

TRADER = "0xa66790e2b0075e73c3781ddaf1d0b875a3aaceb3"
T0 = datetime(2026, 1, 30, 14, 0, tzinfo=UTC)


def run(day: Path, home: Path, agents: list[AgentConfig] | None = None) -> TapeApplication:
    """Run a day file into a fresh SQLite store under ``home``, as `tape run` does."""
    config = TapeConfig(tuple(agents or demo_agent_configs()), Decimal(0), "test")
    tape = build(Settings.load({"TAPE_HOME": str(home)}), config, clock=day_clock())
    run_day(tape, config, day)
    return tape.app


def tamper(db: Path, topic_suffix: str, change: Any, nth: int = 0) -> int:
    """Rewrite the stored state of the nth event of a topic; returns its log position."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT rowid, state FROM stored_events WHERE topic LIKE ? ORDER BY rowid",
            (f"%{topic_suffix}",),
        ).fetchall()
        rowid, state = rows[nth]
        data = json.loads(state)
        change(data)
        conn.execute(
            "UPDATE stored_events SET state = ? WHERE rowid = ?",
            (json.dumps(data, separators=(",", ":")).encode(), rowid),
        )
    return int(rowid)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), intents=st.integers(40, 120))
def test_any_generated_day_replays_byte_for_byte(tmp_path: Path, seed: int, intents: int) -> None:
    home = Path(tempfile.mkdtemp(dir=tmp_path))
    day = home / "day.jsonl"
    write_day(day, seed, intents=intents)
    app = run(day, home)
    result = verify(app)
    assert result.divergence is None, result.divergence.describe()
    assert result.compared > intents
    assert result.replayed_digest == result.recorded_digest == decision_digest(app).hexdigest


def _recorded(tmp_path: Path) -> tuple[Path, TapeApplication]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    day = tmp_path / "day.jsonl"
    write_day(day, 21, intents=80)
    app = run(day, tmp_path)
    assert verify(app).ok
    return tmp_path / "tape.db", app


def _reopen(db: Path) -> TapeApplication:
    return TapeApplication(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(db)}
    )


def test_altered_book_level_fails_at_the_verdict_that_used_it(tmp_path: Path) -> None:
    db, _ = _recorded(tmp_path)

    def worse_best_ask(state: dict[str, Any]) -> None:
        best = state["book"]["asks"][0]
        best[0] = str(Decimal(best[0]) + Decimal("0.01"))

    position = tamper(db, "Intent.IntentAccepted", worse_best_ask)
    divergence = verify(_reopen(db)).divergence
    assert divergence is not None
    assert divergence.position == position
    assert "IntentAccepted differs" in divergence.note


def test_altered_venue_answer_fails_at_its_consequence_and_names_it(tmp_path: Path) -> None:
    db, _ = _recorded(tmp_path)

    def cheaper(state: dict[str, Any]) -> None:
        state["price"]["_data_"] = str(Decimal(state["price"]["_data_"]) - Decimal("0.01"))

    position = tamper(db, "Order.OrderFilled", cheaper, nth=3)
    divergence = verify(_reopen(db)).divergence
    assert divergence is not None
    assert divergence.position >= position
    assert "after the venue answer for order" in divergence.note
    assert f"OrderFilled at log position {position}" in divergence.note


def test_altered_intent_field_fails_right_after_that_intent(tmp_path: Path) -> None:
    db, _ = _recorded(tmp_path)

    def bigger(state: dict[str, Any]) -> None:
        state["intent"]["size"] = str(Decimal(state["intent"]["size"]) * 3)

    position = tamper(db, "Intent.IntentReceived", bigger, nth=5)
    divergence = verify(_reopen(db)).divergence
    assert divergence is not None
    assert "after the input IntentReceived of" in divergence.note
    assert f"at log position {position}" in divergence.note
    assert "replay diverges at log position" in divergence.describe()


def test_export_day_then_run_gives_the_same_digest(tmp_path: Path) -> None:
    _, app = _recorded(tmp_path / "a")
    exported = tmp_path / "exported.jsonl"
    exported.write_text("\n".join(export_day(app)) + "\n")
    again = run(exported, tmp_path / "b")
    assert decision_digest(again) == decision_digest(app)


def _buy(n: int, market: str, size: str, at: datetime) -> str:
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    intent = {
        "schema": "tape.intent/1",
        "intent_id": f"buy-{n}",
        "agent": "a",
        "venue": "polymarket",
        "market_id": market,
        "token_id": f"t-{market}",
        "outcome": "Yes",
        "side": "BUY",
        "price": "0.5",
        "size": size,
        "created_at": stamp,
        "source": {"kind": "copy", "trader": TRADER},
    }
    return json.dumps({"type": "intent", "at": stamp, "intent": intent})


def _book(market: str, at: datetime) -> str:
    return json.dumps(
        {
            "type": "book",
            "at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "venue": "polymarket",
            "token_id": f"t-{market}",
            "bids": [["0.49", "1000"]],
            "asks": [["0.5", "1000"]],
            "tick_size": "0.01",
            "min_size": "5",
        }
    )


def test_counterfactual_with_a_tighter_size_cap_removes_exactly_the_orders_above_it(
    tmp_path: Path,
) -> None:
    # Three buys of source notional 10, 50 and 90 USDC in three markets; a cap of 60 removes
    # the last.
    lines = []
    for n, (market, size) in enumerate([("m1", "20"), ("m2", "100"), ("m3", "180")]):
        at = T0 + timedelta(seconds=n)
        lines += [_book(market, at), _buy(n, market, size, at)]
    day = tmp_path / "day.jsonl"
    day.write_text("\n".join(lines) + "\n")
    loose = AgentConfig(name="a", follow=(TRADER,), max_intent_usdc=Decimal(100))
    app = run(day, tmp_path, [loose])
    tight = TapeConfig(
        (loose.model_copy(update={"max_intent_usdc": Decimal(60)}),), Decimal(0), "t"
    )
    diff = counterfactual(app, tight)
    assert [o["intent_id"] for o in diff.orders_removed] == ["buy-2"]
    assert diff.orders_added == []
    assert diff.orders_resized == []
    assert diff.fills_changed == []
    assert diff.verdicts == [
        {
            "intent_id": "buy-2",
            "before": "ACCEPTED",
            "after": "DENIED size_cap",
            "why": "source notional 90 USDC vs cap 60",
        }
    ]
    (pnl,) = diff.pnl
    assert pnl["agent"] == "a"


def test_an_event_stored_by_an_older_class_version_is_upcast_and_replay_still_verifies(
    tmp_path: Path,
) -> None:
    db, app = _recorded(tmp_path)
    before = decision_digest(app)

    def as_version_1(state: dict[str, Any]) -> None:
        # What IntentReceived looked like before it gained line_no (class_version 2).
        state.pop("line_no")
        state.pop("class_version")

    position = tamper(db, "Intent.IntentReceived", as_version_1, nth=0)
    old = _reopen(db)
    (notification,) = old.recorder.select_notifications(start=position, limit=1)
    assert b"line_no" not in bytes(notification.state)  # stored as version 1
    assert old.mapper.to_domain_event(notification).line_no == 0  # upcast when read
    result = verify(old)
    assert result.divergence is None, result.divergence.describe()
    assert decision_digest(old) == before
