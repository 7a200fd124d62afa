"""Cancelling on the operator's behalf: one order (``tape orders cancel``), and what a halt or
a reduce leaves resting at the venues. Each cancel is the engine command ``RequestCancel``:
the request and the venue's answer are recorded beside the order, a cancel is
``Order.OrderCanceled`` with the commitment released, and an order the venue did not answer
for stays open to be asked again (by the next request, or by the sweep ``tape follow`` runs
for halted and reducing agents)."""

from __future__ import annotations

from collections import Counter
from uuid import UUID

from adapters.control.holdings import open_orders
from engine import commands as c
from engine.agents import Agent
from engine.ids import agent_uuid
from engine.orders import Order
from engine.service import TradingEngine
from engine.values import Side, TradingState


def cancel_order(engine: TradingEngine, order_id: UUID, *, reason: str) -> str:
    """Cancel one order; answers what was done (``engine.handlers.operator_controls``)."""
    return engine.handle(c.RequestCancel(order_id, reason=reason))


def to_cancel(orders: list[Order], state: TradingState) -> list[Order]:
    """The resting orders a state switch cancels: every one for HALTED, the buys for REDUCING
    (its sells only reduce exposure, as the firewall lets them), none for ACTIVE."""
    if state is TradingState.HALTED:
        return orders
    if state is TradingState.REDUCING:
        return [o for o in orders if o.side == Side.BUY.value]
    return []


def cancel_for_state(
    engine: TradingEngine, agent: str, state: TradingState, *, from_log: bool = True
) -> dict[str, int]:
    """Cancel what ``state`` leaves resting of ``agent`` on every venue; answers outcome ->
    orders. ``from_log`` False: look only at the engine's own open orders (a running engine's,
    which recovery filled)."""
    ids = None if from_log else engine.open_orders
    orders = to_cancel(open_orders(engine.app, agent=agent, ids=ids), state)
    reason = f"agent {state.value.lower()}"
    return dict(Counter(cancel_order(engine, order.id, reason=reason) for order in orders))


def sweep(engine: TradingEngine, agents: list[str]) -> dict[str, dict[str, int]]:
    """For a running engine: cancel what halted and reducing agents still have resting
    (an agent switched from another process, a cancel the venue did not answer before)."""
    if not engine.has_open_orders:
        return {}
    done: dict[str, dict[str, int]] = {}
    for name in agents:
        with engine.step():  # the agent as stored now: tape agents halt writes from elsewhere
            agent: Agent | None = engine.unit.refresh(agent_uuid(name))
        if agent is None or agent.trading_state == TradingState.ACTIVE.value:
            continue
        outcome = cancel_for_state(engine, name, TradingState(agent.trading_state), from_log=False)
        if outcome:
            done[name] = outcome
    return done
