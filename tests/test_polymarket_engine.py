"""The engine trading through the Polymarket adapter against the fake CLOB, next to the same
day on the paper venue: the same books give the same decisions, and no secret reaches the
store. (The wiring of ``tape run`` to the live venue is the composition root's; this test
builds the engine directly.)"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from projections.views import LogViews
from tests.conftest import EngineRig, a_book, a_source, an_agent_config, at_offset, make_rig
from tests.fake_clob import FakeClob
from tests.test_polymarket_venue import ACCOUNT, KEY, NR_YES, YES, wire

D = Decimal

# (seconds after T0, intent overrides, book bids, book asks)
Levels = list[tuple[str, str]]
DAY: list[tuple[int, dict[str, Any], Levels, Levels]] = [
    (0, {"side": "BUY", "price": "0.52", "size": "100"}, [("0.50", "300")], [("0.52", "40")]),
    (
        60,
        {"side": "BUY", "price": "0.53", "size": "120"},
        [("0.50", "300")],
        [("0.53", "5"), ("0.54", "100")],
    ),
    (120, {"side": "BUY", "price": "0.20", "size": "50"}, [("0.10", "10")], [("0.40", "100")]),
    (180, {"side": "SELL", "price": "0.50", "size": "100"}, [("0.50", "8")], [("0.55", "50")]),
    (
        240,
        {"side": "BUY", "price": "0.30", "size": "200", "token_id": NR_YES},
        [("0.28", "50")],
        [("0.30", "15"), ("0.31", "30")],
    ),
]


def intent_overrides(index: int, at: int, fields: dict[str, Any], market: str) -> dict[str, Any]:
    """A copy intent of the day, on the fake's market."""
    tx = f"0x{index:04x}"
    token = fields.get("token_id", YES)
    return {
        "intent_id": f"copy:{tx}:{token}:{fields['side']}",
        "market_id": market,
        "token_id": token,
        "created_at": at_offset(at).isoformat().replace("+00:00", "Z"),
        "source": a_source(tx_hash=tx, trader_position_before="100"),
        **{k: v for k, v in fields.items() if k != "token_id"},
    }


@pytest.fixture
def clob() -> Iterator[FakeClob]:
    """The fake CLOB with the day's two markets and a funded account."""
    fake = FakeClob().start()
    fake.add_market("Will it rain in Paris?", [(YES, "Yes"), ("1" * 70, "No")])
    fake.add_market("Who wins?", [(NR_YES, "Yes"), ("2" * 70, "No")], neg_risk=True)
    fake.fund(ACCOUNT.address, "1000")
    yield fake
    fake.stop()


def run(rig: EngineRig, clob: FakeClob, *, live: bool) -> dict[str, Any]:
    """Run the day; the verdicts, orders and positions it ends with."""
    for index, (at, fields, bids, asks) in enumerate(DAY):
        token = fields.get("token_id", YES)
        market = clob.token_market[token]
        if live:
            clob.set_book(token, bids=bids, asks=asks)
        else:
            rig.show_book(
                a_book(
                    bids=bids,
                    asks=asks,
                    token_id=token,
                    market_id=market,
                    at="2026-01-30T14:03:10Z",
                )
            )
        rig.submit(**intent_overrides(index, at, fields, market))
    views = LogViews.build(rig.app)
    intents = sorted(
        (row["intent_id"], row["verdict"], row["reason"]) for row in views.intents.rows.values()
    )
    orders = sorted(
        (row["side"], row["price"], row["size"], row["status"], row["filled"])
        for row in views.orders.rows.values()
    )
    positions = sorted((p["token_id"], p["size"]) for p in views.positions.with_marks(views.marks))
    return {"intents": intents, "orders": orders, "positions": positions}


def test_the_same_books_give_the_same_decisions_on_paper_and_on_the_fake_clob(
    clob: FakeClob, tmp_path: Path
) -> None:
    agents = [an_agent_config(order_type="FAK")]
    paper = make_rig(tmp_path / "paper.db", agents=agents)
    live_adapter = wire(clob, tmp_path / "live")
    live = make_rig(
        tmp_path / "live.db",
        agents=agents,
        venues={"polymarket": live_adapter.venue},
        market_data=live_adapter.market_data,
    )
    try:
        on_paper = run(paper, clob, live=False)
        on_clob = run(live, clob, live=True)
    finally:
        paper.app.close()
        live.app.close()
    assert on_clob == on_paper
    verdicts = [v for _, v, _ in on_clob["intents"]]
    assert verdicts.count("ACCEPTED") == 4
    assert verdicts.count("DENIED") == 1
    assert {status for *_, status, _ in on_clob["orders"]} == {"FILLED", "CANCELED"}
    assert clob.count("POST", "/order") == 4
    assert clob.auth_failures == []


def test_a_closed_market_is_denied_before_any_order(clob: FakeClob, tmp_path: Path) -> None:
    market = clob.markets[clob.token_market[YES]]
    market.closed, market.accepting_orders = True, False
    clob.set_book(YES, asks=[("0.52", "40")])
    adapter = wire(clob, tmp_path / "live")
    rig = make_rig(
        tmp_path / "live.db",
        venues={"polymarket": adapter.venue},
        market_data=adapter.market_data,
    )
    try:
        receipt = rig.submit(**intent_overrides(0, 0, DAY[0][1], market.condition_id))
        views = LogViews.build(rig.app)
        [row] = views.intents.rows.values()
    finally:
        rig.app.close()
    assert receipt.status != "duplicate"
    assert row["verdict"] == "DENIED"
    assert row["reason"] == "market_open"
    assert "market closed (end date 2026-12-31T00:00:00Z)" in str(row["detail"])
    assert clob.count("POST", "/order") == 0


def test_no_key_hmac_secret_or_passphrase_reaches_the_store(clob: FakeClob, tmp_path: Path) -> None:
    adapter = wire(clob, tmp_path / "live")
    rig = make_rig(
        tmp_path / "live.db",
        agents=[an_agent_config(order_type="FAK")],
        venues={"polymarket": adapter.venue},
        market_data=adapter.market_data,
    )
    try:
        run(rig, clob, live=True)
    finally:
        rig.app.close()
    stored = b"".join(path.read_bytes() for path in tmp_path.rglob("*") if path.is_file())
    api_key = clob.key_of[ACCOUNT.address.lower()]
    _, secret, passphrase = clob.creds[api_key]
    for value in (KEY, KEY.removeprefix("0x"), secret, passphrase):
        assert value.encode() not in stored
    assert b"polymarket" in stored  # the scan read the store
