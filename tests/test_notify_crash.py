"""``tape notify --follow`` killed (SIGKILL, a real subprocess) at random moments and restarted
delivers every notice: each webhook notice reaches the receiver under one event id, so a
receiver that drops repeats (the ``X-Tape-Event-Id`` header) sees each exactly once, in order;
Telegram, which has no idempotency key, gets every text, repeated at most once per kill."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from adapters.notify.outbox import pending
from adapters.readstore import SqliteProjectionStore
from adapters.sample_day.day import iter_day
from projections.logs import read_log
from tests.fake_notify import fake_servers
from tests.projection_rig import run_sqlite_day
from tests.test_notify import CHAT, TOKEN, trip_breaker
from tests.waiting import wait_until

TOML = """
[agents.solo]
strategy = "copy"
venues = ["paper"]
follow = []
budget_usdc = "1000"

[notify]
denial_window_s = 60

[notify.telegram]
rate_per_minute = 100000

[notify.webhook]
url = "{url}"
timeout_s = 5
"""


def test_killed_at_random_moments_every_notice_arrives_exactly_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run = run_sqlite_day(home, iter_day(11, intents=60))
    trip_breaker(run, "follow-whales")
    last_day = max(event.timestamp for _, event in read_log(run.app)).date().isoformat()
    run.app.close()
    rng = random.Random(20)
    with fake_servers(TOKEN, CHAT) as (telegram, hook):
        telegram.behaviour.delay_s = hook.behaviour.delay_s = 0.01
        config = tmp_path / "tape.toml"
        config.write_text(TOML.format(url=hook.url), encoding="utf-8")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TAPE_", "TELEGRAM"))},
            "TAPE_HOME": str(home),
            "TAPE_CONFIG": str(config),
            "TAPE_TELEGRAM_BOT_TOKEN": TOKEN,
            "TAPE_TELEGRAM_CHAT_ID": CHAT,
            "TELEGRAM_API_URL": telegram.url,
            "TAPE_PROJECTION_BATCH": "20",
        }
        command = [
            sys.executable,
            "-m",
            "cli.main",
            "notify",
            "--follow",
            "--from-start",
            "--poll",
            "0.05",
        ]
        store = SqliteProjectionStore(home / "projections.db")

        def all_delivered() -> bool:
            try:
                told = pending(store, "nobody", 10_000)
                return (
                    pending(store, "webhook1") == []
                    and pending(store, "telegram") == []
                    # the last day's summary, written once the notifier has read everything
                    # and its clock has passed that day's end: nothing comes after it
                    and any(r["notice"]["event_id"] == f"day:{last_day}" for r in told)
                )
            except sqlite3.OperationalError:  # no outbox yet
                return False

        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                command,
                env=env,
                cwd=Path(__file__).parent.parent,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )

        kills = 0
        outputs = []
        for _ in range(6):
            target = len(hook.event_ids) + len(telegram.texts) + rng.randint(1, 25)
            proc = start()
            wait_until(
                lambda t=target, p=proc: (
                    len(hook.event_ids) + len(telegram.texts) >= t
                    or p.poll() is not None
                    or all_delivered()
                ),
                timeout=60,
            )
            proc.send_signal(signal.SIGKILL)
            outputs.append(proc.communicate(timeout=30))
            kills += 1
        proc = start()
        assert proc.stdout is not None
        first = proc.stdout.readline()  # its signal handlers are in place
        assert first.startswith(b"notifying telegram, webhook1"), first
        wait_until(all_delivered, timeout=120)
        proc.send_signal(signal.SIGTERM)
        outputs.append(proc.communicate(timeout=30))
        assert proc.returncode == 0, outputs[-1]

        rows = pending(store, "nobody", 10_000)
        expected = [r["notice"]["event_id"] for r in rows]
        kinds = {r["notice"]["kind"] for r in rows}
        assert {"fill", "denial", "breaker", "daily_summary"} <= kinds
        assert list(dict.fromkeys(hook.event_ids)) == expected
        assert len(hook.event_ids) - len(expected) <= kills
        texts = [r["notice"]["text"] for r in rows]
        assert list(dict.fromkeys(telegram.texts)) == list(dict.fromkeys(texts))
        assert len(telegram.texts) - len(texts) <= kills
        for out, err in outputs:
            assert TOKEN not in out.decode() + err.decode()
        store.close()
