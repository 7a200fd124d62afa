"""The resolution poller inside the loops that run it: beside a server (``LockedPolling``, the
venues asked outside the engine's lock) and in ``tape follow``'s loop (``FollowLoop``)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.follow import FollowLoop
from adapters.intent_tail import IntentTail
from adapters.resolutions.poller import LockedPolling
from tests.conftest import a_book, an_agent_config, an_intent, make_rig
from tests.fake_gamma import FakeGamma, still_open
from tests.test_resolution_poller import CONDITION, MARKET, UP, holding, poller, settled
from tests.waiting import wait_until

D = Decimal


@pytest.fixture
def gamma() -> Iterator[FakeGamma]:
    """The fake Gamma, the market still open."""
    fake = FakeGamma().start()
    fake.put(still_open(MARKET))
    yield fake
    fake.stop()


def test_beside_a_server_the_venues_are_asked_outside_the_engines_lock(
    tmp_path: Path, gamma: FakeGamma
) -> None:
    rig = holding(tmp_path / "tape.db")
    polls = poller(rig, gamma.url)
    lock = threading.Lock()
    asked_while: list[bool] = []
    source = polls.sources["polymarket"]
    ask = source.winner

    def winner(market_id: str, tokens: set[str]) -> str | None:
        asked_while.append(lock.locked())
        return ask(market_id, tokens)

    source.winner = winner  # type: ignore[method-assign]
    gamma.put(MARKET)
    thread = LockedPolling(polls, lock, interval=0.05)
    thread.start()
    try:
        wait_until(lambda: len(settled(rig)) == 2)
    finally:
        thread.stop.set()
        thread.join(timeout=5)
    assert asked_while
    assert not any(asked_while)  # intake never waited on Gamma


def test_the_follow_loop_takes_intents_in_and_settles_the_market_when_it_ends(
    tmp_path: Path, gamma: FakeGamma
) -> None:
    rig = make_rig(tmp_path / "tape.db", agents=[an_agent_config(name="up")])
    rig.show_book(a_book(token_id=UP, market_id=CONDITION))
    rig.clock.set(datetime(2026, 1, 30, 14, 4, 1, tzinfo=UTC))
    intents = tmp_path / "intents.jsonl"
    line = an_intent(
        intent_id="copy:0x01:up:BUY",
        agent="up",
        market_id=CONDITION,
        token_id=UP,
        created_at="2026-01-30T14:04:00Z",
    )
    intents.write_text(json.dumps(line) + "\n")
    stop = threading.Event()
    lines: list[str] = []
    polls = poller(rig, gamma.url)
    polls.report = lines.append
    loop = FollowLoop(
        rig.engine,
        IntentTail(intents, tmp_path / "offset.json"),
        agents=["up"],
        poller=polls,
        stop=stop,
        report=lines.append,
        poll_s=0.02,
        housekeeping_s=0.05,
        resolve_s=0.05,
    )
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: loop.receipts["received"] == 1)
        gamma.put(MARKET)
        wait_until(lambda: f"up {UP[:6]}" in settled(rig))
    finally:
        stop.set()
        thread.join(timeout=10)
    assert settled(rig) == {f"up {UP[:6]}": (D("12.05"), D(1))}
    assert any("resolved to" in line for line in lines)
