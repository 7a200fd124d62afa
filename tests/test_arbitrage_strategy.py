"""The arbitrage strategy, pure: the same books give the same intents and states (also with
its state stored as JSON between events, as the engine keeps it); every signal is one paired
intent whose edge after fees, recomputed from the books it was priced on, exceeds
``min_profit_usdc``; at most one per pair and window. And the firewall denies a paired intent
whose edge does not clear the agent's own minimum."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import hypothesis
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.arbitrage.decision import PairDecisionInput, decide_pair
from engine.arbitrage.edge import price_pair
from engine.decision import AgentView
from engine.intent import parse_utc
from engine.strategies.arbitrage import Arbitrage
from engine.strategies.base import BookSeen
from engine.strategies.emit import intents_of
from engine.values import TradingState
from tests.arb_rig import POLY_NO, POLY_YES, TICKER, arb_agent_config, arb_params, book_of
from tests.test_arbitrage_leg_risk import paired_intent

D = Decimal
T = parse_utc("2026-01-30T14:00:00Z")
TOKENS = [
    ("polymarket", POLY_YES),
    ("polymarket", POLY_NO),
    ("kalshi", f"{TICKER}:yes"),
    ("kalshi", f"{TICKER}:no"),
]


@st.composite
def book_events(draw: st.DrawFn) -> list[BookSeen]:
    """Books of the pair's four tokens, in time order, asks around a fair price."""
    events, seconds = [], 0
    for _ in range(draw(st.integers(1, 40))):
        seconds += draw(st.integers(0, 40))
        venue, token = draw(st.sampled_from(TOKENS))
        cents = draw(st.integers(30, 70))
        asks = [(D(cents) / 100, D(draw(st.integers(1, 60))))]
        if draw(st.booleans()):
            asks.append((D(cents + 1) / 100, D(draw(st.integers(1, 60)))))
        at = T + timedelta(seconds=seconds)
        book = book_of(venue, token, asks, [(D(cents - 2) / 100, D(50))])
        events.append(BookSeen(at, replace(book, at=at.isoformat())))
    return events


params_drawn = st.fixed_dictionaries(
    {
        "min_profit_usdc": st.sampled_from(["0", "0.25", "1"]),
        "size": st.sampled_from(["5", "20", "100"]),
        "window_s": st.sampled_from([1, 30, 120]),
        "polymarket_fee_rate": st.sampled_from(["0", "0.02"]),
    }
)


def _run(raw: dict[str, Any], events: list[BookSeen], *, via_json: bool) -> list[Any]:
    strategy = Arbitrage()
    params = arb_params(**raw)
    state = strategy.initial_state(params)
    out = []
    for event in events:
        if via_json:
            stored = json.loads(json.dumps(strategy.dump_state(state)))
            state = strategy.load_state(params, stored)
        step = strategy.on_market(params, state, event)
        state = step.state
        wires = [i.to_wire() for i in intents_of("arb", "arbitrage", step.signals, event.at)]
        out.append((json.dumps(strategy.dump_state(state), sort_keys=True), wires))
    return out


@settings(max_examples=80, deadline=None)
@given(params_drawn, book_events())
def test_the_same_books_give_the_same_intents_and_states(
    raw: dict[str, Any], events: list[BookSeen]
) -> None:
    first = _run(raw, events, via_json=False)
    assert _run(raw, events, via_json=True) == first


@settings(max_examples=120, deadline=None)
@given(params_drawn, book_events())
def test_an_arbitrage_is_signalled_only_when_its_edge_after_fees_exceeds_the_minimum(
    raw: dict[str, Any], events: list[BookSeen]
) -> None:
    strategy, params = Arbitrage(), arb_params(**raw)
    state = strategy.initial_state(params)
    latest: dict[tuple[str, str], BookSeen] = {}
    windows: list[int] = []
    for seen_now in events:
        latest[(seen_now.venue, seen_now.token_id)] = seen_now
        step = strategy.on_market(params, state, seen_now)
        state = step.state
        for signal in step.signals:
            a, b = signal.legs
            assert a.size == b.size <= params.size
            assert {a.venue, b.venue} == {"polymarket", "kalshi"}
            edge = D(signal.features["edge"])
            assert edge > params.min_profit_usdc
            fresh = {
                key: seen.book
                for key, seen in latest.items()
                if (seen_now.at - seen.at).total_seconds() <= params.max_book_age_s
            }
            best = price_pair(params.pairs[0], fresh, params)[0]
            assert (best.edge, best.size) == (edge, a.size)
            windows.append(int(seen_now.at.timestamp()) // params.window_s)
        for intent in intents_of("arb", "arbitrage", step.signals, seen_now.at):
            assert intent.legs is not None
            assert len(intent.legs) == 2
    assert len(windows) == len(set(windows))  # one trade per pair and window
    hypothesis.event(f"signals: {min(len(windows), 3)}")


def _view() -> AgentView:
    config = arb_agent_config(min_profit_usdc="2")
    return AgentView(config, TradingState.ACTIVE, 0, D(0), D(0), D(0), D(0))


@given(st.integers(0, 400).map(lambda c: D(c) / 100))
def test_the_firewall_denies_a_pair_whose_edge_does_not_clear_the_agents_minimum(
    edge: Decimal,
) -> None:
    events = [
        BookSeen(T, book_of("polymarket", POLY_YES, [(D("0.40"), D(50))])),
        BookSeen(T, book_of("kalshi", f"{TICKER}:no", [(D("0.50"), D(50))])),
    ]
    strategy, params = Arbitrage(), arb_params(min_profit_usdc="0", size="10")
    state = strategy.initial_state(params)
    signals = []
    for event in events:
        step = strategy.on_market(params, state, event)
        state, signals = step.state, signals + list(step.signals)
    (intent,) = intents_of("arb", "arbitrage", signals, T)
    features = {**(intent.source.features or {}), "edge": str(edge)}
    view = _view()
    decision = decide_pair(
        PairDecisionInput(intent, T, (view, view), arb_params(min_profit_usdc="2"), features)
    )
    assert decision.accepted is (edge > 2)
    if not decision.accepted:
        assert decision.failed is not None
        assert decision.failed.name == "edge"


def test_a_live_run_polls_the_four_books_of_each_pair() -> None:
    config = arb_agent_config()
    params = Arbitrage().parse_params(config.params)
    assert Arbitrage().instruments(params, config) == sorted(TOKENS)


@given(st.integers(30, 70), st.integers(30, 70))
def test_a_claimed_edge_cannot_buy_pairs_whose_limits_cost_1_or_more(a: int, b: int) -> None:
    intent = paired_intent(1, D(a) / 100, D(b) / 100, 10)  # its features claim an edge of 9
    view = _view()
    decision = decide_pair(
        PairDecisionInput(
            intent, intent.created_at, (view, view), arb_params(), intent.source.features or {}
        )
    )
    assert decision.accepted is (a + b < 100)
    if a + b >= 100:
        assert decision.failed is not None
        assert decision.failed.name == "pair_prices"
