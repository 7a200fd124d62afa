"""The notifier against a fake Telegram Bot API and a webhook receiver on loopback (real HTTP):
a day's fills, denials, stop loss, settlements, the daily summary and a breaker trip arrive
once each, in log order, with the numbers of the read queries; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from adapters.notify.channels import WebhookChannel
from adapters.notify.config import NotifyConfig, TelegramConfig, WebhookConfig
from adapters.notify.delivery import Deliverer
from adapters.notify.outbox import OUTBOX, Notifier, pending
from adapters.notify.telegram import TelegramChannel
from adapters.notify.wiring import build_notifier
from adapters.sample_day.day import iter_day
from engine.agents import Agent
from engine.ids import agent_uuid
from engine.orders import Order
from engine.secrets import Secret
from projections.logs import read_log
from projections.queries import Filters, TrackedReadModels, orders
from projections.readstore import Query
from projections.tracking import Projector
from tests.fake_notify import FakeTelegram, WebhookReceiver, fake_servers
from tests.projection_rig import Backend, DayRun, run_backend_day

TOKEN = "123456:AAE-secret-token-value-never-shown"  # noqa: S105 - a test's fake token
CHAT = "4242"


def trip_breaker(run: DayRun, agent: str) -> None:
    """A breaker trip on the next day (the day summary goes out before it)."""
    app = run.app
    last = max(event.timestamp for _, event in read_log(app))
    held = app.repository.get(agent_uuid(agent))
    assert isinstance(held, Agent)
    at = last + timedelta(days=1)
    assert held.count_venue_failure(error="venue timed out", threshold=1, at=at)
    app.save(held)


@pytest.fixture(scope="module")
def day(backend: Backend) -> Iterator[DayRun]:
    run = run_backend_day(backend, iter_day(7, intents=120))
    trip_breaker(run, "follow-whales")
    yield run
    run.app.close()


def channels(telegram: FakeTelegram, hook: WebhookReceiver, **kw: Any) -> tuple[Any, Any]:
    tg = TelegramChannel(
        telegram.url,
        Secret("TAPE_TELEGRAM_BOT_TOKEN", TOKEN),
        CHAT,
        TelegramConfig(rate_per_minute=100_000),
        **kw,
    )
    return tg, WebhookChannel(hook.url, WebhookConfig(timeout_s=2, retries=3))


def outbox_rows(notifier: Notifier) -> list[dict[str, Any]]:
    return pending(notifier.store, "nobody", limit=10_000)


def test_a_day_arrives_once_each_in_order_with_the_queries_numbers(
    day: DayRun, backend: Backend
) -> None:
    store = backend.store()
    projector = Projector(day.app, store)
    config = NotifyConfig(dashboard_url="http://127.0.0.1:8000")
    notifier = build_notifier([day.app], projector, config)
    notifier.catch_up()
    rows = outbox_rows(notifier)
    kinds = [r["notice"]["kind"] for r in rows]

    events = [event for _, event in read_log(day.app)]
    fills = [e for e in events if isinstance(e, Order.OrderFilled)]
    assert kinds.count("fill") == len(fills) > 0
    assert kinds.count("breaker") == 1
    assert kinds[-1] == "breaker"
    assert kinds[-2] == "daily_summary"  # the day ended before the breaker's day began
    assert "denial" in kinds
    assert "stop_loss" in kinds
    assert "settlement" in kinds
    denied = sum(r["notice"]["data"]["count"] for r in rows if r["notice"]["kind"] == "denial")
    assert denied == sum(
        1 for e in events if type(e).__name__ == "IntentDenied" and e.reason != "stop_loss"
    )

    # Fill texts carry the orders query's agent and the fill rows' numbers.
    by_order = {o["order_id"]: o for o in orders(TrackedReadModels(projector), Filters())}
    for row in rows:
        notice = row["notice"]
        if notice["kind"] == "fill":
            order = by_order[notice["data"]["order_id"]]
            assert notice["data"]["agent"] == order["agent"]
            assert any(
                f["price"] == Decimal(notice["data"]["price"])
                and f["size"] == Decimal(notice["data"]["size"])
                for f in order["fills"]
            )

    with fake_servers(TOKEN, CHAT) as (telegram, hook):
        tg, wh = channels(telegram, hook)
        for channel in (tg, wh):
            assert Deliverer(notifier.store, channel, link=config.why_url).deliver() == len(rows)
        # Once each, in the outbox's order.
        assert hook.event_ids == [r["notice"]["event_id"] for r in rows]
        assert telegram.texts == [
            r["notice"]["text"]
            + (
                f"\nhttp://127.0.0.1:8000/#/why/{r['notice']['why_id']}"
                if r["notice"]["why_id"]
                else ""
            )
            for r in rows
        ]
        # Read again: nothing new, nothing resent.
        assert notifier.catch_up() == 0
        assert Deliverer(notifier.store, wh).deliver() == 0
        assert len(hook.event_ids) == len(rows)
        everything = "".join(telegram.texts) + repr(hook.bodies)
        assert TOKEN not in everything
        assert TOKEN.split(":")[1] not in everything
        tg.close()
        wh.close()
    with store.read() as txn:
        assert txn.count(OUTBOX) == len(rows)


def test_off_leaves_a_kind_out_and_silent_is_sent_without_a_sound(
    day: DayRun, backend: Backend
) -> None:
    projector = Projector(day.app, backend.store())
    config = NotifyConfig(loudness={"fill": "silent", "denial": "off"})
    notifier = build_notifier([day.app], projector, config)
    notifier.catch_up()
    rows = outbox_rows(notifier)
    assert not [r for r in rows if r["notice"]["kind"] == "denial"]
    assert all(r["silent"] == (r["notice"]["kind"] == "fill") for r in rows)
    with fake_servers(TOKEN, CHAT) as (telegram, hook):
        tg, _ = channels(telegram, hook)
        Deliverer(notifier.store, tg).deliver()
        silent = [r["disable_notification"] for r in telegram.got.requests]
        assert silent == [r["silent"] for r in rows]
        tg.close()


def test_a_page_limit_gives_the_same_outbox(day: DayRun, backend: Backend) -> None:
    whole = build_notifier([day.app], Projector(day.app, backend.store()), NotifyConfig())
    whole.catch_up()
    paged = build_notifier(
        [day.app], Projector(day.app, backend.store(), batch_size=7), NotifyConfig(), batch=13
    )
    paged.catch_up()
    strip = [(r["seq"], r["notice"]) for r in outbox_rows(whole)]
    assert [(r["seq"], r["notice"]) for r in outbox_rows(paged)] == strip
    with paged.store.read() as txn:
        assert txn.select(OUTBOX, Query(status="OPEN")) == []
