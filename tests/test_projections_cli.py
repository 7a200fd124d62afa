"""The read commands on the projections, as a user runs them (in this process, for speed):
``tape orders|positions|balances|intents|purchases`` with their filters, ``tape why`` and
``tape projections``."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from adapters.sample_day.agents import DEMO_CONFIG_TOML
from adapters.sample_day.day import write_day
from cli.main import main
from cli.render import to_json
from engine.application import TapeApplication
from projections.audit import find_trail
from projections.rows import in_time_order, plain
from projections.views import LogViews
from tests.cli_rig import cli_json, run_cli
from tests.projection_rig import sqlite_env


@dataclass
class Tape:
    """``tape`` in this process, on one store."""

    home: Path
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def __call__(self, *args: str) -> tuple[int, str, str]:
        """Run a command; returns (exit code, stdout, stderr)."""
        self.monkeypatch.setenv("TAPE_HOME", str(self.home))
        self.monkeypatch.delenv("TAPE_DATABASE_URL", raising=False)
        return run_cli(self.capsys, *args)

    def json(self, *args: str) -> Any:
        """A command's ``--json`` output."""
        return cli_json(self, *args)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store after ``tape run`` of a generated day (no projection built yet)."""
    folder = tmp_path_factory.mktemp("cli")
    day, config = folder / "day.jsonl", folder / "tape.toml"
    write_day(day, 11, intents=60)
    config.write_text(DEMO_CONFIG_TOML, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TAPE_HOME", str(folder / "h"))
        patch.delenv("TAPE_DATABASE_URL", raising=False)
        main(["run", "--day", str(day), "--config", str(config)])
    assert not (folder / "h" / "projections.db").exists()
    return folder / "h"


@pytest.fixture
def tape(home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Tape:
    return Tape(home, monkeypatch, capsys)


@pytest.fixture(scope="module")
def views(home: Path) -> LogViews:
    """The read models folded from the log in memory, to compare with."""
    return LogViews.build(TapeApplication(env=sqlite_env(home / "tape.db")))


def test_read_commands_catch_the_projections_up_then_read_them(tape: Tape, views: LogViews) -> None:
    orders = tape.json("orders")
    assert orders == plain(in_time_order(views.orders.rows, "placed_at"))
    assert (tape.home / "projections.db").exists()
    intents = tape.json("intents")
    assert len(intents) == len(views.intents.rows)
    positions = tape.json("positions", "--all")
    assert len(positions) == len(views.positions.rows)
    assert {p["status"] for p in positions} >= {"OPEN", "SETTLED"}
    balances = tape.json("balances")
    assert {b["agent"] for b in balances} == {o["agent"] for o in orders}
    purchases = tape.json("purchases")
    assert len(purchases) == len(views.purchases.rows)
    code, out, _ = tape("balances")
    assert code == 0
    assert "BUDGET_LEFT" in out


def test_filters_narrow_the_rows(tape: Tape) -> None:
    orders = tape.json("orders")
    agent = orders[0]["agent"]
    assert tape.json("orders", "--agent", agent) == [o for o in orders if o["agent"] == agent]
    assert tape.json("orders", "--venue", "nowhere") == []
    filled = tape.json("orders", "--status", "filled")
    assert filled == [o for o in orders if o["status"] == "FILLED"] != []
    middle = orders[len(orders) // 2]["placed_at"]
    since = tape.json("orders", "--since", middle)
    until = tape.json("orders", "--until", middle)
    assert since == [o for o in orders if o["placed_at"] >= middle]
    assert until == [o for o in orders if o["placed_at"] <= middle]
    assert tape.json("orders", "--since", "2026-01-31") == []
    assert tape.json("orders", "--until", "2026-01-30") == orders
    intents = tape.json("intents")
    denied = tape.json("intents", "--denied")
    assert denied == [i for i in intents if i["verdict"] == "DENIED"] != []
    assert tape.json("intents", "--status", "accepted") == [
        i for i in intents if i["verdict"] == "ACCEPTED"
    ]
    assert all(i["failed_values"] for i in denied if i["reason"] == "slippage")
    lots = tape.json("purchases")
    trader = lots[0]["trader"]
    assert tape.json("purchases", "--trader", trader.upper()) == [
        lot for lot in lots if lot["trader"] == trader
    ]
    settled = tape.json("purchases", "--status", "settled")
    assert all(lot["consumed"][-1]["kind"] == "settlement" for lot in settled)
    positions = tape.json("positions", "--all")
    assert tape.json("positions", "--status", "settled") == [
        p for p in positions if p["status"] == "SETTLED"
    ]
    assert tape.json("positions") == [p for p in positions if p["size"] != "0"]


def _order_with_fills(tape: Tape) -> dict[str, Any]:
    return next(o for o in tape.json("orders", "--status", "FILLED") if o["side"] == "BUY")


def test_why_on_an_order_shows_the_whole_chain_by_any_of_its_ids(tape: Tape) -> None:
    order = _order_with_fills(tape)
    code, out, err = tape("why", order["order_id"])
    assert code == 0, err
    for part in (
        f"intent {order['intent_id']}",
        "IntentReceived",
        "IntentAccepted",
        "[ok  ] trader_allowlist",
        "[ok  ] slippage",
        "sizing:",
        "book at",
        "OrderPlaced",
        "OrderCommitted",
        "OrderAccepted",
        "OrderFilled",
        "FillBooked",
        "PositionIncreased",
    ):
        assert part in out, part
    for ident in (order["client_order_id"], order["venue_order_id"], order["intent_id"]):
        assert tape("why", ident)[1] == out
    app = TapeApplication(env=sqlite_env(tape.home / "tape.db"))
    expected = find_trail(app, order["order_id"])
    assert expected is not None
    assert tape.json("why", order["order_id"]) == json.loads(to_json(expected.to_json()))


def test_why_on_a_denied_intent_shows_the_failed_check_with_its_values(tape: Tape) -> None:
    denied = tape.json("intents", "--denied")
    for reason in ("slippage", "trader_allowlist", "size_cap"):
        intent = next(i for i in denied if i["reason"] == reason)
        code, out, _ = tape("why", intent["intent_id"])
        assert code == 0
        assert f"DENIED: {reason}" in out
        values = " ".join(f"{k}={v}" for k, v in intent["failed_values"].items())
        assert re.search(rf"\[FAIL\] {reason}: .*\({re.escape(values)}\)", out), out


def test_why_on_an_unknown_id_is_one_line_and_exit_2(tape: Tape) -> None:
    code, out, err = tape("why", "no-such-order")
    assert code == 2
    assert out == ""
    assert err == "tape: no order or intent with id 'no-such-order' in the store\n"


def test_projections_rebuild_status_and_update(tape: Tape) -> None:
    before = tape.json("positions", "--all")
    code, out, _ = tape("projections", "rebuild")
    assert code == 0
    assert out.count("rebuilt ") == 7
    code, out, _ = tape("projections", "rebuild", "positions")
    assert code == 0
    assert out.startswith("rebuilt positions: positions ")
    assert tape.json("positions", "--all") == before
    status = tape.json("projections", "status")
    assert {s["name"] for s in status} >= {"orders", "positions", "balances", "audit"}
    assert all(s["behind"] == 0 for s in status)
    assert tape("projections", "update")[1] == "applied 0 events\n"
    code, _, err = tape("projections", "rebuild", "nope")
    assert code == 2
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    "args",
    [
        ["orders", "--since", "yesterday"],
        ["positions", "--as-of", "2026-13-01"],
        ["intents", "--denied", "--status", "ACCEPTED"],
    ],
)
def test_bad_read_options_are_one_line_and_exit_2(tape: Tape, args: list[str]) -> None:
    code, _, err = tape(*args)
    assert code == 2
    assert err.count("\n") == 1
    assert "Traceback" not in err
