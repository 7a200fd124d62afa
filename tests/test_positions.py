"""The Position aggregate: lots, FIFO consumption, copy sells, realised PnL, never below zero."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.positions import Position, PositionUnderflowError
from tests.conftest import AGENT, MARKET, OTHER_TRADER, T0, TOKEN, TRADER, VENUE, rebuild

D = Decimal


def a_position() -> Position:
    return Position.open(
        agent=AGENT, venue=VENUE, market_id=MARKET, token_id=TOKEN, outcome="Yes", at=T0
    )


def buy(
    position: Position,
    fill_id: str,
    size: str,
    price: str,
    *,
    fee: str = "0",
    trader: str | None = None,
) -> None:
    position.increase(
        order_id=f"order-{fill_id}",
        fill_id=fill_id,
        trader=trader,
        price=D(price),
        size=D(size),
        fee=D(fee),
        at=T0,
    )


def sell(
    position: Position,
    fill_id: str,
    size: str,
    price: str,
    *,
    fee: str = "0",
    trader: str | None = None,
) -> tuple[Decimal, Decimal]:
    return position.reduce(
        order_id=f"order-{fill_id}",
        fill_id=fill_id,
        trader=trader,
        price=D(price),
        size=D(size),
        fee=D(fee),
        at=T0,
    )


def lots(position: Position) -> list[tuple[str, Decimal, Decimal]]:
    return [(lot["lot"], lot["size"], lot["cost"]) for lot in position.lots]


def test_open_when_new_then_nothing_held() -> None:
    position = a_position()

    assert position.size == 0
    assert position.cost == 0
    assert position.realised_pnl == 0
    assert position.id == Position.create_id(AGENT, VENUE, TOKEN)


def test_increase_when_buy_fill_then_a_lot_costing_price_times_size_plus_fee() -> None:
    position = a_position()

    buy(position, "a", "10", "0.40", fee="0.04")

    assert lots(position) == [("a", D(10), D("4.04"))]
    assert position.size == 10
    assert position.fees == D("0.04")


def test_reduce_when_selling_then_lots_are_consumed_first_in_first_out() -> None:
    position = a_position()
    buy(position, "a", "10", "0.40")
    buy(position, "b", "10", "0.60")
    buy(position, "c", "10", "0.50")

    cost, realised = sell(position, "s1", "15", "0.70")

    # 10 of a (4.00) + 5 of b (3.00)
    assert cost == D("7")
    assert realised == D("10.5") - D(7)
    assert lots(position) == [("b", D(5), D(3)), ("c", D(10), D(5))]
    assert position.size == 15


def test_reduce_when_fees_paid_then_realised_pnl_counts_both_fees() -> None:
    position = a_position()
    buy(position, "a", "10", "0.40", fee="0.04")  # cost 4.04
    buy(position, "b", "10", "0.60", fee="0.06")  # cost 6.06

    cost, realised = sell(position, "s1", "15", "0.70", fee="0.105")

    # consumed: all of a (4.04) and half of b (6.06 / 2 = 3.03)
    expected_cost = D("4.04") + D("3.03")
    # proceeds 15 x 0.70 = 10.50, less the sell fee, less what was consumed
    expected_realised = D("10.50") - D("0.105") - expected_cost
    assert cost == expected_cost
    assert realised == expected_realised == D("3.325")
    assert position.realised_pnl == D("3.325")
    assert position.fees == D("0.04") + D("0.06") + D("0.105")
    assert lots(position) == [("b", D(5), D("3.03"))]


def test_reduce_when_position_closed_then_realised_is_proceeds_less_all_costs() -> None:
    position = a_position()
    buy(position, "a", "3", "0.33", fee="0.01")  # 1.00
    buy(position, "b", "7", "0.41", fee="0.02")  # 2.89

    sell(position, "s1", "4", "0.50", fee="0.01")  # 2.00 - 0.01
    sell(position, "s2", "6", "0.30", fee="0.01")  # 1.80 - 0.01

    assert position.size == 0
    assert position.cost == 0
    assert position.lots == []
    assert position.realised_pnl == (D("2.00") - D("0.01") + D("1.80") - D("0.01")) - (
        D("1.00") + D("2.89")
    )


def test_reduce_when_copy_sell_then_that_traders_lots_go_first() -> None:
    position = a_position()
    buy(position, "a", "10", "0.40", trader=TRADER)
    buy(position, "b", "10", "0.50", trader=OTHER_TRADER)
    buy(position, "c", "10", "0.60", trader=TRADER)

    cost, _ = sell(position, "s1", "12", "0.70", trader=OTHER_TRADER)

    # all 10 of the other trader's lot b (5.00), then FIFO among the rest: 2 of a (0.80)
    assert cost == D("5.8")
    assert lots(position) == [("a", D(8), D("3.2")), ("c", D(10), D(6))]
    assert position.held_from(TRADER) == 18
    assert position.held_from(OTHER_TRADER) == 0


def test_reduce_when_not_a_copy_then_untraced_lots_go_first() -> None:
    position = a_position()
    buy(position, "a", "10", "0.40", trader=TRADER)
    buy(position, "b", "10", "0.50", trader=None)

    cost, _ = sell(position, "s1", "5", "0.70", trader=None)

    assert cost == D("2.5")
    assert lots(position) == [("a", D(10), D(4)), ("b", D(5), D("2.5"))]


def test_held_from_when_trader_none_then_everything_held() -> None:
    position = a_position()
    buy(position, "a", "10", "0.40", trader=TRADER)
    buy(position, "b", "4", "0.50", trader=OTHER_TRADER)

    assert position.held_from(None) == 14
    assert position.held_from(TRADER) == 10


def test_reduce_when_selling_more_than_held_then_underflow_refused() -> None:
    position = a_position()
    buy(position, "a", "10", "0.40")
    position.collect_events()

    with pytest.raises(PositionUnderflowError, match="holds 10"):
        sell(position, "s1", "10.01", "0.70")

    assert position.size == 10
    assert position.pending_events == []


def test_reduce_when_nothing_held_then_underflow_refused() -> None:
    with pytest.raises(PositionUnderflowError):
        sell(a_position(), "s1", "1", "0.70")


def test_partial_lot_when_cost_has_no_exact_share_then_the_last_sale_takes_the_rest() -> None:
    position = a_position()
    buy(position, "a", "3", "0.33", fee="0.01")  # 1.00 for 3 shares: a third is 0.333...

    first, _ = sell(position, "s1", "1", "0.50")
    second, _ = sell(position, "s2", "1", "0.50")
    third, _ = sell(position, "s3", "1", "0.50")

    assert first == D("0.3333333333")  # 1.00 / 3, to the cost quantum
    assert second == D("0.3333333334")  # 0.6666666667 / 2, to the cost quantum
    assert first + second + third == D("1.00")
    assert position.cost == 0


# -- the property -----------------------------------------------------------------------------

traders = st.sampled_from([None, TRADER, OTHER_TRADER])
operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("buy"),
            st.decimals(min_value=D("0.01"), max_value=D(500), places=2),
            st.decimals(min_value=D("0.01"), max_value=D("0.99"), places=2),
            st.decimals(min_value=0, max_value=D(1), places=6),
            traders,
        ),
        st.tuples(
            st.just("sell"),
            st.fractions(min_value=0, max_value=1),
            st.decimals(min_value=D("0.01"), max_value=D("0.99"), places=2),
            st.decimals(min_value=0, max_value=D(1), places=6),
            traders,
        ),
    ),
    max_size=25,
)


@settings(max_examples=100, deadline=None)
@given(operations)
def test_position_when_any_buys_and_sells_then_never_negative_and_consistent(
    ops: list[tuple[Any, ...]],
) -> None:
    position = a_position()
    events = list(position.collect_events())
    bought = sold = D(0)
    buy_cost = proceeds = sell_fees = D(0)
    for n, (kind, amount, price, fee, trader) in enumerate(ops):
        if kind == "buy":
            position.increase(
                order_id="o",
                fill_id=f"f{n}",
                trader=trader,
                price=price,
                size=amount,
                fee=fee,
                at=T0,
            )
            bought += amount
            buy_cost += price * amount + fee
        else:
            # a fraction of what is held, on the 0.01 grid, never more than held
            size = (position.size * D(amount.numerator) / D(amount.denominator)).quantize(
                D("0.01"), rounding="ROUND_FLOOR"
            )
            if size <= 0:
                continue
            position.reduce(
                order_id="o",
                fill_id=f"f{n}",
                trader=trader,
                price=price,
                size=size,
                fee=fee,
                at=T0,
            )
            sold += size
            proceeds += price * size
            sell_fees += fee
        events.extend(position.collect_events())

        assert position.size >= 0
        assert position.size == bought - sold
        assert position.cost >= 0
        assert all(lot["size"] > 0 and lot["cost"] >= 0 for lot in position.lots)

    assert rebuild(events) == position
    if position.size == 0:
        # every lot consumed in full: no rounding dust in the realised PnL
        assert position.realised_pnl == proceeds - sell_fees - buy_cost
