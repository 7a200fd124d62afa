"""The Order aggregate's state machine: a hypothesis model of any sequence of venue answers,
and explicit examples of the transitions it refuses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from engine.aggregate import WallClockForbiddenError
from engine.order_states import TERMINAL, IllegalOrderTransitionError, OrderStatus, OverfillError
from engine.orders import Order
from tests.conftest import AGENT, MARKET, T0, TOKEN, TRADER, VENUE, aggregate_state, rebuild

D = Decimal
SIZE = D(10)

BEFORE_ANSWER = {OrderStatus.PLACED, OrderStatus.UNCERTAIN}
WORKING = {OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED}


def a_placed_order(size: Decimal = SIZE, intent_id: str = "i1") -> Order:
    return Order.place(
        intent_id=intent_id,
        leg=0,
        agent=AGENT,
        venue=VENUE,
        market_id=MARKET,
        token_id=TOKEN,
        outcome="Yes",
        side="BUY",
        order_type="GTC",
        price=D("0.5"),
        size=size,
        source_trader=TRADER,
        at=T0,
    )


def an_accepted_order(size: Decimal = SIZE) -> Order:
    order = a_placed_order(size)
    order.accept(venue_order_id="v-1", at=T0)
    return order


def fill(
    order: Order, fill_id: str, size: str, price: str = "0.5", *, provisional: bool = False
) -> bool:
    return order.fill(
        fill_id=fill_id,
        venue_fill_id=f"v-{fill_id}",
        price=D(price),
        size=D(size),
        fee=D(0),
        at=T0,
        provisional=provisional,
    )


# -- the model --------------------------------------------------------------------------------


class OrderLifecycle(RuleBasedStateMachine):
    """Drives one order through any sequence of commands and checks it after each step."""

    def __init__(self) -> None:
        super().__init__()
        self.order = a_placed_order()
        self.events: list[Any] = list(self.order.collect_events())
        self.clock = 0
        self.issued = 0
        self.status = OrderStatus.PLACED
        self.fills: dict[str, Decimal] = {}
        self.provisional: set[str] = set()

    # helpers

    def at(self) -> Any:
        self.clock += 1
        return T0 + timedelta(seconds=self.clock)

    @property
    def filled(self) -> Decimal:
        return sum(self.fills.values(), D(0))

    def attempt(
        self,
        action: Callable[[], object],
        *,
        legal: bool,
        refusals: tuple[type[Exception], ...] = (IllegalOrderTransitionError,),
    ) -> None:
        before = aggregate_state(self.order)
        if legal:
            action()
            new = self.order.collect_events()
            assert len(new) == 1
            self.events.extend(new)
            return
        with pytest.raises(refusals):
            action()
        assert aggregate_state(self.order) == before, "a refused command changed the order"
        assert self.order.pending_events == []

    # commands

    @initialize(accepted=st.booleans())
    def start(self, accepted: bool) -> None:
        # half the runs start accepted, so the working and filled states get their share
        if accepted:
            self.accept()

    @rule()
    def accept(self) -> None:
        legal = self.status in BEFORE_ANSWER
        self.attempt(lambda: self.order.accept(venue_order_id="v-1", at=self.at()), legal=legal)
        if legal:
            self.status = OrderStatus.ACCEPTED

    @rule()
    def reject(self) -> None:
        legal = self.status in BEFORE_ANSWER
        self.attempt(
            lambda: self.order.reject(code="NO", message="refused", at=self.at()), legal=legal
        )
        if legal:
            self.status = OrderStatus.REJECTED

    @rule()
    def mark_uncertain(self) -> None:
        legal = self.status in BEFORE_ANSWER
        self.attempt(lambda: self.order.mark_uncertain(error="timeout", at=self.at()), legal=legal)
        if legal:
            self.status = OrderStatus.UNCERTAIN

    @rule()
    def cancel(self) -> None:
        legal = self.status in WORKING
        remaining = SIZE - self.filled
        self.attempt(lambda: self.order.cancel(reason="user", at=self.at()), legal=legal)
        if legal:
            self.status = OrderStatus.CANCELED
            assert self.events[-1].canceled_size == remaining

    @rule()
    def expire(self) -> None:
        legal = self.status in BEFORE_ANSWER | WORKING
        self.attempt(lambda: self.order.expire(reason="end of day", at=self.at()), legal=legal)
        if legal:
            self.status = OrderStatus.EXPIRED

    @rule(
        size=st.sampled_from([D("0.5"), D("2.5"), D(5), D(10), D(11)]),
        provisional=st.booleans(),
    )
    def new_fill(self, size: Decimal, provisional: bool = False) -> None:
        self.issued += 1
        fill_id = f"f{self.issued}"
        fits = self.filled + size <= SIZE
        legal = self.status in WORKING and fits
        # the status is checked first: a fill of an order that is not working is an illegal
        # transition whatever its size; a working order refuses a fill too big as an overfill
        refusals = (OverfillError,) if self.status in WORKING else (IllegalOrderTransitionError,)
        self.attempt(
            lambda: self.order.fill(
                fill_id=fill_id,
                venue_fill_id=f"v-{fill_id}",
                price=D("0.5"),
                size=size,
                fee=D("0.01"),
                at=self.at(),
                provisional=provisional,
            ),
            legal=legal,
            refusals=refusals,
        )
        if legal:
            self.fills[fill_id] = size
            if provisional:
                self.provisional.add(fill_id)
            self.status = (
                OrderStatus.FILLED if self.filled == SIZE else OrderStatus.PARTIALLY_FILLED
            )

    @precondition(lambda self: self.status in WORKING)
    @rule(half=st.booleans())
    def fill_some_of_the_rest(self, half: bool) -> None:
        rest = SIZE - self.filled
        self.new_fill(rest / 2 if half else rest)

    @rule(size=st.sampled_from([D(0), D(-1), D("-0.01")]))
    def fill_not_positive(self, size: Decimal) -> None:
        self.issued += 1
        fill_id = f"f{self.issued}"
        self.attempt(
            lambda: self.order.fill(
                fill_id=fill_id,
                venue_fill_id="v",
                price=D("0.5"),
                size=size,
                fee=D(0),
                at=self.at(),
            ),
            legal=False,
            refusals=(
                (OverfillError,) if self.status in WORKING else (IllegalOrderTransitionError,)
            ),
        )

    @precondition(lambda self: bool(self.fills))
    @rule(data=st.data())
    def repeat_fill(self, data: st.DataObject) -> None:
        fill_id = data.draw(st.sampled_from(sorted(self.fills)))
        before = aggregate_state(self.order)

        added = self.order.fill(
            fill_id=fill_id,
            venue_fill_id="again",
            price=D("0.9"),
            size=D(1),
            fee=D(1),
            at=self.at(),
        )

        assert added is False
        assert aggregate_state(self.order) == before
        assert self.order.pending_events == []

    @rule(data=st.data(), known=st.booleans())
    def void_fill(self, data: st.DataObject, known: bool) -> None:
        if known and self.fills:
            fill_id = data.draw(st.sampled_from(sorted(self.fills)))
        else:
            fill_id = "no-such-fill"
        # settling a provisional fill is legal in any status; a final fill is never taken back
        legal = fill_id in self.provisional
        self.attempt(
            lambda: self.order.void_fill(fill_id=fill_id, reason="FAILED", at=self.at()),
            legal=legal,
        )
        if legal:
            del self.fills[fill_id]
            self.provisional.discard(fill_id)
            if self.status in TERMINAL:
                self.status = OrderStatus.CANCELED  # closed stays closed
            else:
                self.status = OrderStatus.PARTIALLY_FILLED if self.fills else OrderStatus.ACCEPTED

    @rule(data=st.data())
    def confirm_fill(self, data: st.DataObject) -> None:
        fill_id = data.draw(st.sampled_from(sorted(self.fills) or ["no-such-fill"]))
        legal = fill_id in self.provisional
        self.attempt(lambda: self.order.confirm_fill(fill_id=fill_id, at=self.at()), legal=legal)
        if legal:
            self.provisional.discard(fill_id)

    # invariants

    @invariant()
    def filled_never_exceeds_the_order(self) -> None:
        assert self.order.filled_size <= self.order.size
        assert self.order.remaining_size >= 0

    @invariant()
    def fills_are_positive(self) -> None:
        assert all(f["size"] > 0 for f in self.order.fills.values())

    @invariant()
    def status_is_the_modelled_one(self) -> None:
        assert OrderStatus(self.order.status) is self.status
        assert self.order.is_terminal == (self.status in TERMINAL)
        assert {k: v["size"] for k, v in self.order.fills.items()} == self.fills

    @invariant()
    def status_agrees_with_the_fills(self) -> None:
        status, filled = OrderStatus(self.order.status), self.order.filled_size
        if status in (OrderStatus.PLACED, OrderStatus.UNCERTAIN, OrderStatus.REJECTED):
            assert not self.order.fills
        elif status is OrderStatus.ACCEPTED:
            assert filled == 0
        elif status is OrderStatus.PARTIALLY_FILLED:
            assert 0 < filled < self.order.size
        elif status is OrderStatus.FILLED:
            assert filled == self.order.size
        else:  # CANCELED, EXPIRED: the rest never traded
            assert filled < self.order.size

    @invariant()
    def terminal_states_are_final(self) -> None:
        if not self.order.is_terminal:
            return
        at = T0 + timedelta(seconds=self.clock)
        commands: list[Callable[[], object]] = [
            lambda: self.order.accept(venue_order_id="v-2", at=at),
            lambda: self.order.reject(code="NO", message="late", at=at),
            lambda: self.order.mark_uncertain(error="late", at=at),
            lambda: self.order.cancel(reason="late", at=at),
            lambda: self.order.expire(reason="late", at=at),
            lambda: self.order.void_fill(fill_id="no-such-fill", reason="late", at=at),
            *(
                lambda fill_id=fill_id: self.order.void_fill(fill_id=fill_id, reason="late", at=at)
                for fill_id in sorted(self.order.fills)
                if fill_id not in self.provisional  # settling a provisional fill stays legal
            ),
        ]
        commands += [
            lambda size=size: self.order.fill(
                fill_id="late-fill",
                venue_fill_id="late",
                price=D("0.5"),
                size=size,
                fee=D(0),
                at=at,
            )
            for size in {self.order.remaining_size, D(1), SIZE + 1}
            if size > 0
        ]
        for command in commands:
            before = aggregate_state(self.order)
            with pytest.raises(IllegalOrderTransitionError):
                command()
            assert aggregate_state(self.order) == before
            assert self.order.pending_events == []

    @invariant()
    def rebuilding_from_the_events_gives_the_live_order(self) -> None:
        assert rebuild(self.events) == self.order
        assert [e.originator_version for e in self.events] == list(range(1, len(self.events) + 1))


OrderLifecycle.TestCase.settings = settings(max_examples=100, stateful_step_count=25, deadline=None)
test_order_lifecycle = OrderLifecycle.TestCase


# -- explicit examples ------------------------------------------------------------------------


def test_place_when_written_then_placed_with_a_client_order_id_and_no_fills() -> None:
    order = a_placed_order()

    assert order.status == OrderStatus.PLACED
    assert order.fills == {}
    assert order.client_order_id == f"tape-{order.id.hex}"
    assert order.id == Order.create_id("i1", 0)
    assert [type(e).__name__ for e in order.collect_events()] == ["OrderPlaced"]


@pytest.mark.parametrize(
    ("setup", "command", "message"),
    [
        pytest.param(
            a_placed_order,
            lambda o: fill(o, "f1", "1"),
            "is PLACED: OrderFilled",
            id="fill-before-accept",
        ),
        pytest.param(
            a_placed_order,
            lambda o: o.cancel(reason="x", at=T0),
            "is PLACED: OrderCanceled",
            id="cancel-before-accept",
        ),
        pytest.param(
            an_accepted_order,
            lambda o: o.reject(code="X", message="y", at=T0),
            "is ACCEPTED: OrderRejected",
            id="reject-after-accept",
        ),
        pytest.param(
            an_accepted_order,
            lambda o: o.accept(venue_order_id="v-2", at=T0),
            "is ACCEPTED: OrderAccepted",
            id="accept-twice",
        ),
        pytest.param(
            an_accepted_order,
            lambda o: o.mark_uncertain(error="timeout", at=T0),
            "is ACCEPTED: OrderSubmissionUncertain",
            id="uncertain-after-accept",
        ),
    ],
)
def test_order_when_command_does_not_follow_the_status_then_illegal_transition(
    setup: Callable[[], Order], command: Callable[[Order], object], message: str
) -> None:
    order = setup()
    order.collect_events()
    before = aggregate_state(order)

    with pytest.raises(IllegalOrderTransitionError, match=message):
        command(order)

    assert aggregate_state(order) == before
    assert order.pending_events == []


@pytest.mark.parametrize(
    "finish",
    [
        pytest.param(lambda o: fill(o, "f1", "10"), id="FILLED"),
        pytest.param(lambda o: o.cancel(reason="x", at=T0), id="CANCELED"),
        pytest.param(lambda o: o.expire(reason="x", at=T0), id="EXPIRED"),
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        pytest.param(lambda o: o.accept(venue_order_id="v", at=T0), id="accept"),
        pytest.param(lambda o: o.reject(code="X", message="y", at=T0), id="reject"),
        pytest.param(lambda o: o.mark_uncertain(error="e", at=T0), id="uncertain"),
        pytest.param(lambda o: o.cancel(reason="again", at=T0), id="cancel"),
        pytest.param(lambda o: o.expire(reason="again", at=T0), id="expire"),
        pytest.param(lambda o: o.void_fill(fill_id="f1", reason="x", at=T0), id="void"),
    ],
)
def test_order_when_terminal_then_every_command_is_an_illegal_transition(
    finish: Callable[[Order], object], command: Callable[[Order], object]
) -> None:
    order = an_accepted_order()
    finish(order)
    assert order.is_terminal
    before = aggregate_state(order)

    with pytest.raises(IllegalOrderTransitionError):
        command(order)

    assert aggregate_state(order) == before


def test_order_when_rejected_then_a_later_accept_is_illegal() -> None:
    order = a_placed_order()
    order.reject(code="INVALID_PRICE", message="off tick", at=T0)

    with pytest.raises(IllegalOrderTransitionError, match="is REJECTED"):
        order.accept(venue_order_id="v", at=T0)
    assert order.reason == "INVALID_PRICE: off tick"


def test_fill_when_canceled_after_a_partial_fill_then_illegal_transition() -> None:
    order = an_accepted_order()
    fill(order, "f1", "4")
    order.cancel(reason="user", at=T0)

    with pytest.raises(IllegalOrderTransitionError, match="is CANCELED: OrderFilled"):
        fill(order, "f2", "1")
    assert order.filled_size == 4


def test_fill_when_order_is_filled_then_illegal_transition() -> None:
    order = an_accepted_order()
    fill(order, "f1", "10")

    with pytest.raises(IllegalOrderTransitionError):
        fill(order, "f2", "1")


def test_fill_when_fill_id_already_recorded_then_ignored() -> None:
    order = an_accepted_order()
    assert fill(order, "f1", "4")
    order.collect_events()
    before = aggregate_state(order)

    added = fill(order, "f1", "4")

    assert added is False
    assert order.pending_events == []
    assert aggregate_state(order) == before
    assert order.filled_size == 4


def test_fill_when_above_the_order_size_then_overfill_refused() -> None:
    order = an_accepted_order()
    fill(order, "f1", "6")

    with pytest.raises(OverfillError, match="above its size 10"):
        fill(order, "f2", "4.01")
    assert order.filled_size == 6
    assert order.status == OrderStatus.PARTIALLY_FILLED


@pytest.mark.parametrize("size", ["0", "-1"])
def test_fill_when_not_positive_then_refused(size: str) -> None:
    order = an_accepted_order()

    with pytest.raises(OverfillError):
        fill(order, "f1", size)
    assert order.fills == {}


def test_fills_when_they_add_up_to_the_size_then_filled() -> None:
    order = an_accepted_order()

    fill(order, "f1", "4")
    assert order.status == OrderStatus.PARTIALLY_FILLED
    fill(order, "f2", "6")

    assert order.status == OrderStatus.FILLED
    assert order.remaining_size == 0


def test_void_fill_when_the_only_fill_then_back_to_accepted() -> None:
    order = an_accepted_order()
    fill(order, "f1", "4", provisional=True)

    order.void_fill(fill_id="f1", reason="FAILED", at=T0)

    assert order.status == OrderStatus.ACCEPTED
    assert order.fills == {}


def test_void_fill_when_fill_unknown_then_illegal_transition() -> None:
    order = an_accepted_order()

    with pytest.raises(IllegalOrderTransitionError, match="no provisional fill nope"):
        order.void_fill(fill_id="nope", reason="FAILED", at=T0)


def test_cancel_when_partially_filled_then_records_the_unfilled_size() -> None:
    order = an_accepted_order()
    fill(order, "f1", "4")

    order.cancel(reason="FAK remainder canceled", at=T0)

    canceled = order.collect_events()[-1]
    assert type(canceled).__name__ == "OrderCanceled"
    assert canceled.canceled_size == 6


def test_uncertain_when_venue_answers_later_then_accept_follows() -> None:
    order = a_placed_order()
    order.mark_uncertain(error="timeout", at=T0)
    order.mark_uncertain(error="timeout again", at=T0)

    order.accept(venue_order_id="v-1", at=T0)

    assert order.status == OrderStatus.ACCEPTED


def test_order_event_when_triggered_without_a_timestamp_then_wall_clock_refused() -> None:
    order = a_placed_order()

    with pytest.raises(WallClockForbiddenError):
        order.trigger_event(Order.OrderAccepted, venue_order_id="v-1")
    assert order.status == OrderStatus.PLACED


def test_void_fill_when_the_fill_is_final_then_illegal_transition() -> None:
    order = an_accepted_order()
    fill(order, "f1", "4")

    with pytest.raises(IllegalOrderTransitionError, match="no provisional fill f1"):
        order.void_fill(fill_id="f1", reason="FAILED", at=T0)


def test_void_of_a_provisional_fill_of_a_filled_order_leaves_it_closed_as_canceled() -> None:
    order = an_accepted_order()
    fill(order, "f1", "10", provisional=True)
    assert order.status == OrderStatus.FILLED

    order.void_fill(fill_id="f1", reason="FAILED", at=T0)

    assert order.status == OrderStatus.CANCELED
    assert order.filled_size == 0
    assert fill(order, "f1", "10") is False  # a voided fill reported again is not taken back in


def test_confirmed_fill_is_final() -> None:
    order = an_accepted_order()
    fill(order, "f1", "4", provisional=True)

    order.confirm_fill(fill_id="f1", at=T0)

    assert order.fills["f1"]["provisional"] is False
    with pytest.raises(IllegalOrderTransitionError):
        order.void_fill(fill_id="f1", reason="FAILED", at=T0)
