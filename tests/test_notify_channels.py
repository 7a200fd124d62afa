"""The channels against the fakes on loopback: Telegram's length split, flood control
(``retry_after``) and rate limit, timeouts; webhooks' event id header, templates, retries with
backoff; ``[notify]`` validation and the Telegram settings; no secret in any error."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.config_file import ConfigError, config_from_toml
from adapters.notify.channels import (
    Outgoing,
    PermanentChannelError,
    TransientChannelError,
    WebhookChannel,
)
from adapters.notify.config import NotifyConfig, TelegramConfig, WebhookConfig
from adapters.notify.delivery import ChannelBusyError, ChannelLock, Deliverer
from adapters.notify.outbox import OUTBOX, SEQ_KEY, _PageState, pending
from adapters.notify.telegram import MAX_TEXT, TelegramChannel, TokenBucket, split_text
from adapters.readstore import SqliteProjectionStore
from adapters.settings import Settings, SettingsError
from adapters.storage import postgres_storage
from engine.secrets import Secret
from projections.notices import Notice
from tests.fake_notify import fake_servers
from tests.postgres import fresh_schema, postgres_url

TOKEN = "987654:ZZZ-another-secret-token"  # noqa: S105 - a test's fake token
CHAT = "77"
AGENT = {"agents": {"a": {"strategy": "copy", "venues": ["paper"], "follow": []}}}


def a_notice(n: int = 1, text: str = "hello") -> Notice:
    return Notice("fill", f"e{n}", "2026-01-30T14:00:00+00:00", text, {"agent": "a"})


def telegram(url: str, sleeps: list[float] | None = None, **kw: object) -> TelegramChannel:
    config = TelegramConfig(**{"rate_per_minute": 100_000, **kw})  # type: ignore[arg-type]
    sleep = sleeps.append if sleeps is not None else time.sleep
    return TelegramChannel(url, Secret("TAPE_TELEGRAM_BOT_TOKEN", TOKEN), CHAT, config, sleep=sleep)


@given(st.text(alphabet=st.sampled_from("ab \n"), max_size=400), st.integers(5, 60))
def test_split_keeps_every_piece_under_the_limit_and_loses_only_line_breaks(
    text: str, limit: int
) -> None:
    pieces = split_text(text, limit)
    assert all(len(p) <= limit for p in pieces)
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")


def test_a_long_message_goes_in_pieces_telegram_takes() -> None:
    with fake_servers(TOKEN, CHAT) as (tg, _):
        channel = telegram(tg.url)
        text = "\n".join(f"line {i} " + "x" * 90 for i in range(200))  # about 20,000 chars
        channel.send(Outgoing(a_notice(text=text)))
        assert len(tg.texts) > 1
        assert all(len(t) <= MAX_TEXT for t in tg.texts)
        assert "\n".join(tg.texts) == text
        channel.close()


def test_flood_control_is_honoured_with_retry_after() -> None:
    sleeps: list[float] = []
    with fake_servers(TOKEN, CHAT) as (tg, _):
        tg.behaviour.fail_next, tg.behaviour.retry_after = 2, 7
        channel = telegram(tg.url, sleeps)
        channel.send(Outgoing(a_notice()))
        assert tg.texts == ["hello"]
        assert tg.got.refused == 2
        assert sleeps == [7.0, 7.0]
        tg.behaviour.fail_next = 10
        with pytest.raises(TransientChannelError) as raised:
            channel.send(Outgoing(a_notice()))
        assert TOKEN not in str(raised.value)
        assert tg.url not in str(raised.value)
        channel.close()


def test_a_hanging_bot_api_is_a_transient_error_naming_no_secret() -> None:
    with fake_servers(TOKEN, CHAT) as (tg, _):
        tg.behaviour.hang_s = 1.0
        channel = telegram(tg.url, timeout_s=0.2)
        with pytest.raises(TransientChannelError) as raised:
            channel.send(Outgoing(a_notice()))
        assert TOKEN not in str(raised.value)
        channel.close()


def test_a_wrong_chat_is_a_permanent_refusal() -> None:
    with fake_servers(TOKEN, "other") as (tg, _):
        channel = telegram(tg.url)
        with pytest.raises(PermanentChannelError) as raised:
            channel.send(Outgoing(a_notice()))
        assert TOKEN not in str(raised.value)
        channel.close()


def test_the_token_bucket_holds_the_rate() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    bucket = TokenBucket(20, clock=lambda: now[0], sleep=sleep)
    for _ in range(80):
        bucket.take()
    # 20 at once, then one every 3 s: 60 more take 180 s.
    assert now[0] == pytest.approx(180.0)


def test_webhooks_carry_the_event_id_and_fill_templates() -> None:
    config = WebhookConfig(templates={"fill": {"content": "{agent} filled: {text}"}})
    with fake_servers(TOKEN, CHAT) as (_, hook):
        channel = WebhookChannel(hook.url, config)
        channel.send(Outgoing(a_notice(3)))
        channel.send(Outgoing(Notice("breaker", "e4", "2026-01-30T14:00:00+00:00", "trip")))
        assert hook.event_ids == ["e3", "e4"]
        assert hook.bodies[0] == {"content": "a filled: hello"}
        assert hook.bodies[1]["text"] == "trip"
        assert hook.bodies[1]["event_id"] == "e4"
        channel.close()


def test_a_failing_webhook_is_retried_with_backoff_in_order_then_given_up(
    tmp_path: Path,
) -> None:
    store = SqliteProjectionStore(tmp_path / "p.db")
    store.setup([OUTBOX], [SEQ_KEY, "notify-day"])

    class Bare:
        keys: dict[str, str] = {}
        levels = staticmethod(lambda _: "on")

    with store.write() as txn:
        state = _PageState(txn, Bare())  # type: ignore[arg-type]
        for n in range(1, 4):
            state.ready(a_notice(n))
        state.finish()
    reports: list[str] = []
    with fake_servers(TOKEN, CHAT) as (_, hook):
        hook.behaviour.fail_next, hook.behaviour.fail_status = 2, 503
        channel = WebhookChannel(hook.url, WebhookConfig(timeout_s=2))
        deliverer = Deliverer(store, channel, retries=2, backoff_s=0.5, report=reports.append)
        assert deliverer.deliver() == 0
        assert deliverer.backoff() == 0.5
        assert deliverer.deliver() == 0
        assert deliverer.backoff() == 1.0
        assert deliverer.deliver() == 3  # the third try goes, and the rest after it
        assert hook.event_ids == ["e1", "e2", "e3"]
        hook.behaviour.fail_next, hook.behaviour.fail_status = 1, 404
        with store.write() as txn:
            state = _PageState(txn, Bare())  # type: ignore[arg-type]
            state.ready(a_notice(9))
            state.ready(a_notice(10))
            state.finish()
        assert deliverer.deliver() == 1  # e9 refused for good (404), e10 goes
        assert hook.event_ids[-1] == "e10"
        assert deliverer.given_up == 1
        assert pending(store, channel.name) == []
        channel.close()
    assert all(hook.url not in line for line in reports)
    store.close()


def test_notify_table_is_validated_and_unknown_keys_refused() -> None:
    ok = config_from_toml(
        {**AGENT, "notify": {"fill": "silent", "webhook": {"url": "http://127.0.0.1:9/h"}}},
        source="t.toml",
    )
    assert ok.notify.level("fill") == "silent"
    assert ok.notify.level("denial") == "on"
    assert ok.notify.webhook.urls == ("http://127.0.0.1:9/h",)
    assert config_from_toml(AGENT, source="t").notify == NotifyConfig()
    for bad, words in [
        ({"fill": "loud"}, "notify.fill must be one of on, silent, off"),
        ({"bogus": 1}, "unknown key bogus"),
        ({"webhook": {"url": "ftp://x"}}, "http(s) URL"),
        ({"webhook": {"secret": "x"}}, "unknown key secret"),
        ({"telegram": {"allowed_users": ["me"]}}, "list of Telegram user ids"),
        ({"telegram": {"rate_per_minute": 0}}, "at least 1"),
    ]:
        with pytest.raises(ConfigError, match=r"t\.toml: ") as raised:
            config_from_toml({**AGENT, "notify": bad}, source="t.toml")
        assert words in str(raised.value)


def test_telegram_settings_hold_the_token_as_a_secret() -> None:
    settings = Settings.load(
        {
            "TAPE_TELEGRAM_BOT_TOKEN": TOKEN,
            "TAPE_TELEGRAM_CHAT_ID": "-100123",
            "TELEGRAM_API_URL": "http://127.0.0.1:1/",
        }
    )
    assert settings.telegram.configured
    assert settings.telegram.api_url == "http://127.0.0.1:1"
    assert TOKEN not in repr(settings)
    assert settings.telegram.token is not None
    assert settings.telegram.token.reveal() == TOKEN
    with pytest.raises(SettingsError) as raised:
        Settings.load({"TAPE_TELEGRAM_CHAT_ID": TOKEN})
    assert "TAPE_TELEGRAM_CHAT_ID" in str(raised.value)
    assert TOKEN not in str(raised.value)
    assert not Settings.load({}).telegram.configured


def test_one_notifier_per_channel(tmp_path: Path) -> None:
    first = ChannelLock("sqlite", tmp_path, {}, "telegram")
    first.acquire()
    second = ChannelLock("sqlite", tmp_path, {}, "telegram")
    with pytest.raises(ChannelBusyError, match="another notifier is delivering to telegram"):
        second.acquire()
    ChannelLock("sqlite", tmp_path, {}, "webhook1").acquire()  # another channel is free
    first.release()
    second.acquire()
    second.release()


@pytest.mark.postgres
def test_one_notifier_per_channel_across_machines_on_postgres(tmp_path: Path) -> None:
    with fresh_schema() as schema:
        env = postgres_storage(postgres_url(), schema=schema).env
        first = ChannelLock("postgres", tmp_path, env, "telegram")
        first.acquire()
        second = ChannelLock("postgres", tmp_path / "elsewhere", env, "telegram")
        with pytest.raises(ChannelBusyError):
            second.acquire()
        first.release()  # (a killed process's session ends, and the lock with it)
        second.acquire()
        second.release()
