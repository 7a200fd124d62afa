"""Telegram commands against the fake Bot API: deny by default (other users, other chats),
read-only answers equal to the CLI's rendering of the same queries, and /halt, /activate only
after the confirmation button, as engine commands recorded with who pressed it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.bootstrap import assemble_engine
from adapters.clock import ManualClock
from adapters.notify.bot import HELP, TelegramBot
from adapters.notify.config import TelegramConfig
from adapters.notify.telegram import TelegramChannel
from adapters.paper.venue import PaperVenues
from adapters.readstore import SqliteProjectionStore
from adapters.sample_day.day import iter_day
from cli.notify_replies import PNL_COLUMNS, POSITION_COLUMNS, QueryReplies
from cli.render import table, why_tree
from engine.agents import Agent
from engine.commands import SetTradingState
from engine.ids import agent_uuid
from engine.secrets import Secret
from engine.values import TradingState
from projections import queries
from projections.logs import read_log
from projections.queries import Filters, TrackedReadModels
from tests.fake_notify import FakeTelegram, fake_servers
from tests.projection_rig import DayRun, run_sqlite_day
from tests.test_notify import CHAT, TOKEN

BOSS, STRANGER = 1001, 6666


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[tuple[FakeTelegram, TelegramBot, DayRun]]:
    run = run_sqlite_day(tmp_path / "day", iter_day(9, intents=60))
    last = max(event.timestamp for _, event in read_log(run.app))
    paper = PaperVenues()
    engine = assemble_engine(
        run.app, venues=paper, market_data=paper, clock=ManualClock(last + timedelta(hours=1))
    )

    def switch(name: str, state: TradingState, reason: str) -> bool:
        return bool(engine.handle(SetTradingState(name=name, state=state, reason=reason)))

    with fake_servers(TOKEN, CHAT) as (telegram, _):
        channel = TelegramChannel(
            telegram.url, Secret("T", TOKEN), CHAT, TelegramConfig(rate_per_minute=100_000)
        )
        replies = QueryReplies(TrackedReadModels(run.projector), [run.app])
        bot = TelegramBot(
            channel, SqliteProjectionStore(tmp_path / "bot.db"), frozenset({BOSS}), replies, switch
        )
        yield telegram, bot, run
        channel.close()
    run.app.close()


def message(text: str, user: int = BOSS, chat: str = CHAT) -> dict[str, Any]:
    return {
        "message": {
            "message_id": 1,
            "text": text,
            "from": {"id": user, "username": "boss"},
            "chat": {"id": int(chat)},
        }
    }


def press(data: str, user: int = BOSS) -> dict[str, Any]:
    return {
        "callback_query": {
            "id": "cb1",
            "data": data,
            "from": {"id": user, "username": "boss"},
            "message": {"message_id": 5, "chat": {"id": int(CHAT)}},
        }
    }


def agent_state(run: DayRun, name: str) -> tuple[str, str]:
    agent = run.app.repository.get(agent_uuid(name))
    assert isinstance(agent, Agent)
    return agent.trading_state, agent.state_reason


def test_read_only_commands_answer_what_the_cli_renders(rig: Any) -> None:
    telegram, bot, run = rig
    models = TrackedReadModels(run.projector)
    order = queries.orders(models, Filters())[0]
    for text in ("/positions", "/pnl", f"/why {order['order_id']}", "/status", "/nonsense"):
        telegram.push(message(text))
    assert bot.poll() == 5
    assert bot.poll() == 0  # taken once: the offset moved
    positions = table(queries.positions(models, Filters()), POSITION_COLUMNS)
    pnl = table(queries.balances(models, Filters()), PNL_COLUMNS)
    trail = queries.why(models, order["order_id"])
    assert trail is not None
    texts = telegram.texts
    assert "\n".join(texts[: len(texts) - 2]) == "\n".join([positions, pnl, why_tree(trail)])
    assert "tiered: HALTED" in texts[-2]  # its stop loss
    assert texts[-1] == HELP


def test_strangers_and_other_chats_are_ignored(rig: Any) -> None:
    telegram, bot, run = rig
    telegram.push(message("/halt follow-whales", user=STRANGER))
    telegram.push(message("/pnl", chat="999"))
    telegram.push(press("halt:follow-whales", user=STRANGER))
    assert bot.poll() == 3
    assert telegram.texts == []
    assert agent_state(run, "follow-whales")[0] == "ACTIVE"


def test_halt_and_activate_need_the_button_and_record_who_pressed_it(rig: Any) -> None:
    telegram, bot, run = rig
    telegram.push(message("/halt follow-whales"))
    bot.poll()
    assert agent_state(run, "follow-whales")[0] == "ACTIVE"  # asked, not done
    [(_, asked)] = [c for c in telegram.calls if c[0] == "sendMessage"]
    [[confirm, cancel]] = asked["reply_markup"]["inline_keyboard"]
    assert confirm["callback_data"] == "halt:follow-whales"
    assert cancel["callback_data"] == "cancel"
    telegram.push(press("cancel"))
    bot.poll()
    assert agent_state(run, "follow-whales")[0] == "ACTIVE"
    telegram.push(press("halt:follow-whales"))
    bot.poll()
    assert agent_state(run, "follow-whales") == (
        "HALTED",
        "halt by telegram user 1001 (@boss)",
    )
    telegram.push(press("activate:follow-whales"))
    bot.poll()
    assert agent_state(run, "follow-whales")[0] == "ACTIVE"
    edits = [c[1]["text"] for c in telegram.calls if c[0] == "editMessageText"]
    assert edits == ["Cancelled.", "follow-whales: HALTED", "follow-whales: ACTIVE"]
    telegram.push(message("/halt nobody"))
    bot.poll()
    assert telegram.texts[-1] == "no agent named nobody"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
strangers = st.integers().filter(lambda n: n != BOSS) | st.text(max_size=5) | st.none()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(["message", "callback_query"]),
    user=strangers,
    text=st.one_of(st.text(max_size=40), st.sampled_from(["/halt tiered", "halt:tiered"])),
    extra=st.dictionaries(st.text(max_size=8), json_values, max_size=3),
)
def test_hostile_updates_from_strangers_change_nothing_and_stop_nothing(
    tmp_path: Path, kind: str, user: Any, text: str, extra: dict[str, Any]
) -> None:
    calls: list[Any] = []

    class NoReplies:
        def __getattr__(self, name: str) -> Any:
            calls.append(name)
            return lambda *a: "x"

    class Dead:
        chat_id = CHAT

        def call(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
            calls.append(method)
            return {"result": []}

    store = SqliteProjectionStore(tmp_path / "hostile.db")
    bot = TelegramBot(
        Dead(), store, frozenset({BOSS}), NoReplies(), lambda *a: calls.append(a) or True
    )  # type: ignore[arg-type]
    part = {
        **extra,
        "text": text,
        "data": text,
        "id": "q",
        "from": {"id": user},
        "chat": {"id": int(CHAT)},
        "message": {"chat": {"id": int(CHAT)}, "message_id": 1},
    }
    bot.handle({kind: part})
    bot.handle({kind: extra})
    assert [c for c in calls if c != "answerCallbackQuery"] == []
    store.close()
