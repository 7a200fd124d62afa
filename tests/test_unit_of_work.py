"""The engine's unit of work: one transaction per step, a cache that is never ahead of the
store, agents changed by another process seen at the next decision, and a worker's position
stored with the decision it led to."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Tracking

from adapters.bootstrap import assemble_engine
from adapters.clock import ManualClock
from adapters.paper.venue import PaperVenues
from engine.agents import Agent
from engine.application import WRITER_CACHE_ENV, TapeApplication, TapeWorkerApplication
from engine.commands import DecideIntent
from engine.handlers import ROUTES
from engine.handlers.context import Route
from engine.ids import agent_uuid, intent_uuid
from engine.intents import Intent
from engine.values import TradingState
from tests.conftest import (
    AGENT,
    OTHER_TRADER,
    T0,
    VENUE,
    EngineRig,
    a_book,
    a_source,
    a_trade_intent,
    an_agent_config,
    sqlite_env,
)


def count_inserts(app: TapeApplication) -> list[int]:
    """Counts the recorder's insert transactions from now on (one list item per insert: the
    number of events it wrote)."""
    inserts: list[int] = []
    original = app.recorder.insert_events

    def counted(stored_events: Any, **kwargs: Any) -> Any:
        inserts.append(len(stored_events))
        return original(stored_events, **kwargs)

    app.recorder.insert_events = counted  # type: ignore[method-assign]
    return inserts


def test_submit_when_intent_accepted_then_received_and_decided_in_one_transaction(
    rig: EngineRig,
) -> None:
    rig.show_book(a_book(asks=[("0.52", "500")]))
    inserts = count_inserts(rig.app)

    rig.submit()

    # the write-ahead transaction (received, verdict, order, risk book), then the venue's answer
    assert len(inserts) == 2
    names = rig.event_names()
    first = names[-sum(inserts) :][: inserts[0]]
    assert first[:2] == ["IntentReceived", "IntentAccepted"]
    assert "OrderPlaced" in first
    assert "OrderPlaced" not in names[-inserts[1] :]


def test_step_when_it_raises_after_changing_an_aggregate_then_nothing_stored_or_cached(
    rig: EngineRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig.show_book(a_book(asks=[("0.52", "500")]))
    version_before = rig.engine.unit.get(agent_uuid(AGENT)).version

    def decide_then_crash(*_: Any, **__: Any) -> Any:
        agent = rig.engine.unit.get(agent_uuid(AGENT))
        agent.set_trading_state(state=TradingState.HALTED, reason="half done", at=T0)
        rig.engine.unit.add(agent)
        raise RuntimeError("crash in the middle of a step")

    monkeypatch.setitem(ROUTES, DecideIntent, Route(decide_then_crash))
    with pytest.raises(RuntimeError, match="middle of a step"):
        rig.submit()

    intent_id = intent_uuid(a_trade_intent().intent_id)
    reader = TapeApplication(env=sqlite_env(rig.path))
    assert reader.get_or_none(intent_id) is None
    agent = rig.engine.unit.get(agent_uuid(AGENT))  # read again: the mutated copy was evicted
    assert (agent.version, agent.trading_state) == (version_before, TradingState.ACTIVE)


def test_decide_when_another_process_halted_the_agent_then_the_engine_sees_it(
    rig: EngineRig,
) -> None:
    rig.show_book(a_book(asks=[("0.52", "500")]))
    rig.engine.unit.get(agent_uuid(AGENT))  # cached by the engine, which never fast-forwards
    other_process = TapeApplication(env=sqlite_env(rig.path))
    agent: Agent = other_process.repository.get(agent_uuid(AGENT))
    agent.set_trading_state(state=TradingState.HALTED, reason="tape agents halt", at=T0)
    other_process.save(agent)

    rig.submit()

    record: Intent = rig.get(intent_uuid(a_trade_intent().intent_id))
    assert record.status == "DENIED"
    assert record.reason == "agent_state"


def test_worker_submit_with_tracking_then_the_position_is_stored_with_the_decision(
    tmp_path: Path,
) -> None:
    app = TapeWorkerApplication(
        "TapeWorker1of2", env={**sqlite_env(tmp_path / "w.db"), **WRITER_CACHE_ENV}
    )
    paper = PaperVenues()
    clock = ManualClock(T0)
    engine = assemble_engine(app, venues=paper, market_data=paper, clock=clock)
    engine.register_agents([an_agent_config()])
    paper.on_book(a_book(asks=[("0.52", "500")]))
    inserts = count_inserts(app)

    engine.submit(a_trade_intent(), feed="TapeIngest", tracking=Tracking("TapeIngest", 7))

    assert app.recorder.max_tracking_id("TapeIngest") == 7
    assert len(inserts) == 2  # the tracking record rode with the write-ahead transaction
    assert app.recorder.has_tracking_id("TapeIngest", 7)
    assert app.get_or_none(intent_uuid(a_trade_intent().intent_id)).decided


def test_group_commit_when_deferring_then_every_earlier_step_is_stored_before_a_venue_call(
    rig: EngineRig,
) -> None:
    rig.show_book(a_book(asks=[("0.52", "5000")]))
    inserts = count_inserts(rig.app)
    reader = TapeApplication(env=sqlite_env(rig.path))
    seen_at_call: list[bool] = []
    submit = rig.paper[VENUE].submit

    def submit_checking_the_store(request: Any, **kw: Any) -> Any:
        # every intent decided so far is in the store before the venue hears of an order
        seen_at_call.append(
            all(reader.get_or_none(intent_uuid(i)) is not None for i in ("d1", "d2", "b1"))
        )
        return submit(request, **kw)

    rig.paper[VENUE].submit = submit_checking_the_store  # type: ignore[method-assign]
    rig.paper[VENUE].durable = True  # as a venue process or a real venue is
    with rig.engine.group_commit():
        rig.submit(intent_id="d1", source=a_source(trader=OTHER_TRADER))  # denied: deferred
        rig.submit(intent_id="d2", source=a_source(trader=OTHER_TRADER))  # denied: deferred
        assert inserts == []
        rig.submit(intent_id="b1")  # accepted: one commit, then the venue
        assert len(inserts) == 1
        assert seen_at_call == [True]
        rig.engine.commit()  # the venue's answer, deferred until now
        assert len(inserts) == 2
    assert reader.repository.get(intent_uuid("b1")).status == "ACCEPTED"


def test_group_commit_when_the_venue_dies_with_the_engine_then_orders_need_no_commit_each(
    rig: EngineRig,
) -> None:
    rig.show_book(a_book(asks=[("0.52", "5000")]))
    inserts = count_inserts(rig.app)
    with rig.engine.group_commit():
        for n in range(5):
            rig.submit(intent_id=f"b{n}")  # the in-process paper venue is not durable

        assert inserts == []
        rig.engine.commit()
    assert len(inserts) == 1
    reader = TapeApplication(env=sqlite_env(rig.path))
    assert all(reader.repository.get(intent_uuid(f"b{n}")).decided for n in range(5))


def test_group_commit_when_a_step_fails_then_orders_whose_answer_was_lost_are_reconciled(
    rig: EngineRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig.show_book(a_book(asks=[("0.52", "5000")]))
    rig.paper[VENUE].durable = True
    with rig.engine.group_commit():
        rig.submit(intent_id="b1")  # committed, sent, filled; the answer deferred
        order_id = next(iter(rig.get(intent_uuid("b1")).order_ids))
        assert rig.engine.open_orders == set()

        def crash(*_: Any, **__: Any) -> Any:
            raise RuntimeError("a bug in the next step")

        monkeypatch.setitem(ROUTES, DecideIntent, Route(crash))
        with pytest.raises(RuntimeError):
            rig.submit(intent_id="b2")
        monkeypatch.undo()

        reader = TapeApplication(env=sqlite_env(rig.path))
        stored = reader.repository.get(UUID(order_id))
        assert stored.status == "PLACED"  # the answer was never committed
        assert rig.engine.open_orders == {UUID(order_id)}
    assert rig.engine.reconcile_open_orders() == {"applied": 1}
    assert rig.get(UUID(order_id)).status == "FILLED"
