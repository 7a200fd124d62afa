"""An arbitrage agent end to end on the paper venues: books fed to its strategy give one intent
with two legs, written ahead together with the pair, filled on both venues and closed hedged;
fees that erase the edge give nothing; a halted agent places nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.arbitrage.pair import Pair
from engine.intent import parse_utc
from engine.intents import Intent
from engine.orders import Order
from engine.strategies.base import BookSeen
from engine.values import TradingState
from tests.arb_rig import ARB_AGENT, POLY_YES, TICKER, arb_agent_config, four_books
from tests.conftest import EngineRig, make_rig

D = Decimal
T = parse_utc("2026-01-30T14:00:00Z")


def _feed(rig: EngineRig, books: list, *, at=T) -> None:  # type: ignore[no-untyped-def]
    for n, book in enumerate(books):
        rig.clock.set(at + timedelta(milliseconds=n))
        rig.paper[book.venue].on_book(book)
        rig.engine.feed_market(BookSeen(at + timedelta(milliseconds=n), book), feed="books")


def _of(rig: EngineRig, kind: type) -> list:  # type: ignore[type-arg]
    return [e for e in rig.events() if isinstance(e, kind)]


def test_a_true_arbitrage_is_one_intent_with_two_legs_filled_and_hedged(tmp_path: Path) -> None:
    rig = make_rig(tmp_path / "tape.db", agents=[arb_agent_config()], start=T)
    _feed(rig, four_books([("0.40", "30")], [("0.62", "30")], [("0.58", "30")], [("0.52", "30")]))
    accepted = _of(rig, Intent.IntentAccepted)
    assert len(accepted) == 1
    assert len(accepted[0].order_ids) == 2
    names = rig.event_names()
    first_send = names.index("OrderAccepted")
    assert names[:first_send].count("OrderPlaced") == 2  # both legs written ahead first
    assert "PairOpened" in names[:first_send]
    (opened,) = _of(rig, Pair.PairOpened)
    assert (opened.size, opened.fees, opened.edge) == (D(20), D("0.35"), D("1.25"))
    assert opened.features["leg0_asks"] == "0.4x30"
    assert opened.features["leg1_fee"] == "0.35"
    filled = {(e.originator_id, e.size) for e in _of(rig, Order.OrderFilled)}
    assert sorted(size for _, size in filled) == [D(20), D(20)]
    (closed,) = _of(rig, Pair.PairClosed)
    assert (closed.outcome, closed.hedged, closed.exposed) == ("hedged", D(20), {})
    tokens = {rig.get(o).token_id for o, _ in filled}
    assert tokens == {POLY_YES, f"{TICKER}:no"}


def test_an_arbitrage_that_fees_erase_is_not_taken(tmp_path: Path) -> None:
    rig = make_rig(tmp_path / "tape.db", agents=[arb_agent_config()], start=T)
    # 0.45 + 0.52 = 0.97 per pair: 0.60 on 20 pairs before fees, 0.35 Kalshi fee: 0.25 left
    _feed(rig, four_books([("0.45", "30")], [("0.62", "30")], [("0.58", "30")], [("0.52", "30")]))
    assert _of(rig, Intent.IntentReceived) == []
    assert _of(rig, Order.OrderPlaced) == []


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    yes=st.integers(20, 45),
    no=st.integers(20, 45),
    depth=st.integers(10, 40),
    state=st.sampled_from([TradingState.HALTED, TradingState.REDUCING]),
)
def test_a_halted_or_reducing_agent_places_nothing(
    tmp_path_factory, yes: int, no: int, depth: int, state: TradingState
) -> None:
    rig = make_rig(tmp_path_factory.mktemp("h") / "tape.db", agents=[arb_agent_config()], start=T)
    rig.engine.set_trading_state(ARB_AGENT, state, "test")
    p_yes, k_no = f"0.{yes:02d}", f"0.{no:02d}"
    _feed(
        rig,
        four_books([(p_yes, str(depth))], [("0.99", "5")], [("0.99", "5")], [(k_no, str(depth))]),
    )
    denied = _of(rig, Intent.IntentDenied)
    assert denied, "every such book pair is an arbitrage the strategy signals"
    assert {d.reason for d in denied} == {"agent_state"}
    assert _of(rig, Order.OrderPlaced) == []
    assert _of(rig, Pair.PairOpened) == []
    rig.app.close()
