"""Copy signals address traders, not agents: an intent without ``agent`` is decided once for
every copy agent following its trader, each under its own rules; a redelivery is recognised
per agent; nobody following it is a recorded denial, never a crash."""

from __future__ import annotations

import json
import tempfile
import threading
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.http_ingest import create_app
from adapters.intent_tail import IntentTail, ingest_following
from engine.handlers.intake import UNFOLLOWED
from engine.ids import intent_uuid
from engine.intent import IntentFormatError, parse_intent
from engine.intents import Intent
from engine.orders import Order
from engine.signals import addressed_id
from tests.conftest import (
    AGENT,
    OTHER_TRADER,
    TRADER,
    EngineRig,
    a_book,
    a_source,
    an_agent_config,
    an_intent,
    make_rig,
)
from tests.test_http_ingest import AUTH, TOKEN, serving, wait_until

FIXED = "fixed-follower"
STRANGER = "follows-another"
SIGNAL = "copy:0x5f1ce9:7132:BUY"


def signal(**overrides: Any) -> dict[str, Any]:
    """A copy intent that addresses no agent (its trader's followers decide it)."""
    data = an_intent(**overrides)
    data.pop("agent", None)
    return data


def two_followers_rig(path: Path) -> EngineRig:
    """AGENT (10% of the source size) and FIXED (20 USDC a trade) both follow TRADER;
    STRANGER follows someone else."""
    rig = make_rig(
        path,
        agents=[
            an_agent_config(),
            an_agent_config(name=FIXED, sizing={"mode": "FIXED", "value": "20"}),
            an_agent_config(name=STRANGER, follow=[OTHER_TRADER]),
        ],
    )
    rig.show_book(a_book())
    return rig


def verdicts(rig: EngineRig) -> dict[str, str]:
    """intent id -> verdict (ACCEPTED, DENIED or RECEIVED) of every intent stored."""
    found = {}
    for event in rig.events():
        if isinstance(event, Intent.IntentReceived):
            found[event.intent_id] = "RECEIVED"
        elif isinstance(event, Intent.IntentAccepted | Intent.IntentDenied):
            record: Intent = rig.get(event.originator_id)
            found[record.intent_id] = record.status
    return found


def orders_by_agent(rig: EngineRig) -> dict[str, Decimal]:
    """agent -> size of the orders placed for it."""
    sizes: Counter[str] = Counter()
    for event in rig.events():
        if isinstance(event, Order.OrderPlaced):
            sizes[event.agent] += event.size
    return {k: Decimal(v) for k, v in sizes.items()}


def test_a_signal_is_decided_once_for_each_follower_under_its_own_rules(tmp_path: Path) -> None:
    rig = two_followers_rig(tmp_path / "tape.db")

    receipt = rig.submit(agent=None)

    assert receipt.status == "received"
    assert receipt.intent_ids == (addressed_id(SIGNAL, FIXED), addressed_id(SIGNAL, AGENT))
    assert verdicts(rig) == {
        addressed_id(SIGNAL, AGENT): "ACCEPTED",
        addressed_id(SIGNAL, FIXED): "ACCEPTED",
    }
    sizes = orders_by_agent(rig)
    assert sizes[AGENT] == Decimal("12.05")  # 10% of 120.5 shares
    assert sizes[FIXED] == Decimal("38.46")  # 20 USDC at 0.52
    assert STRANGER not in sizes
    for agent in (AGENT, FIXED):
        record: Intent = rig.get(intent_uuid(addressed_id(SIGNAL, agent)))
        assert record.intent["agent"] == agent
        assert record.intent["intent_id"] == addressed_id(SIGNAL, agent)


def test_a_redelivered_signal_is_recognised_per_agent_and_decides_nothing_twice(
    tmp_path: Path,
) -> None:
    rig = two_followers_rig(tmp_path / "tape.db")
    rig.submit(agent=None)
    placed = orders_by_agent(rig)

    again = rig.submit(agent=None)

    assert again.status == "duplicate"
    assert orders_by_agent(rig) == placed
    redelivered = [e for e in rig.events() if isinstance(e, Intent.IntentRedelivered)]
    assert sorted(rig.get(e.originator_id).intent_id for e in redelivered) == sorted(
        addressed_id(SIGNAL, a) for a in (AGENT, FIXED)
    )


def test_a_follower_added_later_decides_a_redelivered_signal_the_others_do_not(
    tmp_path: Path,
) -> None:
    rig = two_followers_rig(tmp_path / "tape.db")
    rig.submit(agent=None)
    rig.engine.register_agents([an_agent_config(name="late", follow=[TRADER])])

    again = rig.submit(agent=None)

    assert again.status == "received"  # new for "late" only
    assert verdicts(rig)[addressed_id(SIGNAL, "late")] == "ACCEPTED"
    assert sum(isinstance(e, Order.OrderPlaced) for e in rig.events()) == 3


def test_a_signal_nobody_follows_is_a_recorded_denied_input(tmp_path: Path) -> None:
    rig = two_followers_rig(tmp_path / "tape.db")

    receipt = rig.submit(agent=None, source=a_source(trader="0x" + "c" * 40))

    assert receipt.status == "unfollowed"
    denied = [e for e in rig.events() if type(e).__name__ == "InputDenied"]
    assert len(denied) == 1
    assert denied[0].reason.startswith(UNFOLLOWED)
    assert not [e for e in rig.events() if isinstance(e, Intent.IntentReceived)]


def test_an_agent_that_had_the_trade_by_name_does_not_take_its_signal_again(
    tmp_path: Path,
) -> None:
    rig = two_followers_rig(tmp_path / "tape.db")
    rig.submit()  # addressed to AGENT by name (a monitor run with --agent)

    receipt = rig.submit(agent=None)  # the same trade as a signal

    assert receipt.status == "received"  # FIXED's is new
    assert set(verdicts(rig)) == {SIGNAL, addressed_id(SIGNAL, FIXED)}
    assert rig.get(intent_uuid(SIGNAL)).redeliveries == 1
    # and the other way round: the signal first, then the trade by name
    rig.submit(intent_id="copy:0x77:7132:BUY", agent=None)
    by_name = rig.submit(intent_id="copy:0x77:7132:BUY", agent=FIXED)
    assert by_name.status == "duplicate"
    assert by_name.intent_ids == (addressed_id("copy:0x77:7132:BUY", FIXED),)


def test_a_signal_needs_a_copy_source() -> None:
    with pytest.raises(IntentFormatError, match="only a copy intent may leave out agent"):
        parse_intent(signal(source={"kind": "manual"}))


TRADERS = (TRADER, OTHER_TRADER, "0x" + "d" * 40)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    follows=st.lists(st.sets(st.sampled_from(TRADERS), max_size=3), min_size=1, max_size=4),
    stream=st.lists(
        st.one_of(
            st.tuples(st.just("signal"), st.integers(0, 5), st.sampled_from(TRADERS)),
            st.tuples(st.just("by name"), st.integers(0, 5), st.integers(0, 3)),
            st.tuples(st.just("join"), st.integers(0, 0), st.sampled_from(TRADERS)),
        ),
        max_size=16,
    ),
)
def test_every_trade_has_exactly_one_verdict_per_agent_that_had_it(
    tmp_path: Path, follows: list[set[str]], stream: list[tuple[str, int, Any]]
) -> None:
    # Signals (redelivered or not), the same trades sent to an agent by name, and followers
    # joining midway: an agent decides a trade once, whichever way and however often it came,
    # and only an agent that followed its trader when a signal of it came (or got it by name).
    path = Path(tempfile.mkdtemp(dir=tmp_path)) / "tape.db"
    agents = [an_agent_config(name=f"a{i}", follow=sorted(f)) for i, f in enumerate(follows)]
    rig = make_rig(path, agents=agents)
    rig.show_book(a_book())
    trader_of: dict[str, str] = {}
    model: dict[str, str] = {}  # intent id -> agent: what should have been taken in
    for op, number, arg in stream:
        trade = f"copy:0x{number:02x}:7132:BUY"
        if op == "join":
            agents.append(an_agent_config(name=f"a{len(agents)}", follow=[arg]))
            rig.engine.register_agents([agents[-1]])
            continue
        trader = trader_of.setdefault(trade, arg if op == "signal" else TRADER)
        if op == "signal":
            rig.submit(intent_id=trade, agent=None, source=a_source(trader=trader))
            for config in agents:
                mine = addressed_id(trade, config.name)
                known = mine in model or model.get(trade) == config.name
                if trader in config.follow and not known:
                    model[mine] = config.name
        else:
            agent = agents[arg % len(agents)].name
            rig.submit(intent_id=trade, agent=agent, source=a_source(trader=trader))
            if trade not in model and addressed_id(trade, agent) not in model:
                model[trade] = agent

    decided: Counter[str] = Counter()
    for event in rig.events():
        if isinstance(event, Intent.IntentAccepted | Intent.IntentDenied):
            record: Intent = rig.get(event.originator_id)
            assert record.intent["agent"] == model.get(record.intent_id)
            decided[record.intent_id] += 1
    assert set(decided) == set(model)
    assert all(count == 1 for count in decided.values())
    rig.app.close()


def test_the_http_intake_routes_a_signal_to_each_follower_and_decides_each(
    tmp_path: Path,
) -> None:
    rig = two_followers_rig(tmp_path / "tape.db")
    rig.clock.set(rig.clock.now())
    with serving(create_app(rig.engine, TOKEN, max_body=64 * 1024)) as url:
        body = [
            signal(),
            signal(intent_id="copy:0x99:7132:BUY", source=a_source(trader="0x" + "e" * 40)),
        ]
        answer = requests.post(
            f"{url}/intents",
            json=body,
            headers={"Content-Type": "application/json", **AUTH},
            timeout=10,
        ).json()
        assert [a["status"] for a in answer] == ["received", "unfollowed"]
        assert "no copy agent follows trader" in answer[1]["reason"]
        children = [intent_uuid(addressed_id(SIGNAL, a)) for a in (AGENT, FIXED)]
        wait_until(lambda: all(rig.app.repository.get(c).decided for c in children))
        again = requests.post(f"{url}/intents", json=body[:1], headers={**AUTH}, timeout=10).json()
        assert again[0]["status"] == "duplicate"
    assert set(orders_by_agent(rig)) == {AGENT, FIXED}
    rig.app.close()


def test_a_followed_file_of_signals_decides_each_follower_once_across_a_crash(
    tmp_path: Path,
) -> None:
    rig = two_followers_rig(tmp_path / "tape.db")
    path, offsets = tmp_path / "signals.jsonl", tmp_path / "offset.json"
    path.write_text(
        "".join(json.dumps(signal(intent_id=f"copy:0x{n}:7132:BUY")) + "\n" for n in (1, 2)),
        encoding="utf-8",
    )
    rig.clock.set(rig.clock.now())
    decide = rig.engine.decide_pending
    calls = 0

    def crash_while_deciding(intent_id: str) -> list[Any]:
        nonlocal calls
        calls += 1
        if calls == 4:  # line 2's followers taken in, the first decided: then the crash
            raise KeyboardInterrupt
        return decide(intent_id)

    rig.engine.decide_pending = crash_while_deciding  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        ingest_following(rig.engine, IntentTail(path, offsets), feed="signals.jsonl",
                         stop=threading.Event(), report=lambda _m: None)  # fmt: skip
    rig.engine.decide_pending = decide  # type: ignore[method-assign]
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    tail = IntentTail(path, offsets, poll_interval=0.01)
    receipts = ingest_following(
        rig.engine, tail, feed="signals.jsonl", stop=stop, report=lambda _m: None
    )
    assert receipts == {"duplicate": 1}  # line 2 again: both followers had it already
    assert sum(isinstance(e, Order.OrderPlaced) for e in rig.events()) == 4  # none twice
    assert verdicts(rig) == {
        addressed_id(f"copy:0x{n}:7132:BUY", a): "ACCEPTED" for n in (1, 2) for a in (AGENT, FIXED)
    }
    rig.app.close()
