"""Strategies are pure: the same market events give the same signals and states, however the
state travels (kept in memory, or stored as JSON and read back before each event, as the
engine does); every signal is an intent the firewall can judge. And engine/ (where the
strategies live) reads no clock, draws no random number and does no I/O."""

from __future__ import annotations

import ast
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.strategies.base import Leg, MarketEvent, Signal, Strategy
from engine.strategies.emit import intents_of
from engine.strategies.registry import STRATEGIES
from engine.values import Side
from tests.strategy_rig import OTHER, TOKEN, at, book_seen, trade_seen

ROOT = Path(__file__).resolve().parent.parent

PARAMS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "mean_reversion": st.fixed_dictionaries(
        {
            "size": st.sampled_from(["5", "10", "12.5"]),
            "window": st.integers(2, 12),
            "z_entry": st.sampled_from(["1", "1.5", "2", "3"]),
            "z_exit": st.sampled_from(["0", "0.5"]),
            "cooldown_s": st.integers(0, 900),
            "min_move": st.sampled_from(["0", "0.02"]),
            "price": st.sampled_from(["mid", "last_trade"]),
        }
    ),
    "momentum": st.fixed_dictionaries(
        {
            "size": st.sampled_from(["5", "10"]),
            "fast": st.integers(1, 4),
            "slow": st.integers(5, 12),
            "threshold": st.sampled_from(["0", "0.005", "0.02"]),
            "cooldown_s": st.integers(0, 900),
            "price": st.sampled_from(["mid", "last_trade"]),
        }
    ),
    # the arbitrage's own purity test (tests/test_arbitrage_strategy.py) feeds it all four books
    "arbitrage": st.fixed_dictionaries(
        {
            "pairs": st.just(
                [
                    {
                        "polymarket": TOKEN,
                        "polymarket_no": OTHER,
                        "polymarket_market": "0xab",
                        "kalshi": "KXT-1",
                    }
                ]
            ),
            "min_profit_usdc": st.sampled_from(["0", "0.5"]),
            "size": st.sampled_from(["5", "50"]),
            "max_leg_risk_usdc": st.just("5"),
        }
    ),
}


@st.composite
def market_events(draw: st.DrawFn) -> list[MarketEvent]:
    """Books and trades of two tokens, in time order, with jumps and flat stretches."""
    events: list[MarketEvent] = []
    step, mid = 0, {TOKEN: 50, OTHER: 50}
    for _ in range(draw(st.integers(0, 60))):
        step += draw(st.integers(0, 20))
        token = draw(st.sampled_from([TOKEN, OTHER]))
        mid[token] = min(96, max(4, mid[token] + draw(st.integers(-12, 12))))
        if draw(st.booleans()):
            events.append(book_seen(step, mid[token], token=token, spread=draw(st.integers(1, 3))))
        else:
            events.append(trade_seen(step, str(mid[token] / 100), token=token))
    return events


SINGLE_LEG = frozenset({"mean_reversion", "momentum"})


def test_every_registered_strategy_has_generated_parameters_here() -> None:
    # A new strategy adds its parameters to PARAMS, so the purity property covers it.
    assert {s.name for s in STRATEGIES} <= set(PARAMS)


@st.composite
def a_strategy_and_params(
    draw: st.DrawFn, names: frozenset[str] | None = None
) -> tuple[Strategy[Any, Any], dict[str, Any]]:
    chosen = [s for s in STRATEGIES if s.name in PARAMS and (names is None or s.name in names)]
    strategy = draw(st.sampled_from(chosen))
    return strategy, draw(PARAMS[strategy.name])


def _run(
    strategy: Strategy[Any, Any], raw: dict[str, Any], events: list[MarketEvent], *, via_json: bool
) -> list[tuple[str, list[Any]]]:
    params = strategy.parse_params(raw)
    stored: dict[str, Any] | None = None
    state = strategy.initial_state(params)
    out = []
    for event in events:
        if via_json:
            state = strategy.load_state(params, json.loads(json.dumps(stored)) if stored else None)
        step = strategy.on_market(params, state, event)
        state = step.state
        stored = strategy.dump_state(state)
        wires = [i.to_wire() for i in intents_of("a", strategy.name, step.signals, event.at)]
        out.append((json.dumps(stored, sort_keys=True), wires))
    return out


@settings(max_examples=150, deadline=None)
@given(a_strategy_and_params(), market_events())
def test_the_same_market_events_give_the_same_intents_and_states(
    chosen: tuple[Strategy[Any, Any], dict[str, Any]], events: list[MarketEvent]
) -> None:
    strategy, raw = chosen
    first = _run(strategy, raw, events, via_json=False)
    assert _run(strategy, raw, events, via_json=False) == first
    assert _run(strategy, raw, events, via_json=True) == first  # as the engine runs it


@settings(max_examples=150, deadline=None)
@given(a_strategy_and_params(SINGLE_LEG), market_events())
def test_every_signal_is_a_one_leg_long_only_order_at_the_touch_of_the_strategys_size(
    chosen: tuple[Strategy[Any, Any], dict[str, Any]], events: list[MarketEvent]
) -> None:
    strategy, raw = chosen
    params = strategy.parse_params(raw)
    state = strategy.initial_state(params)
    held: dict[str, bool] = {}
    for event in events:
        step = strategy.on_market(params, state, event)
        state = step.state
        for signal in step.signals:
            (leg,) = signal.legs
            assert leg.token_id == event.token_id
            assert str(leg.size) == raw["size"]
            assert signal.reason
            assert all(isinstance(v, str) for v in signal.features.values())
            # long only: buy when out, sell what it bought
            assert held.get(leg.token_id, False) is (leg.side is Side.SELL)
            held[leg.token_id] = leg.side is Side.BUY
        for intent in intents_of("a", strategy.name, step.signals, event.at):
            assert intent.source.kind == "strategy"
            assert intent.source.strategy == strategy.name
            assert intent.created_at == event.at


def test_intent_ids_are_natural_and_distinct_within_a_step() -> None:
    leg = Leg("polymarket", "m", TOKEN, "Yes", Side.BUY, Decimal("0.5"), Decimal(5))
    made = intents_of("a", "momentum", [Signal((leg,), "r"), Signal((leg,), "r")], at(3))
    assert [i.intent_id for i in made] == [
        f"strategy:a:{TOKEN}:BUY:2026-03-02T14:01:30Z",
        f"strategy:a:{TOKEN}:BUY:2026-03-02T14:01:30Z:1",
    ]


FORBIDDEN_MODULES = {
    "time",
    "random",
    "secrets",
    "os",
    "socket",
    "subprocess",
    "pathlib",
    "urllib",
    "http",
    "httpx",
    "requests",
    "threading",
    "asyncio",
}
FORBIDDEN_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today")}
FORBIDDEN_NAMES = {"uuid4", "open", "print", "input"}


def _violations(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module.split(".")[0]]
            names += [a.name for a in node.names if a.name in FORBIDDEN_NAMES]
        else:
            names = []
        found += [f"imports {n}" for n in names if n in FORBIDDEN_MODULES | FORBIDDEN_NAMES]
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and ((node.value.id, node.attr) in FORBIDDEN_CALLS or node.attr == "uuid4")
        ):
            found.append(f"uses {node.value.id}.{node.attr}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in FORBIDDEN_NAMES
        ):
            found.append(f"calls {node.func.id}()")
    return [f"{path.relative_to(root)}:{v}" for v in found]


def test_engine_reads_no_clock_draws_no_random_number_and_does_no_io() -> None:
    files = sorted((ROOT / "engine").rglob("*.py"))
    assert any(p.name == "mean_reversion.py" for p in files)
    violations = [v for path in files for v in _violations(path)]
    assert violations == []


def test_the_purity_check_finds_what_it_forbids(tmp_path: Path) -> None:
    bad = tmp_path / "probe.py"
    bad.write_text(
        "import random\nfrom datetime import datetime\nfrom uuid import uuid4\n"
        "x = datetime.now()\ny = open('f')\n",
        encoding="utf-8",
    )
    found = _violations(bad, tmp_path)
    assert sorted(found) == sorted(
        [
            "probe.py:imports random",
            "probe.py:imports uuid4",
            "probe.py:uses datetime.now",
            "probe.py:calls open()",
        ]
    )
