"""Aggregation of small copies: buys sized below the venue's minimum wait in the agent's buffer
and go out as one order once together they reach it, or expire after the window; sells are
never buffered; the buffer is in the log, so a restart loses nothing and replay verifies."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.readstore import open_store
from adapters.replay.verify import verify
from cli.render import why_tree
from engine.aggregation import PendingCopies
from engine.config import AgentConfig
from engine.copy_buffer import CopyBuffer
from engine.decision import DecisionInput, decide
from engine.ids import copy_buffer_uuid
from engine.intents import Intent
from projections.audit import find_trail
from projections.tracking import Projector
from tests.conftest import (
    OTHER_TOKEN,
    T0,
    TOKEN,
    a_book,
    a_source,
    a_trade_intent,
    an_agent_config,
    make_rig,
)
from tests.projection_rig import assert_trails_match_the_log
from tests.test_firewall import an_agent_view, decide_on

D = Decimal
AGGREGATING = {"aggregate_small": True}


def small_buy(
    n: int,
    *,
    size: str = "30",
    price: str = "0.52",
    token: str = TOKEN,
    at_s: int = 0,
    **extra: Any,
) -> dict[str, Any]:
    """A copy of a buy of ``size`` shares (10% of it is below the 5-share minimum)."""
    tx = f"0x{n:06x}"
    return {
        "intent_id": f"copy:{tx}:{token}:BUY",
        "token_id": token,
        "size": size,
        "price": price,
        "created_at": (T0 + timedelta(seconds=at_s)).isoformat().replace("+00:00", "Z"),
        "source": a_source(tx_hash=tx),
        **extra,
    }


# -- the pure rules ---------------------------------------------------------------------------


def test_without_aggregation_a_small_buy_is_denied_as_sizing() -> None:
    decision = decide_on(a_trade_intent(size="30"))
    assert not decision.accepted
    assert decision.failed is not None
    assert decision.failed.name == "sizing"
    assert not decision.buffer


def test_an_aggregating_agent_buffers_a_small_buy_and_says_how_far_the_bucket_is() -> None:
    agent = an_agent_view(an_agent_config(**AGGREGATING))
    data = DecisionInput(
        intent=a_trade_intent(size="30"),
        now=T0 + timedelta(seconds=1),
        agent=agent,
        book=a_book(),
        held_from_trader=D(0),
        held_total=D(0),
        observed_trader_holding=None,
        pending=PendingCopies("polymarket|7132|BUY", ()),
    )
    decision = decide(data)
    assert decision.buffer
    assert decision.order is None
    aggregation = next(c for c in decision.checks if c.name == "aggregation")
    assert aggregation.values["buffered_after"] == "3"
    assert aggregation.values["min_size"] == "5"
    assert "sizing" not in {c.name for c in decision.checks}


def test_config_off_by_default_and_absent_from_the_stored_record() -> None:
    plain = an_agent_config()
    assert not plain.aggregate_small
    assert "aggregate_small" not in plain.to_record()
    assert "aggregation_window_s" not in plain.to_record()
    assert "aggregation_round_up_usdc" not in plain.to_record()
    on = an_agent_config(aggregate_small=True, aggregation_window_s=60)
    assert AgentConfig.from_record(on.to_record()) == on
    with pytest.raises(ValueError, match="aggregate_small"):
        an_agent_config(aggregate_small="yes")


# -- through the engine -------------------------------------------------------------------------


def test_three_small_buys_go_out_as_one_order_whose_why_lists_every_intent(tmp_path: Path) -> None:
    rig = make_rig(tmp_path / "tape.db", agents=[an_agent_config(**AGGREGATING)])
    rig.show_book(a_book(asks=(("0.52", "250"), ("0.53", "900"))))
    intents = [
        small_buy(1, at_s=0),
        small_buy(2, size="10", price="0.51", at_s=10),
        small_buy(3, at_s=20),
    ]
    for intent in intents:
        rig.submit(**intent)
    names = rig.event_names()
    assert names.count("IntentBuffered") == 2
    assert names.count("CopyBuffered") == 2
    assert names.count("BufferFlushed") == 1
    assert names.count("OrderPlaced") == 1
    flushed = next(e for e in rig.events() if isinstance(e, CopyBuffer.BufferFlushed))
    assert flushed.intent_ids == [intents[0]["intent_id"], intents[1]["intent_id"]]
    assert flushed.buffered_size == D(4)  # 3 + 1
    assert flushed.order_size == D(7)  # and 3 more from the third copy
    # volume-weighted: (3 x 0.52 + 1 x 0.51 + 3 x 0.52) / 7
    assert flushed.vwap == D("0.518571")
    trail = find_trail(rig.app, flushed.order_id)
    assert trail is not None
    assert trail.intent_id == intents[2]["intent_id"]
    text = why_tree(trail)
    for intent in intents:
        assert intent["intent_id"] in text
    assert "0.518571" in text
    # a buffered intent's own trail says which order carried it
    first = find_trail(rig.app, intents[0]["intent_id"])
    assert first is not None
    first_text = why_tree(first)
    assert "IntentBuffered" in first_text
    assert f"carried by order {flushed.order_id}" in first_text
    # the audit projection (what `tape why` reads) gives the same trails as a scan of the log
    projector = Projector(rig.app, open_store("sqlite", str(tmp_path / "proj.db"), {}))
    projector.catch_up()
    assert_trails_match_the_log(rig.app, projector, limit=10)
    assert verify(rig.app).ok
    rig.app.close()


def test_a_bucket_expires_after_its_window_at_the_agents_next_decision(tmp_path: Path) -> None:
    config = an_agent_config(aggregate_small=True, aggregation_window_s=60)
    rig = make_rig(tmp_path / "tape.db", agents=[config])
    rig.show_book(a_book())
    rig.show_book(a_book(token_id=OTHER_TOKEN))
    rig.submit(**small_buy(1, at_s=0))
    rig.submit(**small_buy(2, token=OTHER_TOKEN, at_s=61))  # another token: the sweep runs
    expired = [e for e in rig.events() if isinstance(e, CopyBuffer.BufferExpired)]
    assert [(e.intent_ids, e.size, e.reason) for e in expired] == [
        ([small_buy(1)["intent_id"]], D(3), "window_ended")
    ]
    buffer: CopyBuffer = rig.get(copy_buffer_uuid(config.name))
    assert buffer.pending("polymarket|7132|BUY").entries == ()
    assert len(buffer.pending(f"polymarket|{OTHER_TOKEN}|BUY").entries) == 1
    expired_trail = find_trail(rig.app, small_buy(1)["intent_id"])
    assert expired_trail is not None
    assert "window_ended: 3 shares of 1 copies not placed" in why_tree(expired_trail)
    assert verify(rig.app).ok
    rig.app.close()


def test_a_small_buy_within_the_round_up_budget_goes_out_at_the_minimum(tmp_path: Path) -> None:
    config = an_agent_config(aggregate_small=True, aggregation_round_up_usdc="1.5")
    rig = make_rig(tmp_path / "tape.db", agents=[config])
    rig.show_book(a_book())
    rig.submit(**small_buy(1, size="30"))  # 3 shares: 2 short, 1.04 USDC at 0.52
    rig.submit(**small_buy(2, size="10", at_s=5))  # 1 share: 4 short, 2.08 USDC: buffered
    names = rig.event_names()
    assert names.count("OrderPlaced") == 1
    assert names.count("IntentBuffered") == 1
    placed = next(e for e in rig.events() if type(e).__name__ == "OrderPlaced")
    assert placed.size == D(5)
    accepted = next(e for e in rig.events() if isinstance(e, Intent.IntentAccepted))
    check = next(c for c in accepted.checks if c["name"] == "aggregation")
    assert check["values"]["rounded_up_from"] == "3"
    assert check["values"]["round_up_cost"] == "1.04"
    assert verify(rig.app).ok
    rig.app.close()


def test_a_small_sell_is_rounded_up_to_the_minimum_from_what_is_held(tmp_path: Path) -> None:
    config = an_agent_config(aggregate_small=True, aggregation_round_up_usdc="2")
    rig = make_rig(tmp_path / "tape.db", agents=[config])
    rig.show_book(a_book())
    rig.submit(**small_buy(1, size="100"))  # 10 shares bought
    sell = {
        **small_buy(2, size="30", at_s=5),
        "side": "SELL",
        "intent_id": "copy:0x2:7132:SELL",
        "source": a_source(tx_hash="0x2", trader_position_before="100"),
    }
    rig.submit(**sell)  # 30% of the 10 held: 3 shares, rounded up to 5 for 1.04 USDC
    sold = [e for e in rig.events() if type(e).__name__ == "OrderPlaced" and e.side == "SELL"]
    assert [e.size for e in sold] == [D(5)]
    assert "IntentBuffered" not in rig.event_names()
    assert verify(rig.app).ok
    rig.app.close()


def test_sells_are_never_buffered(tmp_path: Path) -> None:
    rig = make_rig(tmp_path / "tape.db", agents=[an_agent_config(**AGGREGATING)])
    rig.show_book(a_book())
    rig.submit(**small_buy(1, size="100"))  # 10 shares bought
    rig.submit(
        **{
            **small_buy(2, size="30", at_s=5),
            "side": "SELL",
            "intent_id": "copy:0x2:7132:SELL",
            "source": a_source(tx_hash="0x2", trader_position_before="300"),
        }
    )
    names = rig.event_names()
    assert "IntentBuffered" not in names
    denied = [e for e in rig.events() if isinstance(e, Intent.IntentDenied)]
    assert [e.reason for e in denied] == ["sizing"]  # 1 share: below the minimum, as before
    rig.app.close()


def test_a_restart_loses_no_buffered_copy(tmp_path: Path) -> None:
    path = tmp_path / "tape.db"
    first = make_rig(path, agents=[an_agent_config(**AGGREGATING)])
    first.show_book(a_book())
    first.submit(**small_buy(1, at_s=0))
    # the process dies here: the engine is dropped without closing anything
    second = make_rig(path, agents=[an_agent_config(**AGGREGATING)])
    second.show_book(a_book())
    second.submit(**small_buy(2, at_s=5))
    flushed = [e for e in second.events() if isinstance(e, CopyBuffer.BufferFlushed)]
    assert len(flushed) == 1
    assert flushed[0].intent_ids == [small_buy(1)["intent_id"]]
    assert flushed[0].order_size == D(6)
    assert verify(second.app).ok
    second.app.close()


# -- the property: buffered shares are never lost or doubled --------------------------------


steps = st.lists(
    st.tuples(
        st.sampled_from([TOKEN, OTHER_TOKEN]),
        st.sampled_from(["10", "20", "30", "40", "45", "80"]),
        st.integers(min_value=1, max_value=90),
    ),
    min_size=1,
    max_size=14,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps, st.sampled_from(["0", "0.6", "2"]))
def test_buffered_shares_are_flushed_expired_or_pending_exactly_once(
    tmp_path_factory: pytest.TempPathFactory, plan: list[tuple[str, str, int]], round_up: str
) -> None:
    path = tmp_path_factory.mktemp("agg") / "tape.db"
    config = an_agent_config(
        aggregate_small=True, aggregation_window_s=120, aggregation_round_up_usdc=round_up
    )
    rig = make_rig(path, agents=[config])
    rig.show_book(a_book())
    rig.show_book(a_book(token_id=OTHER_TOKEN))
    at = 0
    for n, (token, size, gap) in enumerate(plan, start=1):
        at += gap
        rig.submit(**small_buy(n, token=token, size=size, at_s=at))
    events = rig.events()
    buffered = {e.intent_id: e.size for e in events if isinstance(e, CopyBuffer.CopyBuffered)}
    ended: Counter[str] = Counter()
    flushed_size = expired_size = D(0)
    for event in events:
        if isinstance(event, CopyBuffer.BufferFlushed):
            ended.update(event.intent_ids)
            flushed_size += event.buffered_size
            assert event.buffered_size == sum(buffered[i] for i in event.intent_ids)
        elif isinstance(event, CopyBuffer.BufferExpired):
            ended.update(event.intent_ids)
            expired_size += event.size
    pending_ids: list[str] = []
    pending_size = D(0)
    buffer: CopyBuffer | None = rig.app.get_or_none(copy_buffer_uuid(config.name))
    if buffer is not None:
        for key in buffer.waiting_keys():
            waiting = buffer.pending(key)
            pending_ids += [e.intent_id for e in waiting.entries]
            pending_size += waiting.size
    ended.update(pending_ids)
    assert set(ended) == set(buffered)
    assert all(count == 1 for count in ended.values())
    assert flushed_size + expired_size + pending_size == sum(buffered.values(), D(0))
    assert verify(rig.app).ok
    rig.app.close()
