"""The notifier as a part of the service: inside ``tape serve`` (real process, real channels on
loopback), the day's summary sent when the clock passes the day's end, and given-up notices
recorded and shown by the API."""

from __future__ import annotations

import os
import signal
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from adapters.notify.channels import WebhookChannel
from adapters.notify.config import NotifyConfig, WebhookConfig
from adapters.notify.delivery import Deliverer
from adapters.notify.outbox import (
    OUTBOX,
    SEQ_KEY,
    _PageState,
    given_up,
    mark_sent,
    pending,
    start_channel_at,
)
from adapters.notify.wiring import build_notifier
from adapters.readstore import SqliteProjectionStore, open_store
from adapters.sample_day.day import iter_day
from projections.logs import read_log
from projections.notices import Notice
from projections.tracking import Projector
from tests.api_rig import AUTH
from tests.conftest import an_agent_config, make_rig
from tests.fake_notify import fake_servers
from tests.projection_rig import run_sqlite_day
from tests.test_api import BASE, rig_app
from tests.test_http_ingest import TAPE, free_port
from tests.test_notify import CHAT, TOKEN, trip_breaker
from tests.waiting import wait_until

API_TOKEN = "serve-token-for-notify-tests"  # noqa: S105 - a test token


def _kinds(store: SqliteProjectionStore) -> list[str]:
    return [r["notice"]["kind"] for r in pending(store, "nobody", 10_000)]


def test_the_days_summary_goes_out_when_the_clock_passes_its_end_and_only_once(
    tmp_path: Path,
) -> None:
    run = run_sqlite_day(tmp_path / "day", iter_day(5, intents=40))
    last = max(event.timestamp for _, event in read_log(run.app))
    now = [last.timestamp()]  # the injected clock: still the day's last moment
    store = SqliteProjectionStore(tmp_path / "notify.db")
    notifier = build_notifier(
        [run.app], Projector(run.app, store), NotifyConfig(), wall=lambda: now[0]
    )
    notifier.catch_up()
    assert "daily_summary" not in _kinds(store)
    assert not notifier.close_day()  # the day has not ended yet

    midnight = datetime.combine(last.date() + timedelta(days=1), datetime.min.time(), UTC)
    now[0] = midnight.timestamp() + 1  # the clock passes the day's end; no event came
    assert notifier.close_day()
    summaries = [
        r["notice"]
        for r in pending(store, "nobody", 10_000)
        if r["notice"]["kind"] == "daily_summary"
    ]
    assert [s["event_id"] for s in summaries] == [f"day:{last.date().isoformat()}"]
    assert not notifier.close_day()

    trip_breaker(run, "follow-whales")  # the next day's first event
    notifier.catch_up()
    kinds = _kinds(store)
    assert kinds.count("daily_summary") == 1  # not written again when the next day began
    assert kinds[-1] == "breaker"
    run.app.close()
    store.close()


def _notice(n: int) -> Notice:
    return Notice("fill", f"e{n}", "2026-01-30T14:00:00+00:00", f"fill {n}")


def test_a_given_up_notice_is_recorded_once_with_its_reason(tmp_path: Path) -> None:
    store = SqliteProjectionStore(tmp_path / "p.db")
    store.setup([OUTBOX], [SEQ_KEY, "notify-day"])

    class Bare:
        keys: dict[str, str] = {}
        levels = staticmethod(lambda _: "on")

    with store.write() as txn:
        state = _PageState(txn, Bare())  # type: ignore[arg-type]
        for n in (1, 2, 3):
            state.ready(_notice(n))
        state.finish()
    with fake_servers(TOKEN, CHAT) as (_, hook):
        hook.behaviour.fail_next, hook.behaviour.fail_status = 1, 404  # e1 refused for good
        channel = WebhookChannel(hook.url, WebhookConfig(timeout_s=2))
        deliverer = Deliverer(store, channel, retries=0, wall=lambda: 1_800_000_000.0)
        assert deliverer.deliver() == 2
        hook.behaviour.fail_next, hook.behaviour.fail_status = 1, 503  # e4: once, no retries
        with store.write() as txn:
            state = _PageState(txn, Bare())  # type: ignore[arg-type]
            state.ready(_notice(4))
            state.finish()
        assert deliverer.deliver() == 0
        assert deliverer.deliver() == 0  # nothing pending: e4 was given up, not retried again
        channel.close()
    rows = given_up(store)
    assert sorted((r["event_id"], r["event"], r["channel"]) for r in rows) == [
        ("e1", "NoticeGivenUp", "webhook1"),
        ("e4", "NoticeGivenUp", "webhook1"),
    ]
    assert {r["event_id"]: r["reason"] for r in rows} == {
        "e1": "webhook1 answered HTTP 404",
        "e4": "1 failures in a row, the last: webhook1 answered HTTP 503",
    }
    store.close()


TOML = """
[agents.solo]
strategy = "copy"
venues = ["paper"]

[notify.telegram]
rate_per_minute = 100000

[notify.webhook]
urls = ["{url}"]
timeout_s = 5
"""


def _serve(home: Path, port: int, config: Path, telegram_url: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAPE_", "TELEGRAM"))}
    env |= {
        "TAPE_HOME": str(home),
        "TAPE_API_TOKEN": API_TOKEN,
        "TAPE_TELEGRAM_BOT_TOKEN": TOKEN,
        "TAPE_TELEGRAM_CHAT_ID": CHAT,
        "TELEGRAM_API_URL": telegram_url,
        "PYTHONPATH": str(Path(__file__).parent.parent),
    }
    return subprocess.Popen(
        [*TAPE, "serve", "--port", str(port), "--config", str(config)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_tape_serve_runs_the_notifier_beside_the_engine(tmp_path: Path) -> None:
    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    with fake_servers(TOKEN, CHAT) as (telegram, hook):
        config = tmp_path / "tape.toml"
        config.write_text(TOML.format(url=hook.url), encoding="utf-8")
        port = free_port()
        process = _serve(tmp_path, port, config, telegram.url)
        try:
            assert process.stderr is not None
            lines = iter(process.stderr.readline, "")
            assert any("notifying telegram, webhook1" in line for line in lines)

            def halted() -> Any:
                url = f"http://127.0.0.1:{port}/api/v1/agents/solo/halt"
                try:
                    answer = httpx.post(url, headers=auth, json={"reason": "enough"})
                except httpx.ConnectError:
                    return False
                return answer.is_success

            wait_until(halted, timeout=30)
            wait_until(lambda: any(b["kind"] == "halted" for b in hook.bodies), timeout=30)
            wait_until(lambda: any("solo" in text for text in telegram.texts), timeout=30)
        finally:
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=30)
        assert "notifications stopped; telegram: sent 1, webhook1: sent 1" in err
        assert TOKEN not in err


def test_the_api_shows_given_up_notices_among_the_errors(tmp_path: Path) -> None:
    rig = make_rig(tmp_path / "tape.db", agents=[an_agent_config()])
    try:
        client = TestClient(rig_app(rig), headers=AUTH, base_url=BASE)
        assert client.get("/api/v1/errors").json() == []
        store = open_store("sqlite", str(rig.path), {})
        start_channel_at(store, "telegram")
        record = {
            "event": "NoticeGivenUp",
            "at": "2026-01-30T15:00:00+00:00",
            "channel": "telegram",
            "seq": 1,
            "kind": "fill",
            "event_id": "e1",
            "reason": "telegram answered HTTP 403",
        }
        mark_sent(store, "telegram", 1, record)
        store.close()
        assert client.get("/api/v1/errors").json() == [record]
    finally:
        rig.app.close()


def test_tape_serve_with_a_channel_it_cannot_use_stops_before_it_listens(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAPE_", "TELEGRAM"))}
    env |= {"TAPE_HOME": str(tmp_path), "TAPE_TELEGRAM_BOT_TOKEN": TOKEN}
    env["PYTHONPATH"] = str(Path(__file__).parent.parent)
    run = subprocess.run(
        [*TAPE, "serve", "--insecure-local", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        "tape: TAPE_TELEGRAM_BOT_TOKEN is set but TAPE_TELEGRAM_CHAT_ID is not"
    ]
