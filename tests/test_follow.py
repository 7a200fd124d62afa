"""``tape follow``: the monitor and the engine in one process, killed at random moments while a
wallet keeps trading; after the restarts every trade has one verdict, no order reached the
venue twice, and Tape's orders are the venue's (the paper venue process, no keys)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from adapters.follow import Supervised
from engine.application import TapeApplication
from engine.intents import Intent
from engine.orders import Order
from projections.logs import read_log
from tests.conftest import sqlite_env
from tests.crash_harness import REPO, TAPE, PaperVenueProcess
from tests.fake_data_api import FakeDataApi, serve_fake, trade_row
from tests.waiting import wait_until

WALLET = "0x" + "ef" * 20
TOKENS = ("11", "12", "13")


def _books(path: Path) -> None:
    lines = [
        {
            "type": "book",
            "at": "2026-01-01T00:00:00Z",
            "venue": "polymarket",
            "token_id": token,
            "bids": [["0.49", "100000"]],
            "asks": [["0.50", "100000"]],
            "tick_size": "0.01",
            "min_size": "5",
        }
        for token in TOKENS
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))


CONFIG = f"""
[agents.a]
venues = ["polymarket"]
follow = ["{WALLET}"]
sizing = {{ mode = "FIXED", value = "5" }}
max_intent_usdc = "100000"
max_intent_age_s = 3600
max_trades_per_day = 100000
max_position_usdc = "100000"
budget_usdc = "100000"
stop_loss_usdc = "100000"
"""


class Trader(threading.Thread):
    """Trades on the fake Data API while the follower is killed: BUYs mostly, a SELL now and
    then, some rows late."""

    def __init__(self, api: FakeDataApi, rng: random.Random, count: int) -> None:
        super().__init__(daemon=True)
        self.api, self.rng, self.count = api, rng, count
        self.txs: list[str] = []

    def run(self) -> None:
        for n in range(self.count):
            tx = f"0x{n + 1:064x}"
            side = "SELL" if n % 7 == 6 else "BUY"
            row = trade_row(
                WALLET,
                tx_hash=tx,
                asset=self.rng.choice(TOKENS),
                side=side,
                size=20.0,
                price=0.5,
                timestamp=int(time.time()),
            )
            self.api.add_rows(WALLET, [row], delay_s=self.rng.choice([0, 0, 0, 0.5, 1.5]))
            self.txs.append(tx)
            time.sleep(self.rng.uniform(0.02, 0.15))


def _env(home: Path, data_url: str, paper_url: str, config: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TAPE_", "POLYMARKET_", "KALSHI_", "LIMITLESS_", "FOLLOW_"))
    }
    env.update(
        {
            "TAPE_HOME": str(home),
            "PYTHONPATH": str(REPO),
            "POLYMARKET_DATA_URL": data_url,
            "TAPE_PAPER_URL": paper_url,
            "TAPE_CONFIG": str(config),
        }
    )
    return env


def _store(home: Path) -> tuple[Counter[str], Counter[str], list[Order]]:
    """(received per intent id, verdicts per intent id, orders) as stored."""
    app = TapeApplication(env=sqlite_env(home / "tape.db"))
    try:
        received: Counter[str] = Counter()
        verdicts: Counter[str] = Counter()
        orders = []
        for _, event in read_log(app):
            if isinstance(event, Intent.IntentReceived):
                received[event.intent_id] += 1
            elif isinstance(event, Intent.IntentAccepted | Intent.IntentDenied):
                verdicts[app.repository.get(event.originator_id).intent_id] += 1
            elif isinstance(event, Order.OrderPlaced):
                orders.append(app.repository.get(event.originator_id))
        return received, verdicts, orders
    finally:
        app.close()


def test_killing_tape_follow_at_random_moments_loses_no_trade_and_trades_none_twice(
    tmp_path: Path,
) -> None:
    rng = random.Random(20261201)
    home, venue_dir = tmp_path / "home", tmp_path / "venue"
    home.mkdir()
    venue_dir.mkdir()
    _books(venue_dir / "day.jsonl")
    config = tmp_path / "tape.toml"
    config.write_text(CONFIG)
    venue = PaperVenueProcess(venue_dir / "day.jsonl", venue_dir / "ledger.db")
    api = FakeDataApi()
    api.failure_rate = 0.05
    trader = Trader(api, rng, count=40)
    args = [*TAPE, "follow", WALLET, "--agent", "a", "--since", "0", "--interval", "0.05",
            "--overlap", "30", "--no-resolutions", "--backoff-base", "0.01", "--page-limit", "7",
            "--housekeeping-interval", "0.2"]  # fmt: skip
    try:
        with serve_fake(api) as running:
            env = _env(home, running.url, venue.url, config)
            trader.start()
            for _ in range(5):
                process = subprocess.Popen(
                    args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
                time.sleep(rng.uniform(0.5, 3.0))
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)
            trader.join()
            wait_until(api.all_visible, timeout=10)
            api.failure_rate = 0.0
            log = tmp_path / "final.err"
            with log.open("w") as stderr:
                process = subprocess.Popen(
                    args, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True
                )
                wanted = {f"copy:{tx}" for tx in trader.txs}
                # its signal handlers are in place once it says it follows
                wait_until(lambda: "following 1 wallet(s)" in log.read_text(), timeout=120)

                def all_decided() -> bool:
                    _, verdicts, _ = _store(home)
                    return {i.rsplit(":", 2)[0] for i in verdicts} >= wanted

                wait_until(all_decided, timeout=120, poll_s=0.5)
                process.send_signal(signal.SIGTERM)
                out, _ = process.communicate(timeout=60)
            assert process.returncode == 0, log.read_text()
            assert "followed (stopped)" in out
            assert "Traceback" not in log.read_text()
        received, verdicts, orders = _store(home)
        ledger = venue.ledger()
    finally:
        venue.stop()

    assert [i for i, n in received.items() if n != 1] == []
    assert [i for i, n in verdicts.items() if n != 1] == []
    assert {i.rsplit(":", 2)[0] for i in received} == {f"copy:{tx}" for tx in trader.txs}
    by_intent = Counter(o.intent_id for o in orders)
    assert [i for i, n in by_intent.items() if n > 1] == []
    sent = Counter(entry["client_order_id"] for entry in ledger)
    assert [c for c, n in sent.items() if n > 1] == []  # no order reached the venue twice
    ours = {o.client_order_id: o for o in orders}
    assert set(sent) <= set(ours)
    venue_status = {e["client_order_id"]: e["status"] for e in ledger}
    for client_id, order in ours.items():
        final: Any = _final_status(home, order)
        assert final == venue_status.get(client_id, final), (client_id, final)
    assert sum(1 for s in venue_status.values() if s == "FILLED") >= len(trader.txs) // 2


def _final_status(home: Path, order: Order) -> str:
    app = TapeApplication(env=sqlite_env(home / "tape.db"))
    try:
        return str(app.repository.get(order.id).status)
    finally:
        app.close()


def test_a_supervised_thread_that_fails_is_reported_and_started_again() -> None:
    stop = threading.Event()
    runs: list[int] = []
    lines: list[str] = []

    def target() -> None:
        runs.append(1)
        if len(runs) < 3:
            raise RuntimeError("data api gone")
        stop.wait()

    supervised = Supervised("monitor", target, stop=stop, report=lines.append, first_delay=0.01)
    supervised.start()
    wait_until(lambda: len(runs) == 3)
    stop.set()
    supervised.join(timeout=5)
    assert not supervised.thread.is_alive()
    assert supervised.failures == 2
    assert lines[0] == "monitor failed (RuntimeError: data api gone); restarting in 0.01 s"
    assert lines[1].endswith("restarting in 0.02 s")


def test_follow_without_an_agent_trades_each_wallet_for_every_agent_that_follows_it(
    tmp_path: Path,
) -> None:
    home, venue_dir = tmp_path / "home", tmp_path / "venue"
    home.mkdir()
    venue_dir.mkdir()
    _books(venue_dir / "day.jsonl")
    config = tmp_path / "tape.toml"
    config.write_text(CONFIG + CONFIG.replace("[agents.a]", "[agents.b]"))
    venue = PaperVenueProcess(venue_dir / "day.jsonl", venue_dir / "ledger.db")
    api = FakeDataApi()
    txs = [f"0x{n + 1:064x}" for n in range(3)]
    for n, tx in enumerate(txs):
        row = trade_row(
            WALLET, tx_hash=tx, asset=TOKENS[n % len(TOKENS)], side="BUY", size=20.0,
            price=0.5, timestamp=int(time.time()),
        )  # fmt: skip
        api.add_rows(WALLET, [row])
    args = [*TAPE, "follow", WALLET, "--since", "0", "--interval", "0.05", "--no-resolutions",
            "--housekeeping-interval", "0.2"]  # fmt: skip
    try:
        with serve_fake(api) as running:
            log = tmp_path / "follow.err"
            with log.open("w") as stderr:
                process = subprocess.Popen(
                    args, env=_env(home, running.url, venue.url, config),
                    stdout=subprocess.PIPE, stderr=stderr, text=True,
                )  # fmt: skip
                wait_until(lambda: "following 1 wallet(s)" in log.read_text(), timeout=120)

                def both_decided() -> bool:
                    return len(_store(home)[1]) >= 2 * len(txs)

                wait_until(both_decided, timeout=120, poll_s=0.5)
                process.send_signal(signal.SIGTERM)
                process.communicate(timeout=60)
            assert process.returncode == 0, log.read_text()
            assert "signals to every agent that follows them" in log.read_text()
        _, verdicts, orders = _store(home)
    finally:
        venue.stop()
    by_agent = Counter(intent_id.rsplit("@", 1)[1] for intent_id in verdicts)
    assert by_agent == {"a": len(txs), "b": len(txs)}, verdicts
    assert Counter(o.agent for o in orders) == {"a": len(txs), "b": len(txs)}
