"""`tape run` with a Polymarket key trades through the live adapter (here against the fake CLOB),
takes its books from the venue, and decides as the paper venue does on the same books."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fake_clob import FakeClob
from tests.test_polymarket_venue import ACCOUNT, KEY, YES, environ

REPO = Path(__file__).resolve().parent.parent
TRADER = "0xa66790e2b0075e73c3781ddaf1d0b875a3aaceb3"
BIDS = [("0.50", "300")]
ASKS = [("0.52", "60"), ("0.53", "400")]


@pytest.fixture
def clob() -> Iterator[FakeClob]:
    fake = FakeClob().start()
    fake.add_market("Will it rain in Paris?", [(YES, "Yes"), ("1" * 70, "No")], tick="0.01")
    fake.set_book(YES, bids=BIDS, asks=ASKS)
    fake.fund(ACCOUNT.address, "1000")
    yield fake
    fake.stop()


def a_day(path: Path, market: str) -> Path:
    book = {
        "type": "book",
        "at": "2026-01-30T14:00:00Z",
        "venue": "polymarket",
        "token_id": YES,
        "market_id": market,
        "bids": [list(b) for b in BIDS],
        "asks": [list(a) for a in ASKS],
        "tick_size": "0.01",
        "min_size": "5",
    }
    lines = [json.dumps(book)]
    for n, (side, price, size) in enumerate(
        [("BUY", "0.52", "150"), ("BUY", "0.52", "100"), ("BUY", "0.40", "100")]
    ):
        at = f"2026-01-30T14:00:0{n + 1}Z"
        intent = {
            "schema": "tape.intent/1",
            "intent_id": f"copy:0x{n:02x}:{YES}:{side}",
            "agent": "a",
            "venue": "polymarket",
            "market_id": market,
            "token_id": YES,
            "outcome": "Yes",
            "side": side,
            "price": price,
            "size": size,
            "created_at": at,
            "source": {"kind": "copy", "trader": TRADER, "tx_hash": f"0x{n:02x}"},
        }
        lines.append(json.dumps({"type": "intent", "at": at, "intent": intent}))
    path.write_text("\n".join(lines) + "\n")
    return path


def tape(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("TAPE_", "POLYMARKET_"))}
    full.update({"PYTHONPATH": str(REPO), **env})
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def decisions(env: dict[str, str]) -> dict[str, Any]:
    intents = json.loads(tape(["intents", "--json"], env).stdout)
    orders = json.loads(tape(["orders", "--json"], env).stdout)
    return {
        "verdicts": sorted((r["intent_id"], r["verdict"], r["reason"]) for r in intents),
        "orders": sorted((o["side"], o["price"], o["size"], o["filled"]) for o in orders),
    }


def test_tape_run_with_a_key_trades_live_and_decides_as_paper_on_the_same_books(
    clob: FakeClob, tmp_path: Path
) -> None:
    day = a_day(tmp_path / "day.jsonl", clob.token_market[YES])
    config = tmp_path / "tape.toml"
    config.write_text(
        f'[agents.a]\nfollow = ["{TRADER}"]\nsizing = {{ mode = "PERCENTAGE", '
        'value = "10" }\nmax_slippage_pct = "5"\n'
    )
    live_env = environ(clob, tmp_path)
    live = tape(["run", "--day", str(day), "--config", str(config)], live_env)
    assert live.returncode == 0, live.stderr
    assert "polymarket: live (POLYMARKET_PRIVATE_KEY is set)" in live.stdout
    paper_env = {"TAPE_HOME": str(tmp_path / "paper"), "TAPE_PAPER_ONLY": "1"}
    paper = tape(["run", "--day", str(day), "--config", str(config)], paper_env)
    assert paper.returncode == 0, paper.stderr
    on_clob, on_paper = decisions(live_env), decisions(paper_env)
    assert on_clob == on_paper, on_clob
    assert [v for _, v, _ in on_clob["verdicts"]].count("ACCEPTED") == 2
    assert clob.count("POST", "/order") == 2
    orders = json.loads(tape(["orders", "--json"], live_env).stdout)
    assert all(o["venue_order_id"].startswith("0x") for o in orders)  # the signed order hash
    stored = (tmp_path / "home" / "tape.db").read_bytes()
    assert KEY[2:].encode() not in stored
