"""Two agents following one wallet trade its day under their own rules: a generated day whose
whale trades are signals (no agent), run in one process, replayed byte for byte, exported and
run again, shown by ``tape intents``, taken in by ``tape ingest``, and run by PostgreSQL workers,
always with the same decisions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.bootstrap import build, day_clock, open_named_app
from adapters.config_file import TapeConfig
from adapters.replay.export import export_day
from adapters.replay.verify import verify
from adapters.sample_day.agents import DEMO_CONFIG_TOML, DEMO_TRADERS, demo_agent_configs
from adapters.sample_day.day import write_day
from adapters.settings import Settings
from adapters.storage import postgres_storage
from cli.run_cmd import run_day
from engine.application import TapeApplication
from engine.config import AgentConfig
from engine.intents import Intent
from engine.signals import ADDRESS_SEPARATOR
from projections.digest import decision_digest
from tests.conftest import stored_events
from tests.postgres import fresh_schema, postgres_url

REPO = Path(__file__).resolve().parent.parent
WHALES = [DEMO_TRADERS[f"whale-{n}"] for n in (1, 2, 3)]
SECOND = "whales-fixed"
SECOND_TOML = f"""
[agents.{SECOND}]
strategy = "copy"
venues = ["polymarket"]
follow = {json.dumps(sorted(WHALES))}
markets = []
sizing = {{ mode = "FIXED", value = "15" }}
max_intent_usdc = "300"
max_intent_age_s = 45
max_slippage_pct = "1.5"
max_position_usdc = "120"
max_trades_per_day = 60
stop_loss_usdc = "300"
budget_usdc = "900"
"""


def second_agent() -> AgentConfig:
    """A second follower of the whales, with rules of its own."""
    return AgentConfig.model_validate(
        {
            "name": SECOND,
            "follow": sorted(WHALES),
            "venues": ["polymarket"],
            "sizing": {"mode": "FIXED", "value": "15"},
            "max_intent_usdc": "300",
            "max_intent_age_s": 45,
            "max_slippage_pct": "1.5",
            "max_position_usdc": "120",
            "max_trades_per_day": 60,
            "stop_loss_usdc": "300",
            "budget_usdc": "900",
        }
    )


def signals_day(path: Path, seed: int, intents: int) -> int:
    """A generated day whose whale trades come as signals (no agent); returns how many."""
    write_day(path, seed, intents=intents)
    lines, signals = [], 0
    for text in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(text)
        except ValueError:
            lines.append(text)  # the day's bad lines stay bad
            continue
        intent = record.get("intent") if isinstance(record, dict) else None
        if isinstance(intent, dict) and intent.get("source", {}).get("trader") in WHALES:
            intent.pop("agent", None)
            signals += 1
            lines.append(json.dumps(record, separators=(",", ":")))
        else:
            lines.append(text)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return signals


def agents() -> list[AgentConfig]:
    """The demo agents and the whales' second follower."""
    return [*demo_agent_configs(), second_agent()]


def run(day: Path, home: Path) -> TapeApplication:
    """`tape run --day` into a fresh SQLite store under ``home``."""
    config = TapeConfig(tuple(agents()), Decimal(0), "test")
    tape = build(Settings.load({"TAPE_HOME": str(home)}), config, clock=day_clock())
    run_day(tape, config, day)
    return tape.app


def verdicts_per_trade(app: TapeApplication) -> dict[str, dict[str, str]]:
    """signal id -> agent -> verdict, for every intent taken in from a signal."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for event in stored_events(app):
        if isinstance(event, Intent.IntentAccepted | Intent.IntentDenied):
            record: Intent = app.repository.get(event.originator_id)
            agent = record.intent["agent"]
            suffix = ADDRESS_SEPARATOR + agent
            if record.intent_id.endswith(suffix):
                found[record.intent_id.removesuffix(suffix)][agent] = record.status
    return found


def test_two_agents_following_one_wallet_each_trade_its_day_under_their_own_rules(
    tmp_path: Path,
) -> None:
    day = tmp_path / "day.jsonl"
    assert signals_day(day, 5, intents=90) > 20
    app = run(day, tmp_path / "one")

    per_trade = verdicts_per_trade(app)
    assert per_trade
    assert all(set(v) == {"follow-whales", SECOND} for v in per_trade.values())
    differ = [k for k, v in per_trade.items() if v["follow-whales"] != v[SECOND]]
    assert differ  # their own rules: the same trade, other verdicts
    result = verify(app)
    assert result.divergence is None, result.divergence.describe()

    exported = tmp_path / "exported.jsonl"
    exported.write_text("\n".join(export_day(app)) + "\n", encoding="utf-8")
    assert decision_digest(run(exported, tmp_path / "two")) == decision_digest(app)

    again = run(day, tmp_path / "one")  # the same day again: every signal a redelivery
    assert decision_digest(again) == decision_digest(app)


def env_for(home: Path, schema: str | None = None) -> dict[str, str]:
    """A tape process's environment."""
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAPE_", "FOLLOW_", "COPY_"))}
    env.update({"TAPE_HOME": str(home), "PYTHONPATH": str(REPO)})
    if schema is not None:
        env.update({"TAPE_DATABASE_URL": postgres_url(), "TAPE_DATABASE_SCHEMA": schema})
    return env


def tape(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a tape command; it must succeed."""
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return result


def test_tape_intents_shows_both_verdicts_per_trade_and_ingest_takes_signals_in(
    tmp_path: Path,
) -> None:
    day = tmp_path / "day.jsonl"
    signals_day(day, 9, intents=40)
    config = tmp_path / "tape.toml"
    config.write_text(DEMO_CONFIG_TOML + SECOND_TOML, encoding="utf-8")
    env = env_for(tmp_path / "run")
    tape(["run", "--day", str(day), "--config", str(config)], env)

    rows = json.loads(tape(["intents", "--json"], env).stdout)
    by_trade: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        signal_id, sep, agent = row["intent_id"].rpartition(ADDRESS_SEPARATOR)
        if sep and agent == row["agent"]:
            by_trade[signal_id].add(f"{agent}:{row['verdict']}")
    assert by_trade
    assert all(len(v) == 2 for v in by_trade.values())
    text = tape(["intents"], env).stdout
    first = next(iter(by_trade))
    assert f"{first}@follow-whales" in text
    assert f"{first}@{SECOND}" in text
    why = tape(["why", first], env).stdout  # the signal's id: each follower's trail
    assert f"intent {first}@follow-whales" in why
    assert f"intent {first}@{SECOND}" in why

    # the same signals as an intent file through `tape ingest`: one verdict per follower
    intents = tmp_path / "intents.jsonl"
    with intents.open("w", encoding="utf-8") as out:
        for text_line in day.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(text_line)
            except ValueError:
                continue
            if isinstance(record, dict) and "agent" not in record.get("intent", {"agent": 0}):
                out.write(json.dumps(record["intent"]) + "\n")
    ingest_env = env_for(tmp_path / "ingest")
    done = tape(["ingest", str(intents), "--config", str(config)], ingest_env)
    assert "received" in done.stdout
    ingested = json.loads(tape(["intents", "--json"], ingest_env).stdout)
    agents_of = defaultdict(set)
    for row in ingested:
        agents_of[row["intent_id"].rpartition(ADDRESS_SEPARATOR)[0]].add(row["agent"])
    assert set(agents_of) == set(by_trade)
    assert all(v == {"follow-whales", SECOND} for v in agents_of.values())


@pytest.mark.postgres
def test_postgresql_workers_route_signals_to_their_own_agents_as_one_process(
    tmp_path: Path,
) -> None:
    day = tmp_path / "day.jsonl"
    signals_day(day, 13, intents=60)
    config = tmp_path / "tape.toml"
    config.write_text(DEMO_CONFIG_TOML + SECOND_TOML, encoding="utf-8")
    single = env_for(tmp_path / "single")
    tape(["run", "--day", str(day), "--config", str(config)], single)
    reference = TapeApplication(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(tmp_path / "single" / "tape.db"),
        }
    )
    with fresh_schema() as schema:
        env = env_for(tmp_path / "scaled", schema)
        tape(["run", "--day", str(day), "--config", str(config), "--workers", "2"], env)
        storage = postgres_storage(postgres_url(), schema=schema)
        apps = [open_named_app(f"TapeWorker{k}of2", storage) for k in (1, 2)]
        assert decision_digest(*apps).hexdigest == decision_digest(reference).hexdigest


def test_a_day_signal_nobody_follows_is_said_and_recorded_not_traded(tmp_path: Path) -> None:
    stranger = "0x" + "c" * 40
    intent = {
        "schema": "tape.intent/1", "intent_id": "copy:0x99:7132:BUY", "venue": "polymarket",
        "market_id": "0x9c1a", "token_id": "7132", "outcome": "Yes", "side": "BUY",
        "price": "0.52", "size": "10", "created_at": "2026-01-30T14:03:11Z",
        "source": {"kind": "copy", "trader": stranger},
    }  # fmt: skip
    book = {"type": "book", "at": "2026-01-30T14:03:10Z", "venue": "polymarket",
            "token_id": "7132", "bids": [["0.51", "40"]], "asks": [["0.53", "25"]],
            "tick_size": "0.01", "min_size": "5"}  # fmt: skip
    day = tmp_path / "day.jsonl"
    day.write_text(
        json.dumps(book) + "\n"
        + json.dumps({"type": "intent", "at": "2026-01-30T14:03:12Z", "intent": intent}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    config = tmp_path / "tape.toml"
    config.write_text(DEMO_CONFIG_TOML, encoding="utf-8")
    env = env_for(tmp_path / "home")
    result = tape(["run", "--day", str(day), "--config", str(config)], env)
    assert f"day.jsonl:2: no copy agent follows trader {stranger}" in result.stderr
    assert json.loads(tape(["intents", "--json"], env).stdout) == []
