"""A channel that hangs or answers 429 delays nothing in the engine: the engine never calls a
notifier (it only appends to the log), and a ``tape notify --follow`` process beside it, stuck
on such channels, leaves the day's decisions per second where they were without it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from adapters.notify.outbox import pending
from adapters.readstore import SqliteProjectionStore
from adapters.sample_day.day import iter_day
from adapters.settings import Settings
from cli.notify_runner import start_notifier
from cli.projections_cmd import open_upstreams
from tests.fake_notify import fake_servers
from tests.projection_rig import run_sqlite_day
from tests.test_notify import CHAT, TOKEN
from tests.test_notify_crash import TOML
from tests.waiting import wait_until

INTENTS = 150


def decisions_per_second(folder: Path, runs: int = 3) -> float:
    """The best of ``runs`` days (one after the other into the store in ``folder``): the best,
    not the mean, as other work on a shared machine only ever slows a run down."""
    best = 0.0
    for run_no in range(runs):
        started = time.perf_counter()
        run = run_sqlite_day(folder, iter_day(5 + run_no, intents=INTENTS))
        elapsed = time.perf_counter() - started
        run.app.close()
        best = max(best, INTENTS / elapsed)
    return best


def test_stuck_channels_leave_decisions_per_second_unchanged(tmp_path: Path) -> None:
    alone = decisions_per_second(tmp_path / "alone")
    home = tmp_path / "home"
    with fake_servers(TOKEN, CHAT) as (telegram, hook):
        hook.behaviour.hang_s = 120.0  # far past the webhook's timeout and the test, every time
        telegram.behaviour.fail_next, telegram.behaviour.retry_after = 10**6, 1  # always 429
        config = tmp_path / "tape.toml"
        config.write_text(
            TOML.format(url=hook.url).replace("timeout_s = 5", "timeout_s = 0.5"),
            encoding="utf-8",
        )
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TAPE_", "TELEGRAM"))},
            "TAPE_HOME": str(home),
            "TAPE_CONFIG": str(config),
            "TAPE_TELEGRAM_BOT_TOKEN": TOKEN,
            "TAPE_TELEGRAM_CHAT_ID": CHAT,
            "TELEGRAM_API_URL": telegram.url,
        }
        home.mkdir()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cli.main",
                "notify",
                "--follow",
                "--from-start",
                "--poll",
                "0.05",
            ],
            env=env,
            cwd=Path(__file__).parent.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            wait_until((home / "projections.db").exists, timeout=30)
            beside = decisions_per_second(home)
            store = SqliteProjectionStore(home / "projections.db")
            # The notifier took the day in while both channels were stuck...
            wait_until(lambda: len(pending(store, "webhook1", 10_000)) > 10, timeout=60)
            assert telegram.texts == []
            assert hook.event_ids == []
            # ...and the webhook's deliverer has a request in flight, which will time out: it
            # reports that before the process stops (SIGTERM earlier could land before any send).
            wait_until(lambda: hook.got.arrived >= 1, timeout=60)
            store.close()
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=60)
        assert TOKEN not in out.decode() + err.decode()
        assert "timed out" in err.decode(), (out.decode(), err.decode())
    # ...and the engine decided as fast as alone (2 shared cores: a wide margin for noise).
    assert beside >= 0.5 * alone, (beside, alone)


def test_stuck_channels_in_the_engines_own_process_leave_decisions_per_second_unchanged(
    tmp_path: Path,
) -> None:
    """As ``tape serve`` runs it: ``start_notifier`` on threads of the engine's process."""
    alone = decisions_per_second(tmp_path / "alone")
    home = tmp_path / "home"
    home.mkdir()
    with fake_servers(TOKEN, CHAT) as (telegram, hook):
        hook.behaviour.hang_s = 120.0
        telegram.behaviour.fail_next, telegram.behaviour.retry_after = 10**6, 1
        config = tmp_path / "tape.toml"
        config.write_text(
            TOML.format(url=hook.url).replace("timeout_s = 5", "timeout_s = 0.5"),
            encoding="utf-8",
        )
        settings = Settings.load(
            {
                "TAPE_HOME": str(home),
                "TAPE_CONFIG": str(config),
                "TAPE_TELEGRAM_BOT_TOKEN": TOKEN,
                "TAPE_TELEGRAM_CHAT_ID": CHAT,
                "TELEGRAM_API_URL": telegram.url,
            }
        )
        apps, storage = open_upstreams(None, settings)
        running = start_notifier(settings, apps, storage, from_start=True, poll_s=0.05)
        assert running is not None
        try:
            beside = decisions_per_second(home)
            store = SqliteProjectionStore(home / "projections.db")
            wait_until(lambda: len(pending(store, "webhook1", 10_000)) > 10, timeout=60)
            assert telegram.texts == []
            assert hook.event_ids == []
            store.close()
        finally:
            running.stop(timeout_s=5)
            apps[0].close()
    assert beside >= 0.5 * alone, (beside, alone)
