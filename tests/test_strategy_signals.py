"""Mean reversion and momentum as pure functions: entries on a crossing out of the band, exits
on the way back, the cooldown, the price range, the time to expiry, and their parameters
validated with one line naming the key."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from typing import Any

import pytest

from adapters.config_file import ConfigError, config_from_toml
from engine.strategies.base import MarketEvent, Signal, Strategy
from engine.strategies.mean_reversion import MeanReversion, zscore
from engine.strategies.momentum import Momentum
from engine.values import Side
from tests.strategy_rig import OTHER, TOKEN, D, at, book_seen, spiky_mids, trade_seen

REVERT = MeanReversion()
TREND = Momentum()


def run(
    strategy: Strategy[Any, Any], raw: dict[str, Any], events: Sequence[MarketEvent]
) -> list[tuple[int, Signal]]:
    """Feed the events one by one; the signals with the index of the event that gave them."""
    params = strategy.parse_params(raw)
    state = strategy.initial_state(params)
    out = []
    for index, event in enumerate(events):
        step = strategy.on_market(params, state, event)
        state = step.state
        out.extend((index, signal) for signal in step.signals)
    return out


def sides(signals: list[tuple[int, Signal]]) -> list[tuple[int, str]]:
    return [(i, s.legs[0].side.value) for i, s in signals]


REVERT_PARAMS = {"window": 10, "z_entry": "2", "z_exit": "0.5", "size": "10", "cooldown_s": 0}


def test_mean_reversion_buys_a_spike_down_and_sells_when_it_comes_back() -> None:
    mids = spiky_mids(steps=45, spikes=(30,))
    signals = run(REVERT, REVERT_PARAMS, [book_seen(i, m) for i, m in enumerate(mids)])
    assert sides(signals)[0] == (30, "BUY")
    assert sides(signals)[1][1] == "SELL"
    buy, sell = signals[0][1], signals[1][1]
    assert buy.legs[0].price == D(mids[30] + 1) / 100  # the ask
    assert sell.legs[0].price > buy.legs[0].price  # the price came back
    assert D(buy.features["z"]) <= -2
    assert buy.reason.startswith("entry: z")
    assert set(buy.features) >= {"price", "mean", "std", "z", "previous_z", "window"}


def test_mean_reversion_enters_on_the_crossing_only_not_while_it_stays_out() -> None:
    # The price falls and stays down: one entry, however many books say it is still down.
    mids = [55, 56] * 6 + [45] * 10
    signals = run(REVERT, REVERT_PARAMS, [book_seen(i, m) for i, m in enumerate(mids)])
    assert [s for _, s in sides(signals)].count("BUY") == 1


def test_mean_reversion_cooldown_blocks_a_second_entry_on_the_same_token() -> None:
    mids = spiky_mids(steps=80, spikes=(30, 45))  # 15 steps of 30 s apart
    events = [book_seen(i, m) for i, m in enumerate(mids)]
    free = run(REVERT, REVERT_PARAMS, events)
    cooled = run(REVERT, {**REVERT_PARAMS, "cooldown_s": 3600}, events)
    assert [s for _, s in sides(free)].count("BUY") == 2
    assert [s for _, s in sides(cooled)].count("BUY") == 1


def test_mean_reversion_cooldown_is_per_token() -> None:
    mids = spiky_mids(steps=40, spikes=(30,))
    events = []
    for i, m in enumerate(mids):
        events += [book_seen(i, m), book_seen(i, m, token=OTHER)]
    signals = run(REVERT, {**REVERT_PARAMS, "cooldown_s": 3600}, events)
    bought = {s.legs[0].token_id for _, s in signals if s.legs[0].side is Side.BUY}
    assert bought == {TOKEN, OTHER}


@pytest.mark.parametrize(
    ("guard", "blocked"),
    [
        ({"min_price": "0.50"}, True),  # the spike's ask is below the range
        ({"min_price": "0.10", "max_price": "0.90"}, False),
        ({"expiries": {TOKEN: "2026-03-02T14:20:00Z"}, "min_time_to_expiry_s": 3600}, True),
        ({"expiries": {TOKEN: "2026-03-09T00:00:00Z"}, "min_time_to_expiry_s": 3600}, False),
        ({"min_move": "0.20"}, True),  # a 10-cent spike is not a 20-cent move
    ],
)
def test_mean_reversion_guards_hold_back_entries(guard: dict[str, Any], blocked: bool) -> None:
    mids = spiky_mids(steps=45, spikes=(30,))
    signals = run(REVERT, {**REVERT_PARAMS, **guard}, [book_seen(i, m) for i, m in enumerate(mids)])
    assert (not signals) is blocked


def test_mean_reversion_on_last_trade_reads_trades_and_buys_at_the_book() -> None:
    events: list[MarketEvent] = [book_seen(0, 55)]
    for i in range(1, 15):
        events.append(trade_seen(i, "0.55" if i % 2 else "0.56"))
    events += [book_seen(15, 44), trade_seen(15, "0.44")]
    signals = run(REVERT, {**REVERT_PARAMS, "price": "last_trade"}, events)
    assert sides(signals) == [(16, "BUY")]
    assert signals[0][1].legs[0].price == D("0.45")  # the last book's ask


def test_zscore_of_a_flat_window_is_none() -> None:
    assert zscore(D("0.5"), (D("0.5"),) * 5)[2] is None


TREND_PARAMS = {"fast": 3, "slow": 8, "threshold": "0.01", "size": "10", "cooldown_s": 0}


def _trend_mids() -> list[int]:
    return [50] * 10 + [50 + 2 * i for i in range(1, 8)] + [64 - 3 * i for i in range(1, 8)]


def test_momentum_buys_when_the_fast_average_crosses_above_the_slow_and_sells_when_it_falls() -> (
    None
):
    signals = run(TREND, TREND_PARAMS, [book_seen(i, m) for i, m in enumerate(_trend_mids())])
    assert [s for _, s in sides(signals)] == ["BUY", "SELL"]
    buy = signals[0][1]
    assert D(buy.features["gap"]) > D("0.01")
    assert D(buy.features["previous_gap"]) <= D("0.01")
    assert buy.reason.startswith("entry: the fast average")


def test_momentum_threshold_above_the_gap_gives_nothing() -> None:
    events = [book_seen(i, m) for i, m in enumerate(_trend_mids())]
    assert run(TREND, {**TREND_PARAMS, "threshold": "0.2"}, events) == []


def test_momentum_price_range_guard() -> None:
    events = [book_seen(i, m) for i, m in enumerate(_trend_mids())]
    assert run(TREND, {**TREND_PARAMS, "max_price": "0.52"}, events) == []


def test_signals_are_dated_and_sized_by_the_strategy() -> None:
    mids = spiky_mids(steps=45, spikes=(30,))
    index, signal = run(
        REVERT, {**REVERT_PARAMS, "size": "7.5"}, [book_seen(i, m) for i, m in enumerate(mids)]
    )[0]
    assert signal.legs[0].size == D("7.5")
    assert index == 30
    assert at(index).minute == 15


def _toml(agent: str) -> str:
    return f'[agents.a]\nvenues = ["polymarket"]\nmarkets = ["{TOKEN}"]\n{agent}\n'


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ('strategy = "mean_reversion"\nparams = { window = 20 }', "params: size: missing"),
        (
            'strategy = "mean_reversion"\nparams = { size = "5", window = 1 }',
            "params: window must be at least 2",
        ),
        (
            'strategy = "mean_reversion"\nparams = { size = "5", z_entry = "0.4" }',
            "z_entry must be greater than 0 and than z_exit",
        ),
        ('strategy = "momentum"\nparams = { size = "5", fast = 9, slow = 3 }', "fast must be"),
        ('strategy = "momentum"\nparams = { size = "5", wndow = 3 }', "wndow: unknown field"),
        ('strategy = "momentum"\nparams = { size = "-1" }', "must not be negative"),
        ('strategy = "copy"\nparams = { size = "5" }', "a copy agent takes no params"),
        (
            'strategy = "martingale"',
            "unknown strategy (known: copy, arbitrage, mean_reversion, momentum",
        ),
    ],
)
def test_bad_strategy_parameters_are_one_line_naming_the_agent_and_key(
    table: str, says: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        config_from_toml(tomllib.loads(_toml(table)), source="tape.toml")
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("tape.toml: agents.a:")
    assert says in message


def test_parameters_are_stored_in_their_normal_form() -> None:
    config = config_from_toml(
        tomllib.loads(_toml('strategy = "momentum"\nparams = { size = "5.50", fast = 2 }')),
        source="tape.toml",
    ).agents[0]
    assert config.params["size"] == "5.5"
    assert config.params["slow"] == 20  # the default, written down
    record = config.to_record()
    assert type(config).from_record(record) == config


class _TopLevel(MeanReversion):
    name = "top_level"
    top_level_keys = frozenset({"size", "window"})


def test_a_strategys_top_level_keys_may_be_written_in_the_agents_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from engine.strategies import registry  # noqa: PLC0415

    monkeypatch.setitem(registry.REGISTRY, "top_level", _TopLevel())
    table = 'strategy = "top_level"\nsize = "5"\nparams = { window = 4 }'
    (config,) = config_from_toml(tomllib.loads(_toml(table)), source="tape.toml").agents
    assert (config.params["size"], config.params["window"]) == ("5", 4)
    twice = 'strategy = "top_level"\nsize = "5"\nparams = { size = "6" }'
    with pytest.raises(ConfigError, match="size: given both in params and in the agent's table"):
        config_from_toml(tomllib.loads(_toml(twice)), source="tape.toml")
    other = 'strategy = "momentum"\nsize = "5"'  # momentum names no top-level key
    with pytest.raises(ConfigError, match="size: unknown field"):
        config_from_toml(tomllib.loads(_toml(other)), source="tape.toml")
