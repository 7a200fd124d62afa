"""``tape notify test`` and ``tape notify`` (once, no --follow) against the fakes on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.sample_day.day import iter_day
from tests.cli_rig import run_cli
from tests.fake_notify import FakeTelegram, WebhookReceiver, fake_servers
from tests.projection_rig import run_sqlite_day
from tests.test_notify import CHAT, TOKEN
from tests.test_notify_crash import TOML

Fakes = tuple[FakeTelegram, WebhookReceiver]


@pytest.fixture
def configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Fakes]:
    with fake_servers(TOKEN, CHAT) as (telegram, hook):
        config = tmp_path / "tape.toml"
        config.write_text(TOML.format(url=hook.url), encoding="utf-8")
        for name, value in {
            "TAPE_HOME": str(tmp_path / "home"),
            "TAPE_CONFIG": str(config),
            "TAPE_TELEGRAM_BOT_TOKEN": TOKEN,
            "TAPE_TELEGRAM_CHAT_ID": CHAT,
            "TELEGRAM_API_URL": telegram.url,
        }.items():
            monkeypatch.setenv(name, value)
        yield telegram, hook


def test_notify_test_says_what_answered(
    configured: Fakes, capsys: pytest.CaptureFixture[str]
) -> None:
    telegram, hook = configured
    code, out, err = run_cli(capsys, "notify", "test")
    assert code == 0, err
    assert out.splitlines() == ["telegram: ok", "webhook1: ok"]
    assert len(telegram.texts) == 1
    assert len(hook.event_ids) == 1
    hook.behaviour.fail_next, hook.behaviour.fail_status = 1, 500
    code, out, err = run_cli(capsys, "notify", "test")
    assert code == 1
    assert "webhook1: FAILED: webhook1 answered HTTP 500" in out
    assert TOKEN not in out + err
    assert hook.url not in out + err


def test_notify_without_channels_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TAPE_HOME", str(tmp_path))
    for name in ("TAPE_TELEGRAM_BOT_TOKEN", "TAPE_TELEGRAM_CHAT_ID", "TAPE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, "notify", "test")
    assert code == 2
    assert "no channel configured" in err


def test_notify_once_tells_only_what_happens_after_its_first_run(
    configured: Fakes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    telegram, hook = configured
    home = tmp_path / "home"
    run_sqlite_day(home, iter_day(3, intents=30)).app.close()
    code, out, err = run_cli(capsys, "notify")
    assert code == 0, err
    assert "first run" in out
    assert hook.event_ids == []
    assert telegram.texts == []
    run_sqlite_day(home, iter_day(4, intents=30, start=None)).app.close()
    code, out, err = run_cli(capsys, "notify")
    assert code == 0, err
    assert hook.event_ids
    assert len(telegram.texts) == len(hook.event_ids)
    assert f"telegram: sent {len(telegram.texts)}" in out
