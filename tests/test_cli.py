"""The ``tape`` command line end to end, as a user runs it: real processes, real stores."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.sample_day.agents import DEMO_CONFIG_TOML
from adapters.sample_day.day import write_day
from tests.postgres import fresh_schema, postgres_url

TAPE = [sys.executable, "-m", "cli.main"]
REPO = Path(__file__).resolve().parent.parent
SECRET_KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"  # noqa: S105


def tape(
    *args: str, home: Path, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``tape`` in its own process with a store under ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAPE_", "FOLLOW_", "COPY_"))}
    env.update({"TAPE_HOME": str(home), "PYTHONPATH": str(REPO)})
    env.update(extra_env or {})
    return subprocess.run(
        [*TAPE, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=home.parent,
        timeout=300,
        check=False,
    )


@pytest.fixture
def day(tmp_path: Path) -> tuple[Path, Path]:
    """A generated day and the demo configuration, as files."""
    day_file = tmp_path / "day.jsonl"
    write_day(day_file, 11, intents=150)
    config = tmp_path / "tape.toml"
    config.write_text(DEMO_CONFIG_TOML, encoding="utf-8")
    return day_file, config


def stored_rows(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT rowid, originator_id, originator_version, topic, state"
            " FROM stored_events ORDER BY rowid"
        ).fetchall()


def test_run_prints_a_summary_of_the_day(day: tuple[Path, Path], tmp_path: Path) -> None:
    day_file, config = day
    result = tape("run", "--day", str(day_file), "--config", str(config), home=tmp_path / "h")
    assert result.returncode == 0, result.stderr
    for part in (
        "intents",
        "denied",
        "orders",
        "fills",
        "positions",
        "realised PnL",
        "store",
        "tape why",
    ):
        assert part in result.stdout
    assert "Traceback" not in result.stderr


def test_same_day_run_twice_gives_identical_stored_events(
    day: tuple[Path, Path], tmp_path: Path
) -> None:
    day_file, config = day
    for name in ("a", "b"):
        result = tape("run", "--day", str(day_file), "--config", str(config), home=tmp_path / name)
        assert result.returncode == 0, result.stderr
    rows_a = stored_rows(tmp_path / "a" / "tape.db")
    rows_b = stored_rows(tmp_path / "b" / "tape.db")
    assert len(rows_a) > 500
    assert rows_a == rows_b


def digest_line(output: str) -> str:
    """The decision digest a run printed."""
    found = re.search(r"digest\s+([0-9a-f]{64})", output)
    assert found is not None, output
    return found.group(1)


def test_day_on_sqlite_and_postgres_ends_in_the_same_positions_orders_and_digest(
    day: tuple[Path, Path], tmp_path: Path
) -> None:
    day_file, config = day
    sqlite_home = tmp_path / "sqlite"
    on_sqlite_run = tape("run", "--day", str(day_file), "--config", str(config), home=sqlite_home)
    assert on_sqlite_run.returncode == 0
    with fresh_schema() as schema:
        pg = {"TAPE_DATABASE_URL": postgres_url(), "TAPE_DATABASE_SCHEMA": schema}
        pg_home = tmp_path / "pg"
        result = tape(
            "run", "--day", str(day_file), "--config", str(config), home=pg_home, extra_env=pg
        )
        assert result.returncode == 0, result.stderr
        assert "postgres" in result.stdout
        assert digest_line(result.stdout) == digest_line(on_sqlite_run.stdout)
        verified = tape("replay", "--verify", home=pg_home, extra_env=pg)
        assert verified.returncode == 0, verified.stdout
        assert digest_line(verified.stdout) == digest_line(on_sqlite_run.stdout)
        for command in (
            ["positions", "--all", "--json"],
            ["orders", "--json"],
            ["intents", "--json"],
        ):
            on_sqlite = json.loads(tape(*command, home=sqlite_home).stdout)
            on_postgres = json.loads(tape(*command, home=pg_home, extra_env=pg).stdout)
            assert on_sqlite == on_postgres
            assert on_sqlite


def test_why_explains_an_order_with_every_check_the_book_and_the_fills(
    day: tuple[Path, Path], tmp_path: Path
) -> None:
    day_file, config = day
    home = tmp_path / "h"
    summary = tape("run", "--day", str(day_file), "--config", str(config), home=home).stdout
    order_id = re.search(r"tape why (\S+)", summary)
    assert order_id is not None
    result = tape("why", order_id.group(1), home=home)
    assert result.returncode == 0, result.stderr
    for part in (
        "IntentReceived",
        "IntentAccepted",
        "trader_allowlist",
        "size_cap",
        "staleness",
        "slippage",
        "sizing:",
        "book at",
        "OrderPlaced",
        "OrderAccepted",
        "OrderFilled",
        "PositionIncreased",
    ):
        assert part in result.stdout, part
    as_json = json.loads(tape("why", order_id.group(1), "--json", home=home).stdout)
    assert as_json["orders"][order_id.group(1)][0]["event"] == "OrderPlaced"


def test_why_on_a_denied_intent_shows_the_failed_check_with_its_values(
    day: tuple[Path, Path], tmp_path: Path
) -> None:
    day_file, config = day
    home = tmp_path / "h"
    tape("run", "--day", str(day_file), "--config", str(config), home=home)
    denied = json.loads(tape("intents", "--denied", "--json", home=home).stdout)
    slippage = next(row for row in denied if row["reason"] == "slippage")
    result = tape("why", slippage["intent_id"], home=home)
    assert result.returncode == 0
    assert "DENIED: slippage" in result.stdout
    assert re.search(r"\[FAIL\] slippage: .*slippage_pct=", result.stdout)


def test_why_on_an_unknown_id_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = tape("why", "no-such-order", home=tmp_path / "h")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "no order or intent" in result.stderr


def test_bad_lines_are_reported_with_their_numbers_and_the_rest_runs(
    day: tuple[Path, Path], tmp_path: Path
) -> None:
    day_file, config = day
    lines = day_file.read_text().splitlines()
    lines.insert(3, "{not json")
    lines.insert(6, json.dumps({"type": "book", "at": "2026-01-30T14:00:00Z"}))
    day_file.write_text("\n".join(lines) + "\n")
    result = tape("run", "--day", str(day_file), "--config", str(config), home=tmp_path / "h")
    assert result.returncode == 0
    assert "day.jsonl:4: skipped: not JSON" in result.stderr
    assert "day.jsonl:7: skipped: book record:" in result.stderr
    assert "orders" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--day", "missing.jsonl"], "no such file"),
        (["run", "--day", "x", "--config", "nope.toml"], "no such configuration file"),
        (["orders", "--bogus"], "No such option"),
    ],
)
def test_bad_usage_exits_2_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = tape(*args, home=tmp_path / "h")
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_config_is_one_line_naming_the_field(
    day: tuple[Path, Path], tmp_path: Path
) -> None:
    day_file, _ = day
    config = tmp_path / "bad.toml"
    config.write_text('[agents.a]\nsizing = { mode = "FIXED" }\nmax_intent_usdc = 1.5\n')
    result = tape("run", "--day", str(day_file), "--config", str(config), home=tmp_path / "h")
    assert result.returncode == 2
    assert "agents.a" in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_no_secret_reaches_the_store_or_the_output(day: tuple[Path, Path], tmp_path: Path) -> None:
    day_file, config = day
    home = tmp_path / "h"
    secret_env = {
        "POLYMARKET_PRIVATE_KEY": SECRET_KEY,
        "KALSHI_PRIVATE_KEY": "kalshi-rsa-secret-pem",
    }
    run_args = ["run", "--day", str(day_file), "--config", str(config), "--paper"]
    outputs = [tape(*run_args, home=home, extra_env=secret_env)]
    for command in (["orders", "--json"], ["positions"], ["intents"], ["agents", "list"]):
        outputs.append(tape(*command, home=home, extra_env=secret_env))
    stored = b"".join(path.read_bytes() for path in home.iterdir() if path.is_file())
    for secret in secret_env.values():
        assert secret.encode() not in stored
        assert secret[2:].encode() not in stored
        for result in outputs:
            assert secret not in result.stdout + result.stderr
    assert outputs[0].returncode == 0, outputs[0].stderr
    assert "POLYMARKET_PRIVATE_KEY is set, but paper only was asked" in outputs[0].stdout


def test_agents_can_be_halted_and_a_halted_agent_places_nothing(
    day: tuple[Path, Path], tmp_path: Path
) -> None:
    day_file, config = day
    home = tmp_path / "h"
    assert tape("agents", "add", "--config", str(config), home=home).returncode == 0
    assert tape("agents", "halt", "follow-whales", home=home).returncode == 0
    tape("run", "--day", str(day_file), "--config", str(config), home=home)
    orders = json.loads(tape("orders", "--json", "--agent", "follow-whales", home=home).stdout)
    assert orders == []
    agents = json.loads(tape("agents", "list", "--json", home=home).stdout)
    assert {a["name"]: a["state"] for a in agents}["follow-whales"] == "HALTED"


def test_ingest_resumes_after_the_last_line_taken_in_and_receives_none_twice(
    tmp_path: Path,
) -> None:
    intents_file = tmp_path / "intents.jsonl"
    trader = "0xa66790e2b0075e73c3781ddaf1d0b875a3aaceb3"

    def line(n: int) -> str:
        return json.dumps(
            {
                "schema": "tape.intent/1",
                "intent_id": f"manual-{n}",
                "agent": "default",
                "venue": "polymarket",
                "market_id": "m",
                "token_id": "7",
                "outcome": "Yes",
                "side": "BUY",
                "price": "0.5",
                "size": "10",
                "created_at": "2026-01-30T14:00:00Z",
                "source": {"kind": "copy", "trader": trader},
            }
        )

    intents_file.write_text("\n".join([line(1), "{broken", line(2)]) + "\n")
    home = tmp_path / "h"
    first = tape("ingest", str(intents_file), home=home)
    assert first.returncode == 0, first.stderr
    assert "intents.jsonl:2: skipped" in first.stderr
    with intents_file.open("a") as handle:
        handle.write(line(3) + "\n")
    second = tape("ingest", str(intents_file), home=home)
    assert second.returncode == 0, second.stderr
    assert "already taken in 3" in second.stdout
    assert "received 1" in second.stdout
    received = json.loads(tape("intents", "--json", home=home).stdout)
    assert sorted(r["intent_id"] for r in received) == ["manual-1", "manual-2", "manual-3"]
    assert all(r["redeliveries"] == 0 for r in received)
