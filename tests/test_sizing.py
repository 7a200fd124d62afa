"""Sizing rules, proportional copy sells, and the rounding grid they use."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine.config import Sizing
from engine.grid import ceil_to, floor_to, on_grid
from engine.sizing import size_by_rule, size_copy_sell, size_plain_sell, tier_multiplier
from tests.conftest import a_source, a_trade_intent

D = Decimal
STEP = D("0.01")
TIERS = Sizing(mode="TIERED", tiers=((D(0), D("0.5")), (D(1000), D("0.2"))))


# -- FIXED ------------------------------------------------------------------------------------


def test_fixed_when_sized_then_usdc_over_source_price_rounded_down() -> None:
    result = size_by_rule(Sizing(mode="FIXED", value=D(10)), a_trade_intent(price="0.52"), STEP)

    assert result.size == D("19.23")  # 10 / 0.52 = 19.2307...
    assert result.values["usdc"] == "10"
    assert result.values["source_price"] == "0.52"
    assert result.values["raw"].startswith("19.2307")
    assert result.values["step"] == "0.01"
    assert result.rule.startswith("FIXED 10 USDC")


def test_fixed_when_source_size_changes_then_our_size_does_not() -> None:
    sizing = Sizing(mode="FIXED", value=D(10))

    small = size_by_rule(sizing, a_trade_intent(price="0.5", size="1"), STEP)
    large = size_by_rule(sizing, a_trade_intent(price="0.5", size="100000"), STEP)

    assert small.size == large.size == D(20)


# -- PERCENTAGE -------------------------------------------------------------------------------


def test_percentage_when_sized_then_percent_of_the_source_size() -> None:
    result = size_by_rule(
        Sizing(mode="PERCENTAGE", value=D(10)), a_trade_intent(size="120.5"), STEP
    )

    assert result.size == D("12.05")
    assert result.values == {
        "percent": "10",
        "source_size": "120.5",
        "raw": "12.05",
        "step": "0.01",
    }


@pytest.mark.parametrize(
    ("step", "expected"),
    [("0.01", "12.34"), ("0.1", "12.3"), ("1", "12"), ("5", "10")],
)
def test_size_when_not_on_the_step_then_rounded_down_to_it(step: str, expected: str) -> None:
    # 10% of 123.459 = 12.3459
    result = size_by_rule(
        Sizing(mode="PERCENTAGE", value=D(10)), a_trade_intent(size="123.459"), D(step)
    )

    assert result.size == D(expected)


# -- TIERED -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("notional", "multiplier"),
    [("0", "0.5"), ("999.99", "0.5"), ("1000", "0.2"), ("1000.01", "0.2"), ("1e9", "0.2")],
)
def test_tier_multiplier_when_notional_reaches_a_threshold_then_that_tier_applies(
    notional: str, multiplier: str
) -> None:
    assert tier_multiplier(TIERS, D(notional)) == D(multiplier)


def test_tier_multiplier_when_below_the_first_threshold_then_zero() -> None:
    sizing = Sizing(mode="TIERED", tiers=((D(50), D(1)),))

    assert tier_multiplier(sizing, D("49.99")) == 0


def test_tiered_when_at_a_tier_boundary_then_the_higher_tier_sizes_it() -> None:
    # price 0.5 x size 2000 = 1000 USDC: the 1000 tier, x0.2
    at_boundary = size_by_rule(TIERS, a_trade_intent(price="0.5", size="2000"), STEP)
    # price 0.5 x size 1999.98 = 999.99 USDC: the 0 tier, x0.5
    below = size_by_rule(TIERS, a_trade_intent(price="0.5", size="1999.98"), STEP)

    assert at_boundary.size == D(400)
    assert at_boundary.values["multiplier"] == "0.2"
    assert at_boundary.values["source_notional"] == "1000"
    assert below.size == D("999.99")
    assert below.values["multiplier"] == "0.5"


def test_tiered_when_below_every_tier_then_size_zero() -> None:
    sizing = Sizing(mode="TIERED", tiers=((D(100), D(1)),))

    assert size_by_rule(sizing, a_trade_intent(price="0.5", size="10"), STEP).size == 0


def test_sizing_when_tiers_not_ascending_then_refused() -> None:
    with pytest.raises(ValueError, match="ascending"):
        Sizing(mode="TIERED", tiers=((D(1000), D("0.2")), (D(0), D("0.5"))))


@pytest.mark.parametrize("mode", ["FIXED", "PERCENTAGE"])
def test_sizing_when_value_missing_or_not_positive_then_refused(mode: str) -> None:
    with pytest.raises(ValueError, match="positive value"):
        Sizing(mode=mode, value=D(0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive value"):
        Sizing(mode=mode)  # type: ignore[arg-type]


# -- proportional copy sells ------------------------------------------------------------------


def test_copy_sell_when_holding_reported_then_sells_the_same_fraction() -> None:
    intent = a_trade_intent(side="SELL", size="60", source=a_source(trader_position_before="240"))

    result = size_copy_sell(
        intent, held_from_trader=D(100), observed_trader_holding=D(999), size_step=STEP
    )

    assert result.size == D(25)  # 60 / 240 = 25% of our 100
    assert result.values == {
        "trader_sold": "60",
        "trader_holding_before": "240",
        "holding_basis": "reported",
        "fraction": "0.25",
        "held_from_trader": "100",
        "raw": "25",
        "step": "0.01",
    }


def test_copy_sell_when_only_observed_holding_then_uses_it() -> None:
    intent = a_trade_intent(side="SELL", size="30")

    result = size_copy_sell(
        intent, held_from_trader=D(50), observed_trader_holding=D(90), size_step=STEP
    )

    assert result.size == D("16.66")  # 50 x 30/90 = 16.666..., rounded down
    assert result.values["holding_basis"] == "observed"
    assert result.values["trader_holding_before"] == "90"


@pytest.mark.parametrize("observed", [None, D(0)])
def test_copy_sell_when_holding_unknown_then_sells_all_bought_from_the_trader(
    observed: Decimal | None,
) -> None:
    intent = a_trade_intent(side="SELL", size="1")

    result = size_copy_sell(
        intent, held_from_trader=D("42.37"), observed_trader_holding=observed, size_step=STEP
    )

    assert result.size == D("42.37")
    assert result.values["fraction"] == "1"
    assert "unknown" in result.rule


def test_copy_sell_when_trader_sells_more_than_it_held_then_fraction_capped_at_one() -> None:
    intent = a_trade_intent(side="SELL", size="500", source=a_source(trader_position_before="200"))

    result = size_copy_sell(
        intent, held_from_trader=D(80), observed_trader_holding=None, size_step=STEP
    )

    assert result.size == D(80)
    assert result.values["fraction"] == "1"


def test_copy_sell_when_nothing_bought_from_the_trader_then_size_zero() -> None:
    intent = a_trade_intent(side="SELL", size="60", source=a_source(trader_position_before="120"))

    result = size_copy_sell(
        intent, held_from_trader=D(0), observed_trader_holding=None, size_step=STEP
    )

    assert result.size == 0


decimals = st.decimals(
    min_value=D("0.01"), max_value=D(100_000), places=4, allow_nan=False, allow_infinity=False
)
steps = st.sampled_from([D("0.01"), D("0.1"), D(1), D("0.001")])


@settings(max_examples=100, deadline=None)
@given(
    sold=decimals,
    before=st.one_of(st.none(), st.decimals(min_value=0, max_value=D(100_000), places=4)),
    observed=st.one_of(st.none(), st.decimals(min_value=0, max_value=D(100_000), places=4)),
    held=st.decimals(min_value=0, max_value=D(100_000), places=2),
    step=steps,
)
def test_copy_sell_when_any_inputs_then_never_more_than_held_and_on_the_step(
    sold: Decimal, before: Decimal | None, observed: Decimal | None, held: Decimal, step: Decimal
) -> None:
    intent = a_trade_intent(
        side="SELL",
        price="0.5",
        size=format(sold, "f"),
        source=a_source(trader_position_before=None if before is None else format(before, "f")),
    )

    result = size_copy_sell(
        intent, held_from_trader=held, observed_trader_holding=observed, size_step=step
    )

    assert 0 <= result.size <= held
    assert on_grid(result.size, step)
    assert held - result.size < step or D(result.values["fraction"]) < 1


@settings(max_examples=100, deadline=None)
@given(held=st.decimals(min_value=0, max_value=D(10_000), places=2), step=steps)
def test_plain_sell_when_any_holding_then_never_more_than_held(
    held: Decimal, step: Decimal
) -> None:
    intent = a_trade_intent(side="SELL", source={"kind": "manual"}, size="5000")

    result = size_plain_sell(
        Sizing(mode="PERCENTAGE", value=D(50)), intent, held=held, size_step=step
    )

    assert 0 <= result.size <= min(held, D(2500))
    assert on_grid(result.size, step)


@settings(max_examples=100, deadline=None)
@given(
    mode=st.sampled_from(["FIXED", "PERCENTAGE"]),
    value=st.decimals(min_value=D("0.01"), max_value=D(1000), places=2),
    price=st.decimals(min_value=D("0.01"), max_value=D("0.99"), places=2),
    size=decimals,
    step=steps,
)
def test_size_by_rule_when_any_inputs_then_rounded_down_within_one_step(
    mode: str, value: Decimal, price: Decimal, size: Decimal, step: Decimal
) -> None:
    intent = a_trade_intent(price=format(price, "f"), size=format(size, "f"))

    result = size_by_rule(Sizing(mode=mode, value=value), intent, step)  # type: ignore[arg-type]

    raw = D(result.values["raw"])
    assert result.size <= raw
    assert raw - result.size < step
    assert on_grid(result.size, step)


# -- the grid ---------------------------------------------------------------------------------

values = st.decimals(
    min_value=D(-1_000_000),
    max_value=D(1_000_000),
    places=6,
    allow_nan=False,
    allow_infinity=False,
)
grid_steps = st.sampled_from([D("0.01"), D("0.001"), D("0.1"), D(1), D(5), D("0.25")])


@settings(max_examples=100, deadline=None)
@given(value=values, step=grid_steps)
def test_floor_to_when_any_value_then_largest_grid_point_not_above(
    value: Decimal, step: Decimal
) -> None:
    floored = floor_to(value, step)

    assert floored <= value
    assert value - floored < step
    assert on_grid(floored, step)


@settings(max_examples=100, deadline=None)
@given(value=values, step=grid_steps)
def test_ceil_to_when_any_value_then_smallest_grid_point_not_below(
    value: Decimal, step: Decimal
) -> None:
    ceiled = ceil_to(value, step)

    assert ceiled >= value
    assert ceiled - value < step
    assert on_grid(ceiled, step)


@settings(max_examples=100, deadline=None)
@given(multiple=st.integers(min_value=-1_000_000, max_value=1_000_000), step=grid_steps)
def test_floor_and_ceil_when_value_on_grid_then_both_are_the_value(
    multiple: int, step: Decimal
) -> None:
    value = multiple * step

    assert on_grid(value, step)
    assert floor_to(value, step) == value == ceil_to(value, step)


@settings(max_examples=100, deadline=None)
@given(value=values, step=grid_steps)
def test_floor_and_ceil_when_value_off_grid_then_one_step_apart(
    value: Decimal, step: Decimal
) -> None:
    assume(not on_grid(value, step))

    assert ceil_to(value, step) - floor_to(value, step) == step


@settings(max_examples=50, deadline=None)
@given(value=values, step=grid_steps)
def test_floor_to_when_applied_twice_then_unchanged(value: Decimal, step: Decimal) -> None:
    once = floor_to(value, step)

    assert floor_to(once, step) == once
    assert ceil_to(ceil_to(value, step), step) == ceil_to(value, step)
