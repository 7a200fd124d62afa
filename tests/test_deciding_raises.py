"""Deciding that raises anyway is a denial (``internal_error``, the exception's type), never a
stop: the rest of the day runs, replay reproduces the denial, and a restart with such an intent
received but undecided denies it instead of raising again."""

from __future__ import annotations

import hashlib
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import engine.decision
from adapters.sample_day.agents import DEMO_CONFIG_TOML
from adapters.sample_day.day import write_day
from engine.agents import Agent
from engine.handlers.deciding import INTERNAL_ERROR
from engine.ids import intent_uuid
from engine.intents import Intent
from tests.cli_rig import run_cli
from tests.conftest import a_book, a_trade_intent, make_rig
from tests.test_http_ingest import CONFIG_TOML, free_port, serve_process, stored_intents

SECRET_TEXT = "0xdeadbeef-private-message"  # noqa: S105 - an exception's message, never recorded


def poisoned(intent_id: str) -> bool:
    """One intent in five raises, the same ones in every run and in replay."""
    return hashlib.sha256(intent_id.encode()).digest()[0] % 5 == 0


def install_raising_sizing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sizing (a pure function) raises for the poisoned intents."""
    real = engine.decision.size_order

    def raising(data: Any, config: Any, book: Any) -> Any:
        if poisoned(data.intent.intent_id):
            raise ZeroDivisionError(SECRET_TEXT)
        return real(data, config, book)

    monkeypatch.setattr(engine.decision, "size_order", raising)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TAPE_HOME", str(tmp_path / "home"))
    for name in [k for k in os.environ if k.startswith(("POLYMARKET_", "KALSHI_", "LIMITLESS_"))]:
        monkeypatch.delenv(name)
    return tmp_path


def test_a_day_whose_deciding_raises_runs_to_the_end_and_replay_reproduces_the_denials(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    day, config = home / "day.jsonl", home / "tape.toml"
    write_day(day, 5, intents=80)
    config.write_text(DEMO_CONFIG_TOML, encoding="utf-8")
    install_raising_sizing(monkeypatch)

    code, out, err = run_cli(capsys, "run", "--day", str(day), "--config", str(config))
    assert code == 0, err
    assert SECRET_TEXT not in out + err
    code, out, err = run_cli(capsys, "intents", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert rows
    assert all(row["verdict"] != "RECEIVED" for row in rows)
    internal = [row for row in rows if row.get("reason") == INTERNAL_ERROR]
    assert internal, "some intents reached sizing and raised"
    assert all(poisoned(row["intent_id"]) for row in internal)
    assert len(internal) < len(rows)  # the others were decided as usual

    code, out, err = run_cli(capsys, "why", internal[0]["intent_id"], "--json")
    assert code == 0, err
    assert INTERNAL_ERROR in out
    assert "ZeroDivisionError" in out
    assert SECRET_TEXT not in out

    code, out, err = run_cli(capsys, "replay", "--verify")
    assert code == 0, out + err

    # The same day without the fault decides differently: the denials came from it.
    monkeypatch.undo()
    monkeypatch.setenv("TAPE_HOME", str(home / "clean"))
    code, out, err = run_cli(capsys, "run", "--day", str(day), "--config", str(config))
    assert code == 0, err
    code, out, err = run_cli(capsys, "intents", "--json")
    assert not [row for row in json.loads(out) if row.get("reason") == INTERNAL_ERROR]


def test_a_received_intent_that_raises_is_denied_at_restart_not_raised_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tape.db"
    first = make_rig(path)
    intent = a_trade_intent(intent_id="poison-at-restart")
    first.engine.receive(intent, feed="http")  # acknowledged, the process dies before deciding
    first.app.close()

    def raising(*_: Any) -> Any:
        raise ArithmeticError(SECRET_TEXT)

    monkeypatch.setattr(engine.decision, "size_order", raising)
    for _ in range(2):  # every later start works too
        again = make_rig(path)
        again.show_book(a_book())
        again.engine.recover()
        record: Intent = again.get(intent_uuid(intent.intent_id))
        assert record.status == "DENIED"
        denied = [e for e in again.events() if isinstance(e, Intent.IntentDenied)]
        assert len(denied) == 1
        assert denied[0].reason == INTERNAL_ERROR
        assert denied[0].checks[0]["values"] == {"exception": "ArithmeticError"}
        assert SECRET_TEXT not in json.dumps(denied[0].checks) + denied[0].detail
        again.app.close()


def test_a_raise_after_the_verdict_began_leaves_no_half_written_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig = make_rig(tmp_path / "tape.db")
    rig.show_book(a_book())
    first = rig.submit(intent_id="accepted-first")
    agent_before = rig.events()

    def raising(*_: Any, **__: Any) -> None:
        raise RuntimeError(SECRET_TEXT)

    monkeypatch.setattr(Agent, "commit_order", raising)  # after record.accept was triggered
    with rig.engine.group_commit():
        rig.submit(intent_id="raises-mid-verdict")
    monkeypatch.undo()
    rig.submit(intent_id="accepted-after")

    names = [type(e).__name__ for e in rig.events()[len(agent_before) :]]
    assert names.count("IntentAccepted") == 1  # only accepted-after
    assert names.count("OrderPlaced") == 1
    record: Intent = rig.get(intent_uuid("raises-mid-verdict"))
    assert record.status == "DENIED"
    denial = next(e for e in rig.events() if isinstance(e, Intent.IntentDenied))
    assert denial.reason == INTERNAL_ERROR
    assert denial.checks[0]["values"] == {"exception": "RuntimeError"}
    assert first is not None
    # What the cache holds is what the store holds: the rewound aggregates are the truth.
    fresh = make_rig(tmp_path / "tape.db")
    assert fresh.get(intent_uuid("raises-mid-verdict")).status == "DENIED"
    fresh.app.close()
    rig.app.close()


def test_tape_serve_starts_again_over_an_acknowledged_intent_that_cannot_be_decided(
    tmp_path: Path,
) -> None:
    home, port = tmp_path / "home", free_port()
    home.mkdir()
    config = tmp_path / "tape.toml"
    config.write_text(CONFIG_TOML, encoding="utf-8")
    # Acknowledged by an older Tape that read a price no bound held back; today's cannot parse it.
    store = make_rig(home / "tape.db")
    poison = a_trade_intent(intent_id="acknowledged-poison").model_copy(
        update={"price": Decimal("1E-27")}
    )
    store.engine.receive(poison, feed="http")
    store.app.close()
    for _ in range(2):
        with serve_process(home, port, config):
            record = stored_intents(home / "tape.db")["acknowledged-poison"]
            assert record.status == "DENIED"
    denials = [e for e in make_rig(home / "tape.db").events() if isinstance(e, Intent.IntentDenied)]
    assert [d.reason for d in denials] == [INTERNAL_ERROR]
    assert denials[0].checks[0]["values"] == {"exception": "IntentFormatError"}
