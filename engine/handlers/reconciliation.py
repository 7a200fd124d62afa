"""Reconciliation: ask an order's venue what it knows, record the answer beside the order
(``Reconciliation``) and apply it; an order the venue never saw is resubmitted (same client
order id) within its agent's staleness limit, else expired."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from uuid import UUID

from engine.agents import Agent
from engine.commands import (
    ApplyVenueReport,
    ExpireOrder,
    ReconcileOpenOrders,
    ReconcileOrder,
    RunPairs,
)
from engine.handlers.context import EngineContext
from engine.handlers.execution import count_failure, send
from engine.handlers.order_lookup import open_order_at_venue
from engine.ids import agent_uuid, reconciliation_uuid
from engine.order_states import OrderStatus
from engine.orders import Order
from engine.ports import VenuePort, VenueUncertainError
from engine.reconciliations import Reconciliation


def reconcile_open_orders(ctx: EngineContext, _: ReconcileOpenOrders) -> dict[str, int]:
    """Reconcile every order not yet terminal, then let open pairs go on; answers action ->
    orders."""
    actions = dict(Counter(reconcile_one(ctx, order_id) for order_id in sorted(ctx.open_orders)))
    if ctx.open_pairs:
        ctx.handle(RunPairs())
    return actions


def reconcile_one(ctx: EngineContext, order_id: UUID) -> str:
    """Reconcile one order (a step of its own)."""
    return ctx.handle(ReconcileOrder(order_id))


def reconcile(ctx: EngineContext, command: ReconcileOrder) -> str:
    """Answers what was done: terminal, no venue, venue unreachable, applied, unknown at
    venue, resubmitted or expired."""
    found = open_order_at_venue(ctx, command.order_id)
    if isinstance(found, str):
        return found
    order, venue, at = found.order, found.venue, found.at
    try:
        report = venue.order_status(order.client_order_id, at=at)
    except VenueUncertainError as error:
        count_failure(ctx, order.agent, str(error), at)
        return "venue unreachable"
    record = ctx.unit.find(reconciliation_uuid(str(order.id))) or Reconciliation.open(
        order_id=str(order.id),
        venue=order.venue,
        client_order_id=order.client_order_id,
        at=at,
    )
    if report is not None:
        status = "REJECTED" if not report.accepted else ("CLOSED" if report.closed else "OPEN")
        record.reported(
            found=True, venue_status=status, fills=len(report.fills), action="apply", at=at
        )
        ctx.unit.add(record)
        ctx.handle(ApplyVenueReport(report))
        return "applied"
    return _reconcile_unseen(ctx, order, venue, record, at)


def _reconcile_unseen(
    ctx: EngineContext, order: Order, venue: VenuePort, record: Reconciliation, at: datetime
) -> str:
    if order.status not in (OrderStatus.PLACED, OrderStatus.UNCERTAIN):
        record.reported(found=False, venue_status="UNKNOWN", fills=0, action="none: unknown", at=at)
        ctx.unit.add(record)
        return "unknown at venue"
    agent: Agent = ctx.unit.get(agent_uuid(order.agent))
    limit = agent.config.max_intent_age_s
    age = (at - order.created_on).total_seconds()
    if age <= limit:
        record.reported(found=False, venue_status="UNKNOWN", fills=0, action="resubmit", at=at)
        ctx.unit.add(record)
        send(ctx, order, venue)
        return "resubmitted"
    record.reported(found=False, venue_status="UNKNOWN", fills=0, action="expire", at=at)
    ctx.unit.add(record)
    reason = (
        f"the venue never received it and it is {age:g}s old, past the {limit}s "
        "staleness limit: not resubmitted"
    )
    ctx.handle(ExpireOrder(order.id, reason=reason))
    return "expired"


def expire(ctx: EngineContext, command: ExpireOrder) -> None:
    """``OrderExpired`` and the agent's commitment released."""
    order: Order = ctx.unit.get(command.order_id)
    at = ctx.after(order.modified_on)
    agent: Agent = ctx.unit.get(agent_uuid(order.agent))
    order.expire(reason=command.reason, at=at)
    agent.release_commitment(order_id=str(order.id), at=at)
    ctx.unit.add(order, agent)
    ctx.open_orders.discard(order.id)
